package dev.layerkit.gateway.http;

import dev.layerkit.gateway.ratelimit.RateLimitDecision;
import io.netty.util.AsciiString;

/**
 * The {@code RateLimit-*} header names of the IETF httpapi rate-limit-headers draft, and the
 * reset value the gateway puts on a 429 (documented for users on {@link Route}).
 */
final class RateLimitHeaders {

  static final AsciiString LIMIT = AsciiString.cached("ratelimit-limit");
  static final AsciiString REMAINING = AsciiString.cached("ratelimit-remaining");
  static final AsciiString RESET = AsciiString.cached("ratelimit-reset");

  private RateLimitHeaders() {}

  /**
   * Returns the seconds until a denied request may succeed, rounded up and at least 1 (the value
   * of both {@code Retry-After} and {@code RateLimit-Reset}), or -1 when the limiter gives no
   * finite wait ({@code Long.MAX_VALUE} nanoseconds), when neither header is sent.
   */
  static long resetSeconds(RateLimitDecision decision) {
    long nanos = decision.retryAfterNanos();
    return nanos == Long.MAX_VALUE ? -1 : Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L);
  }
}
