package dev.layerkit.service.idempotency;

import java.time.Duration;
import java.util.Objects;

/**
 * What {@link Idempotency#execute} did with a request, one type per answer of the IETF {@code
 * Idempotency-Key} draft. A server maps it to HTTP with {@link #response()}, or switches on the
 * type:
 *
 * <pre>{@code
 * IdempotencyOutcome outcome = idempotency.execute(key, fingerprint, () -> placeOrder(body));
 * IdempotentResponse answer = outcome.response();   // 201 / replayed 201 / 409 / 422
 * if (outcome instanceof IdempotencyOutcome.Executed) {
 *   events.publish("orders", orderId, created);      // only the request that ran publishes
 * }
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public sealed interface IdempotencyOutcome {

  /** The header a replayed response carries, {@code Idempotent-Replayed: true}, as Stripe's. */
  String REPLAYED_HEADER = "Idempotent-Replayed";

  /**
   * Returns the HTTP response for this outcome.
   *
   * @return the response
   */
  IdempotentResponse response();

  /**
   * The key was free: the action ran and this is its response (stored, unless the builder's
   * {@code storeIf} rejected it).
   *
   * @param response the action's response
   */
  record Executed(IdempotentResponse response) implements IdempotencyOutcome {
    /**
     * Checks the parts.
     *
     * @param response the response
     * @throws NullPointerException if {@code response} is null
     */
    public Executed {
      Objects.requireNonNull(response, "response");
    }
  }

  /**
   * A request with the same key and fingerprint ran before: this is its stored response. The
   * action did not run.
   *
   * @param stored the stored response
   */
  record Replayed(IdempotentResponse stored) implements IdempotencyOutcome {
    /**
     * Checks the parts.
     *
     * @param stored the stored response
     * @throws NullPointerException if {@code stored} is null
     */
    public Replayed {
      Objects.requireNonNull(stored, "stored");
    }

    /**
     * Returns the stored response with {@code Idempotent-Replayed: true} added.
     *
     * @return the response
     */
    @Override
    public IdempotentResponse response() {
      return stored.withHeader(REPLAYED_HEADER, "true");
    }
  }

  /**
   * A request with the same key and fingerprint is still running: answer {@code 409 Conflict}
   * with {@code Retry-After}. The action did not run.
   *
   * @param retryAfter when a retry may find the first request finished: the builder's {@code
   *     retryAfter}, shortened to the time left on the running request's claim
   */
  record InFlight(Duration retryAfter) implements IdempotencyOutcome {
    /**
     * Checks the parts.
     *
     * @param retryAfter the delay
     * @throws NullPointerException if {@code retryAfter} is null
     */
    public InFlight {
      Objects.requireNonNull(retryAfter, "retryAfter");
    }

    /**
     * Returns {@code 409} with {@code Retry-After} in whole seconds (at least 1) and a problem
     * details body.
     *
     * @return the response
     */
    @Override
    public IdempotentResponse response() {
      long seconds = Math.max(1, (retryAfter.toMillis() + 999) / 1000);
      return IdempotentResponse.of(409, problem("A request with this Idempotency-Key is still being processed", 409))
          .withHeader("Content-Type", "application/problem+json")
          .withHeader("Retry-After", Long.toString(seconds));
    }
  }

  /**
   * The key was used before with another method, path or body: answer {@code 422 Unprocessable
   * Content}. The action did not run.
   *
   * @param expected the fingerprint the key is held with
   * @param actual this request's fingerprint
   */
  record KeyReused(RequestFingerprint expected, RequestFingerprint actual) implements IdempotencyOutcome {
    /**
     * Checks the parts.
     *
     * @param expected the fingerprint held
     * @param actual the request's fingerprint
     * @throws NullPointerException if an argument is null
     */
    public KeyReused {
      Objects.requireNonNull(expected, "expected");
      Objects.requireNonNull(actual, "actual");
    }

    /**
     * Returns {@code 422} with a problem details body.
     *
     * @return the response
     */
    @Override
    public IdempotentResponse response() {
      return IdempotentResponse.of(422, problem("This Idempotency-Key was used with another request payload", 422))
          .withHeader("Content-Type", "application/problem+json");
    }
  }

  private static String problem(String title, int status) {
    return "{\"type\":\"https://datatracker.ietf.org/doc/draft-ietf-httpapi-idempotency-key-header/\","
        + "\"title\":\"" + title + "\",\"status\":" + status + "}";
  }
}
