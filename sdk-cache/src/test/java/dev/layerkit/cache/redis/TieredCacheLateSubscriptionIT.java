package dev.layerkit.cache.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.layerkit.cache.Cache;
import dev.layerkit.cache.Caches;
import dev.layerkit.cache.TieredCache;
import dev.layerkit.core.codec.Codecs;
import dev.layerkit.core.health.HealthStatus;
import dev.layerkit.core.redis.RedisConnections;
import dev.layerkit.core.time.ManualTimeSource;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.embedded.RedisServer;

/**
 * Tiered caches built while their Redis is down (a dedicated embedded redis-server on its own
 * port, never the shared one): they start, serve through the loader with L1 bypassed, subscribe
 * once Redis is up, and from then on invalidate each other.
 */
class TieredCacheLateSubscriptionIT {

  private int port;
  private RedisServer server;
  private RedisClient client;
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    port = RedisSupport.freePort();
    server = newServer();
    server.start();
    client = RedisClient.create("redis://127.0.0.1:" + port);
  }

  private RedisServer newServer() throws java.io.IOException {
    return RedisServer.newRedisServer().port(port).bind("127.0.0.1").build();
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable closeable : closeables) {
      closeable.close();
    }
    client.shutdown();
    server.stop();
  }

  private TieredCache<String, String> tiered(StatefulRedisConnection<String, byte[]> data,
      Cache<String, String> local, AtomicInteger pubSubAttempts) {
    RedisCache.Builder<String, String> remote = Caches.<String, String>redis(data, Codecs.utf8())
        .keyPrefix("late:").timeout(Duration.ofSeconds(2))
        .invalidationChannel(() -> {
          pubSubAttempts.incrementAndGet();
          StatefulRedisPubSubConnection<String, byte[]> pubSub = RedisConnections.connectPubSub(client);
          closeables.add(pubSub);
          return pubSub;
        });
    TieredCache<String, String> cache =
        Caches.tiered(RedisSupport.prebuilt(local), remote).localTtl(Duration.ofMinutes(10)).build();
    closeables.add(0, cache);
    return cache;
  }

  @Test
  void builtWhileRedisIsDownTheyMissWithL1BypassedThenSubscribeAndInvalidateEachOther() throws Exception {
    // The data connection exists (Lettuce reconnects it); the pub/sub one cannot be made yet.
    StatefulRedisConnection<String, byte[]> data = RedisSupport.connect(client);
    closeables.add(data);
    server.stop();
    ManualTimeSource frozen = new ManualTimeSource(); // L1 entries cannot expire during the waits
    Cache<String, String> localA = Caches.<String, String>inMemory().timeSource(frozen).build();
    Cache<String, String> localB = Caches.<String, String>inMemory().timeSource(frozen).build();
    AtomicInteger attemptsA = new AtomicInteger();
    TieredCache<String, String> a = tiered(data, localA, attemptsA);
    TieredCache<String, String> b = tiered(data, localB, new AtomicInteger());

    assertThat(a.isSubscribed()).isFalse();
    assertThat(a.healthCheck().check().status()).isEqualTo(HealthStatus.DEGRADED);
    assertThat(String.valueOf(a.healthCheck().check().details().get("reason")))
        .contains("not subscribed to the invalidation channel");
    assertThat(a.put("k", "v", Duration.ofMinutes(10))).as("Redis down: not stored").isFalse();
    assertThat(a.get("k")).as("a miss: a CacheAside asks its loader").isNull();
    assertThat(localA.get("k")).as("L1 bypassed").isNull();

    server = newServer();
    server.start();
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
      assertThat(a.isSubscribed()).isTrue();
      assertThat(b.isSubscribed()).isTrue();
    });
    assertThat(attemptsA.get()).as("retried in the background").isGreaterThan(1);
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
        .untilAsserted(() -> assertThat(a.healthCheck().check().status()).isEqualTo(HealthStatus.UP));

    // Subscribed: B copies A's value into its L1, and A's change reaches B's L1 as a message.
    assertThat(a.put("shared", "old", Duration.ofMinutes(10))).isTrue();
    assertThat(b.get("shared")).isEqualTo("old");
    assertThat(localB.get("shared")).as("B uses L1 now").isEqualTo("old");
    assertThat(a.put("shared", "new", Duration.ofMinutes(10))).isTrue();
    await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5))
        .untilAsserted(() -> assertThat(localB.get("shared")).as("dropped by A's message").isNull());
    assertThat(b.get("shared")).isEqualTo("new");
  }
}
