package dev.layerkit.service.saga;

import dev.layerkit.store.EntityDescriptor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A saga's durable state, one entity per saga in a {@code Repository<String, SagaRecord>}: where
 * it is, the outputs of its steps, who drives it until when, and its history. Saved after every
 * transition with the repository's optimistic version check, which is what keeps two instances
 * from driving one saga: the second save of one version fails.
 *
 * <p>Make the repository with {@link #descriptor()}, for example {@code
 * JdbcRepository.builder(SagaRecord.descriptor()).table("sagas")} or {@code
 * Repositories.inMemory(SagaRecord.descriptor()).name("sagas")}. Stored as JSON; the fields below
 * are its JSON fields, {@code saga}, {@code status} and {@code leaseUntil} indexed for {@link
 * Saga#resumeStale()}.
 *
 * <p>Immutable and thread-safe.
 *
 * @param id the saga's id
 * @param saga the saga's name ({@link Saga#name()})
 * @param status where it is
 * @param input the input, as the saga's codec's UTF-8 text
 * @param step while {@code RUNNING}, the index of the step to run next (the steps before it
 *     completed); while {@code COMPENSATING}, the index of the step to compensate next (down to 0)
 * @param outputs the outputs of completed steps, by step name
 * @param attempts how many times each step's action (or compensation, under {@code
 *     "<step>/compensation"}) was started
 * @param failure the failure that made it compensate or stop, or null
 * @param owner the instance that drives it
 * @param leaseUntil until when the owner holds it, in epoch milliseconds; after that another
 *     instance may take it over
 * @param createdAt when it started, in epoch milliseconds
 * @param updatedAt when it last changed, in epoch milliseconds
 * @param events its history, oldest first
 * @param version the repository's optimistic version
 */
public record SagaRecord(String id, String saga, SagaStatus status, String input, int step,
    Map<String, String> outputs, Map<String, Integer> attempts, @Nullable String failure, String owner,
    long leaseUntil, long createdAt, long updatedAt, List<SagaEvent> events, long version) {

  private static final EntityDescriptor<String, SagaRecord> DESCRIPTOR =
      EntityDescriptor.builder(SagaRecord.class, SagaRecord::id)
          .version(SagaRecord::version, SagaRecord::withVersion)
          .index("saga", "status", "leaseUntil")
          .build();

  /**
   * Checks and copies the parts.
   *
   * @param id the id
   * @param saga the saga name
   * @param status the status
   * @param input the input text
   * @param step the step index
   * @param outputs the outputs
   * @param attempts the attempts
   * @param failure the failure
   * @param owner the owner
   * @param leaseUntil the lease
   * @param createdAt the creation time
   * @param updatedAt the last change
   * @param events the history
   * @param version the version
   * @throws NullPointerException if a part other than {@code failure} is null
   */
  public SagaRecord {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(saga, "saga");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(input, "input");
    outputs = Map.copyOf(outputs);
    attempts = Map.copyOf(attempts);
    Objects.requireNonNull(owner, "owner");
    events = List.copyOf(events);
  }

  /**
   * Returns the descriptor of saga records for a repository: id {@code id}, version {@code
   * version}, JSON codec, indexes on {@code saga}, {@code status} and {@code leaseUntil}.
   *
   * @return the descriptor
   */
  public static EntityDescriptor<String, SagaRecord> descriptor() {
    return DESCRIPTOR;
  }

  static SagaRecord start(String id, String saga, String input, String owner, long now, long leaseUntil) {
    return new SagaRecord(id, saga, SagaStatus.RUNNING, input, 0, Map.of(), Map.of(), null, owner, leaseUntil,
        now, now, List.of(new SagaEvent(now, SagaEvent.Type.SAGA_STARTED, null, owner, null)), 0);
  }

  SagaRecord withVersion(long newVersion) {
    return new SagaRecord(id, saga, status, input, step, outputs, attempts, failure, owner, leaseUntil, createdAt,
        updatedAt, events, newVersion);
  }

  /** Starts a transition: the copy an instance edits and saves with one event. */
  Next next(String instance, long now, long newLeaseUntil) {
    return new Next(this, instance, now, newLeaseUntil);
  }

  /** A transition of a record, built then turned into the record to save. Not thread-safe. */
  static final class Next {
    private final SagaRecord from;
    private final String instance;
    private final long now;
    private final long leaseUntil;
    private SagaStatus status;
    private int step;
    private final Map<String, String> outputs;
    private final Map<String, Integer> attempts;
    private @Nullable String failure;

    private Next(SagaRecord from, String instance, long now, long leaseUntil) {
      this.from = from;
      this.instance = instance;
      this.now = now;
      this.leaseUntil = leaseUntil;
      this.status = from.status;
      this.step = from.step;
      this.outputs = new HashMap<>(from.outputs);
      this.attempts = new HashMap<>(from.attempts);
      this.failure = from.failure;
    }

    Next status(SagaStatus newStatus) {
      this.status = newStatus;
      return this;
    }

    Next step(int newStep) {
      this.step = newStep;
      return this;
    }

    Next output(String stepName, @Nullable String output) {
      if (output != null) {
        outputs.put(stepName, output);
      }
      return this;
    }

    int attempt(String counter) {
      int attempt = attempts.getOrDefault(counter, 0) + 1;
      attempts.put(counter, attempt);
      return attempt;
    }

    Next failure(@Nullable String newFailure) {
      this.failure = newFailure;
      return this;
    }

    SagaRecord event(SagaEvent.Type type, @Nullable String stepName, @Nullable String detail) {
      List<SagaEvent> events = new ArrayList<>(from.events);
      events.add(new SagaEvent(now, type, stepName, instance, detail));
      return new SagaRecord(from.id, from.saga, status, from.input, step, outputs, attempts, failure, instance,
          leaseUntil, from.createdAt, now, events, from.version);
    }
  }
}
