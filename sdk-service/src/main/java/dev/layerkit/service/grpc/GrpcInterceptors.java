package dev.layerkit.service.grpc;

import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.internal.DaemonSchedulers;
import dev.layerkit.gateway.ratelimit.RateLimiter;
import io.grpc.ClientInterceptor;
import io.grpc.Metadata;
import io.grpc.ServerInterceptor;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import org.jspecify.annotations.Nullable;

/**
 * The entry point for Layerkit's gRPC interceptors: rate limits, deadlines and metrics, for
 * servers and clients.
 *
 * <pre>{@code
 * Server server = ServerBuilder.forPort(9090)
 *     .addService(ServerInterceptors.intercept(service,
 *         GrpcInterceptors.serverRateLimit(limiter).keyHeader("x-api-key").build(),
 *         GrpcInterceptors.serverDeadline(Duration.ofSeconds(5)),
 *         GrpcInterceptors.serverMetrics(registry, "orders")))
 *     .build();
 * }</pre>
 *
 * <p>{@code ServerInterceptors.intercept} runs the last interceptor first, so list metrics last
 * to have them count the calls the others reject.
 *
 * <p>Every interceptor is thread-safe and may be shared by any number of services or channels.
 */
public final class GrpcInterceptors {

  /**
   * The trailer telling a rejected caller how long to wait, in milliseconds: gRPC's server
   * pushback ({@code grpc-retry-pushback-ms}, gRFC A6), which grpc-java's retry policy honours.
   */
  public static final Metadata.Key<String> RETRY_PUSHBACK_MS =
      Metadata.Key.of("grpc-retry-pushback-ms", Metadata.ASCII_STRING_MARSHALLER);

  private static final Object SCHEDULER_LOCK = new Object();
  private static @Nullable ScheduledExecutorService scheduler;

  private GrpcInterceptors() {}

  /**
   * Starts a server interceptor that takes one permit per call from {@code limiter} and answers
   * {@code RESOURCE_EXHAUSTED} when there is none, with the wait in the
   * {@link #RETRY_PUSHBACK_MS} trailer and in the description. By default calls count against
   * their full method name.
   *
   * @param limiter the limiter
   * @return a builder
   * @throws NullPointerException if {@code limiter} is null
   */
  public static RateLimitServerInterceptor.Builder serverRateLimit(RateLimiter limiter) {
    return new RateLimitServerInterceptor.Builder(Objects.requireNonNull(limiter, "limiter"));
  }

  /**
   * Returns a client interceptor that takes one permit per call from {@code limiter}, keyed by the
   * full method name, and fails the call locally with {@code RESOURCE_EXHAUSTED} (and the
   * {@link #RETRY_PUSHBACK_MS} trailer) when there is none, so a client throttles itself before
   * it loads the server.
   *
   * @param limiter the limiter
   * @return the interceptor
   * @throws NullPointerException if {@code limiter} is null
   */
  public static ClientInterceptor clientRateLimit(RateLimiter limiter) {
    return new RateLimitClientInterceptor(Objects.requireNonNull(limiter, "limiter"));
  }

  /**
   * Returns a server interceptor for deadlines: a call whose deadline has already passed is
   * answered {@code DEADLINE_EXCEEDED} without running the handler, and a call that came without
   * a deadline gets {@code defaultDeadline}, so its {@code Context} is cancelled when that passes
   * and handlers that watch it stop.
   *
   * @param defaultDeadline the deadline of calls that carry none, at least 1 ms
   * @return the interceptor
   * @throws NullPointerException if {@code defaultDeadline} is null
   * @throws IllegalArgumentException if {@code defaultDeadline} is under 1 ms
   */
  public static ServerInterceptor serverDeadline(Duration defaultDeadline) {
    Arguments.atLeastOneMilli(defaultDeadline, "defaultDeadline");
    return new DeadlineServerInterceptor(defaultDeadline, scheduler());
  }

  /**
   * Returns a client interceptor that gives {@code defaultDeadline} to every call made without a
   * deadline; gRPC then sends it to the server in {@code grpc-timeout}.
   *
   * @param defaultDeadline the deadline, at least 1 ms
   * @return the interceptor
   * @throws NullPointerException if {@code defaultDeadline} is null
   * @throws IllegalArgumentException if {@code defaultDeadline} is under 1 ms
   */
  public static ClientInterceptor clientDeadline(Duration defaultDeadline) {
    Arguments.atLeastOneMilli(defaultDeadline, "defaultDeadline");
    return new DeadlineClientInterceptor(defaultDeadline);
  }

  /**
   * Returns a server interceptor recording each call in the timer
   * {@code layerkit.service.grpc.server.calls}, tagged {@code name}, {@code method} and
   * {@code status} (the gRPC status code). One timer update per call.
   *
   * @param registry the registry
   * @param name the {@code name} tag, for example the service
   * @return the interceptor
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code name} is blank
   */
  public static ServerInterceptor serverMetrics(MeterRegistry registry, String name) {
    return new MetricsInterceptor(Objects.requireNonNull(registry, "registry"), Arguments.notBlank(name, "name"),
        "layerkit.service.grpc.server.calls");
  }

  /**
   * Returns a client interceptor recording each call in the timer
   * {@code layerkit.service.grpc.client.calls}, tagged {@code name}, {@code method} and
   * {@code status}.
   *
   * @param registry the registry
   * @param name the {@code name} tag, for example the called service
   * @return the interceptor
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code name} is blank
   */
  public static ClientInterceptor clientMetrics(MeterRegistry registry, String name) {
    return new MetricsInterceptor(Objects.requireNonNull(registry, "registry"), Arguments.notBlank(name, "name"),
        "layerkit.service.grpc.client.calls");
  }

  static String pushbackMillis(long retryAfterNanos) {
    return Long.toString(Math.max(1, (retryAfterNanos + 999_999) / 1_000_000));
  }

  private static ScheduledExecutorService scheduler() {
    synchronized (SCHEDULER_LOCK) {
      if (scheduler == null) {
        scheduler = DaemonSchedulers.create("layerkit-grpc-deadlines", 1);
      }
      return scheduler;
    }
  }
}
