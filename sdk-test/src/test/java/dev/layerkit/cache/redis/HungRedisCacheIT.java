package dev.layerkit.cache.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.layerkit.cache.CacheAside;
import dev.layerkit.cache.Caches;
import dev.layerkit.cache.KeyCodec;
import dev.layerkit.core.codec.Codecs;
import dev.layerkit.core.redis.RedisConnections;
import dev.layerkit.core.time.ManualTimeSource;
import dev.layerkit.test.Concurrently;
import dev.layerkit.test.servers.PausableRedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAccumulator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A Redis that hangs ({@code SIGSTOP} on a {@link PausableRedis}) under the near cache: two
 * instances, each a {@link CacheAside} over a tiered cache (Caffeine L1, Redis L2) with a
 * {@link RedisLeaseLock}, each on its own Redis client as two processes would be, and sixteen
 * threads reading through them while Redis hangs.
 *
 * <p>Asserted: every read answers within a bound set by the timeouts (the loader answers while
 * Redis hangs, so every value is the source's), the breaker soon skips Redis so most reads wait
 * for nothing, the lock's commands in flight stay within its bound and the JVM's thread count does
 * not grow; a write made during the hang is seen by the other instance once Redis continues, with
 * no operation on the writer (its owed invalidation is retried on its own), and the old value is
 * never served again; no lock taken by a late command is left behind.
 *
 * <p>The L1s run on a clock that never moves, so only an invalidation can drop an L1 entry.
 */
class HungRedisCacheIT {

  private static final Duration TIMEOUT = Duration.ofMillis(100);
  private static final int LOCK_MAX_IN_FLIGHT = 8;
  private static final int THREADS = 16;
  /**
   * The longest one read may take while Redis hangs: the remote read, the lock and the remote
   * write each wait at most {@link #TIMEOUT}; the rest is room for a loaded CI machine.
   */
  private static final Duration READ_BOUND = TIMEOUT.multipliedBy(3).plus(Duration.ofSeconds(4));

  /**
   * Threads a library may start during the test (Lettuce's event loops and computation threads,
   * the cache's retry thread, Awaitility): a constant, so a thread per read would exceed it.
   */
  private static final int LIBRARY_THREADS = 8;
  /**
   * How soon after Redis continues the other instance must see a write made during the hang: the
   * writer's breaker waits 5 s (the default) before a probe call finds Redis back, and the owed
   * invalidation is retried every {@link RedisCache#OWED_RETRY_INTERVAL_MILLIS} ms; the rest is
   * room for a loaded CI machine.
   */
  private static final Duration RECOVERY_BOUND = Duration.ofSeconds(5)
      .plusMillis(RedisCache.OWED_RETRY_INTERVAL_MILLIS).plus(Duration.ofSeconds(5));

  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final Map<String, String> source = new ConcurrentHashMap<>();
  private final AtomicInteger loads = new AtomicInteger();
  private PausableRedis redis;

  @BeforeEach
  void start() throws Exception {
    redis = PausableRedis.start();
  }

  @AfterEach
  void stop() throws Exception {
    redis.resume();
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
    redis.close();
  }

  /** One instance of the service: its own clients and connections, as a process would have. */
  private final class Instance {
    final RedisClient client = RedisClient.create(redis.uri());
    final StatefulRedisConnection<String, byte[]> data = RedisConnections.connect(client);
    final RedisLeaseLock lock = RedisLeaseLock.builder(data, "lock:").timeout(TIMEOUT)
        .maxInFlight(LOCK_MAX_IN_FLIGHT).build();
    final CacheAside<String, String> cache;

    Instance(String name, ManualTimeSource l1Clock) {
      closeables.add(client::shutdown);
      RedisCache.Builder<String, String> remote = Caches.<String, String>redis(data, Codecs.utf8())
          .name(name).keyPrefix("cache:").timeout(TIMEOUT)
          .invalidationChannel(RedisConnections.connectPubSub(client));
      cache = CacheAside.builder(Caches.tiered(Caches.<String, String>inMemory().timeSource(l1Clock), remote)
              .localTtl(Duration.ofHours(1)))
          .name(name).ttl(Duration.ofHours(1)).ttlJitterPercent(0)
          .loadLock(lock, KeyCodec.strings(), Duration.ofSeconds(30), Duration.ofMillis(500))
          .build();
      closeables.add(cache);
    }

    String get(String key) {
      return cache.get(key, k -> {
        loads.incrementAndGet();
        return source.get(k);
      });
    }
  }

  @Test
  void aHungRedisCostsEachReadAtMostItsTimeoutsAndNoStaleNearCacheEntrySurvivesIt() throws Exception {
    ManualTimeSource l1Clock = new ManualTimeSource();
    for (int i = 0; i < 50; i++) {
      source.put("k" + i, "v1-" + i);
    }
    Instance a = new Instance("a", l1Clock);
    Instance b = new Instance("b", l1Clock);
    for (int i = 0; i < 10; i++) {
      assertThat(b.get("k" + i)).isEqualTo("v1-" + i);
    }
    assertThat(a.get("k0")).as("from L2").isEqualTo("v1-0");
    int threadsBefore = Thread.activeCount();

    redis.pause();

    LongAccumulator slowestNanos = new LongAccumulator(Math::max, 0);
    AtomicLong reads = new AtomicLong();
    AtomicLong readsOverOneTimeout = new AtomicLong();
    AtomicInteger maxLockInFlight = new AtomicInteger();
    AtomicInteger maxThreads = new AtomicInteger();
    AtomicInteger thread = new AtomicInteger();
    Concurrently.run(THREADS, () -> {
      Instance instance = thread.getAndIncrement() % 2 == 0 ? a : b;
      for (int i = 0; i < 40; i++) {
        String key = "k" + (i * 7 + thread.get()) % 50;
        long begin = System.nanoTime();
        String value = instance.get(key);
        long took = System.nanoTime() - begin;
        assertThat(value).as("the source's value of %s", key).isEqualTo(source.get(key));
        slowestNanos.accumulate(took);
        reads.incrementAndGet();
        if (took > TIMEOUT.toNanos()) {
          readsOverOneTimeout.incrementAndGet();
        }
        maxLockInFlight.accumulateAndGet(Math.max(a.lock.inFlight(), b.lock.inFlight()), Math::max);
        maxThreads.accumulateAndGet(Thread.activeCount(), Math::max);
      }
    });

    // A write during the hang, on instance a; b holds k0 in its L1.
    a.cache.write("k0", () -> source.put("k0", "v2-0"));
    assertThat(b.get("k0")).as("while Redis hangs, b cannot hear of the write").isEqualTo("v1-0");

    System.out.printf("[hung-redis] cache: %d reads in the hang, slowest %d ms (bound %d ms), %d over one timeout,"
            + " lock in flight max %d (bound %d), threads %d -> max %d, loads %d%n",
        reads.get(), slowestNanos.get() / 1_000_000, READ_BOUND.toMillis(), readsOverOneTimeout.get(),
        maxLockInFlight.get(), LOCK_MAX_IN_FLIGHT, threadsBefore, maxThreads.get(), loads.get());
    assertThat(Duration.ofNanos(slowestNanos.get())).as("the slowest read").isLessThan(READ_BOUND);
    assertThat(readsOverOneTimeout.get()).as("reads that waited longer than one timeout: the breaker skips Redis")
        .isLessThan(reads.get() / 4);
    assertThat(maxLockInFlight.get()).as("lock commands waiting for Redis").isLessThanOrEqualTo(LOCK_MAX_IN_FLIGHT);
    assertThat(maxThreads.get()).as("no thread piles up: the workers and a few library threads, whatever the reads")
        .isLessThanOrEqualTo(threadsBefore + THREADS + LIBRARY_THREADS);
    assertThat(a.lock.errorCount() + b.lock.errorCount()).as("the lock answered without Redis").isPositive();

    redis.resume();
    long resumed = System.nanoTime();

    // No operation on a: its owed deletion and invalidation are retried on their own.
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(10))
        .until(() -> "v2-0".equals(b.get("k0")));
    long seenAfterMillis = (System.nanoTime() - resumed) / 1_000_000;
    assertThat(Duration.ofMillis(seenAfterMillis)).as("the write reaches the other instance's L1")
        .isLessThan(RECOVERY_BOUND);
    for (int i = 0; i < 200; i++) {
      assertThat(b.get("k0")).as("never the old value again").isEqualTo("v2-0");
      assertThat(a.get("k0")).isEqualTo("v2-0");
    }
    // Every lock command has been answered; a lock a late SET took was released.
    await().atMost(Duration.ofSeconds(30)).until(() -> a.lock.inFlight() == 0 && b.lock.inFlight() == 0);
    List<String> locksLeft = new ArrayList<>(a.data.sync().scan(ScanArgs.Builder.matches("lock:*").limit(1_000))
        .getKeys());
    System.out.printf("[hung-redis] cache: the other instance saw the write %d ms after Redis continued; locks left %s%n",
        seenAfterMillis, locksLeft);
    assertThat(locksLeft).as("no lease from a late SET left behind").isEmpty();
  }
}
