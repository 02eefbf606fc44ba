package dev.layerkit.cache.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.layerkit.cache.CacheAside;
import dev.layerkit.cache.Caches;
import dev.layerkit.core.codec.Codecs;
import dev.layerkit.core.health.HealthStatus;
import dev.layerkit.core.resilience.ResiliencePolicy;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.embedded.RedisServer;

/**
 * A Redis cache whose server stops, or stops answering, mid-test: a dedicated embedded
 * redis-server on its own port, stopped and started again on the same port (never the shared
 * test server).
 */
class RedisCacheOutageIT {

  private static final Duration TIMEOUT = Duration.ofMillis(200);

  private int port;
  private RedisServer server;
  private RedisClient client;
  private StatefulRedisConnection<String, byte[]> connection;

  @BeforeEach
  void start() throws Exception {
    port = RedisSupport.freePort();
    server = newServer();
    server.start();
    client = RedisClient.create("redis://127.0.0.1:" + port);
    connection = RedisSupport.connect(client);
  }

  private RedisServer newServer() throws java.io.IOException {
    return RedisServer.newRedisServer().port(port).bind("127.0.0.1").build();
  }

  @AfterEach
  void stop() throws Exception {
    client.shutdown();
    server.stop();
  }

  private static ResiliencePolicy breaker(String name) {
    return ResiliencePolicy.builder("outage-" + name).failureRateThreshold(50)
        .slidingWindowSize(4).minimumNumberOfCalls(2).waitDurationInOpenState(Duration.ofMillis(500))
        .permittedNumberOfCallsInHalfOpenState(1).build();
  }

  private RedisCache.Builder<String, String> redisCache(String name, ResiliencePolicy breaker) {
    return Caches.<String, String>redis(connection, Codecs.utf8()).name(name).timeout(TIMEOUT).resiliencePolicy(breaker);
  }

  @Test
  void whileRedisIsDownReadsAnswerFromTheLoaderWithinTheTimeoutAndTheBreakerOpensThenRecovers() throws Exception {
    ResiliencePolicy breaker = breaker("down");
    CacheAside<String, String> cache = CacheAside.builder(redisCache("down", breaker)).build();
    AtomicInteger loads = new AtomicInteger();
    assertThat(cache.get("k", k -> "v" + loads.incrementAndGet())).isEqualTo("v1");
    assertThat(cache.get("k", k -> "v" + loads.incrementAndGet())).as("from Redis").isEqualTo("v1");
    assertThat(cache.healthCheck().check().status()).isEqualTo(HealthStatus.UP);

    server.stop();

    for (int i = 2; i <= 11; i++) {
      long start = System.nanoTime();
      String value = cache.get("k", k -> "v" + loads.incrementAndGet());
      long tookMillis = (System.nanoTime() - start) / 1_000_000;
      assertThat(value).as("the loader answers, no exception").isEqualTo("v" + i);
      // Two calls (the GET, then the SET of the loaded value) each bounded by the timeout.
      assertThat(tookMillis).as("bounded by the timeout, not a hang").isLessThan(2 * TIMEOUT.toMillis() + 3_000);
    }
    assertThat(breaker.circuitBreakerState()).isEqualTo(CircuitBreaker.State.OPEN);
    assertThat(cache.healthCheck().check().status()).isEqualTo(HealthStatus.DEGRADED);
    assertThat(cache.stats().remoteErrors()).isGreaterThanOrEqualTo(10);

    server = newServer();
    server.start();
    // The breaker lets a probe through after its wait; a successful one closes it.
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
      cache.get("probe", k -> "p");
      return cache.healthCheck().check().status() == HealthStatus.UP;
    });
    cache.invalidate("k");
    assertThat(cache.get("k", k -> "fresh")).isEqualTo("fresh");
    assertThat(cache.get("k", k -> "not loaded again")).as("cached in Redis again").isEqualTo("fresh");
  }

  @Test
  void anInvalidationRedisMissedIsReplayedSoTheOldValueIsNeverServed() {
    CacheAside<String, String> cache = CacheAside.builder(redisCache("paused", breaker("paused"))).build();
    assertThat(cache.get("k", k -> "old")).isEqualTo("old");
    // CLIENT PAUSE keeps the data but stops answering: the DEL times out, the old value stays.
    RedisClient adminClient = RedisClient.create("redis://127.0.0.1:" + port);
    try (StatefulRedisConnection<String, String> admin = adminClient.connect()) {
      admin.sync().clientPause(1_500);
      cache.write("k", () -> "database updated");
      assertThat(cache.get("k", k -> "new")).as("pending invalidation: a miss, not the old value").isEqualTo("new");
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
        String value = cache.get("k", k -> "new");
        assertThat(value).isEqualTo("new");
        assertThat(admin.sync().get("layerkit:cache:paused:{k}")).as("replayed: the old entry is gone").isNull();
      });
    } finally {
      adminClient.shutdown();
    }
  }

  @Test
  void aWriteThatTimedOutButLandsLaterIsNeverServed() {
    RedisCache<String, String> redis = redisCache("late", breaker("late")).build();
    RedisClient adminClient = RedisClient.create("redis://127.0.0.1:" + port);
    try (StatefulRedisConnection<String, String> admin = adminClient.connect()) {
      admin.sync().clientPause(1_000);
      // Times out here, but Redis runs it when the pause ends.
      assertThat(redis.put("k", "late", Duration.ofHours(1))).isFalse();
      assertThat(redis.get("k")).as("uncertain: a miss").isNull();
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
        assertThat(redis.get("k")).isNull();
        assertThat(admin.sync().get(redis.keyPrefix() + "{k}")).as("the late write was undone").isNull();
        assertThat(redis.put("k", "current", Duration.ofHours(1))).isTrue();
      });
      assertThat(redis.get("k")).isEqualTo("current");
    } finally {
      adminClient.shutdown();
    }
  }
}
