package dev.layerkit.benchmarks.gateway;

import dev.layerkit.gateway.http.Auth;
import dev.layerkit.gateway.http.EventLoops;
import dev.layerkit.gateway.http.Gateway;
import dev.layerkit.gateway.http.KeyResolver;
import dev.layerkit.gateway.http.Route;
import dev.layerkit.gateway.http.Tls;
import dev.layerkit.gateway.http.Transport;
import dev.layerkit.gateway.http.Upstream;
import dev.layerkit.gateway.lb.Endpoint;
import dev.layerkit.gateway.lb.EndpointSource;
import dev.layerkit.gateway.lb.LoadBalancer;
import dev.layerkit.gateway.lb.LoadBalancers;
import dev.layerkit.core.redis.RedisConnections;
import dev.layerkit.gateway.ratelimit.FailMode;
import dev.layerkit.gateway.ratelimit.Limit;
import dev.layerkit.gateway.ratelimit.RateLimitPolicy;
import dev.layerkit.gateway.ratelimit.RateLimiter;
import dev.layerkit.gateway.ratelimit.RateLimiters;
import dev.layerkit.gateway.ratelimit.redis.LoopConnections;
import dev.layerkit.gateway.ratelimit.redis.RedisEventLoops;
import java.nio.file.Path;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;

/**
 * The gateway that {@code benchmarks/gateway/run.sh} measures against nginx: one route for every
 * path, API-key authentication, a per-key rate limit that never denies (a billion a second) and
 * round robin over the one upstream endpoint, so each request pays for every filter a real route
 * runs. Prints {@code READY} once it listens and runs until killed.
 *
 * <p>{@code --tls-cert CHAIN.pem --tls-key KEY.pem} terminates TLS (HTTP/1.1 and, by ALPN, HTTP/2)
 * with the gateway's defaults: OpenSSL from netty-tcnative (in this jar), TLS 1.2 and 1.3.
 *
 * <p>{@code --redis redis://HOST:PORT} adds two routes beside it, {@code /memory/} with the same
 * in-memory limiter and {@code /redis/} with a {@code RedisRateLimiter} on that server (its own
 * key prefix per process, the default timeout, {@link FailMode#CLOSED} so that a decision Redis
 * did not make shows as a 429 rather than passing unseen), for {@code
 * benchmarks/gateway/redis-limiter.sh}.
 *
 * <p>{@code --redis-shared-loops on} (with {@code --redis}) runs Lettuce on the gateway's own event
 * loops ({@link EventLoops}, {@link RedisEventLoops}) instead of its own I/O thread. Lettuce picks
 * epoll before io_uring for the whole JVM, so on io_uring (the default) this sets {@code
 * io.lettuce.core.epoll=false} before Lettuce loads, as a deployment that shares the loops would.
 * {@code --redis-per-loop on} (with {@code --redis}) shares the loops too, with a connection per
 * loop ({@link LoopConnections}) instead of one for all.
 *
 * <p>{@code --max-idle N} keeps up to N idle upstream connections per event loop ({@link
 * Upstream.Builder#maxIdleConnectionsPerEndpoint}; {@value Upstream#DEFAULT_MAX_IDLE_CONNECTIONS}
 * by default): {@code run.sh} gives it the requests in flight, as it gives nginx's {@code keepalive}.
 *
 * <p>{@code --transport io_uring|epoll|nio} chooses the network transport ({@link
 * Gateway.Builder#transport}; {@link Gateway#DEFAULT_TRANSPORT} by default, falling back where it
 * cannot run); the {@code READY} line names the one it runs on.
 *
 * <p>{@code --access-log on} turns the gateway's access log on. The benchmarks jar logs through
 * slf4j-nop, which would drop the lines unbuilt; to measure the log, put a backend in front (for
 * example slf4j-simple writing to a file, see {@code benchmarks/README.md}).
 *
 * <pre>{@code
 * java -cp benchmarks/target/benchmarks.jar dev.layerkit.benchmarks.gateway.GatewayBenchServer \
 *     --port 8080 --upstream 127.0.0.1:9000 --api-key bench-key
 * }</pre>
 */
public final class GatewayBenchServer {

  private GatewayBenchServer() {}

  private static Transport parseTransport(String value) {
    return switch (value) {
      case "io_uring" -> Transport.IO_URING;
      case "epoll" -> Transport.EPOLL;
      case "nio" -> Transport.NIO;
      default -> throw new IllegalArgumentException(
          "--transport must be io_uring, epoll or nio but was " + value);
    };
  }

  private static boolean parseSwitch(String option, String value) {
    return switch (value) {
      case "on" -> true;
      case "off" -> false;
      default -> throw new IllegalArgumentException(option + " must be on or off but was " + value);
    };
  }

  /**
   * Starts the gateway.
   *
   * @param args {@code --port P --upstream HOST:PORT --api-key KEY [--threads N] [--max-idle N]
   *     [--transport io_uring|epoll|nio] [--access-log on|off] [--redis redis://HOST:PORT]
   *     [--redis-shared-loops on|off] [--redis-per-loop on|off] [--tls-cert CHAIN.pem --tls-key KEY.pem]}
   * @throws InterruptedException if interrupted while serving
   */
  public static void main(String[] args) throws InterruptedException {
    int port = 8080;
    String upstream = null;
    String apiKey = null;
    int threads = Runtime.getRuntime().availableProcessors();
    boolean accessLog = false;
    String tlsCert = null;
    String tlsKey = null;
    String redis = null;
    int maxIdle = -1;
    Transport transport = null;
    boolean sharedLoops = false;
    boolean perLoop = false;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--port" -> port = Integer.parseInt(args[i + 1]);
        case "--upstream" -> upstream = args[i + 1];
        case "--api-key" -> apiKey = args[i + 1];
        case "--threads" -> threads = Integer.parseInt(args[i + 1]);
        case "--access-log" -> accessLog = parseSwitch("--access-log", args[i + 1]);
        case "--tls-cert" -> tlsCert = args[i + 1];
        case "--tls-key" -> tlsKey = args[i + 1];
        case "--redis" -> redis = args[i + 1];
        case "--max-idle" -> maxIdle = Integer.parseInt(args[i + 1]);
        case "--transport" -> transport = parseTransport(args[i + 1]);
        case "--redis-shared-loops" -> sharedLoops = parseSwitch("--redis-shared-loops", args[i + 1]);
        case "--redis-per-loop" -> perLoop = parseSwitch("--redis-per-loop", args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    if (upstream == null || apiKey == null || (tlsCert == null) != (tlsKey == null)) {
      throw new IllegalArgumentException(
          "usage: GatewayBenchServer --port P --upstream HOST:PORT --api-key KEY [--threads N] [--max-idle N]"
              + " [--transport io_uring|epoll|nio] [--access-log on|off] [--redis redis://HOST:PORT]"
              + " [--redis-shared-loops on|off] [--redis-per-loop on|off]"
              + " [--tls-cert CHAIN.pem --tls-key KEY.pem]");
    }
    int colon = upstream.lastIndexOf(':');
    Endpoint endpoint = Endpoint.of(upstream.substring(0, colon),
        Integer.parseInt(upstream.substring(colon + 1)));
    LoadBalancer balancer = LoadBalancers.roundRobin().serviceName("bench")
        .endpointSource(EndpointSource.of(endpoint)).build();
    RateLimitPolicy neverDenies = RateLimitPolicy.of(Limit.perSecond(1_000_000_000L));
    Auth auth = Auth.apiKeys().addKey("bench", apiKey).build();
    Upstream target = maxIdle < 0 ? Upstream.of("bench", balancer)
        : Upstream.builder("bench", balancer).maxIdleConnectionsPerEndpoint(maxIdle).build();
    List<Route> routes = new ArrayList<>();
    EventLoops loops = null;
    if (perLoop) {
      sharedLoops = true;
    }
    if (redis != null && sharedLoops) {
      loops = EventLoops.create(transport == null ? Gateway.DEFAULT_TRANSPORT : transport, threads);
      if (loops.transport() == Transport.IO_URING) {
        System.setProperty("io.lettuce.core.epoll", "false"); // before Lettuce's first use
      }
    }
    if (redis != null) {
      RateLimiter redisLimiter;
      if (perLoop) {
        LoopConnections connections = LoopConnections.connect(loops, RedisURI.create(redis));
        redisLimiter = connections.rateLimiter(connection -> RateLimiters.redis(neverDenies, connection)
            .name("bench").keyPrefix("layerkit:bench:" + ProcessHandle.current().pid() + ":")
            .failMode(FailMode.CLOSED).build());
      } else {
        RedisClient redisClient = loops == null ? RedisClient.create(redis)
            : RedisClient.create(RedisEventLoops.clientResources(loops), redis);
        redisLimiter = RateLimiters.redis(neverDenies, RedisConnections.connect(redisClient))
            .name("bench").keyPrefix("layerkit:bench:" + ProcessHandle.current().pid() + ":")
            .failMode(FailMode.CLOSED).build();
      }
      routes.add(route("memory", "/memory", auth, RateLimiters.inMemory(neverDenies).build(), target));
      routes.add(route("redis", "/redis", auth, redisLimiter, target));
    }
    routes.add(route("bench", "/", auth, RateLimiters.inMemory(neverDenies).build(), target));
    Gateway.Builder builder = Gateway.builder().bindAddress("127.0.0.1").port(port)
        .accessLog(accessLog).routes(routes);
    if (loops != null) {
      builder.eventLoops(loops);
    } else {
      builder.workerThreads(threads);
      if (transport != null) {
        builder.transport(transport);
      }
    }
    if (tlsCert != null && tlsKey != null) {
      builder.tls(Tls.fromPemFiles(Path.of(tlsCert), Path.of(tlsKey)).build());
    }
    Gateway gateway = builder.build().start();
    Runtime.getRuntime().addShutdownHook(new Thread(gateway::close));
    System.out.println("READY port=" + gateway.port()
        + " transport=" + gateway.transport().name().toLowerCase(Locale.ROOT)
        + " tls=" + (gateway.tlsProvider() == null ? "off" : gateway.tlsProvider())
        + " redis-shared-loops=" + (loops == null ? "off" : "on") + " redis-per-loop=" + (perLoop ? "on" : "off"));
    new CountDownLatch(1).await();
  }

  private static Route route(String id, String prefix, Auth auth, RateLimiter limiter, Upstream target) {
    return Route.builder(id).pathPrefix(prefix).auth(auth).rateLimit(limiter, KeyResolver.principal())
        .upstream(target).build();
  }
}
