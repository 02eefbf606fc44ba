package dev.layerkit.spring.ratelimit.servlet;

import dev.layerkit.spring.ratelimit.RateLimitRules;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.security.Principal;
import java.util.Objects;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Applies {@code layerkit.ratelimit.web.rules} to servlet requests: the first matching rule's
 * limiter is asked for the request's key, and a denial is answered 429 with {@code Retry-After}
 * and {@code RateLimit-*} headers without calling the rest of the chain; a limiter that throws is
 * answered 503 (logged, no stack trace to the client). Requests no rule matches pass untouched.
 *
 * <p>The limiter is called on the request thread: an in-memory limiter answers in nanoseconds, a
 * Redis limiter within its timeout. Thread-safe.
 */
public final class RateLimitServletFilter extends OncePerRequestFilter {

  private final RateLimitRules rules;

  /**
   * Creates the filter.
   *
   * @param rules the compiled rules
   * @throws NullPointerException if {@code rules} is null
   */
  public RateLimitServletFilter(RateLimitRules rules) {
    this.rules = Objects.requireNonNull(rules, "rules");
  }

  @Override
  protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    ServletRequestView view = new ServletRequestView(request);
    RateLimitRules.Rule rule = rules.match(view);
    if (rule != null) {
      Principal principal = request.getUserPrincipal();
      String key = rules.key(rule.keySource(), view, principal == null ? null : principal.getName());
      if (!ServletRateLimiting.admit(rule.limiter(), rule.limiterName(), key, rule.permits(), response)) {
        return;
      }
    }
    chain.doFilter(request, response);
  }
}
