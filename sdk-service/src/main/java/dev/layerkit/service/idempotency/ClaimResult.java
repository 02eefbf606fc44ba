package dev.layerkit.service.idempotency;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What an {@link IdempotencyKeyStore} found when asked to claim a key: the claim is the caller's,
 * or the key is held by a request still running, or the key holds a stored response.
 *
 * <p>The store does not compare fingerprints; it returns the one it holds and {@link
 * Idempotency} decides between a replay, a {@code 409} and a {@code 422}.
 *
 * <p>Immutable and thread-safe.
 *
 * @param state what the store found
 * @param fingerprint the fingerprint the key is held with; null when {@code state} is {@link
 *     State#ACQUIRED}
 * @param response the stored response; set only when {@code state} is {@link State#COMPLETED}
 * @param expiresAtMillis when the claim or the stored response expires, in milliseconds since
 *     the epoch on the time source the caller passed; 0 when {@code state} is {@link
 *     State#ACQUIRED}
 */
public record ClaimResult(State state, @Nullable RequestFingerprint fingerprint,
    @Nullable IdempotentResponse response, long expiresAtMillis) {

  private static final ClaimResult ACQUIRED = new ClaimResult(State.ACQUIRED, null, null, 0);

  /** The three states a key can be found in, one transition each in {@link Idempotency}. */
  public enum State {
    /** The key was free (absent or expired) and is now claimed by the caller's token. */
    ACQUIRED,
    /** Another request holds the claim and has not finished. */
    IN_FLIGHT,
    /** A response is stored under the key. */
    COMPLETED
  }

  /**
   * Checks that the parts agree with the state.
   *
   * @param state the state
   * @param fingerprint the fingerprint held
   * @param response the stored response
   * @param expiresAtMillis the expiry
   * @throws NullPointerException if {@code state} is null, or a part the state needs is null
   */
  public ClaimResult {
    Objects.requireNonNull(state, "state");
    if (state != State.ACQUIRED) {
      Objects.requireNonNull(fingerprint, "fingerprint");
    }
    if (state == State.COMPLETED) {
      Objects.requireNonNull(response, "response");
    }
  }

  /**
   * Returns the result of a claim the caller now holds.
   *
   * @return the result
   */
  public static ClaimResult acquired() {
    return ACQUIRED;
  }

  /**
   * Returns the result for a key held by a request still running.
   *
   * @param fingerprint the fingerprint the key is held with
   * @param expiresAtMillis when the claim lapses if it is never completed
   * @return the result
   * @throws NullPointerException if {@code fingerprint} is null
   */
  public static ClaimResult inFlight(RequestFingerprint fingerprint, long expiresAtMillis) {
    return new ClaimResult(State.IN_FLIGHT, fingerprint, null, expiresAtMillis);
  }

  /**
   * Returns the result for a key that holds a response.
   *
   * @param fingerprint the fingerprint the response was stored with
   * @param response the response
   * @param expiresAtMillis when the key expires
   * @return the result
   * @throws NullPointerException if an object argument is null
   */
  public static ClaimResult completed(RequestFingerprint fingerprint, IdempotentResponse response,
      long expiresAtMillis) {
    return new ClaimResult(State.COMPLETED, fingerprint, response, expiresAtMillis);
  }
}
