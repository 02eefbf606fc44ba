package dev.layerkit.spring.ratelimit;

import dev.layerkit.gateway.ratelimit.RateLimitDecision;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a denied request is answered: status 429, the headers of the IETF httpapi
 * rate-limit-headers draft as the Layerkit gateway sends them ({@code RateLimit-Limit},
 * {@code RateLimit-Remaining}, {@code RateLimit-Reset}, and {@code Retry-After} for RFC 9110
 * clients), and a small {@code application/problem+json} body.
 *
 * <p>The gateway's own header helper is package-private in {@code dev.layerkit.gateway.http}
 * (and on Netty types), so the same arithmetic is repeated here: seconds rounded up, at least 1,
 * and no reset headers when the limiter gives no finite wait.
 */
public final class RateLimitResponses {

  /** The status of a denied request. */
  public static final int TOO_MANY_REQUESTS = 429;

  /** The status when the limiter itself failed (it threw). */
  public static final int SERVICE_UNAVAILABLE = 503;

  /** The content type of the body. */
  public static final String CONTENT_TYPE = "application/problem+json";

  private static final byte[] DENIED_BODY =
      "{\"type\":\"about:blank\",\"title\":\"Too Many Requests\",\"status\":429,\"detail\":\"rate limit exceeded\"}"
          .getBytes(java.nio.charset.StandardCharsets.UTF_8);
  private static final byte[] FAILED_BODY =
      "{\"type\":\"about:blank\",\"title\":\"Service Unavailable\",\"status\":503,\"detail\":\"rate limiter unavailable\"}"
          .getBytes(java.nio.charset.StandardCharsets.UTF_8);

  private RateLimitResponses() {}

  /**
   * Returns the seconds until a denied request may succeed, rounded up and at least 1, or -1 when
   * the limiter gives no finite wait.
   *
   * @param decision a denied decision
   * @return the seconds, or -1
   */
  public static long resetSeconds(RateLimitDecision decision) {
    long nanos = decision.retryAfterNanos();
    return nanos == Long.MAX_VALUE ? -1 : Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L);
  }

  /**
   * Returns the headers of a 429 for {@code decision}, in sending order.
   *
   * @param decision a denied decision
   * @return header names and values
   */
  public static Map<String, String> deniedHeaders(RateLimitDecision decision) {
    Map<String, String> headers = new LinkedHashMap<>();
    long reset = resetSeconds(decision);
    if (reset > 0) {
      headers.put("Retry-After", Long.toString(reset));
      headers.put("RateLimit-Reset", Long.toString(reset));
    }
    headers.put("RateLimit-Limit", Long.toString(decision.limit()));
    headers.put("RateLimit-Remaining", Long.toString(decision.remaining()));
    return headers;
  }

  /**
   * Returns the body of a 429: a problem detail.
   *
   * @return a new copy of the bytes
   */
  public static byte[] deniedBody() {
    return DENIED_BODY.clone();
  }

  /**
   * Returns the body of a 503 when the limiter failed.
   *
   * @return a new copy of the bytes
   */
  public static byte[] failedBody() {
    return FAILED_BODY.clone();
  }
}
