package dev.layerkit.service.grpc;

import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.internal.BuilderSettings;
import dev.layerkit.gateway.ratelimit.RateLimitDecision;
import dev.layerkit.gateway.ratelimit.RateLimiter;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Rejects calls over a {@link RateLimiter}'s limit with {@code RESOURCE_EXHAUSTED}, the wait in
 * the {@link GrpcInterceptors#RETRY_PUSHBACK_MS} trailer. Built by
 * {@link GrpcInterceptors#serverRateLimit(RateLimiter)}. Thread-safe; a rejection costs the
 * limiter's decision, one {@link Metadata} and one status, and the handler never runs.
 */
public final class RateLimitServerInterceptor implements ServerInterceptor {

  /** Who a call counts against. */
  @FunctionalInterface
  public interface KeyResolver {
    /**
     * Returns the key a call counts against.
     *
     * @param call the call
     * @param headers its headers
     * @return the key, not empty; null to let the call through unlimited
     */
    @Nullable String key(ServerCall<?, ?> call, Metadata headers);
  }

  private final RateLimiter limiter;
  private final KeyResolver keys;

  private RateLimitServerInterceptor(Builder b) {
    this.limiter = b.limiter;
    this.keys = b.keys;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    String key = keys.key(call, headers);
    if (key == null || key.isEmpty()) {
      return next.startCall(call, headers);
    }
    RateLimitDecision decision = limiter.tryAcquire(key);
    if (decision.allowed()) {
      return next.startCall(call, headers);
    }
    Metadata trailers = new Metadata();
    String millis = GrpcInterceptors.pushbackMillis(decision.retryAfterNanos());
    trailers.put(GrpcInterceptors.RETRY_PUSHBACK_MS, millis);
    call.close(Status.RESOURCE_EXHAUSTED.withDescription("rate limit exceeded for '" + key + "'; retry after "
        + millis + " ms"), trailers);
    return new ServerCall.Listener<>() {};
  }

  /** Builds a {@link RateLimitServerInterceptor}; each setting may be given once. Not thread-safe. */
  public static final class Builder {

    private final BuilderSettings settings = new BuilderSettings();
    private final RateLimiter limiter;
    private KeyResolver keys = (call, headers) -> call.getMethodDescriptor().getFullMethodName();

    Builder(RateLimiter limiter) {
      this.limiter = limiter;
    }

    /**
     * Sets who a call counts against; by default its full method name (a limit per method).
     *
     * @param keys resolves a call's key
     * @return this builder
     * @throws NullPointerException if {@code keys} is null
     * @throws IllegalStateException if a key rule was already set
     */
    public Builder keyResolver(KeyResolver keys) {
      Objects.requireNonNull(keys, "keys");
      settings.requireUnset("keyResolver", this.keys);
      this.keys = keys;
      return this;
    }

    /**
     * Makes calls count against the value of a request header, for example an API key; calls
     * without it count against {@code "anonymous"}.
     *
     * @param header the header name, for example {@code x-api-key}
     * @return this builder
     * @throws NullPointerException if {@code header} is null
     * @throws IllegalArgumentException if {@code header} is blank
     * @throws IllegalStateException if a key rule was already set
     */
    public Builder keyHeader(String header) {
      Metadata.Key<String> key = Metadata.Key.of(Arguments.notBlank(header, "header"), Metadata.ASCII_STRING_MARSHALLER);
      return keyResolver((call, headers) -> {
        String value = headers.get(key);
        return value == null || value.isEmpty() ? "anonymous" : value;
      });
    }

    /**
     * Builds the interceptor.
     *
     * @return a new interceptor
     */
    public RateLimitServerInterceptor build() {
      return new RateLimitServerInterceptor(this);
    }
  }
}
