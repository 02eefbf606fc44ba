package dev.layerkit.service.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.gateway.lb.Endpoint;
import dev.layerkit.gateway.lb.EndpointSource;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A real grpc-java client and three real servers (Netty, on loopback ports) behind a
 * {@code layerkit://} target: the name resolver and the balancing policies end to end.
 */
class GrpcBalancingIT {

  private static final ScheduledExecutorService TIMER = Executors.newScheduledThreadPool(2);
  private static final List<Server> SERVERS = new ArrayList<>();
  private static final AtomicInteger[] CALLS = {new AtomicInteger(), new AtomicInteger(), new AtomicInteger()};
  private static LayerkitNameResolverProvider provider;

  private ManagedChannel channel;

  @BeforeAll
  static void startServers() throws Exception {
    List<Endpoint> endpoints = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      // Server 0 is slow: 40 ms a call, against well under 1 ms for the others.
      Server server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
          .addService(Echo.service("s" + i, i == 0 ? 40 : 0, CALLS[i], TIMER))
          .build()
          .start();
      SERVERS.add(server);
      endpoints.add(Endpoint.of("127.0.0.1", ((InetSocketAddress) server.getListenSockets().get(0)).getPort()));
    }
    provider = LayerkitNameResolverProvider.builder()
        .service("echo", EndpointSource.of(endpoints))
        .build()
        .register();
  }

  @AfterAll
  static void stopServers() throws Exception {
    provider.deregister();
    for (Server server : SERVERS) {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    TIMER.shutdownNow();
  }

  @AfterEach
  void closeChannel() throws Exception {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private int[] drive(String policy, int calls, int concurrency) throws Exception {
    channel = ManagedChannelBuilder.forTarget("layerkit://echo")
        .defaultLoadBalancingPolicy(policy)
        .usePlaintext()
        .build();
    // Warm up: connect every subchannel before counting.
    ClientCalls.blockingUnaryCall(channel, Echo.SAY, CallOptions.DEFAULT, "warm-up");
    int[] before = {CALLS[0].get(), CALLS[1].get(), CALLS[2].get()};
    Semaphore window = new Semaphore(concurrency);
    CountDownLatch done = new CountDownLatch(calls);
    AtomicInteger failures = new AtomicInteger();
    for (int i = 0; i < calls; i++) {
      window.acquire();
      var future = ClientCalls.futureUnaryCall(channel.newCall(Echo.SAY, CallOptions.DEFAULT), "x" + i);
      future.addListener(() -> {
        try {
          future.get();
        } catch (Exception e) {
          failures.incrementAndGet();
        }
        window.release();
        done.countDown();
      }, Runnable::run);
    }
    assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
    assertThat(failures.get()).isZero();
    return new int[] {CALLS[0].get() - before[0], CALLS[1].get() - before[1], CALLS[2].get() - before[2]};
  }

  @Test
  void peakEwmaSendsFewerCallsToTheSlowServer() throws Exception {
    int[] counts = drive(LayerkitGrpc.PEAK_EWMA, 600, 8);

    System.out.println("peak EWMA, calls per server (slow first): " + java.util.Arrays.toString(counts));
    assertThat(counts[0] + counts[1] + counts[2]).isEqualTo(600);
    // Round robin gives it a third (see below); on a loaded machine the fast servers' latencies
    // vary too, so the bound is half of that and below either fast server, not an exact share.
    assertThat(counts[0]).as("slow server's share of %s", java.util.Arrays.toString(counts))
        .isLessThan(600 / 6)
        .isLessThan(Math.min(counts[1], counts[2]));
  }

  @Test
  void grpcRoundRobinGivesTheSlowServerItsFullShare() throws Exception {
    int[] counts = drive("round_robin", 300, 8);
    System.out.println("grpc round_robin, calls per server (slow first): " + java.util.Arrays.toString(counts));

    assertThat(counts[0]).as("round robin ignores latency: %s", java.util.Arrays.toString(counts)).isBetween(90, 110);
  }

  @Test
  void everyLayerkitPolicyIsRegisteredByServiceLoaderAndServes() throws Exception {
    for (String policy : LayerkitGrpc.POLICIES) {
      int[] counts = drive(policy, 30, 2);
      assertThat(counts[0] + counts[1] + counts[2]).as(policy).isEqualTo(30);
      closeChannel();
      channel = null;
    }
  }

  @Test
  void serverThatFailsEveryCallIsEjectedWhileItsConnectionStaysUp() throws Exception {
    AtomicInteger badCalls = new AtomicInteger();
    Server bad = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .addService(io.grpc.ServerServiceDefinition.builder("test.Echo")
            .addMethod(Echo.SAY, io.grpc.stub.ServerCalls.asyncUnaryCall((request, response) -> {
              badCalls.incrementAndGet();
              response.onError(Status.INTERNAL.withDescription("broken").asRuntimeException());
            }))
            .build())
        .build()
        .start();
    LayerkitNameResolverProvider flaky = LayerkitNameResolverProvider.builder()
        .service("flaky", EndpointSource.of(
            Endpoint.of("127.0.0.1", ((InetSocketAddress) SERVERS.get(1).getListenSockets().get(0)).getPort()),
            Endpoint.of("127.0.0.1", ((InetSocketAddress) SERVERS.get(2).getListenSockets().get(0)).getPort()),
            Endpoint.of("127.0.0.1", ((InetSocketAddress) bad.getListenSockets().get(0)).getPort())))
        .priority(LayerkitNameResolverProvider.DEFAULT_PRIORITY + 1) // grpc-java asks one provider per scheme
        .build()
        .register();
    try {
      channel = ManagedChannelBuilder.forTarget("layerkit://flaky")
          .defaultLoadBalancingPolicy(LayerkitGrpc.ROUND_ROBIN)
          .usePlaintext()
          .build();
      int failures = 0;
      for (int i = 0; i < 150; i++) {
        try {
          ClientCalls.blockingUnaryCall(channel, Echo.SAY, CallOptions.DEFAULT, "x");
        } catch (StatusRuntimeException e) {
          failures++;
        }
      }
      // Default outlier detection ejects after 5 failures in a row; plain round robin would fail 50.
      assertThat(failures).isBetween(5, 6);
      assertThat(badCalls.get()).isEqualTo(failures);
    } finally {
      flaky.deregister();
      bad.shutdownNow();
    }
  }

  @Test
  void targetNamingAnUnknownServiceFailsWithUnavailableNamingIt() throws Exception {
    channel = ManagedChannelBuilder.forTarget("layerkit://nobody")
        .defaultLoadBalancingPolicy(LayerkitGrpc.PEAK_EWMA)
        .usePlaintext()
        .build();

    assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, Echo.SAY,
        CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS), "hi"))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE))
        .hasMessageContaining("no EndpointSource is registered for service 'nobody'");
  }
}
