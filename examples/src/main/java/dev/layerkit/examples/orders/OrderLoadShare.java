package dev.layerkit.examples.orders;

import com.sun.net.httpserver.HttpServer;
import dev.layerkit.gateway.http.Auth;
import dev.layerkit.gateway.http.Gateway;
import dev.layerkit.gateway.http.KeyResolver;
import dev.layerkit.gateway.http.Route;
import dev.layerkit.gateway.http.Upstream;
import dev.layerkit.gateway.lb.Endpoint;
import dev.layerkit.gateway.lb.EndpointSource;
import dev.layerkit.gateway.lb.LoadBalancer;
import dev.layerkit.gateway.lb.LoadBalancers;
import dev.layerkit.gateway.lb.OutlierDetection;
import dev.layerkit.gateway.ratelimit.Limit;
import dev.layerkit.gateway.ratelimit.RateLimitPolicy;
import dev.layerkit.gateway.ratelimit.RateLimiters;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The order system's share of a request's cost: {@link OrderLoad}'s {@code get} (cached) and
 * {@code post} scenarios through the order system's gateway, beside the same load through a
 * gateway configured like it (API key, per-key rate limit, least-request balancing with outlier
 * ejection over three instances, retries) to trivial upstreams that answer every request at once
 * with a fixed order-shaped body, all in one JVM, in alternating rounds so that every arm sees
 * the same machine.
 *
 * <p>Two trivial upstreams separate the server from the application: three JDK {@code
 * HttpServer}s on 16-thread pools, the order service's own server with no work behind it, and
 * three Netty servers on one event loop. Trivial JDK vs trivial Netty is what the order
 * service's server costs; orders GET vs trivial JDK is what the application (cache, JSON, meters)
 * costs on top of it.
 *
 * <pre>{@code
 * java -Xms512m -Xmx512m -Dio.netty.leakDetection.level=disabled \
 *     -cp examples/target/layerkit-examples.jar dev.layerkit.examples.orders.OrderLoadShare \
 *     [rounds=3] [secondsPerArm=10] [concurrency=16]
 * }</pre>
 */
public final class OrderLoadShare implements AutoCloseable {

  private static final byte[] ORDER = ("{\"id\":\"trivial-order\",\"customerId\":\"c-1\",\"items\":"
      + "[{\"sku\":\"sku-mouse\",\"quantity\":1,\"unitPriceCents\":2500},{\"sku\":\"sku-dock\","
      + "\"quantity\":1,\"unitPriceCents\":12900}],\"totalCents\":15400,\"status\":\"PLACED\","
      + "\"version\":1}").getBytes(StandardCharsets.UTF_8);

  /** The arms, in the order of the first round. */
  static final List<String> ARMS =
      List.of("trivial-netty GET", "trivial-jdk GET", "orders GET", "orders POST");

  private final OrderSystem system;
  private final List<HttpServer> jdkUpstreams = new ArrayList<>();
  private final List<ExecutorService> jdkPools = new ArrayList<>();
  private final EventLoopGroup nettyLoop = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final List<Channel> nettyUpstreams = new ArrayList<>();
  private final List<AutoCloseable> gateways = new ArrayList<>();
  private final URI jdkGateway;
  private final URI nettyGateway;

  OrderLoadShare() throws IOException, InterruptedException {
    system = OrderSystem.start(OrderSystemOptions.embeddedOnFreePorts().withRatePerSecond(1_000_000));
    List<Endpoint> jdk = new ArrayList<>();
    List<Endpoint> netty = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      jdk.add(Endpoint.builder("127.0.0.1", startJdkUpstream(i)).id("trivial-jdk-" + i).build());
      netty.add(Endpoint.builder("127.0.0.1", startNettyUpstream()).id("trivial-netty-" + i).build());
    }
    jdkGateway = startGateway("trivial-jdk", jdk);
    nettyGateway = startGateway("trivial-netty", netty);
  }

  /** The JDK's server as the order service runs it (a 16-thread pool), answering at once. */
  private int startJdkUpstream(int index) throws IOException {
    ExecutorService pool = Executors.newFixedThreadPool(16, runnable -> {
      Thread thread = new Thread(runnable, "trivial-jdk-" + index + "-http");
      thread.setDaemon(true);
      return thread;
    });
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 256);
    server.setExecutor(pool);
    server.createContext("/", exchange -> {
      try (InputStream body = exchange.getRequestBody(); OutputStream out = exchange.getResponseBody()) {
        body.readAllBytes();
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(exchange.getRequestMethod().equals("POST") ? 201 : 200, ORDER.length);
        out.write(ORDER);
      }
    });
    server.start();
    jdkPools.add(pool);
    jdkUpstreams.add(server);
    return server.getAddress().getPort();
  }

  private int startNettyUpstream() throws InterruptedException {
    Channel channel = new ServerBootstrap().group(nettyLoop).channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(64 * 1024),
                new FixedAnswer());
          }
        })
        .bind("127.0.0.1", 0).sync().channel();
    nettyUpstreams.add(channel);
    return ((InetSocketAddress) channel.localAddress()).getPort();
  }

  /** Answers every request with the fixed order, 201 to a POST. */
  private static final class FixedAnswer extends SimpleChannelInboundHandler<FullHttpRequest> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
      FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
          request.method().equals(HttpMethod.POST) ? HttpResponseStatus.CREATED : HttpResponseStatus.OK,
          Unpooled.wrappedBuffer(ORDER));
      response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json")
          .setInt(HttpHeaderNames.CONTENT_LENGTH, ORDER.length);
      ctx.writeAndFlush(response);
    }
  }

  /** A gateway set up as the order system's {@code api} route is, to {@code endpoints}. */
  private URI startGateway(String name, List<Endpoint> endpoints) {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    LoadBalancer balancer = LoadBalancers.leastRequest().serviceName(name)
        .endpointSource(EndpointSource.of(endpoints))
        .outlierDetection(OutlierDetection.builder().consecutiveFailures(3)
            .baseEjectionTime(Duration.ofSeconds(10)).build())
        .meterRegistry(meters)
        .build();
    Upstream upstream = Upstream.builder(name, balancer).retryBudget(50, 32).build();
    Auth apiKey = Auth.apiKeys().addKey("demo", system.apiKey()).build();
    var limiter = RateLimiters.inMemory(RateLimitPolicy.of(
        Limit.greedy(2_000_000L, 1_000_000L, Duration.ofSeconds(1)))).name(name)
        .meterRegistry(meters).build();
    Gateway gateway = Gateway.builder()
        .port(0)
        .meterRegistry(meters)
        .route(Route.builder("api").pathPrefix("/api").stripPrefix("/api")
            .auth(apiKey).rateLimit(limiter, KeyResolver.apiKey()).maxRetries(2)
            .upstream(upstream).build())
        .build()
        .start();
    gateways.add(gateway);
    gateways.add(balancer);
    return URI.create("http://127.0.0.1:" + gateway.port() + "/");
  }

  /** Runs one arm once and returns its summary. */
  OrderLoad.Summary run(String arm, Duration duration, int concurrency) throws InterruptedException {
    URI base = switch (arm) {
      case "trivial-netty GET" -> nettyGateway;
      case "trivial-jdk GET" -> jdkGateway;
      default -> system.gatewayUri();
    };
    String scenario = arm.endsWith("POST") ? "post" : "get";
    return new OrderLoad(base, system.apiKey(), scenario, concurrency, duration, 0).run(null, null);
  }

  @Override
  public void close() throws Exception {
    for (AutoCloseable gateway : gateways) {
      gateway.close();
    }
    jdkUpstreams.forEach(server -> server.stop(0));
    jdkPools.forEach(ExecutorService::shutdownNow);
    nettyUpstreams.forEach(Channel::close);
    nettyLoop.shutdownGracefully().syncUninterruptibly();
    system.close();
  }

  /**
   * Runs the rounds and prints each arm's requests/s and latency, and the ratios per round.
   *
   * @param args {@code [rounds [secondsPerArm [concurrency]]]}
   * @throws Exception if the system does not start
   */
  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    Duration perArm = Duration.ofSeconds(args.length > 1 ? Long.parseLong(args[1]) : 10);
    int concurrency = args.length > 2 ? Integer.parseInt(args[2]) : 16;
    try (OrderLoadShare share = new OrderLoadShare()) {
      for (String arm : ARMS) {   // warm-up: every path compiled before the first measured round
        share.run(arm, Duration.ofSeconds(5), concurrency);
      }
      double[][] rates = new double[ARMS.size()][rounds];
      for (int r = 0; r < rounds; r++) {
        for (int k = 0; k < ARMS.size(); k++) {
          int arm = Math.floorMod(r + k, ARMS.size());
          OrderLoad.Summary summary = share.run(ARMS.get(arm), perArm, concurrency);
          if (summary.failures() > 0) {
            throw new IllegalStateException(ARMS.get(arm) + " failed: " + summary.format());
          }
          rates[arm][r] = summary.requestsPerSecond();
          System.out.printf(Locale.ROOT, "round %d %-18s %s%n", r + 1, ARMS.get(arm), summary.format());
        }
      }
      for (int arm = 0; arm < ARMS.size(); arm++) {
        double[] vsNetty = new double[rounds];
        double[] vsJdk = new double[rounds];
        for (int r = 0; r < rounds; r++) {
          vsNetty[r] = rates[arm][r] / rates[0][r];
          vsJdk[r] = rates[arm][r] / rates[1][r];
        }
        System.out.printf(Locale.ROOT,
            "%-18s median %.0f requests/s; per round vs trivial-netty %s (median %.2f), vs trivial-jdk %s (median %.2f)%n",
            ARMS.get(arm), median(rates[arm]), format(vsNetty), median(vsNetty), format(vsJdk), median(vsJdk));
      }
    }
  }

  private static String format(double[] values) {
    StringBuilder text = new StringBuilder();
    for (double value : values) {
      text.append(text.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.2f", value));
    }
    return text.toString();
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }
}
