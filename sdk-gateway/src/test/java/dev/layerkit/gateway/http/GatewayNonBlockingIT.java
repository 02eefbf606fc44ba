package dev.layerkit.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.core.redis.RedisConnections;
import dev.layerkit.test.servers.TestRedis;
import dev.layerkit.test.servers.TestServers;
import dev.layerkit.gateway.blocking.BlockingCalls;
import dev.layerkit.gateway.ratelimit.Limit;
import dev.layerkit.gateway.ratelimit.RateLimitDecision;
import dev.layerkit.gateway.ratelimit.RateLimitPolicy;
import dev.layerkit.gateway.ratelimit.RateLimiter;
import dev.layerkit.core.health.HealthStatus;
import dev.layerkit.gateway.ratelimit.redis.LoopConnections;
import dev.layerkit.gateway.ratelimit.redis.LoopLocalRateLimiter;
import dev.layerkit.gateway.ratelimit.redis.RedisEventLoops;
import dev.layerkit.gateway.ratelimit.redis.RedisRateLimiter;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Transports;
import io.netty.util.concurrent.EventExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The gateway with the Redis rate limiter on a real Redis ({@link TestServers#redis()}) under
 * concurrent requests, with BlockHound watching its event loops (as in every gateway IT, see
 * {@code BlockHoundExtension}): no blocking call. And the control that proves the harness would
 * see one: a limiter that sleeps in its synchronous call, reached through the default
 * {@link RateLimiter#tryAcquireAsync(String, long)}, is reported on the event loop.
 */
class GatewayNonBlockingIT extends GatewayTestSupport {

  private static final TestRedis REDIS = TestServers.redis();
  private static RedisClient redisClient;
  private static StatefulRedisConnection<String, byte[]> connection;

  @BeforeAll
  static void connect() {
    redisClient = RedisClient.create(REDIS.uri());
    connection = RedisConnections.connect(redisClient);
  }

  @AfterAll
  static void disconnect() {
    connection.close();
    redisClient.shutdown();
  }

  @Test
  void redisLimitedRoutesServeConcurrentRequestsWithoutBlockingAnEventLoop(TestInfo test) throws Exception {
    assertThat(BlockingCalls.installed()).as("BlockHound watches this test (Failsafe sets "
        + "-Dlayerkit.blockhound=true)").isTrue();
    String prefix = REDIS.newKeyPrefix(test.getTestMethod().orElseThrow().getName());
    // Generous timeouts: a fail-open decision would hide whether Redis decided.
    RedisRateLimiter roomy = RedisRateLimiter.builder(RateLimitPolicy.of(Limit.perMinute(1_000_000)),
        connection).keyPrefix(prefix + "roomy:").timeout(Duration.ofSeconds(10)).build();
    RedisRateLimiter tight = RedisRateLimiter.builder(
            RateLimitPolicy.of(Limit.interval(50, 50, Duration.ofHours(1))), connection)
        .keyPrefix(prefix + "tight:").timeout(Duration.ofSeconds(10)).build();
    TestUpstream a = upstream("a");
    Gateway gateway = start(Gateway.builder().workerThreads(2).routes(List.of(
        Route.builder("roomy").pathPrefix("/roomy").stripPrefix("/roomy")
            .upstream(upstreamOf("roomy", a)).rateLimit(roomy, (request, principal) -> "all").build(),
        Route.builder("tight").pathPrefix("/tight").stripPrefix("/tight")
            .upstream(upstreamOf("tight", a)).rateLimit(tight, (request, principal) -> "one").build())));

    List<Integer> roomyStatuses = onThreads(400, 16, i -> get(gateway, "/roomy/id").statusCode());
    List<Integer> tightStatuses = onThreads(200, 16, i -> get(gateway, "/tight/id").statusCode());

    assertThat(roomyStatuses).containsOnly(200);
    assertThat(Collections.frequency(tightStatuses, 200)).as("Redis admitted exactly its budget").isEqualTo(50);
    assertThat(Collections.frequency(tightStatuses, 429)).isEqualTo(150);
    assertThat(BlockingCalls.drain()).as("blocking calls on an event loop").isEmpty();
  }

  /**
   * Lettuce on the gateway's own event loops ({@link EventLoops}, {@link RedisEventLoops}): the
   * Redis limiter still decides every request, nothing blocks a loop, Redis replies complete the
   * decisions on a gateway loop (no Lettuce thread), and the gateway's shutdown leaves the shared
   * loops, and the Redis connection on them, running.
   */
  @Test
  void aRedisLimiterOnTheGatewaysOwnEventLoopsDecidesWithoutBlockingOrALettuceThread(TestInfo test) throws Exception {
    String prefix = REDIS.newKeyPrefix(test.getTestMethod().orElseThrow().getName());
    Transport lettuces = Arrays.stream(Transport.values())
        .filter(t -> t.isAvailable() && t.socketChannelType().equals(Transports.socketChannelClass()))
        .findFirst().orElseThrow();
    Transport other = lettuces == Transport.NIO ? Transport.EPOLL : Transport.NIO;
    try (EventLoops wrong = EventLoops.create(other, 1)) {
      if (wrong.transport() != lettuces) {
        assertThatThrownBy(() -> RedisEventLoops.clientResources(wrong))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageStartingWith("Lettuce connects with " + Transports.socketChannelClass().getSimpleName()
                + ", which cannot run on the shared " + wrong);
        assertThatThrownBy(() -> LoopConnections.connect(wrong, RedisURI.create(REDIS.uri())))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageStartingWith("Lettuce connects with " + Transports.socketChannelClass().getSimpleName());
      }
    }
    assertThatThrownBy(() -> RedisEventLoops.create(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("threads");
    EventLoops loops = RedisEventLoops.create(2);
    assertThat(loops.transport()).as("the loops Lettuce can run on").isEqualTo(lettuces);
    ClientResources resources = RedisEventLoops.clientResources(loops);
    RedisClient sharedClient = RedisClient.create(resources, REDIS.uri());
    try (StatefulRedisConnection<String, byte[]> shared = RedisConnections.connect(sharedClient)) {
      RedisRateLimiter tight = RedisRateLimiter.builder(
              RateLimitPolicy.of(Limit.interval(50, 50, Duration.ofHours(1))), shared)
          .keyPrefix(prefix + "tight:").timeout(Duration.ofSeconds(10)).build();
      Gateway gateway = start(Gateway.builder().eventLoops(loops).routes(List.of(
          Route.builder("tight").pathPrefix("/tight").stripPrefix("/tight")
              .upstream(upstreamOf("tight", upstream("a"))).rateLimit(tight, (request, principal) -> "one")
              .build())));
      assertThat(gateway.transport()).isEqualTo(loops.transport());

      List<Integer> statuses = onThreads(200, 16, i -> get(gateway, "/tight/id").statusCode());

      assertThat(Collections.frequency(statuses, 200)).as("Redis admitted exactly its budget").isEqualTo(50);
      assertThat(Collections.frequency(statuses, 429)).isEqualTo(150);
      assertThat(BlockingCalls.drain()).as("blocking calls on an event loop").isEmpty();
      String caller = Thread.currentThread().getName();
      List<String> completedOn = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        completedOn.add(tight.tryAcquireAsync("probe-" + i).thenApply(d -> Thread.currentThread().getName())
            .toCompletableFuture().get(10, TimeUnit.SECONDS));
      }
      assertThat(completedOn).as("decisions complete on the gateway's loops, or at once on the caller")
          .allMatch(name -> name.startsWith("layerkit-gw-") || name.equals(caller))
          .anyMatch(name -> name.startsWith("layerkit-gw-"));

      gateway.close();
      assertThat(loops.group().isShuttingDown()).as("the loops are their creator's to close").isFalse();
      assertThat(shared.sync().ping()).isEqualTo("PONG");
    } finally {
      sharedClient.shutdown();
      resources.shutdown().get(10, TimeUnit.SECONDS);
      assertThat(loops.close(Duration.ofSeconds(10))).isTrue();
    }
  }

  /**
   * One Redis connection per gateway loop ({@link LoopConnections}): a loop's decision is written
   * and answered on that loop (with one shared connection, the other loop's would complete on the
   * connection's loop), the limit holds exactly across the loops' connections, nothing blocks, and
   * closing the gateway and then the connections leaves the loops running.
   */
  @Test
  void aLoopLocalRedisLimiterDecidesOnTheCallingLoopAndHoldsTheLimitAcrossLoops(TestInfo test) throws Exception {
    String prefix = REDIS.newKeyPrefix(test.getTestMethod().orElseThrow().getName());
    RateLimitPolicy fifty = RateLimitPolicy.of(Limit.interval(50, 50, Duration.ofHours(1)));
    EventLoops loops = RedisEventLoops.create(2);
    try (LoopConnections redis = LoopConnections.connect(loops, RedisURI.create(REDIS.uri()))) {
      assertThat(redis.all()).hasSize(2);
      ClientResources first = redis.all().get(0).getResources();
      ClientResources second = redis.all().get(1).getResources();
      assertThat(first).as("a client per loop").isNotSameAs(second);
      assertThat(first.timer()).as("one Lettuce timer for all").isSameAs(second.timer());
      assertThat(first.eventExecutorGroup()).as("one computation pool").isSameAs(second.eventExecutorGroup());
      assertThatThrownBy(() -> RedisEventLoops.clientResources(loops, 2))
          .isInstanceOf(IndexOutOfBoundsException.class);
      assertThatThrownBy(() -> loops.group().next()
              .submit(() -> LoopConnections.connect(loops, RedisURI.create(REDIS.uri()))).get(10, TimeUnit.SECONDS))
          .hasCauseInstanceOf(IllegalStateException.class)
          .hasMessageContaining("call it off the loops");
      LoopLocalRateLimiter tight = redis.rateLimiter(connection -> RedisRateLimiter.builder(fifty, connection)
          .name("tight").keyPrefix(prefix + "tight:").timeout(Duration.ofSeconds(10)).build());
      assertThat(tight.limiters()).hasSize(2);
      assertThat(tight.healthCheck().check().status()).isEqualTo(HealthStatus.UP);

      for (EventExecutor loop : loops.group()) {
        String loopThread = loop.submit(() -> Thread.currentThread().getName()).get(10, TimeUnit.SECONDS);
        CompletableFuture<String> completedOn = new CompletableFuture<>();
        // Asked on the loop, the decision is pending until the loop itself reads the reply.
        loop.execute(() -> tight.tryAcquireAsync("probe").whenComplete(
            (decision, error) -> completedOn.complete(Thread.currentThread().getName())));
        assertThat(completedOn.get(10, TimeUnit.SECONDS)).as("completed on the loop that asked")
            .isEqualTo(loopThread);
      }

      Gateway gateway = start(Gateway.builder().eventLoops(loops).routes(List.of(
          Route.builder("tight").pathPrefix("/tight").stripPrefix("/tight")
              .upstream(upstreamOf("tight", upstream("a"))).rateLimit(tight, (request, principal) -> "one")
              .build())));
      List<Integer> statuses = onThreads(200, 16, i -> get(gateway, "/tight/id").statusCode());

      assertThat(Collections.frequency(statuses, 200)).as("Redis admitted exactly its budget").isEqualTo(50);
      assertThat(Collections.frequency(statuses, 429)).isEqualTo(150);
      assertThat(BlockingCalls.drain()).as("blocking calls on an event loop").isEmpty();

      gateway.close();
      assertThat(loops.group().isShuttingDown()).as("the loops are their creator's to close").isFalse();
      assertThat(redis.current().sync().ping()).isEqualTo("PONG");
      AtomicInteger prefixes = new AtomicInteger();
      assertThatThrownBy(() -> redis.rateLimiter(connection -> RedisRateLimiter.builder(fifty, connection)
              .name("tight").keyPrefix(prefix + "p" + prefixes.incrementAndGet() + ":").build()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("must share one policy, name, fail mode and key prefix")
          .hasMessageContaining("key prefix " + prefix + "p2:");
    } finally {
      assertThat(loops.close(Duration.ofSeconds(10))).isTrue();
    }
  }

  @Test
  void aLimiterThatBlocksTheEventLoopIsReported() throws Exception {
    RateLimiter sleeping = new RateLimiter() {
      private final RateLimitPolicy policy = RateLimitPolicy.of(Limit.perSecond(1_000));

      @Override
      public RateLimitDecision tryAcquire(String key, long permits) {
        try {
          Thread.sleep(2); // what a synchronous remote call does to the caller
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return RateLimitDecision.allowed(999, 1_000);
      }

      @Override
      public RateLimitPolicy policy() {
        return policy;
      }
    };
    Gateway gateway = start(Route.builder("sleepy").pathPrefix("/").upstream(upstreamOf("svc", upstream("a")))
        .rateLimit(sleeping).build());

    assertThat(get(gateway, "/id").statusCode()).as("reported, not broken").isEqualTo(200);

    List<BlockingCalls.Report> reports = BlockingCalls.drain(); // consumed: not a failure here
    assertThat(reports).isNotEmpty();
    BlockingCalls.Report report = reports.get(0);
    assertThat(report.method()).contains("sleep");
    assertThat(report.thread()).startsWith("layerkit-gw");
    assertThat(report.stack()).anySatisfy(frame ->
        assertThat(frame.getClassName()).isEqualTo(RateLimitFilter.class.getName()));
  }
}
