package dev.layerkit.service.grpc;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/** Times calls by method and status; see {@link GrpcInterceptors#serverMetrics}. */
final class MetricsInterceptor implements ServerInterceptor, ClientInterceptor {

  private final MeterRegistry registry;
  private final String name;
  private final String meter;

  MetricsInterceptor(MeterRegistry registry, String name, String meter) {
    this.registry = registry;
    this.name = name;
    this.meter = meter;
  }

  private void record(MethodDescriptor<?, ?> method, Status status, long start) {
    Timer.builder(meter)
        .description("gRPC calls by method and status")
        .tag("name", name)
        .tag("method", method.getFullMethodName())
        .tag("status", status.getCode().name())
        .register(registry)
        .record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    long start = System.nanoTime();
    return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
      @Override
      public void close(Status status, Metadata trailers) {
        record(call.getMethodDescriptor(), status, start);
        super.close(status, trailers);
      }
    }, headers);
  }

  @Override
  public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
    return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
      @Override
      public void start(Listener<R> listener, Metadata headers) {
        long start = System.nanoTime();
        super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
          @Override
          public void onClose(Status status, Metadata trailers) {
            record(method, status, start);
            super.onClose(status, trailers);
          }
        }, headers);
      }
    };
  }
}
