package dev.layerkit.spring.ratelimit.reactive;

import dev.layerkit.gateway.ratelimit.RateLimitDecision;
import dev.layerkit.gateway.ratelimit.RateLimiter;
import dev.layerkit.spring.LayerkitProperties.KeySource;
import dev.layerkit.spring.ratelimit.RateLimitResponses;
import dev.layerkit.spring.ratelimit.RateLimitRules;
import dev.layerkit.spring.ratelimit.RateLimited;
import dev.layerkit.spring.ratelimit.RateLimiterRegistry;
import dev.layerkit.spring.ratelimit.RequestView;
import java.net.InetSocketAddress;
import java.security.Principal;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.reactive.result.method.annotation.RequestMappingHandlerMapping;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Applies {@code layerkit.ratelimit.web.rules}, and {@link RateLimited} on annotated WebFlux
 * handler methods, to reactive requests: a denial is answered 429 with {@code Retry-After} and
 * {@code RateLimit-*} headers, a limiter that throws 503.
 *
 * <p>Nothing blocks an event loop: in-memory limiters (which answer without I/O) are asked inline;
 * every other limiter, a Redis one included, is asked on Reactor's bounded-elastic scheduler,
 * since {@code RateLimiter} has only a synchronous call today (a Redis limiter waits up to its
 * timeout). When the limiter API gains an asynchronous call, this filter should use it instead.
 *
 * <p>Annotated handlers are found once at start from the {@link RequestMappingHandlerMapping}; when
 * there are some, each request not matched by a rule asks the mapping for its handler. Thread-safe.
 */
public final class RateLimitWebFilter implements WebFilter, Ordered {

  private static final Logger LOG = LoggerFactory.getLogger(RateLimitWebFilter.class);

  /** Stands for "the limiter threw"; compared by identity. */
  private static final RateLimitDecision FAILED = RateLimitDecision.denied(0, 1, 1);

  private final RateLimitRules rules;
  private final RateLimiterRegistry registry;
  private final @Nullable RequestMappingHandlerMapping handlerMapping;
  private final int order;

  /**
   * Creates the filter.
   *
   * @param rules the compiled rules
   * @param registry the named limiters, for {@link RateLimited}
   * @param handlerMapping the mapping whose handlers may carry {@link RateLimited}; null to ignore
   *     the annotation
   * @param order the filter's order
   * @throws NullPointerException if {@code rules} or {@code registry} is null
   */
  public RateLimitWebFilter(RateLimitRules rules, RateLimiterRegistry registry,
      @Nullable RequestMappingHandlerMapping handlerMapping, int order) {
    this.rules = Objects.requireNonNull(rules, "rules");
    this.registry = Objects.requireNonNull(registry, "registry");
    this.handlerMapping = handlerMapping != null && hasAnnotatedHandlers(handlerMapping) ? handlerMapping : null;
    this.order = order;
  }

  private static boolean hasAnnotatedHandlers(RequestMappingHandlerMapping mapping) {
    for (HandlerMethod method : mapping.getHandlerMethods().values()) {
      if (annotation(method) != null) {
        return true;
      }
    }
    return false;
  }

  private static @Nullable RateLimited annotation(HandlerMethod method) {
    RateLimited annotation = AnnotatedElementUtils.findMergedAnnotation(method.getMethod(), RateLimited.class);
    return annotation != null ? annotation
        : AnnotatedElementUtils.findMergedAnnotation(method.getBeanType(), RateLimited.class);
  }

  @Override
  public int getOrder() {
    return order;
  }

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
    ReactiveRequestView view = new ReactiveRequestView(exchange.getRequest());
    RateLimitRules.Rule rule = rules.match(view);
    if (rule == null) {
      return annotated(exchange, view, chain);
    }
    return check(exchange, view, rule.keySource(), rule.limiter(), rule.limiterName(), rule.permits(),
        rule.nonBlocking(), () -> annotated(exchange, view, chain));
  }

  /** Applies the handler's {@link RateLimited}, if any, then the rest of the chain. */
  private Mono<Void> annotated(ServerWebExchange exchange, RequestView view, WebFilterChain chain) {
    RequestMappingHandlerMapping mapping = handlerMapping;
    if (mapping == null) {
      return chain.filter(exchange);
    }
    // Mono<Void> completes empty, so "no annotation" must be a value, not an empty Mono: the
    // chain has to run exactly once either way.
    return mapping.getHandler(exchange)
        .map(handler -> Optional.ofNullable(handler instanceof HandlerMethod method ? annotation(method) : null))
        .defaultIfEmpty(Optional.empty())
        .flatMap(found -> {
          if (found.isEmpty()) {
            return chain.filter(exchange);
          }
          RateLimited annotation = found.get();
          String name = annotation.value();
          return check(exchange, view, annotation.key(), registry.get(name), name, annotation.permits(),
              registry.isNonBlocking(name), () -> chain.filter(exchange));
        });
  }

  private Mono<Void> check(ServerWebExchange exchange, RequestView view, KeySource source, RateLimiter limiter,
      String limiterName, long permits, boolean nonBlocking, Supplier<Mono<Void>> next) {
    Mono<String> key = source == KeySource.PRINCIPAL
        ? exchange.getPrincipal().map(Principal::getName)
            .map(name -> rules.key(source, view, name))
            .switchIfEmpty(Mono.fromSupplier(() -> rules.key(source, view, null)))
        : Mono.fromSupplier(() -> rules.key(source, view, null));
    return key.flatMap(k -> decide(limiter, k, permits, nonBlocking))
        .onErrorResume(LimiterFailure.class, e -> {
          LOG.warn("Rate limiter '{}' failed; answering 503", limiterName, e.getCause());
          return Mono.just(FAILED);
        })
        .flatMap(decision -> {
          if (decision == FAILED) {
            return write(exchange.getResponse(), HttpStatus.SERVICE_UNAVAILABLE, Map.of(),
                RateLimitResponses.failedBody());
          }
          return decision.allowed() ? next.get() : deny(exchange.getResponse(), decision);
        });
  }

  private static Mono<RateLimitDecision> decide(RateLimiter limiter, String key, long permits, boolean nonBlocking) {
    if (nonBlocking) {
      // Layerkit's own limiters decide asynchronously (Redis through Lettuce's async API, memory
      // at once): the event loop never waits.
      return Mono.defer(() -> Mono.fromCompletionStage(limiter.tryAcquireAsync(key, permits)))
          .onErrorMap(e -> !(e instanceof LimiterFailure), LimiterFailure::new);
    }
    Mono<RateLimitDecision> call = Mono.fromCallable(() -> {
      try {
        return limiter.tryAcquire(key, permits);
      } catch (RuntimeException e) {
        throw new LimiterFailure(e);
      }
    });
    return call.subscribeOn(Schedulers.boundedElastic()); // a limiter of the user's: may block
  }

  private static Mono<Void> deny(ServerHttpResponse response, RateLimitDecision decision) {
    return write(response, HttpStatus.TOO_MANY_REQUESTS, RateLimitResponses.deniedHeaders(decision),
        RateLimitResponses.deniedBody());
  }

  private static Mono<Void> write(ServerHttpResponse response, HttpStatus status, Map<String, String> headers,
      byte[] body) {
    response.setStatusCode(status);
    headers.forEach(response.getHeaders()::set);
    response.getHeaders().setContentType(MediaType.parseMediaType(RateLimitResponses.CONTENT_TYPE));
    response.getHeaders().setContentLength(body.length);
    DataBuffer buffer = response.bufferFactory().wrap(body);
    return response.writeWith(Mono.just(buffer));
  }

  /** A limiter's own exception, kept apart from errors of the rest of the chain. */
  private static final class LimiterFailure extends RuntimeException {
    LimiterFailure(Throwable cause) {
      super(cause);
    }
  }

  /** A reactive request as the rules read it. */
  private static final class ReactiveRequestView implements RequestView {
    private final ServerHttpRequest request;

    ReactiveRequestView(ServerHttpRequest request) {
      this.request = request;
    }

    @Override
    public String method() {
      return request.getMethod().name();
    }

    @Override
    public String path() {
      return request.getPath().pathWithinApplication().value();
    }

    @Override
    public @Nullable String header(String name) {
      return request.getHeaders().getFirst(name);
    }

    @Override
    public List<String> headers(String name) {
      List<String> values = request.getHeaders().get(name);
      return values == null ? List.of() : values;
    }

    @Override
    public InetSocketAddress remoteAddress() {
      InetSocketAddress remote = request.getRemoteAddress();
      return remote != null ? remote : InetSocketAddress.createUnresolved("0.0.0.0", 0);
    }
  }
}
