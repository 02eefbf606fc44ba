package dev.layerkit.store;

/**
 * The base of the store's unchecked exceptions: a backend failed (connection lost, statement
 * refused) or the store refused an operation. The message names the repository.
 *
 * <p>Subclasses say what happened: {@link OptimisticLockException} (a stale version),
 * {@link ShardUnavailableException} (a shard is down), {@link ScatterQueryRejectedException}
 * (a query would touch every shard and the policy forbids it).
 */
public class StoreException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what failed, naming the repository
   * @param cause the underlying failure, or null
   */
  public StoreException(String message, @org.jspecify.annotations.Nullable Throwable cause) {
    super(message, cause);
  }

  /**
   * Creates an exception that skips filling in its stack trace, for rejections on hot paths.
   *
   * @param message what failed
   * @param cause the underlying failure, or null
   * @param writableStackTrace whether to fill in the stack trace
   */
  protected StoreException(String message, @org.jspecify.annotations.Nullable Throwable cause,
      boolean writableStackTrace) {
    super(message, cause, true, writableStackTrace);
  }
}
