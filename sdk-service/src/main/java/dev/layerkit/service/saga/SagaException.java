package dev.layerkit.service.saga;

/**
 * A saga could not be driven by this instance: another instance holds it, or took it over while
 * this one ran it, or this instance was closed or interrupted while running it. Unchecked; built by static factories that name the saga.
 *
 * <p>Nothing is lost when it is thrown: the saga's state is in the repository and its holder (or,
 * after the lease lapses, {@link Saga#resumeStale()}) drives it on.
 */
public final class SagaException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final String saga;
  private final String sagaId;

  private SagaException(String saga, String sagaId, String message, @org.jspecify.annotations.Nullable Throwable cause) {
    super(message, cause);
    this.saga = saga;
    this.sagaId = sagaId;
  }

  static SagaException heldByAnother(String saga, String sagaId, String owner, long leaseUntilMillis) {
    return new SagaException(saga, sagaId, "saga " + saga + " '" + sagaId + "' is being run by instance " + owner
        + " (lease until " + java.time.Instant.ofEpochMilli(leaseUntilMillis) + ")", null);
  }

  static SagaException takenOver(String saga, String sagaId, Throwable cause) {
    return new SagaException(saga, sagaId, "saga " + saga + " '" + sagaId
        + "' was taken over by another instance while this one ran it; its lease had lapsed", cause);
  }

  static SagaException interrupted(String saga, String sagaId, String step, InterruptedException cause) {
    return new SagaException(saga, sagaId, "saga " + saga + " '" + sagaId + "' was interrupted in step " + step
        + "; it is left for another instance to resume", cause);
  }

  static SagaException closed(String saga, String sagaId, String step, Throwable cause) {
    return new SagaException(saga, sagaId, "saga " + saga + " '" + sagaId + "' stopped in step " + step
        + " because the Saga was closed; it is left for another instance to resume", cause);
  }

  static SagaException otherSaga(String saga, String sagaId, String storedSaga) {
    return new SagaException(saga, sagaId, "id '" + sagaId + "' belongs to saga " + storedSaga + ", not " + saga, null);
  }

  /**
   * Returns the saga's name.
   *
   * @return the name given to {@link Saga#builder}
   */
  public String saga() {
    return saga;
  }

  /**
   * Returns the id of the saga run.
   *
   * @return the id
   */
  public String sagaId() {
    return sagaId;
  }
}
