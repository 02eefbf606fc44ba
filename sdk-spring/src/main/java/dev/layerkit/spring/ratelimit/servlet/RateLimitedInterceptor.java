package dev.layerkit.spring.ratelimit.servlet;

import dev.layerkit.spring.ratelimit.RateLimitRules;
import dev.layerkit.spring.ratelimit.RateLimited;
import dev.layerkit.spring.ratelimit.RateLimiterRegistry;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.security.Principal;
import java.util.Objects;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Applies {@link RateLimited} on Spring MVC handler methods (the method's annotation, else its
 * class's) before the handler runs; a denial is the same 429 as the filter's. Thread-safe.
 */
public final class RateLimitedInterceptor implements HandlerInterceptor {

  private final RateLimiterRegistry registry;
  private final RateLimitRules rules;

  /**
   * Creates the interceptor.
   *
   * @param registry the named limiters
   * @param rules the rules, for key resolution (API key header, trusted proxies)
   * @throws NullPointerException if an argument is null
   */
  public RateLimitedInterceptor(RateLimiterRegistry registry, RateLimitRules rules) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.rules = Objects.requireNonNull(rules, "rules");
  }

  @Override
  public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler)
      throws Exception {
    if (!(handler instanceof HandlerMethod method)) {
      return true;
    }
    RateLimited annotation = AnnotatedElementUtils.findMergedAnnotation(method.getMethod(), RateLimited.class);
    if (annotation == null) {
      annotation = AnnotatedElementUtils.findMergedAnnotation(method.getBeanType(), RateLimited.class);
    }
    if (annotation == null) {
      return true;
    }
    Principal principal = request.getUserPrincipal();
    String key = rules.key(annotation.key(), new ServletRequestView(request),
        principal == null ? null : principal.getName());
    return ServletRateLimiting.admit(registry.get(annotation.value()), annotation.value(), key,
        annotation.permits(), response);
  }
}
