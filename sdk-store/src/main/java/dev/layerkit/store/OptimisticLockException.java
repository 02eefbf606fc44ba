package dev.layerkit.store;

/**
 * Thrown by {@link Repository#save(Object)} when the entity's version is not the stored one:
 * another writer saved (or deleted) the entity since it was read. Nothing was written.
 *
 * <p>The usual answer is to read the entity again, reapply the change and save once more. The
 * message names the repository, the id and both versions.
 */
public final class OptimisticLockException extends StoreException {

  private static final long serialVersionUID = 1L;

  /** The {@link #actualVersion()} when no entity with the id is stored. */
  public static final long ABSENT = -1;

  private final String repository;
  private final String id;
  private final long expectedVersion;
  private final long actualVersion;

  private OptimisticLockException(String repository, String id, long expectedVersion, long actualVersion) {
    super("repository " + repository + ": cannot save entity " + id + " at version " + expectedVersion
        + ": the stored version is " + (actualVersion == ABSENT ? "absent (no such entity)" : Long.toString(actualVersion)),
        null, false);
    this.repository = repository;
    this.id = id;
    this.expectedVersion = expectedVersion;
    this.actualVersion = actualVersion;
  }

  /**
   * Creates the exception.
   *
   * @param repository the repository's name
   * @param id the entity's id, as text
   * @param expectedVersion the version the save carried
   * @param actualVersion the stored version, or {@link #ABSENT}
   * @return the exception
   */
  public static OptimisticLockException of(String repository, String id, long expectedVersion, long actualVersion) {
    return new OptimisticLockException(repository, id, expectedVersion, actualVersion);
  }

  /**
   * Returns the repository's name.
   *
   * @return the name
   */
  public String repository() {
    return repository;
  }

  /**
   * Returns the id of the entity, as text.
   *
   * @return the id
   */
  public String id() {
    return id;
  }

  /**
   * Returns the version the rejected save expected to replace.
   *
   * @return the expected version
   */
  public long expectedVersion() {
    return expectedVersion;
  }

  /**
   * Returns the version found in the store when the save was rejected, or {@link #ABSENT}.
   *
   * @return the stored version
   */
  public long actualVersion() {
    return actualVersion;
  }
}
