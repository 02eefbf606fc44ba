package dev.layerkit.service.grpc;

import dev.layerkit.gateway.ratelimit.RateLimitDecision;
import dev.layerkit.gateway.ratelimit.RateLimiter;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import org.jspecify.annotations.Nullable;

/** Fails calls over the limiter's limit locally; see {@link GrpcInterceptors#clientRateLimit}. */
final class RateLimitClientInterceptor implements ClientInterceptor {

  private final RateLimiter limiter;

  RateLimitClientInterceptor(RateLimiter limiter) {
    this.limiter = limiter;
  }

  @Override
  public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
    RateLimitDecision decision = limiter.tryAcquire(method.getFullMethodName());
    if (decision.allowed()) {
      return next.newCall(method, options);
    }
    String millis = GrpcInterceptors.pushbackMillis(decision.retryAfterNanos());
    return new Rejected<>(Status.RESOURCE_EXHAUSTED.withDescription("client-side rate limit exceeded for '"
        + method.getFullMethodName() + "'; retry after " + millis + " ms"), millis);
  }

  /** A call that never reaches the network: it closes with the status as soon as it starts. */
  private static final class Rejected<Q, R> extends ClientCall<Q, R> {
    private final Status status;
    private final String millis;

    Rejected(Status status, String millis) {
      this.status = status;
      this.millis = millis;
    }

    @Override
    public void start(Listener<R> listener, Metadata headers) {
      Metadata trailers = new Metadata();
      trailers.put(GrpcInterceptors.RETRY_PUSHBACK_MS, millis);
      listener.onClose(status, trailers);
    }

    @Override
    public void request(int numMessages) {}

    @Override
    public void cancel(@Nullable String message, @Nullable Throwable cause) {}

    @Override
    public void halfClose() {}

    @Override
    public void sendMessage(Q message) {}
  }
}
