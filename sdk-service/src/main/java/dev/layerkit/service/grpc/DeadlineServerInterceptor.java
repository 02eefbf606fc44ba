package dev.layerkit.service.grpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Deadline;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** Rejects expired calls and gives a default deadline; see {@link GrpcInterceptors#serverDeadline}. */
final class DeadlineServerInterceptor implements ServerInterceptor {

  private final long defaultNanos;
  private final ScheduledExecutorService scheduler;

  DeadlineServerInterceptor(Duration defaultDeadline, ScheduledExecutorService scheduler) {
    this.defaultNanos = defaultDeadline.toNanos();
    this.scheduler = scheduler;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    Deadline deadline = Context.current().getDeadline();
    if (deadline != null) {
      if (deadline.isExpired()) {
        call.close(Status.DEADLINE_EXCEEDED.withDescription("the caller's deadline passed before "
            + call.getMethodDescriptor().getFullMethodName() + " was handled"), new Metadata());
        return new ServerCall.Listener<>() {};
      }
      return next.startCall(call, headers);
    }
    Context.CancellableContext context = Context.current()
        .withDeadline(Deadline.after(defaultNanos, TimeUnit.NANOSECONDS), scheduler);
    ServerCall.Listener<Q> listener = Contexts.interceptCall(context, call, headers, next);
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
      @Override
      public void onComplete() {
        try {
          super.onComplete();
        } finally {
          context.cancel(null);
        }
      }

      @Override
      public void onCancel() {
        try {
          super.onCancel();
        } finally {
          context.cancel(null);
        }
      }
    };
  }
}
