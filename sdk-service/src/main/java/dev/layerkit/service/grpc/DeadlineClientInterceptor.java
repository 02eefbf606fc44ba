package dev.layerkit.service.grpc;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.MethodDescriptor;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Gives calls without a deadline a default one; see {@link GrpcInterceptors#clientDeadline}. */
final class DeadlineClientInterceptor implements ClientInterceptor {

  private final long defaultNanos;

  DeadlineClientInterceptor(Duration defaultDeadline) {
    this.defaultNanos = defaultDeadline.toNanos();
  }

  @Override
  public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
    CallOptions withDeadline = options.getDeadline() == null
        ? options.withDeadlineAfter(defaultNanos, TimeUnit.NANOSECONDS) : options;
    return next.newCall(method, withDeadline);
  }
}
