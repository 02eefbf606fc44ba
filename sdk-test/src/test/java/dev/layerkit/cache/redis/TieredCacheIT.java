package dev.layerkit.cache.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.layerkit.cache.Cache;
import dev.layerkit.cache.Caches;
import dev.layerkit.cache.TieredCache;
import dev.layerkit.core.codec.Codecs;
import dev.layerkit.core.redis.RedisConnections;
import dev.layerkit.core.time.ManualTimeSource;
import dev.layerkit.test.cache.CacheContract;
import dev.layerkit.test.servers.TestRedis;
import dev.layerkit.test.servers.TestServers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import redis.embedded.RedisServer;

/**
 * The tiered near cache (Caffeine L1 over Redis L2) against a real Redis: the contract, two
 * instances invalidating each other, and a Redis restart clearing both L1s (on a dedicated
 * embedded server).
 */
class TieredCacheIT extends CacheContract {

  /**
   * How long a write on one instance may stay visible as stale on another: pub/sub delivers in
   * milliseconds; one second leaves room for a loaded CI machine. The L1 TTL in these tests is a
   * minute, so only the message can meet this bound.
   */
  private static final Duration STALENESS_BOUND = Duration.ofSeconds(1);
  private static final Duration LOCAL_TTL = Duration.ofMinutes(1);
  private static final TestRedis REDIS = TestServers.redis();

  private final List<AutoCloseable> closeables = new ArrayList<>();
  private RedisClient client;
  private StatefulRedisConnection<String, byte[]> connection;
  private String keyPrefix;

  @BeforeEach
  void connect(TestInfo test) {
    keyPrefix = REDIS.newKeyPrefix(test.getTestMethod().orElseThrow().getName());
    client = RedisClient.create(REDIS.uri());
    connection = RedisSupport.connect(client);
  }

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable closeable : closeables) {
      closeable.close();
    }
    client.shutdown();
  }

  private TieredCache<String, String> tiered(RedisClient redisClient, StatefulRedisConnection<String, byte[]> data,
      String prefix, Cache<String, String> local) {
    StatefulRedisPubSubConnection<String, byte[]> pubSub = RedisConnections.connectPubSub(redisClient);
    RedisCache.Builder<String, String> remote = Caches.<String, String>redis(data, Codecs.utf8())
        .keyPrefix(prefix).timeout(Duration.ofSeconds(10)).invalidationChannel(pubSub);
    TieredCache<String, String> tiered = Caches.tiered(RedisSupport.prebuilt(local), remote).localTtl(LOCAL_TTL).build();
    closeables.add(tiered);
    return tiered;
  }

  @Override
  protected Cache<String, String> newCache(String name) {
    return tiered(client, connection, keyPrefix + name + ':',
        Caches.<String, String>inMemory().build());
  }

  @Override
  protected void passTime(Duration duration) {
    // L1 copies live no longer than the L2 entry has left, so both tiers run on real time here
    // (Redis expires on its own clock); the contract waits for expiry, bounded.
  }

  /**
   * Waits until {@code receiver} has handled every message {@code sender} published so far:
   * messages arrive in order, so once the marker's invalidation has removed it, the earlier ones
   * are in.
   */
  private static void awaitDelivered(TieredCache<String, String> sender, Cache<String, String> receiver) {
    receiver.put("marker", "x", LOCAL_TTL);
    sender.invalidate("marker");
    await().atMost(STALENESS_BOUND).pollInterval(Duration.ofMillis(5))
        .untilAsserted(() -> assertThat(receiver.get("marker")).isNull());
  }

  @Test
  void aWriteOnOneInstanceIsNotServedStaleByAnotherBeyondTheBound() {
    Cache<String, String> localA = Caches.<String, String>inMemory().build();
    Cache<String, String> localB = Caches.<String, String>inMemory().build();
    TieredCache<String, String> a = tiered(client, connection, keyPrefix, localA);
    TieredCache<String, String> b = tiered(client, connection, keyPrefix, localB);
    a.put("k", "v1", Duration.ofMinutes(10));
    awaitDelivered(a, localB);
    assertThat(b.get("k")).isEqualTo("v1");
    assertThat(localB.get("k")).as("B holds it in L1 now").isEqualTo("v1");

    a.put("k", "v2", Duration.ofMinutes(10));
    await().atMost(STALENESS_BOUND).pollInterval(Duration.ofMillis(5))
        .untilAsserted(() -> assertThat(b.get("k")).isEqualTo("v2"));

    b.invalidate("k");
    await().atMost(STALENESS_BOUND).pollInterval(Duration.ofMillis(5))
        .untilAsserted(() -> assertThat(localA.get("k")).isNull());
    assertThat(a.get("k")).isNull();
  }

  @Test
  void putAllOnOneInstanceDropsTheOthersL1CopiesOfEveryKey() {
    Cache<String, String> localB = Caches.<String, String>inMemory().build();
    TieredCache<String, String> a = tiered(client, connection, keyPrefix, Caches.<String, String>inMemory().build());
    TieredCache<String, String> b = tiered(client, connection, keyPrefix, localB);
    Map<String, String> entries = new HashMap<>();
    for (int i = 0; i < 100; i++) {
      entries.put("k" + i, "old");
    }
    a.putAll(entries, Duration.ofMinutes(10));
    awaitDelivered(a, localB);
    assertThat(b.getAll(entries.keySet())).isEqualTo(entries);
    assertThat(localB.getAll(entries.keySet())).as("B holds all 100 in L1").hasSize(100);
    entries.replaceAll((key, value) -> "new");
    a.putAll(entries, Duration.ofMinutes(10));
    await().atMost(STALENESS_BOUND).pollInterval(Duration.ofMillis(5))
        .untilAsserted(() -> assertThat(b.getAll(entries.keySet())).isEqualTo(entries));
  }

  @Test
  void anInstanceIgnoresItsOwnMessages() {
    Cache<String, String> localA = Caches.<String, String>inMemory().build();
    Cache<String, String> localB = Caches.<String, String>inMemory().build();
    TieredCache<String, String> a = tiered(client, connection, keyPrefix, localA);
    tiered(client, connection, keyPrefix, localB);
    a.put("k", "v", Duration.ofMinutes(10));
    // B has received A's messages by then, so A has received its own.
    awaitDelivered(a, localB);
    assertThat(localA.get("k")).as("A kept its own write in L1").isEqualTo("v");
  }

  @Test
  void aRedisRestartClearsBothL1s() throws Exception {
    int port = RedisSupport.freePort();
    RedisServer server = RedisServer.newRedisServer().port(port).bind("127.0.0.1").build();
    server.start();
    RedisClient restartClient = RedisClient.create("redis://127.0.0.1:" + port);
    try {
      StatefulRedisConnection<String, byte[]> data = RedisSupport.connect(restartClient);
      // The L1s run on a clock that never moves: their entries cannot expire during the wait
      // below, so only the clear on resubscription can empty them.
      ManualTimeSource frozen = new ManualTimeSource();
      Cache<String, String> localA = Caches.<String, String>inMemory().timeSource(frozen).build();
      Cache<String, String> localB = Caches.<String, String>inMemory().timeSource(frozen).build();
      TieredCache<String, String> a = tiered(restartClient, data, "restart:", localA);
      TieredCache<String, String> b = tiered(restartClient, data, "restart:", localB);
      a.put("k", "v", Duration.ofMinutes(10));
      awaitDelivered(a, localB);
      assertThat(b.get("k")).isEqualTo("v");
      assertThat(localA.get("k")).isEqualTo("v");
      assertThat(localB.get("k")).isEqualTo("v");

      server.stop();
      server = RedisServer.newRedisServer().port(port).bind("127.0.0.1").build();
      server.start();

      // Lettuce reconnects (its backoff reaches seconds) and resubscribes; each L1 is then cleared.
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
        assertThat(localA.get("k")).isNull();
        assertThat(localB.get("k")).isNull();
      });
      assertThat(a.get("k")).as("the restarted Redis is empty").isNull();
    } finally {
      for (AutoCloseable closeable : closeables) {
        closeable.close();
      }
      closeables.clear();
      restartClient.shutdown();
      server.stop();
    }
  }

  @Test
  void aRemoteCacheWithoutAChannelCannotBeTiered() {
    RedisCache.Builder<String, String> remote = Caches.<String, String>redis(connection, Codecs.utf8())
        .keyPrefix(keyPrefix);
    assertThatThrownBy(() -> Caches.tiered(Caches.<String, String>inMemory(), remote).localTtl(LOCAL_TTL).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no invalidation channel");
  }
}
