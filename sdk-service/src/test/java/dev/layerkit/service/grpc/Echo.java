package dev.layerkit.service.grpc;

import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** A one-method gRPC service with string messages (no protobuf), optionally slow. */
final class Echo {

  static final MethodDescriptor.Marshaller<String> UTF8 = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(String value) {
      return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String parse(InputStream stream) {
      try {
        return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };

  static final MethodDescriptor<String, String> SAY = MethodDescriptor.<String, String>newBuilder()
      .setType(MethodDescriptor.MethodType.UNARY)
      .setFullMethodName("test.Echo/Say")
      .setRequestMarshaller(UTF8)
      .setResponseMarshaller(UTF8)
      .build();

  private Echo() {}

  /** Answers {@code <name>:<request>}, after {@code delayMillis} if positive, counting calls. */
  static ServerServiceDefinition service(String name, long delayMillis, AtomicInteger calls,
      ScheduledExecutorService timer) {
    return ServerServiceDefinition.builder("test.Echo")
        .addMethod(SAY, ServerCalls.asyncUnaryCall((request, response) -> {
          calls.incrementAndGet();
          Runnable answer = () -> {
            response.onNext(name + ":" + request);
            response.onCompleted();
          };
          if (delayMillis > 0) {
            timer.schedule(answer, delayMillis, TimeUnit.MILLISECONDS);
          } else {
            answer.run();
          }
        }))
        .build();
  }
}
