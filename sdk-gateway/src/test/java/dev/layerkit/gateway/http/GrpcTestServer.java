package dev.layerkit.gateway.http;

import dev.layerkit.gateway.lb.Endpoint;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.InsecureServerCredentials;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServerTransportFilter;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

/**
 * A real grpc-java server (Netty transport) for the gateway's tests, with a small service defined
 * without protoc: strings marshalled as UTF-8.
 *
 * <ul>
 *   <li>{@code test.Echo/Unary}: answers {@code "echo:" + request};
 *   <li>{@code test.Echo/Count}: server streaming, answers {@code n} messages {@code "1".."n"};
 *   <li>{@code test.Echo/Join}: client streaming, answers the messages joined by {@code ","};
 *   <li>{@code test.Echo/Chat}: bidirectional, answers each message at once as {@code "re:" + m};
 *   <li>{@code test.Echo/Fail}: fails with {@code NOT_FOUND}, message {@code "no such thing: " +
 *       request} and a trailer {@code x-detail: d-<request>};
 *   <li>{@code test.Echo/Hold}: answers only when {@link #releaseHeld()} is called; records the
 *       deadline it saw and whether it was cancelled;
 *   <li>{@code test.Echo/Flood}: server streaming, {@code n} messages of 16 KiB, sent only while
 *       the call is ready (flow control), counting them in {@link #floodSent} and noting in
 *       {@link #floodBlocked} each time it has to wait.
 * </ul>
 */
final class GrpcTestServer implements AutoCloseable {

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

  static final MethodDescriptor<String, String> UNARY = method(MethodDescriptor.MethodType.UNARY, "Unary");
  static final MethodDescriptor<String, String> COUNT =
      method(MethodDescriptor.MethodType.SERVER_STREAMING, "Count");
  static final MethodDescriptor<String, String> JOIN =
      method(MethodDescriptor.MethodType.CLIENT_STREAMING, "Join");
  static final MethodDescriptor<String, String> CHAT =
      method(MethodDescriptor.MethodType.BIDI_STREAMING, "Chat");
  static final MethodDescriptor<String, String> FAIL = method(MethodDescriptor.MethodType.UNARY, "Fail");
  static final MethodDescriptor<String, String> HOLD = method(MethodDescriptor.MethodType.UNARY, "Hold");
  static final MethodDescriptor<String, String> FLOOD =
      method(MethodDescriptor.MethodType.SERVER_STREAMING, "Flood");
  static final String FLOOD_MESSAGE = "x".repeat(16 * 1024);

  static final Metadata.Key<String> DETAIL =
      Metadata.Key.of("x-detail", Metadata.ASCII_STRING_MARSHALLER);

  private final Server server;
  /** Connections the server accepted (HTTP/2 transports ready). */
  final AtomicInteger connections = new AtomicInteger();
  /** Calls of {@code Hold} that arrived and are held. */
  final AtomicInteger held = new AtomicInteger();
  /** Calls of {@code Hold} the client (or the gateway) cancelled. */
  final AtomicInteger cancelled = new AtomicInteger();
  /** The time left of each {@code Hold} call's deadline when it arrived, ms; -1 for none. */
  final BlockingQueue<Long> deadlinesMillis = new LinkedBlockingQueue<>();
  private final List<StreamObserver<String>> holding = new CopyOnWriteArrayList<>();
  /** Messages {@code Flood} has sent. */
  final AtomicInteger floodSent = new AtomicInteger();
  /** Times {@code Flood} found its call not ready and waited. */
  final AtomicInteger floodBlocked = new AtomicInteger();
  /** The headers of the last call that arrived. */
  volatile Metadata lastHeaders = new Metadata();

  GrpcTestServer() throws IOException {
    this(InsecureServerCredentials.create(), builder -> builder);
  }

  GrpcTestServer(ServerCredentials credentials, UnaryOperator<NettyServerBuilder> options)
      throws IOException {
    NettyServerBuilder builder = NettyServerBuilder.forAddress(
        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), credentials)
        .addService(io.grpc.ServerInterceptors.intercept(service(), new io.grpc.ServerInterceptor() {
          @Override
          public <Q, A> io.grpc.ServerCall.Listener<Q> interceptCall(io.grpc.ServerCall<Q, A> call,
              Metadata headers, io.grpc.ServerCallHandler<Q, A> next) {
            lastHeaders = headers;
            return next.startCall(call, headers);
          }
        }))
        .addTransportFilter(new ServerTransportFilter() {
          @Override
          public io.grpc.Attributes transportReady(io.grpc.Attributes attributes) {
            connections.incrementAndGet();
            return attributes;
          }
        });
    this.server = options.apply(builder).build().start();
  }

  int port() {
    return server.getPort();
  }

  Endpoint endpoint() {
    return Endpoint.builder("127.0.0.1", port()).id("grpc-" + port()).build();
  }

  Endpoint endpoint(String host) {
    return Endpoint.builder(host, port()).id("grpc-" + host + "-" + port()).build();
  }

  /** Answers every held {@code Hold} call with {@code "released"}. */
  void releaseHeld() {
    for (StreamObserver<String> call : holding) {
      try {
        call.onNext("released");
        call.onCompleted();
      } catch (RuntimeException e) {
        // cancelled meanwhile
      }
    }
    holding.clear();
  }

  private static MethodDescriptor<String, String> method(MethodDescriptor.MethodType type,
      String name) {
    return MethodDescriptor.<String, String>newBuilder()
        .setType(type)
        .setFullMethodName(MethodDescriptor.generateFullMethodName("test.Echo", name))
        .setRequestMarshaller(UTF8)
        .setResponseMarshaller(UTF8)
        .build();
  }

  private ServerServiceDefinition service() {
    return ServerServiceDefinition.builder("test.Echo")
        .addMethod(UNARY, ServerCalls.asyncUnaryCall((request, response) -> {
          response.onNext("echo:" + request);
          response.onCompleted();
        }))
        .addMethod(COUNT, ServerCalls.asyncServerStreamingCall((request, response) -> {
          int n = Integer.parseInt(request);
          for (int i = 1; i <= n; i++) {
            response.onNext(Integer.toString(i));
          }
          response.onCompleted();
        }))
        .addMethod(JOIN, ServerCalls.asyncClientStreamingCall((StreamObserver<String> response) -> new StreamObserver<String>() {
          private final List<String> parts = new ArrayList<>();

          @Override
          public void onNext(String value) {
            parts.add(value);
          }

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {
            response.onNext(String.join(",", parts));
            response.onCompleted();
          }
        }))
        .addMethod(CHAT, ServerCalls.asyncBidiStreamingCall((StreamObserver<String> response) -> new StreamObserver<String>() {
          @Override
          public void onNext(String value) {
            response.onNext("re:" + value);
          }

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {
            response.onCompleted();
          }
        }))
        .addMethod(FAIL, ServerCalls.asyncUnaryCall((request, response) -> {
          Metadata trailers = new Metadata();
          trailers.put(DETAIL, "d-" + request);
          response.onError(Status.NOT_FOUND.withDescription("no such thing: " + request)
              .asRuntimeException(trailers));
        }))
        .addMethod(FLOOD, ServerCalls.asyncServerStreamingCall((request, response) -> {
          int total = Integer.parseInt(request);
          ServerCallStreamObserver<String> call = (ServerCallStreamObserver<String>) response;
          Runnable pump = new Runnable() {
            private boolean done;

            @Override
            public synchronized void run() {
              while (!done && call.isReady() && floodSent.get() < total) {
                call.onNext(FLOOD_MESSAGE);
                floodSent.incrementAndGet();
              }
              if (!done && floodSent.get() >= total) {
                done = true;
                call.onCompleted();
              } else if (!done) {
                floodBlocked.incrementAndGet();
              }
            }
          };
          call.setOnReadyHandler(pump);
          call.setOnCancelHandler(() -> { });
        }))
        .addMethod(HOLD, ServerCalls.asyncUnaryCall((request, response) -> {
          Deadline deadline = Context.current().getDeadline();
          deadlinesMillis.add(deadline == null ? -1 : deadline.timeRemaining(TimeUnit.MILLISECONDS));
          ((ServerCallStreamObserver<String>) response).setOnCancelHandler(
              cancelled::incrementAndGet);
          holding.add(response);
          held.incrementAndGet();
        }))
        .build();
  }

  @Override
  public void close() {
    server.shutdownNow();
    try {
      server.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
