package dev.layerkit.spring.ratelimit;

import dev.layerkit.spring.LayerkitProperties.KeySource;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Applies a named rate limiter to a Spring MVC or WebFlux controller method (or every handler
 * method of a controller class): a denied call is answered 429 with {@code Retry-After} and
 * {@code RateLimit-*} headers before the method runs. A request that a
 * {@code layerkit.ratelimit.web.rules} rule also matches must pass both.
 *
 * <pre>{@code
 * @RateLimited(value = "orders", key = KeySource.API_KEY)
 * @PostMapping("/orders")
 * Order place(@RequestBody OrderRequest request) { ... }
 * }</pre>
 *
 * <p>The name must be a key of {@code layerkit.ratelimit.limiters}; an unknown name fails the
 * first matching request with an {@code IllegalArgumentException} naming the known ones.
 */
@Target({ElementType.METHOD, ElementType.TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface RateLimited {

  /**
   * The limiter's name.
   *
   * @return the name
   */
  String value();

  /**
   * Who a call counts against.
   *
   * @return the key source; the client IP by default
   */
  KeySource key() default KeySource.IP;

  /**
   * Permits one call takes.
   *
   * @return the permits, at least 1
   */
  long permits() default 1;
}
