package dev.layerkit.benchmarks;

import dev.layerkit.gateway.lb.Endpoint;
import dev.layerkit.gateway.lb.EndpointSource;
import dev.layerkit.service.grpc.LayerkitNameResolverProvider;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One unary gRPC call over a channel to three real servers (grpc-netty-shaded on loopback ports),
 * resolved by {@code layerkit://bench}, with grpc-java's {@code round_robin} (the anchor) and
 * Layerkit's policies in the same run: only the load-balancing policy differs, so the ratio is
 * the cost of the Layerkit pick, the stream tracer that carries latency and outcome back, and
 * outlier detection.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar GrpcBalancerBenchmark -prof gc}
 * (after {@code ./mvnw -B -q package -pl benchmarks -am -DskipTests}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class GrpcBalancerBenchmark {

  private static final MethodDescriptor.Marshaller<String> UTF8 = new MethodDescriptor.Marshaller<>() {
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

  private static final MethodDescriptor<String, String> ECHO = MethodDescriptor.<String, String>newBuilder()
      .setType(MethodDescriptor.MethodType.UNARY)
      .setFullMethodName("bench.Echo/Say")
      .setRequestMarshaller(UTF8)
      .setResponseMarshaller(UTF8)
      .build();

  /** The channel's load-balancing policy: grpc-java's anchor, then Layerkit's. */
  @Param({"round_robin", "layerkit_round_robin", "layerkit_peak_ewma"})
  String policy;

  private final List<Server> servers = new ArrayList<>();
  private LayerkitNameResolverProvider resolver;
  private ManagedChannel channel;

  /** Starts the servers, registers the resolver and connects the channel; not measured. */
  @Setup
  public void setUp() throws IOException {
    ServerServiceDefinition echo = ServerServiceDefinition.builder("bench.Echo")
        .addMethod(ECHO, ServerCalls.asyncUnaryCall((request, response) -> {
          response.onNext(request);
          response.onCompleted();
        }))
        .build();
    List<Endpoint> endpoints = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Server server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
          .addService(echo)
          .build()
          .start();
      servers.add(server);
      endpoints.add(Endpoint.of("127.0.0.1", ((InetSocketAddress) server.getListenSockets().get(0)).getPort()));
    }
    resolver = LayerkitNameResolverProvider.builder().service("bench", EndpointSource.of(endpoints)).build().register();
    channel = ManagedChannelBuilder.forTarget("layerkit://bench")
        .defaultLoadBalancingPolicy(policy)
        .usePlaintext()
        .build();
    for (int i = 0; i < 30; i++) {
      call();
    }
  }

  /** Closes the channel, the servers and the resolver registration. */
  @TearDown
  public void tearDown() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    for (Server server : servers) {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    resolver.deregister();
  }

  /**
   * One blocking unary call.
   *
   * @return the echoed message
   */
  @Benchmark
  public String call() {
    return ClientCalls.blockingUnaryCall(channel, ECHO, CallOptions.DEFAULT, "ping");
  }
}
