package dev.layerkit.cache.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.cache.Caches;
import dev.layerkit.core.codec.Codecs;
import dev.layerkit.core.redis.RedisConnections;
import dev.layerkit.gateway.ratelimit.FailMode;
import dev.layerkit.gateway.ratelimit.Limit;
import dev.layerkit.gateway.ratelimit.RateLimitPolicy;
import dev.layerkit.gateway.ratelimit.redis.RedisRateLimiter;
import dev.layerkit.test.Concurrently;
import dev.layerkit.test.servers.LatencyProxy;
import dev.layerkit.test.servers.LossyLink;
import dev.layerkit.test.servers.PausableRedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAccumulator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Redis rate limiter and the Redis cache over a slow network ({@link LatencyProxy}: +50 ms
 * per round trip) and a lossy one ({@link LossyLink}: 20% of packets dropped, repaired by TCP
 * retransmission), each against a Redis of this test alone.
 *
 * <p>Asserted: with the latency, the limiter admits exactly its budget under eight threads and
 * every decision and cache call takes at least the added round trip and less than it plus the
 * timeout (the latency the blocks see is the network's, nothing hangs); with the loss, every call
 * answers within its timeout (plus room for a loaded machine), the limiter never admits beyond
 * its budget (it fails closed), a cache read is the written value or a miss, never another, and
 * once the loss stops everything is served from Redis again.
 */
class SlowAndLossyRedisIT {

  private static final Duration ONE_WAY = Duration.ofMillis(25);
  private static final Duration ROUND_TRIP = ONE_WAY.multipliedBy(2);
  /** Room for a loaded CI machine above a timeout. */
  private static final Duration SLACK = Duration.ofSeconds(2);

  private final List<AutoCloseable> closeables = new ArrayList<>();
  private PausableRedis redis;

  @BeforeEach
  void start() throws Exception {
    redis = PausableRedis.start();
  }

  @AfterEach
  void stop() throws Exception {
    Collections.reverse(closeables);
    for (AutoCloseable closeable : closeables) {
      closeable.close();
    }
    redis.close();
  }

  private int redisPort() {
    return URI.create(redis.uri()).getPort();
  }

  private StatefulRedisConnection<String, byte[]> connect(String uri) {
    RedisClient client = RedisClient.create(uri);
    closeables.add(client::shutdown);
    return RedisConnections.connect(client);
  }

  @Test
  void withFiftyMillisecondsMoreRoundTripTheLimiterAndTheCacheStayExactAndReportTheLatency() throws Exception {
    LatencyProxy proxy = LatencyProxy.start("127.0.0.1", redisPort(), ONE_WAY);
    closeables.add(proxy);
    StatefulRedisConnection<String, byte[]> slow = connect(proxy.redisUri());
    // Far above the round trip, so that a loaded CI machine does not make a decision fail closed.
    Duration timeout = Duration.ofSeconds(3);
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    RedisRateLimiter limiter = RedisRateLimiter.builder(
            RateLimitPolicy.of(Limit.interval(100, 100, Duration.ofHours(1))), slow)
        .name("slow").keyPrefix("rl:").timeout(timeout).failMode(FailMode.CLOSED).meterRegistry(meters).build();
    RedisCache<String, String> cache = Caches.<String, String>redis(slow, Codecs.utf8()).name("slow")
        .keyPrefix("cache:").timeout(timeout).build();

    AtomicLong admitted = new AtomicLong();
    LongAccumulator fastest = new LongAccumulator(Math::min, Long.MAX_VALUE);
    LongAccumulator slowest = new LongAccumulator(Math::max, 0);
    Concurrently.run(8, () -> {
      for (int i = 0; i < 25; i++) {
        long begin = System.nanoTime();
        if (limiter.tryAcquire("budget").allowed()) {
          admitted.incrementAndGet();
        }
        long took = System.nanoTime() - begin;
        fastest.accumulate(took);
        slowest.accumulate(took);
      }
    });
    long cacheFastest = Long.MAX_VALUE;
    long cacheSlowest = 0;
    for (int i = 0; i < 20; i++) {
      long begin = System.nanoTime();
      assertThat(cache.put("k" + i, "v" + i, Duration.ofMinutes(5))).isTrue();
      assertThat(cache.get("k" + i)).isEqualTo("v" + i);
      long took = (System.nanoTime() - begin) / 2;
      cacheFastest = Math.min(cacheFastest, took);
      cacheSlowest = Math.max(cacheSlowest, took);
    }
    System.out.printf("[network] +%d ms round trip: limiter admitted %d of 200 (budget 100), decisions %d..%d ms;"
            + " cache calls %d..%d ms%n", ROUND_TRIP.toMillis(), admitted.get(), fastest.get() / 1_000_000,
        slowest.get() / 1_000_000, cacheFastest / 1_000_000, cacheSlowest / 1_000_000);
    assertThat(admitted.get()).as("exactly the budget: every decision came from Redis").isEqualTo(100);
    assertThat(meters.find("layerkit.ratelimit.errors").counters())
        .as("no decision timed out").allSatisfy(c -> assertThat(c.count()).isZero());
    assertThat(Duration.ofNanos(fastest.get())).as("a decision costs the round trip").isGreaterThanOrEqualTo(ROUND_TRIP);
    assertThat(Duration.ofNanos(slowest.get())).isLessThan(timeout);
    assertThat(Duration.ofNanos(cacheFastest)).as("a cache call costs the round trip").isGreaterThanOrEqualTo(ROUND_TRIP);
    assertThat(Duration.ofNanos(cacheSlowest)).isLessThan(timeout);
    assertThat(cache.errorCount()).isZero();
  }

  @Test
  void withOneInFivePacketsLostEveryCallAnswersWithinItsTimeoutAndNothingWrongIsServed() throws Exception {
    LossyLink link = LossyLink.to(redisPort());
    closeables.add(link);
    StatefulRedisConnection<String, byte[]> lossy = connect("redis://" + link.host() + ":" + link.port());
    Duration timeout = Duration.ofMillis(300);
    RedisRateLimiter limiter = RedisRateLimiter.builder(
            RateLimitPolicy.of(Limit.interval(50, 50, Duration.ofHours(1))), lossy)
        .name("lossy").keyPrefix("rl:").timeout(timeout).failMode(FailMode.CLOSED).build();
    RedisCache<String, String> cache = Caches.<String, String>redis(lossy, Codecs.utf8()).name("lossy")
        .keyPrefix("cache:").timeout(timeout).build();
    for (int i = 0; i < 20; i++) {
      assertThat(cache.put("k" + i, "v" + i, Duration.ofMinutes(5))).isTrue();
    }

    link.loss(0.2);

    AtomicLong admitted = new AtomicLong();
    AtomicLong hits = new AtomicLong();
    AtomicLong misses = new AtomicLong();
    LongAccumulator slowest = new LongAccumulator(Math::max, 0);
    AtomicLong next = new AtomicLong();
    Concurrently.run(4, () -> {
      for (int i = 0; i < 40; i++) {
        long n = next.incrementAndGet();
        long begin = System.nanoTime();
        if (limiter.tryAcquire("budget").allowed()) {
          admitted.incrementAndGet();
        }
        String key = "k" + n % 20;
        String value = cache.get(key);
        slowest.accumulate(System.nanoTime() - begin);
        if (value == null) {
          misses.incrementAndGet();
        } else {
          assertThat(value).as("a read is the written value or a miss").isEqualTo("v" + n % 20);
          hits.incrementAndGet();
        }
      }
    });
    long dropped = link.dropped();
    System.out.printf("[network] 20%% loss: %d packets dropped; 160 decisions, %d admitted (budget 50);"
            + " 160 cache reads, %d hits, %d misses; slowest decision + read %d ms (timeouts 2 x %d ms)%n",
        dropped, admitted.get(), hits.get(), misses.get(), slowest.get() / 1_000_000, timeout.toMillis());
    assertThat(dropped).as("packets were dropped").isPositive();
    assertThat(admitted.get()).as("fail closed: never beyond the budget").isLessThanOrEqualTo(50);
    assertThat(Duration.ofNanos(slowest.get())).as("no call hangs").isLessThan(timeout.multipliedBy(2).plus(SLACK));

    link.loss(0);
    // Lossless again: the breaker closes after its wait and Redis answers every read.
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
        .until(() -> "v7".equals(cache.get("k7")));
    for (int i = 0; i < 20; i++) {
      assertThat(cache.get("k" + i)).isIn("v" + i, null);
    }
  }
}
