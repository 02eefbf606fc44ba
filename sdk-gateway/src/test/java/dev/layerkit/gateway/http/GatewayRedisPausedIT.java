package dev.layerkit.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.layerkit.core.redis.RedisConnections;
import dev.layerkit.gateway.ratelimit.FailMode;
import dev.layerkit.gateway.ratelimit.Limit;
import dev.layerkit.gateway.ratelimit.RateLimitPolicy;
import dev.layerkit.test.servers.PausableRedis;
import dev.layerkit.gateway.ratelimit.redis.RedisRateLimiter;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Redis stops answering while the gateway is under load: a private {@code redis-server} (never
 * the shared one) is stopped with {@code SIGSTOP}. Requests on the Redis-limited route get the
 * fail-mode answer within the limiter's timeout, a route without a limiter on the same gateway
 * (one event loop, shared by both) goes on at full speed, and after {@code SIGCONT} Redis decides
 * again.
 *
 * <p>Why the comparison is robust on a loaded machine: with a limiter that blocked its event loop
 * for the timeout, every request on that loop would wait behind the stalled decisions, so the
 * free route would complete about as few requests as the limited one (a couple a second per
 * client thread). The assertions ask for many times more, and for a median latency far below
 * the timeout, rather than for absolute speeds.
 */
class GatewayRedisPausedIT extends GatewayTestSupport {

  private static final Duration TIMEOUT = Duration.ofMillis(500);
  /** Scheduling slack on a loaded two-core machine, beyond the timeout and the timer's tick. */
  private static final Duration MARGIN = Duration.ofSeconds(2);
  private static final int CLIENTS_PER_ROUTE = 4;

  /** One answer; {@code phase} is where the request started and ended, -1 if they differ. */
  private record Result(int phase, String route, int status, String retryAfter, long nanos) {}

  @Test
  void aPausedRedisGetsTheFailModeWithinTheTimeoutAndDoesNotSlowOtherRoutes() throws Exception {
    try (PausableRedis redis = PausableRedis.start()) {
      RedisClient redisClient = RedisClient.create(redis.uri());
      try (StatefulRedisConnection<String, byte[]> connection = RedisConnections.connect(redisClient)) {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        RedisRateLimiter limiter = RedisRateLimiter.builder(RateLimitPolicy.of(Limit.perMinute(10_000_000)),
                connection)
            .name("paused").failMode(FailMode.CLOSED).failClosedRetryAfter(Duration.ofSeconds(7))
            .timeout(TIMEOUT).meterRegistry(registry).build();
        TestUpstream a = upstream("a");
        // One event loop: a limiter that blocked it would stall the free route too.
        Gateway gateway = start(Gateway.builder().workerThreads(1).routes(List.of(
            Route.builder("limited").pathPrefix("/limited").stripPrefix("/limited")
                .upstream(upstreamOf("limited", a)).rateLimit(limiter, (request, principal) -> "all").build(),
            Route.builder("free").pathPrefix("/free").stripPrefix("/free")
                .upstream(upstreamOf("free", a)).build())));

        // 0 before the pause, 1 paused, 3 resuming, 2 continued
        AtomicInteger phase = new AtomicInteger();
        AtomicBoolean running = new AtomicBoolean(true);
        Queue<Result> results = new ConcurrentLinkedQueue<>();
        ExecutorService clients = Executors.newFixedThreadPool(2 * CLIENTS_PER_ROUTE);
        List<Future<?>> loops = new ArrayList<>();
        for (String route : List.of("limited", "free")) {
          for (int i = 0; i < CLIENTS_PER_ROUTE; i++) {
            loops.add(clients.submit(() -> {
              while (running.get()) {
                int startPhase = phase.get();
                long start = System.nanoTime();
                HttpResponse<String> response = client.send(HttpRequest.newBuilder(uri(gateway, "/" + route + "/id"))
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
                int endPhase = phase.get();
                results.add(new Result(startPhase == endPhase ? startPhase : -1, route, response.statusCode(),
                    response.headers().firstValue("Retry-After").orElse(""), System.nanoTime() - start));
              }
              return null;
            }));
          }
        }
        try {
          awaitResults(results, 0, 20);
          redis.pause();
          phase.set(1);
          awaitResults(results, 1, 12);
          // SIGCONT takes effect while kill(1) is still being reaped: requests in that window may
          // be decided by Redis, so they belong to neither the paused nor the resumed phase.
          phase.set(3);
          redis.resume();
          phase.set(2);
          awaitResults(results, 2, 20);
        } finally {
          running.set(false);
          for (Future<?> loop : loops) {
            loop.get(60, TimeUnit.SECONDS); // rethrows a client's failure
          }
          clients.shutdownNow();
        }

        List<Result> limitedPaused = select(results, 1, "limited");
        List<Result> freePaused = select(results, 1, "free");
        assertThat(limitedPaused).as("fail closed, with the configured Retry-After")
            .allSatisfy(r -> {
              assertThat(r.status()).isEqualTo(429);
              assertThat(r.retryAfter()).isEqualTo("7");
            });
        assertThat(limitedPaused).as("answered within the timeout plus a margin")
            .allSatisfy(r -> assertThat(Duration.ofNanos(r.nanos())).isLessThan(TIMEOUT.plus(MARGIN)));
        assertThat(freePaused).allSatisfy(r -> assertThat(r.status()).isEqualTo(200));
        assertThat(freePaused.size()).as("the free route kept its pace (%d limited answers meanwhile)",
            limitedPaused.size()).isGreaterThanOrEqualTo(10 * limitedPaused.size());
        assertThat(Duration.ofNanos(median(freePaused))).as("median latency of the free route while paused")
            .isLessThan(TIMEOUT.dividedBy(4));
        assertThat(registry.get("layerkit.ratelimit.errors").tag("kind", "timeout").counter().count())
            .isGreaterThanOrEqualTo(limitedPaused.size());

        assertThat(select(results, 0, "limited")).as("before the pause Redis allowed")
            .allSatisfy(r -> assertThat(r.status()).isEqualTo(200));
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
            .until(() -> get(gateway, "/limited/id").statusCode() == 200);
      } finally {
        redisClient.shutdown();
      }
    }
  }

  /** Waits until both routes have {@code count} answers to requests entirely in {@code phase}. */
  private static void awaitResults(Queue<Result> results, int phase, int count) {
    await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(20)).until(() ->
        select(results, phase, "limited").size() >= count && select(results, phase, "free").size() >= count);
  }

  private static List<Result> select(Queue<Result> results, int phase, String route) {
    List<Result> selected = new ArrayList<>();
    for (Result r : results) {
      if (r.phase() == phase && r.route().equals(route)) {
        selected.add(r);
      }
    }
    return selected;
  }

  private static long median(List<Result> results) {
    long[] nanos = results.stream().mapToLong(Result::nanos).sorted().toArray();
    return nanos[nanos.length / 2];
  }
}
