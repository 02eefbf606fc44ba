package dev.layerkit.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.layerkit.gateway.lb.Endpoint;
import dev.layerkit.gateway.lb.EndpointSource;
import dev.layerkit.gateway.lb.LoadBalancers;
import dev.layerkit.gateway.ratelimit.Limit;
import dev.layerkit.gateway.ratelimit.RateLimitPolicy;
import dev.layerkit.gateway.ratelimit.RateLimiters;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A real grpc-java client (plaintext HTTP/2 with prior knowledge) and a real grpc-java server
 * through the gateway: unary, server, client and bidirectional streaming calls, the server's
 * statuses and trailers, and the gateway's own failures as the gRPC statuses a client acts on.
 */
class GatewayGrpcIT extends GatewayTestSupport {

  private static final Duration WAIT = Duration.ofSeconds(20);

  private Upstream http2(String name, Endpoint endpoint) {
    return Upstream.builder(name, closing(LoadBalancers.roundRobin().serviceName(name)
            .endpointSource(EndpointSource.of(List.of(endpoint))).build()))
        .protocol(Upstream.Protocol.HTTP_2).build();
  }

  private Route.Builder grpcRoute(Upstream upstream) {
    return Route.builder("grpc").pathPrefix("/test.Echo").grpc().upstream(upstream);
  }

  private ManagedChannel channel(Gateway gateway) {
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", gateway.port())
        .usePlaintext().build();
    closing(() -> {
      channel.shutdownNow();
      channel.awaitTermination(10, TimeUnit.SECONDS);
    });
    return channel;
  }

  private static CallOptions options() {
    return CallOptions.DEFAULT.withDeadlineAfter(WAIT.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static Status statusOf(Runnable call) {
    try {
      call.run();
    } catch (StatusRuntimeException e) {
      return e.getStatus();
    }
    throw new AssertionError("the call succeeded");
  }

  @Test
  void unaryCall() throws Exception {
    GrpcTestServer server = closing(new GrpcTestServer());
    ManagedChannel channel = channel(start(grpcRoute(http2("echo", server.endpoint())).build()));

    String answer = ClientCalls.blockingUnaryCall(channel, GrpcTestServer.UNARY, options(), "hi");

    assertThat(answer).isEqualTo("echo:hi");
  }

  @Test
  void serverStreamingCall() throws Exception {
    GrpcTestServer server = closing(new GrpcTestServer());
    ManagedChannel channel = channel(start(grpcRoute(http2("echo", server.endpoint())).build()));

    List<String> answers = new ArrayList<>();
    ClientCalls.blockingServerStreamingCall(channel, GrpcTestServer.COUNT, options(), "200")
        .forEachRemaining(answers::add);

    assertThat(answers).hasSize(200).startsWith("1", "2").endsWith("200");
  }

  @Test
  void clientStreamingCall() throws Exception {
    GrpcTestServer server = closing(new GrpcTestServer());
    ManagedChannel channel = channel(start(grpcRoute(http2("echo", server.endpoint())).build()));
    Observed answers = new Observed();

    StreamObserver<String> requests = ClientCalls.asyncClientStreamingCall(
        channel.newCall(GrpcTestServer.JOIN, options()), answers);
    for (int i = 0; i < 50; i++) {
      requests.onNext("m" + i);
    }
    requests.onCompleted();

    assertThat(answers.next()).startsWith("m0,m1,m2,").endsWith(",m49");
    assertThat(answers.end()).isEqualTo(Status.Code.OK);
  }

  @Test
  void bidirectionalStreamingAnswersEachMessageWhileTheRequestStreamIsOpen() throws Exception {
    GrpcTestServer server = closing(new GrpcTestServer());
    ManagedChannel channel = channel(start(grpcRoute(http2("echo", server.endpoint())).build()));
    Observed answers = new Observed();

    StreamObserver<String> requests = ClientCalls.asyncBidiStreamingCall(
        channel.newCall(GrpcTestServer.CHAT, options()), answers);
    // Each answer arrives before the next message is sent: nothing waits for the request's end.
    for (int i = 0; i < 20; i++) {
      requests.onNext("m" + i);
      assertThat(answers.next()).isEqualTo("re:m" + i);
    }
    requests.onCompleted();

    assertThat(answers.end()).isEqualTo(Status.Code.OK);
  }

  @Test
  void theServersStatusMessageAndTrailersPassThrough() throws Exception {
    GrpcTestServer server = closing(new GrpcTestServer());
    ManagedChannel channel = channel(start(grpcRoute(http2("echo", server.endpoint())).build()));

    assertThatThrownBy(() ->
        ClientCalls.blockingUnaryCall(channel, GrpcTestServer.FAIL, options(), "x"))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
          assertThat(e.getStatus().getDescription()).isEqualTo("no such thing: x");
          assertThat(e.getTrailers().get(GrpcTestServer.DETAIL)).isEqualTo("d-x");
        });
  }

  @Test
  void unavailableWhenTheUpstreamIsDown() throws Exception {
    int deadPort;
    try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      deadPort = free.getLocalPort();
    }
    ManagedChannel channel = channel(start(grpcRoute(http2("down",
        Endpoint.builder("127.0.0.1", deadPort).id("down").build())).build()));

    Status status = statusOf(() ->
        ClientCalls.blockingUnaryCall(channel, GrpcTestServer.UNARY, options(), "hi"));

    assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(status.getDescription()).isEqualTo("cannot connect to upstream 'down'");
  }

  @Test
  void resourceExhaustedWhenRateLimited() throws Exception {
    GrpcTestServer server = closing(new GrpcTestServer());
    ManagedChannel channel = channel(start(grpcRoute(http2("echo", server.endpoint()))
        .rateLimit(RateLimiters.inMemory(RateLimitPolicy.of(Limit.of(1, Duration.ofMinutes(1))))
            .build(), KeyResolver.principal())
        .build()));

    assertThat(ClientCalls.blockingUnaryCall(channel, GrpcTestServer.UNARY, options(), "a"))
        .isEqualTo("echo:a");
    Status status = statusOf(() ->
        ClientCalls.blockingUnaryCall(channel, GrpcTestServer.UNARY, options(), "b"));

    assertThat(status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(status.getDescription()).isEqualTo("rate limit exceeded");
  }

  @Test
  void unauthenticatedWithoutAnApiKeyAndServedWithOne() throws Exception {
    GrpcTestServer server = closing(new GrpcTestServer());
    ManagedChannel channel = channel(start(grpcRoute(http2("echo", server.endpoint()))
        .auth(Auth.apiKeys().addKey("svc", "key-for-the-grpc-client-1").build()).build()));

    Status status = statusOf(() ->
        ClientCalls.blockingUnaryCall(channel, GrpcTestServer.UNARY, options(), "a"));
    Metadata key = new Metadata();
    key.put(Metadata.Key.of("x-api-key", Metadata.ASCII_STRING_MARSHALLER),
        "key-for-the-grpc-client-1");
    String answer = ClientCalls.blockingUnaryCall(
        io.grpc.ClientInterceptors.intercept(channel,
            MetadataUtils.newAttachHeadersInterceptor(key)),
        GrpcTestServer.UNARY, options(), "a");

    assertThat(status.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(answer).isEqualTo("echo:a");
  }

  @Test
  void permissionDeniedForAKeyOutsideTheAllowedGroups() throws Exception {
    GrpcTestServer server = closing(new GrpcTestServer());
    ManagedChannel channel = channel(start(grpcRoute(http2("echo", server.endpoint()))
        .auth(Auth.apiKeys().addKey("svc", "key-for-the-grpc-client-1").build())
        .authorization(Authorization.builder().apiKeyGroups("admins").build()).build()));
    Metadata key = new Metadata();
    key.put(Metadata.Key.of("x-api-key", Metadata.ASCII_STRING_MARSHALLER),
        "key-for-the-grpc-client-1");

    Status status = statusOf(() -> ClientCalls.blockingUnaryCall(
        io.grpc.ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(key)),
        GrpcTestServer.UNARY, options(), "a"));

    assertThat(status.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(server.connections.get()).isZero();
  }

  @Test
  void aClientDeadlineShorterThanASlowServerIsDeadlineExceededAndCancelsTheUpstreamCall()
      throws Exception {
    GrpcTestServer server = closing(new GrpcTestServer());
    ManagedChannel channel = channel(start(grpcRoute(http2("echo", server.endpoint())).build()));

    Status status = statusOf(() -> ClientCalls.blockingUnaryCall(channel, GrpcTestServer.HOLD,
        CallOptions.DEFAULT.withDeadlineAfter(800, TimeUnit.MILLISECONDS), "x"));

    assertThat(status.getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    Long seen = server.deadlinesMillis.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(seen).as("time left the server saw, ms").isNotNull().isBetween(0L, 800L);
    await().atMost(WAIT).until(() -> server.cancelled.get() == 1);
  }

  @Test
  void theRoutesResponseTimeoutIsDeadlineExceededNotAnHttpError() throws Exception {
    GrpcTestServer server = closing(new GrpcTestServer());
    ManagedChannel channel = channel(start(grpcRoute(http2("echo", server.endpoint()))
        .responseTimeout(Duration.ofMillis(300)).build()));

    Status status = statusOf(() ->
        ClientCalls.blockingUnaryCall(channel, GrpcTestServer.HOLD, options(), "x"));

    assertThat(status.getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    assertThat(status.getDescription()).isEqualTo("upstream 'echo' did not answer within 300 ms");
    await().atMost(WAIT).until(() -> server.cancelled.get() == 1);
  }

  @Test
  void anUpstreamThatGoesAwayMidStreamEndsTheCallAsUnavailable() throws Exception {
    GrpcTestServer server = closing(new GrpcTestServer());
    ManagedChannel channel = channel(start(grpcRoute(http2("echo", server.endpoint())).build()));
    Observed answers = new Observed();
    StreamObserver<String> requests = ClientCalls.asyncBidiStreamingCall(
        channel.newCall(GrpcTestServer.CHAT, options()), answers);
    requests.onNext("a");
    assertThat(answers.next()).isEqualTo("re:a");

    server.close();

    assertThat(answers.end()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(answers.error.getDescription()).contains("upstream 'echo' ended the call");
  }

  @Test
  void manyConcurrentCallsShareTheUpstreamConnections() throws Exception {
    GrpcTestServer server = closing(new GrpcTestServer());
    ManagedChannel channel = channel(start(grpcRoute(http2("echo", server.endpoint())).build()));

    List<CompletableFuture<String>> calls = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      String message = "c" + i;
      calls.add(CompletableFuture.supplyAsync(() ->
          ClientCalls.blockingUnaryCall(channel, GrpcTestServer.UNARY, options(), message)));
    }
    for (int i = 0; i < calls.size(); i++) {
      assertThat(calls.get(i).get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("echo:c" + i);
    }
    // The client's one connection is served by one event loop, which opens one upstream
    // connection and multiplexes every call on it.
    assertThat(server.connections.get()).isEqualTo(1);
  }

  @Test
  void aStalledReaderHoldsBackTheServerThroughTheGatewayWhileOtherCallsGoOn() throws Exception {
    GrpcTestServer server = closing(new GrpcTestServer());
    // One event loop: both clients' calls share one upstream connection.
    Gateway gateway = start(Gateway.builder().workerThreads(1)
        .route(grpcRoute(http2("echo", server.endpoint())).build()));
    // The stalled client has a fixed 64 KiB window (no auto-tuning), so that what may be in
    // flight is small and known.
    ManagedChannel stalled = NettyChannelBuilder.forAddress("127.0.0.1", gateway.port())
        .usePlaintext().flowControlWindow(64 * 1024).build();
    closing(() -> {
      stalled.shutdownNow();
      stalled.awaitTermination(10, TimeUnit.SECONDS);
    });
    ManagedChannel other = channel(gateway);
    int total = 800; // 12.5 MiB in messages of 16 KiB
    BlockingQueue<String> received = new LinkedBlockingQueue<>();
    CompletableFuture<Status> closed = new CompletableFuture<>();
    io.grpc.ClientCall<String, String> call = stalled.newCall(GrpcTestServer.FLOOD,
        CallOptions.DEFAULT.withDeadlineAfter(WAIT.toMillis() * 3, TimeUnit.MILLISECONDS));
    call.start(new io.grpc.ClientCall.Listener<>() {
      @Override
      public void onMessage(String message) {
        received.add(message);
      }

      @Override
      public void onClose(Status status, Metadata trailers) {
        closed.complete(status);
      }
    }, new Metadata());
    call.request(1); // the client takes one message, then reads no more
    call.sendMessage(Integer.toString(total));
    call.halfClose();
    assertThat(received.poll(WAIT.toSeconds(), TimeUnit.SECONDS)).isNotNull();

    // The server has to wait: the client's window, the gateway's two stream windows and the
    // server's own buffer fill, and nothing more is read from it. Unbounded, the 12.5 MiB would
    // cross loopback in far less than the half second watched here.
    await().atMost(WAIT).until(() -> server.floodBlocked.get() > 0);
    // The stalled stream stalls only itself: calls on the same upstream connection are served.
    for (int i = 0; i < 5; i++) {
      assertThat(ClientCalls.blockingUnaryCall(other, GrpcTestServer.UNARY, options(), "u" + i))
          .isEqualTo("echo:u" + i);
    }
    await().during(Duration.ofMillis(500)).atMost(WAIT)
        .until(() -> server.floodSent.get() < 200); // under 3.2 MiB while the client reads none
    assertThat(server.connections.get()).as("one upstream connection").isEqualTo(1);

    call.request(total);
    try {
      await().atMost(WAIT.multipliedBy(2)).until(closed::isDone);
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError("the rest of the stream stalled: received " + received.size()
          + ", server sent " + server.floodSent.get(), e);
    }
    Status end = closed.get();
    assertThat(end.getCode()).as(end + ", received " + received.size()).isEqualTo(Status.Code.OK);
    assertThat(received).hasSize(total - 1).allMatch(GrpcTestServer.FLOOD_MESSAGE::equals);
  }

  @Test
  void aGrpcCallToNoRouteIsUnimplemented() throws Exception {
    GrpcTestServer server = closing(new GrpcTestServer());
    ManagedChannel channel = channel(start(Route.builder("other").pathPrefix("/other.Service")
        .upstream(http2("echo", server.endpoint())).build()));

    Status status = statusOf(() ->
        ClientCalls.blockingUnaryCall(channel, GrpcTestServer.UNARY, options(), "a"));

    // Known as gRPC by its content type alone: no route claims it.
    assertThat(status.getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
    assertThat(status.getDescription()).startsWith("no route for POST /test.Echo/Unary");
  }

  /** Collects a call's answers and its end. */
  private static final class Observed implements StreamObserver<String> {
    private final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
    private final CompletableFuture<Status.Code> done = new CompletableFuture<>();
    volatile Status error = Status.OK;

    @Override
    public void onNext(String value) {
      messages.add(value);
    }

    @Override
    public void onError(Throwable t) {
      error = Status.fromThrowable(t);
      done.complete(error.getCode());
    }

    @Override
    public void onCompleted() {
      done.complete(Status.Code.OK);
    }

    String next() throws InterruptedException {
      String message = messages.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(message).as("an answer within " + WAIT).isNotNull();
      return message;
    }

    Status.Code end() throws Exception {
      return done.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }
  }
}
