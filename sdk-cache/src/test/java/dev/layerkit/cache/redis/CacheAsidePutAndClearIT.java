package dev.layerkit.cache.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.layerkit.cache.CacheAside;
import dev.layerkit.cache.CacheBuilder;
import dev.layerkit.cache.Caches;
import dev.layerkit.core.codec.Codecs;
import dev.layerkit.core.redis.RedisConnections;
import dev.layerkit.test.servers.TestRedis;
import dev.layerkit.test.servers.TestServers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link CacheAside#put} and {@link CacheAside#invalidateAll()} on every backend, two facades
 * sharing the backend as two instances would (in memory: one process's two callers), on the real
 * Redis for the remote and tiered backends.
 */
class CacheAsidePutAndClearIT {

  private static final TestRedis REDIS = TestServers.redis();

  enum Backend { MEMORY, REDIS, TIERED }

  private RedisClient client;
  private String keyPrefix;
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final AtomicInteger loads = new AtomicInteger();

  @BeforeEach
  void connect(TestInfo test) {
    keyPrefix = REDIS.newKeyPrefix(test.getTestMethod().orElseThrow().getName());
    client = RedisClient.create(REDIS.uri());
  }

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable closeable : closeables) {
      closeable.close();
    }
    client.shutdown();
  }

  /** Two facades over one shared cache: Redis (and the tiered L2) by prefix, memory by instance. */
  private List<CacheAside<String, String>> twoInstances(Backend backend) {
    List<CacheAside<String, String>> instances = new ArrayList<>();
    CacheBuilder<String, String> memory = Caches.<String, String>inMemory();
    for (int i = 0; i < 2; i++) {
      CacheBuilder<String, String> builder;
      if (backend == Backend.MEMORY) {
        builder = memory;
      } else {
        StatefulRedisConnection<String, byte[]> connection = RedisConnections.connect(client);
        closeables.add(connection::close);
        RedisCache.Builder<String, String> remote = Caches.<String, String>redis(connection, Codecs.utf8())
            .keyPrefix(keyPrefix).timeout(Duration.ofSeconds(5));
        if (backend == Backend.TIERED) {
          var pubSub = RedisConnections.connectPubSub(client);
          closeables.add(pubSub::close);
          remote.invalidationChannel(pubSub);
          builder = Caches.tiered(Caches.<String, String>inMemory(), remote).localTtl(Duration.ofMinutes(5));
        } else {
          builder = remote;
        }
      }
      CacheAside<String, String> cache = CacheAside.builder(builder).ttl(Duration.ofMinutes(5)).build();
      closeables.add(cache);
      instances.add(cache);
      if (backend == Backend.MEMORY) {
        // One in-memory backend per builder: the second facade shares the first's.
        instances.add(cache);
        break;
      }
    }
    return instances;
  }

  private String load(String key) {
    return key + "#" + loads.incrementAndGet();
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void aPutIsWhatEveryInstanceReadsNext(Backend backend) {
    List<CacheAside<String, String>> instances = twoInstances(backend);
    CacheAside<String, String> first = instances.get(0);
    CacheAside<String, String> second = instances.get(1);
    assertThat(second.get("k", this::load)).isEqualTo("k#1");

    assertThat(first.put("k", "put")).isTrue();

    assertThat(first.get("k", this::load)).isEqualTo("put");
    // A tiered instance drops its local copy when the invalidation message arrives.
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(second.get("k", this::load)).isEqualTo("put"));
    assertThat(loads).hasValue(1);
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void invalidateAllEmptiesTheCacheForEveryInstanceAndNothingElse(Backend backend) {
    List<CacheAside<String, String>> instances = twoInstances(backend);
    CacheAside<String, String> first = instances.get(0);
    CacheAside<String, String> second = instances.get(1);
    for (String key : List.of("a", "b", "c")) {
      second.get(key, this::load);
    }
    StatefulRedisConnection<String, byte[]> probe = RedisConnections.connect(client);
    closeables.add(probe::close);
    String outside = REDIS.newKeyPrefix("outside") + "x";
    probe.sync().set(outside, new byte[] {1});

    first.invalidateAll();

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(second.get("a", this::load)).startsWith("a#").isNotEqualTo("a#1"));
    assertThat(first.get("b", this::load)).isNotEqualTo("b#2");
    assertThat(probe.sync().exists(outside)).as("keys outside the cache's prefix stay").isEqualTo(1L);
  }
}
