package dev.layerkit.cache.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.layerkit.cache.CacheAside;
import dev.layerkit.cache.Caches;
import dev.layerkit.cache.KeyCodec;
import dev.layerkit.cache.LoadLock;
import dev.layerkit.core.codec.Codecs;
import dev.layerkit.test.servers.TestRedis;
import dev.layerkit.test.servers.TestServers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Distributed single-flight: two {@link CacheAside} instances, each with its own connection,
 * sharing a Redis cache and a {@link RedisLeaseLock}, as two processes would.
 */
class DistributedSingleFlightIT {

  private static final TestRedis REDIS = TestServers.redis();

  private RedisClient client;
  private String keyPrefix;
  private ExecutorService pool;

  @BeforeEach
  void connect(TestInfo test) {
    keyPrefix = REDIS.newKeyPrefix(test.getTestMethod().orElseThrow().getName());
    client = RedisClient.create(REDIS.uri());
  }

  @AfterEach
  void close() {
    if (pool != null) {
      pool.shutdownNow();
    }
    client.shutdown();
  }

  private CacheAside<String, String> instance() {
    StatefulRedisConnection<String, byte[]> connection = RedisSupport.connect(client);
    RedisLeaseLock lock = RedisLeaseLock.create(connection, keyPrefix + "lock:", Duration.ofSeconds(5));
    return CacheAside.builder(Caches.<String, String>redis(connection, Codecs.utf8())
            .keyPrefix(keyPrefix + "cache:").timeout(Duration.ofSeconds(5)))
        .loadLock(lock, KeyCodec.strings(), Duration.ofSeconds(30), Duration.ofSeconds(30))
        .build();
  }

  @Test
  void twoInstancesMissingOneKeyRunTheLoaderOnceInTotal() throws Exception {
    List<CacheAside<String, String>> instances = List.of(instance(), instance());
    int threadsPerInstance = 8;
    int threads = 2 * threadsPerInstance;
    AtomicInteger loads = new AtomicInteger();
    CountDownLatch allArrived = new CountDownLatch(threads);
    pool = Executors.newFixedThreadPool(threads);
    List<Future<String>> results = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      CacheAside<String, String> cache = instances.get(i % 2);
      results.add(pool.submit(() -> {
        allArrived.countDown();
        return cache.get("k", key -> {
          try {
            // Hold the load until every thread of both instances is on its way in.
            allArrived.await(30, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            throw new IllegalStateException(e);
          }
          return "loaded-" + loads.incrementAndGet();
        });
      }));
    }
    Set<String> values = new HashSet<>();
    for (Future<String> result : results) {
      values.add(result.get(60, TimeUnit.SECONDS));
    }
    assertThat(loads).as("one load across both instances").hasValue(1);
    assertThat(values).containsExactly("loaded-1");
  }

  @Test
  void aLeaseIsReleasedOnlyByItsHolder() {
    StatefulRedisConnection<String, byte[]> connection = RedisSupport.connect(client);
    RedisLeaseLock lock = RedisLeaseLock.create(connection, keyPrefix, Duration.ofSeconds(5));
    LoadLock.Lease first = lock.tryAcquire("k", Duration.ofSeconds(1));
    assertThat(first).isNotNull();
    assertThat(lock.tryAcquire("k", Duration.ofSeconds(30))).as("held").isNull();
    // The first lease expires on Redis's clock; someone else takes the lock.
    LoadLock.Lease[] second = new LoadLock.Lease[1];
    await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
        .until(() -> (second[0] = lock.tryAcquire("k", Duration.ofSeconds(30))) != null);
    first.close();
    assertThat(connection.sync().exists(keyPrefix + "{k}")).as("the late holder did not release the new lease")
        .isEqualTo(1);
    second[0].close();
    assertThat(connection.sync().exists(keyPrefix + "{k}")).isZero();
    assertThat(lock.tryAcquire("k", Duration.ofSeconds(30))).isNotNull();
  }
}
