package dev.layerkit.gateway.http;

import io.netty.util.AsciiString;

/** The {@code RateLimit-*} header names of the IETF httpapi rate-limit-headers draft. */
final class RateLimitHeaders {

  static final AsciiString LIMIT = AsciiString.cached("ratelimit-limit");
  static final AsciiString REMAINING = AsciiString.cached("ratelimit-remaining");
  static final AsciiString RESET = AsciiString.cached("ratelimit-reset");

  private RateLimitHeaders() {}
}
