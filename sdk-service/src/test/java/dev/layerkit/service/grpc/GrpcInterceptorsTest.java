package dev.layerkit.service.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.core.time.ManualTimeSource;
import io.grpc.CallOptions;
import io.grpc.ClientInterceptors;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The interceptors on grpc-java's in-process transport, where the network is irrelevant. */
class GrpcInterceptorsTest {

  private final ManualTimeSource time = new ManualTimeSource();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  private final List<Server> servers = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (ManagedChannel c : channels) {
      c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    for (Server s : servers) {
      s.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    timer.shutdownNow();
  }

  private ManagedChannel serve(ServerServiceDefinition service) throws Exception {
    String name = InProcessServerBuilder.generateName();
    servers.add(InProcessServerBuilder.forName(name).directExecutor().addService(service).build().start());
    ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    channels.add(channel);
    return channel;
  }

  private ServerServiceDefinition echo(AtomicInteger calls) {
    return Echo.service("s", 0, calls, timer);
  }

  @Test
  void serverRateLimitAnswersResourceExhaustedWithPushbackAndRecoversWhenTheBucketRefills() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    ManagedChannel channel = serve(ServerInterceptors.intercept(echo(calls),
        GrpcInterceptors.serverRateLimit(TestLimiters.perSecond(2, time)).build()));

    assertThat(ClientCalls.blockingUnaryCall(channel, Echo.SAY, CallOptions.DEFAULT, "1")).isEqualTo("s:1");
    assertThat(ClientCalls.blockingUnaryCall(channel, Echo.SAY, CallOptions.DEFAULT, "2")).isEqualTo("s:2");
    assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, Echo.SAY, CallOptions.DEFAULT, "3"))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
          assertThat(e.getStatus().getDescription()).contains("rate limit exceeded for 'test.Echo/Say'");
          Metadata trailers = e.getTrailers();
          assertThat(Long.parseLong(trailers.get(GrpcInterceptors.RETRY_PUSHBACK_MS))).isBetween(1L, 500L);
        });
    assertThat(calls.get()).as("the rejected call never reached the handler").isEqualTo(2);

    time.advance(Duration.ofSeconds(1));
    assertThat(ClientCalls.blockingUnaryCall(channel, Echo.SAY, CallOptions.DEFAULT, "4")).isEqualTo("s:4");
  }

  @Test
  void serverRateLimitByHeaderCountsEachCallerApart() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    ManagedChannel channel = serve(ServerInterceptors.intercept(echo(calls),
        GrpcInterceptors.serverRateLimit(TestLimiters.perSecond(1, time)).keyHeader("x-api-key").build()));
    Metadata.Key<String> apiKey = Metadata.Key.of("x-api-key", Metadata.ASCII_STRING_MARSHALLER);

    for (String caller : List.of("alice", "bob")) {
      Metadata headers = new Metadata();
      headers.put(apiKey, caller);
      var withKey = ClientInterceptors.intercept(channel,
          io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(headers));
      assertThat(ClientCalls.blockingUnaryCall(withKey, Echo.SAY, CallOptions.DEFAULT, caller)).isEqualTo("s:" + caller);
      assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(withKey, Echo.SAY, CallOptions.DEFAULT, caller))
          .hasMessageContaining("RESOURCE_EXHAUSTED").hasMessageContaining("'" + caller + "'");
    }
  }

  @Test
  void clientRateLimitFailsLocallyWithoutReachingTheServer() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    ManagedChannel channel = serve(echo(calls));
    var limited = ClientInterceptors.intercept(channel, GrpcInterceptors.clientRateLimit(TestLimiters.perSecond(1, time)));

    ClientCalls.blockingUnaryCall(limited, Echo.SAY, CallOptions.DEFAULT, "1");
    assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(limited, Echo.SAY, CallOptions.DEFAULT, "2"))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
    assertThat(calls.get()).isEqualTo(1);
  }

  @Test
  void clientDeadlineReachesTheServerAndServerGivesOneToCallsWithout() throws Exception {
    AtomicReference<Deadline> seen = new AtomicReference<>();
    ServerServiceDefinition recording = ServerServiceDefinition.builder("test.Echo")
        .addMethod(Echo.SAY, ServerCalls.asyncUnaryCall((request, response) -> {
          seen.set(Context.current().getDeadline());
          response.onNext(request);
          response.onCompleted();
        }))
        .build();
    ManagedChannel channel = serve(ServerInterceptors.intercept(recording,
        GrpcInterceptors.serverDeadline(Duration.ofSeconds(30))));

    ClientCalls.blockingUnaryCall(ClientInterceptors.intercept(channel,
        GrpcInterceptors.clientDeadline(Duration.ofSeconds(2))), Echo.SAY, CallOptions.DEFAULT, "a");
    assertThat(seen.get()).isNotNull();
    assertThat(seen.get().timeRemaining(TimeUnit.MILLISECONDS)).isBetween(1L, 2_000L);

    ClientCalls.blockingUnaryCall(channel, Echo.SAY, CallOptions.DEFAULT, "b");
    assertThat(seen.get().timeRemaining(TimeUnit.SECONDS)).as("the server's default").isBetween(20L, 30L);
  }

  @Test
  void metricsInterceptorsTimeCallsByMethodAndStatus() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    // The last interceptor runs first: metrics outermost, so they see the limiter's rejections.
    ManagedChannel channel = serve(ServerInterceptors.intercept(echo(calls),
        GrpcInterceptors.serverRateLimit(TestLimiters.perSecond(1, time)).build(),
        GrpcInterceptors.serverMetrics(registry, "echo")));
    var client = ClientInterceptors.intercept(channel, GrpcInterceptors.clientMetrics(registry, "echo"));

    ClientCalls.blockingUnaryCall(client, Echo.SAY, CallOptions.DEFAULT, "1");
    assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(client, Echo.SAY, CallOptions.DEFAULT, "2"));

    for (String side : List.of("server", "client")) {
      String meter = "layerkit.service.grpc." + side + ".calls";
      assertThat(registry.get(meter).tags("name", "echo", "method", "test.Echo/Say", "status", "OK").timer().count())
          .isEqualTo(1);
      assertThat(registry.get(meter).tags("status", "RESOURCE_EXHAUSTED").timer().count()).isEqualTo(1);
    }
  }

  @Test
  void policyConfigIsParsedAndBadKeysAreRejected() {
    var provider = LayerkitLoadBalancerProvider.peakEwma();
    var ok = provider.parseLoadBalancingPolicyConfig(java.util.Map.of("outlierDetection",
        java.util.Map.of("consecutiveFailures", 3.0, "baseEjectionTime", "10s")));
    assertThat(ok.getError()).isNull();
    var config = (LayerkitLoadBalancerProvider.PolicyConfig) ok.getConfig();
    assertThat(config.outlierDetection().consecutiveFailures()).isEqualTo(3);
    assertThat(config.outlierDetection().baseEjectionTime()).isEqualTo(Duration.ofSeconds(10));

    var off = provider.parseLoadBalancingPolicyConfig(java.util.Map.of("outlierDetection", false));
    assertThat(((LayerkitLoadBalancerProvider.PolicyConfig) off.getConfig()).outlierDetection()).isNull();

    var bad = provider.parseLoadBalancingPolicyConfig(java.util.Map.of("choiceCount", 2.0));
    assertThat(bad.getError().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(bad.getError().getDescription()).contains("unknown key 'choiceCount'");
  }
}
