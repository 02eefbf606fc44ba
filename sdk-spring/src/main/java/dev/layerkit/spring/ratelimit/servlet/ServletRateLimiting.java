package dev.layerkit.spring.ratelimit.servlet;

import dev.layerkit.gateway.ratelimit.RateLimitDecision;
import dev.layerkit.gateway.ratelimit.RateLimiter;
import dev.layerkit.spring.ratelimit.RateLimitResponses;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Asks a limiter and writes the 429 (or 503) of the servlet side. */
final class ServletRateLimiting {

  private static final Logger LOG = LoggerFactory.getLogger(ServletRateLimiting.class);

  private ServletRateLimiting() {}

  /** Returns true if the request may go on; otherwise the response is written. */
  static boolean admit(RateLimiter limiter, String limiterName, String key, long permits,
      HttpServletResponse response) throws IOException {
    RateLimitDecision decision;
    try {
      decision = limiter.tryAcquire(key, permits);
    } catch (RuntimeException e) {
      LOG.warn("Rate limiter '{}' failed; answering 503", limiterName, e);
      write(response, RateLimitResponses.SERVICE_UNAVAILABLE, Map.of(), RateLimitResponses.failedBody());
      return false;
    }
    if (decision.allowed()) {
      return true;
    }
    write(response, RateLimitResponses.TOO_MANY_REQUESTS, RateLimitResponses.deniedHeaders(decision),
        RateLimitResponses.deniedBody());
    return false;
  }

  private static void write(HttpServletResponse response, int status, Map<String, String> headers, byte[] body)
      throws IOException {
    response.setStatus(status);
    headers.forEach(response::setHeader);
    response.setContentType(RateLimitResponses.CONTENT_TYPE);
    response.setContentLength(body.length);
    response.getOutputStream().write(body);
    response.flushBuffer();
  }
}
