package dev.layerkit.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.layerkit.cache.internal.CachedValue;
import dev.layerkit.core.time.ManualTimeSource;
import dev.layerkit.test.Concurrently;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CacheAsideTest {

  private final ManualTimeSource time = new ManualTimeSource();
  /** The entries every facade of a test stores in, so that the test can look into them. */
  private final Cache<String, CachedValue<String>> backend =
      Caches.<String, String>inMemory().name("test").timeSource(time).buildWrapped(CachedValue.wrapping());
  /** Hands {@link #backend} to each facade, as a third-party backend builder would its cache. */
  private final CacheBuilder<String, String> sharedBackend = new CacheBuilder<>() {
    @Override
    public Cache<String, String> build() {
      throw new UnsupportedOperationException("only CacheAside builds from this");
    }

    @Override
    @SuppressWarnings("unchecked")
    public <E> Cache<String, E> buildWrapped(Wrapping<String, E> wrapping) {
      return (Cache<String, E>) backend;
    }
  };
  /** Refreshes queue here and run when the test says, so their timing is the test's. */
  private final Queue<Runnable> refreshes = new ConcurrentLinkedQueue<>();
  private final AtomicInteger loads = new AtomicInteger();
  private ExecutorService pool;

  @AfterEach
  void stopPool() {
    if (pool != null) {
      pool.shutdownNow();
    }
  }

  private CacheAsideBuilder<String, String> builder() {
    return CacheAside.builder(sharedBackend).timeSource(time).refreshExecutor(refreshes::add);
  }

  private String load(String key) {
    return key + "#" + loads.incrementAndGet();
  }

  private void runRefreshes() {
    Runnable task;
    while ((task = refreshes.poll()) != null) {
      task.run();
    }
  }

  /** A random source that always draws {@code value} from nextDouble. */
  private static RandomGenerator constant(double value) {
    return new RandomGenerator() {
      @Override
      public long nextLong() {
        return (long) (value * Long.MAX_VALUE);
      }

      @Override
      public double nextDouble() {
        return value;
      }
    };
  }

  @Test
  void aHitReturnsTheCachedValueWithoutLoading() {
    CacheAside<String, String> cache = builder().build();
    assertThat(cache.get("k", this::load)).isEqualTo("k#1");
    assertThat(cache.get("k", this::load)).isEqualTo("k#1");
    assertThat(loads).hasValue(1);
    CacheStats stats = cache.stats();
    assertThat(stats.hits()).isEqualTo(1);
    assertThat(stats.misses()).isEqualTo(1);
    assertThat(stats.loadSuccesses()).isEqualTo(1);
    assertThat(stats.hitRate()).isEqualTo(0.5);
  }

  @Test
  void putCachesTheValueFreshForTheTtlWithoutLoading() {
    CacheAside<String, String> cache = builder().ttl(Duration.ofMinutes(1)).build();
    assertThat(cache.put("k", "given")).isTrue();
    assertThat(cache.get("k", this::load)).isEqualTo("given");
    time.advance(Duration.ofMinutes(1));
    assertThat(cache.get("k", this::load)).as("a put lives one TTL, as a load does").isEqualTo("k#1");
  }

  @Test
  void putOfNullCachesAbsenceForTheNegativeTtlOrRemovesTheKeyWithoutNegativeCaching() {
    CacheAside<String, String> negative = builder().negativeTtl(Duration.ofSeconds(30)).build();
    negative.get("k", this::load);
    assertThat(negative.put("k", null)).isTrue();
    assertThat(negative.get("k", this::load)).isNull();
    assertThat(loads).hasValue(1);

    CacheAside<String, String> none = builder().negativeTtl(Duration.ZERO).build();
    assertThat(none.put("k", null)).as("nothing stored: the key is removed").isFalse();
    assertThat(none.get("k", this::load)).isEqualTo("k#2");
  }

  @Test
  void aLoadInFlightDoesNotOverwriteAPutMadeWhileItRan() {
    CacheAside<String, String> cache = builder().build();
    String loaded = cache.get("k", key -> {
      cache.put("k", "newer");
      return "older";
    });
    assertThat(loaded).isEqualTo("older");
    assertThat(cache.get("k", this::load)).isEqualTo("newer");
  }

  @Test
  void invalidateAllRemovesEveryKeyAndKeepsLoadsInFlightFromCaching() {
    CacheAside<String, String> cache = builder().build();
    cache.get("a", this::load);
    cache.get("b", this::load);
    String loaded = cache.get("c", key -> {
      cache.invalidateAll();
      return "stale";
    });
    assertThat(loaded).isEqualTo("stale");
    assertThat(cache.get("a", this::load)).isEqualTo("a#3");
    assertThat(cache.get("b", this::load)).isEqualTo("b#4");
    assertThat(cache.get("c", this::load)).as("the load that raced the clear cached nothing").isEqualTo("c#5");
  }

  @Test
  void putRejectsANullKey() {
    CacheAside<String, String> cache = builder().build();
    assertThatThrownBy(() -> cache.put(null, "v")).isInstanceOf(NullPointerException.class).hasMessageContaining("key");
  }

  @Test
  void sixtyFourThreadsMissingOneKeyRunTheLoaderOnceAndAllGetItsValue() throws Exception {
    CacheAside<String, String> cache = builder().build();
    int threads = 64;
    AtomicInteger arrived = new AtomicInteger();
    CountDownLatch allArrived = new CountDownLatch(threads);
    pool = Executors.newFixedThreadPool(threads);
    List<Future<String>> results = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      results.add(pool.submit(() -> {
        arrived.incrementAndGet();
        allArrived.countDown();
        return cache.get("k", key -> {
          try {
            // Hold the load until every thread is on its way in, so they overlap it.
            allArrived.await(30, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            throw new IllegalStateException(e);
          }
          return load(key);
        });
      }));
    }
    Set<String> values = new HashSet<>();
    for (Future<String> result : results) {
      values.add(result.get(60, TimeUnit.SECONDS));
    }
    assertThat(arrived).hasValue(threads);
    assertThat(loads).as("one load for 64 concurrent misses").hasValue(1);
    assertThat(values).containsExactly("k#1");
  }

  @Test
  void aLoaderExceptionReachesEveryWaiterAsTheSameInstanceAndIsNotCached() throws Exception {
    CacheAside<String, String> cache = builder().build();
    IllegalStateException boom = new IllegalStateException("database down");
    int threads = 64;
    CountDownLatch allArrived = new CountDownLatch(threads);
    pool = Executors.newFixedThreadPool(threads);
    List<Future<Throwable>> results = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      results.add(pool.submit(() -> {
        allArrived.countDown();
        try {
          cache.get("k", key -> {
            loads.incrementAndGet();
            try {
              allArrived.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              throw new IllegalStateException(e);
            }
            throw boom;
          });
          return null;
        } catch (RuntimeException e) {
          return e;
        }
      }));
    }
    for (Future<Throwable> result : results) {
      assertThat(result.get(60, TimeUnit.SECONDS)).isSameAs(boom);
    }
    int failedLoads = loads.get();
    assertThat(failedLoads).isBetween(1, threads);
    assertThat(cache.stats().loadFailures()).isEqualTo(failedLoads);
    assertThat(cache.get("k", this::load)).as("the failure was not cached").isEqualTo("k#" + (failedLoads + 1));
  }

  @Test
  void aLoaderErrorReachesEveryWaiterAsTheSameInstance() throws Exception {
    CacheAside<String, String> cache = builder().build();
    AssertionError error = new AssertionError("loader broke");
    int threads = 32;
    CountDownLatch allArrived = new CountDownLatch(threads);
    pool = Executors.newFixedThreadPool(threads);
    List<Future<Throwable>> results = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      results.add(pool.submit(() -> {
        allArrived.countDown();
        try {
          cache.get("k", key -> {
            loads.incrementAndGet();
            try {
              allArrived.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              throw new IllegalStateException(e);
            }
            throw error;
          });
          return null;
        } catch (RuntimeException | Error e) {
          return e;
        }
      }));
    }
    for (Future<Throwable> result : results) {
      assertThat(result.get(60, TimeUnit.SECONDS)).isSameAs(error);
    }
    assertThat(cache.stats().loadFailures()).isEqualTo(loads.get());
  }

  @Test
  void anEntryIsFreshForItsTtlThenLoadedAgain() {
    CacheAside<String, String> cache = builder().ttl(Duration.ofSeconds(10)).build();
    cache.get("k", this::load);
    time.advance(Duration.ofMillis(9_999));
    assertThat(cache.get("k", this::load)).isEqualTo("k#1");
    time.advance(Duration.ofMillis(1));
    assertThat(cache.get("k", this::load)).isEqualTo("k#2");
  }

  @Test
  void jitterShortensTheTtlByTheDrawnShareOfThePercentage() {
    // u = 0.5 of 20% of 10 s: the TTL is 9 s.
    CacheAside<String, String> cache = builder().ttl(Duration.ofSeconds(10)).ttlJitterPercent(20)
        .random(constant(0.5)).build();
    cache.get("k", this::load);
    time.advance(Duration.ofMillis(8_999));
    assertThat(cache.get("k", this::load)).isEqualTo("k#1");
    time.advance(Duration.ofMillis(1));
    assertThat(cache.get("k", this::load)).isEqualTo("k#2");
  }

  @Test
  void jitteredTtlsSpreadOverTheRangeAndNeverExceedTheTtl() {
    CacheAside<String, String> cache = builder().ttl(Duration.ofSeconds(100)).ttlJitterPercent(10)
        .random(new SplittableRandom(42)).build();
    long start = time.epochMillis();
    Set<Long> ttls = new HashSet<>();
    for (int i = 0; i < 1_000; i++) {
      cache.get("k" + i, this::load);
      long ttl = backend.get("k" + i).freshUntilMillis() - start;
      assertThat(ttl).isBetween(90_000L, 100_000L);
      ttls.add(ttl / 1_000);
    }
    assertThat(ttls).as("every second of the 10 s range is used").hasSize(10);
  }

  @Test
  void absentValuesAreCachedForTheNegativeTtlAsWhatTheLoaderReturned() {
    CacheAside<String, Object> cache = CacheAside.builder(
            Caches.<String, Object>inMemory().timeSource(time))
        .timeSource(time).ttl(Duration.ofMinutes(10)).negativeTtl(Duration.ofSeconds(5)).build();
    AtomicInteger nullLoads = new AtomicInteger();
    assertThat(cache.get("missing", k -> {
      nullLoads.incrementAndGet();
      return null;
    })).isNull();
    assertThat(cache.get("missing", k -> "found")).as("the absence is cached").isNull();
    assertThat(cache.get("empty", k -> Optional.empty())).isEqualTo(Optional.empty());
    assertThat(cache.get("empty", k -> Optional.of("x"))).isEqualTo(Optional.empty());
    time.advance(Duration.ofSeconds(5));
    assertThat(cache.get("missing", k -> "found")).as("the negative TTL is over").isEqualTo("found");
    assertThat(cache.get("empty", k -> Optional.of("x"))).isEqualTo(Optional.of("x"));
    assertThat(nullLoads).hasValue(1);
  }

  @Test
  void aZeroNegativeTtlDoesNotCacheAbsentValues() {
    CacheAside<String, String> cache = builder().negativeTtl(Duration.ZERO).build();
    cache.get("k", k -> null);
    assertThat(cache.get("k", this::load)).isEqualTo("k#1");
  }

  @Test
  void staleEntriesAreServedWithinTheWindowWhileOneBackgroundRefreshRuns() {
    CacheAside<String, String> cache = builder().ttl(Duration.ofSeconds(10))
        .staleWhileRevalidate(Duration.ofSeconds(5)).build();
    cache.get("k", this::load);
    time.advance(Duration.ofSeconds(11));
    assertThat(cache.get("k", this::load)).as("stale, served").isEqualTo("k#1");
    assertThat(cache.get("k", this::load)).isEqualTo("k#1");
    assertThat(refreshes).as("one refresh for two stale gets").hasSize(1);
    assertThat(loads).hasValue(1);
    runRefreshes();
    assertThat(cache.get("k", this::load)).isEqualTo("k#2");
    assertThat(cache.stats().staleHits()).isEqualTo(2);

    time.advance(Duration.ofSeconds(15));
    assertThat(cache.get("k", this::load)).as("past the window: a synchronous load").isEqualTo("k#3");
    assertThat(refreshes).isEmpty();
  }

  @Test
  void thirtyTwoThreadsReadingAStaleEntryStartExactlyOneRefresh() throws Exception {
    CacheAside<String, String> cache = builder().ttl(Duration.ofSeconds(10))
        .staleWhileRevalidate(Duration.ofSeconds(5)).build();
    cache.get("k", this::load);
    time.advance(Duration.ofSeconds(11));
    int threads = 32;
    Concurrently.run(threads, () -> assertThat(cache.get("k", this::load)).isEqualTo("k#1"));
    assertThat(refreshes).hasSize(1);
    assertThat(cache.stats().staleHits()).isEqualTo(threads);
  }

  @Test
  void aLoaderAskingForItsOwnKeyFailsInsteadOfWaitingForItself() {
    CacheAside<String, String> cache = builder().build();
    assertThatThrownBy(() -> cache.get("k", key -> cache.get("k", this::load)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("Cache 'test': the loader of a key asked for the same key");
    assertThat(cache.get("k", this::load)).isEqualTo("k#1");
  }

  @Test
  void aFailedRefreshKeepsServingTheStaleValueUntilTheWindowEnds() {
    CacheAside<String, String> cache = builder().ttl(Duration.ofSeconds(10))
        .staleWhileRevalidate(Duration.ofSeconds(5)).build();
    cache.get("k", this::load);
    time.advance(Duration.ofSeconds(11));
    assertThat(cache.get("k", k -> {
      throw new IllegalStateException("refresh failed");
    })).isEqualTo("k#1");
    runRefreshes();
    assertThat(cache.stats().loadFailures()).isEqualTo(1);
    assertThat(cache.get("k", this::load)).isEqualTo("k#1");
    runRefreshes();
    assertThat(cache.get("k", this::load)).isEqualTo("k#2");
  }

  @Test
  void earlyRefreshProbabilityIsExpOfMinusRemainingOverDeltaTimesBeta() {
    int draws = 40_000;
    double[][] cases = {
        // beta, remaining as a multiple of delta
        {1.0, 1.0}, {1.0, 0.5}, {2.0, 1.0}, {0.5, 1.0}, {1.0, 3.0}};
    long deltaNanos = 100_000_000; // a 100 ms load
    for (double[] c : cases) {
      CacheAside<String, String> cache = CacheAside.builder(sharedBackend).earlyRefreshBeta(c[0])
          .random(new SplittableRandom(7)).build();
      long remainingMillis = (long) (c[1] * 100);
      int refreshed = 0;
      for (int i = 0; i < draws; i++) {
        if (cache.shouldRefreshEarly(deltaNanos, remainingMillis)) {
          refreshed++;
        }
      }
      double expected = Math.exp(-c[1] / c[0]);
      double sigma = Math.sqrt(expected * (1 - expected) / draws);
      assertThat((double) refreshed / draws).as("beta=%s, remaining=%s delta", c[0], c[1])
          .isCloseTo(expected, within(5 * sigma));
    }
    CacheAside<String, String> cache = CacheAside.builder(sharedBackend).earlyRefreshBeta(1.0)
        .random(constant(0.999_999_999)).build();
    assertThat(cache.shouldRefreshEarly(deltaNanos, 41 * 100)).as("beyond the horizon, never").isFalse();
    assertThat(cache.shouldRefreshEarly(0, 1)).as("an instant load never refreshes early").isFalse();
  }

  @Test
  void aHitCloseToExpiryRefreshesEarlyInTheBackgroundAndStillAnswersAtOnce() {
    CacheAside<String, String> cache = builder().ttl(Duration.ofSeconds(60)).earlyRefreshBeta(1.0)
        .random(constant(0.9)).build();
    cache.get("k", key -> {
      time.advance(Duration.ofSeconds(1)); // a 1 s load: delta
      return load(key);
    });
    // With u = 0.9, -ln(0.1) = 2.3 delta: a refresh once 2.3 s or less remain.
    time.advance(Duration.ofSeconds(57));
    assertThat(cache.get("k", this::load)).isEqualTo("k#1");
    assertThat(refreshes).as("3 s left: too early").isEmpty();
    time.advance(Duration.ofMillis(800));
    assertThat(cache.get("k", this::load)).isEqualTo("k#1");
    assertThat(refreshes).hasSize(1);
    runRefreshes();
    assertThat(cache.get("k", this::load)).isEqualTo("k#2");
    assertThat(cache.stats().earlyRefreshes()).isEqualTo(1);
  }

  @Test
  void getAllLoadsEveryMissingKeyInOneBulkLoadAndCachesAbsentOnes() {
    CacheAside<String, String> cache = builder().build();
    cache.get("a", this::load);
    cache.get("b", this::load);
    List<Set<String>> bulkCalls = new ArrayList<>();
    Map<String, String> values = cache.getAll(List.of("a", "b", "c", "d", "gone"), keys -> {
      bulkCalls.add(Set.copyOf(keys));
      Map<String, String> loaded = new HashMap<>();
      for (String key : keys) {
        if (!key.equals("gone")) {
          loaded.put(key, key + "!");
        }
      }
      return loaded;
    });
    assertThat(bulkCalls).containsExactly(Set.of("c", "d", "gone"));
    assertThat(values).containsOnly(Map.entry("a", "a#1"), Map.entry("b", "b#2"), Map.entry("c", "c!"),
        Map.entry("d", "d!"));
    Map<String, String> again = cache.getAll(List.of("a", "c", "gone"), keys -> {
      throw new AssertionError("everything is cached, absent keys included: " + keys);
    });
    assertThat(again).containsOnly(Map.entry("a", "a#1"), Map.entry("c", "c!"));
    assertThat(cache.stats().misses()).isEqualTo(5);
  }

  @Test
  void aFailedBulkLoadCachesNothing() {
    CacheAside<String, String> cache = builder().build();
    assertThatThrownBy(() -> cache.getAll(List.of("a"), keys -> {
      throw new IllegalStateException("bulk failed");
    })).hasMessage("bulk failed");
    assertThat(backend.get("a")).isNull();
    assertThat(cache.stats().loadFailures()).isEqualTo(1);
  }

  @Test
  void anInvalidationDuringALoadKeepsItsResultOutOfTheCache() {
    CacheAside<String, String> cache = builder().build();
    String value = cache.get("k", key -> {
      cache.invalidate("k"); // a write lands while the old row is being read
      return "old";
    });
    assertThat(value).isEqualTo("old");
    assertThat(backend.get("k")).isNull();
    assertThat(cache.get("k", k -> "new")).isEqualTo("new");
  }

  @Test
  void writeInvalidatesAfterTheWriterEvenWhenItFails() {
    CacheAside<String, String> cache = builder().build();
    cache.get("k", this::load);
    List<String> order = new ArrayList<>();
    String result = cache.write("k", () -> {
      order.add("write, cached=" + (backend.get("k") != null));
      return "ok";
    });
    assertThat(result).isEqualTo("ok");
    assertThat(order).containsExactly("write, cached=true");
    assertThat(backend.get("k")).isNull();

    cache.get("k", this::load);
    assertThatThrownBy(() -> cache.write("k", () -> {
      throw new IllegalStateException("write failed");
    })).hasMessage("write failed");
    assertThat(backend.get("k")).isNull();
  }

  /** A lock that another process always holds. */
  private static final LoadLock HELD_ELSEWHERE = (key, leaseTime) -> null;

  @Test
  void withALoadLockHeldElsewhereAMissWaitsForTheOtherProcessesValueInsteadOfLoading() {
    AtomicInteger polls = new AtomicInteger();
    CacheAside<String, String> cache = builder()
        .loadLock(HELD_ELSEWHERE, KeyCodec.strings(), Duration.ofSeconds(10), Duration.ofSeconds(1))
        .sleeper(duration -> {
          time.advance(duration);
          if (polls.incrementAndGet() == 3) {
            // The other process finishes its load and caches the value.
            backend.put("k", CachedValue.of("theirs", time.epochMillis() + 60_000, 0), Duration.ofMinutes(1));
          }
        })
        .build();
    assertThat(cache.get("k", this::load)).isEqualTo("theirs");
    assertThat(loads).hasValue(0);
    assertThat(polls).hasValue(3);
  }

  @Test
  void withALoadLockHeldElsewhereAMissLoadsItselfAfterTheMaximumWait() {
    CacheAside<String, String> cache = builder()
        .loadLock(HELD_ELSEWHERE, KeyCodec.strings(), Duration.ofSeconds(10), Duration.ofMillis(100))
        .sleeper(time.sleeper())
        .build();
    long start = time.nanoTime();
    assertThat(cache.get("k", this::load)).isEqualTo("k#1");
    assertThat(Duration.ofNanos(time.nanoTime() - start)).isBetween(Duration.ofMillis(100),
        Duration.ofMillis(100).plus(CacheAside.LOAD_LOCK_POLL_INTERVAL));
  }

  @Test
  void aLockTakenJustAfterAnotherProcessCachedTheValueDoesNotLoadAgain() {
    AtomicInteger released = new AtomicInteger();
    // The other process loads, caches and releases between this miss and this lock.
    LoadLock lock = (key, leaseTime) -> {
      backend.put(key, CachedValue.of("theirs", time.epochMillis() + 60_000, 0), Duration.ofMinutes(1));
      return released::incrementAndGet;
    };
    CacheAside<String, String> cache = builder()
        .loadLock(lock, KeyCodec.strings(), Duration.ofSeconds(10), Duration.ofSeconds(1)).build();
    assertThat(cache.get("k", this::load)).isEqualTo("theirs");
    assertThat(loads).hasValue(0);
    assertThat(released).hasValue(1);
  }

  @Test
  void aLeaseIsReleasedAfterTheLoadEvenWhenItFails() {
    AtomicInteger released = new AtomicInteger();
    LoadLock lock = (key, leaseTime) -> released::incrementAndGet;
    CacheAside<String, String> cache = builder()
        .loadLock(lock, KeyCodec.strings(), Duration.ofSeconds(10), Duration.ofSeconds(1)).build();
    cache.get("a", this::load);
    assertThatThrownBy(() -> cache.get("b", k -> {
      throw new IllegalStateException("failed");
    })).hasMessage("failed");
    assertThat(released).hasValue(2);
  }

  @Test
  void metersReadTheSameCountersAsStats() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    CacheAside<String, String> cache = builder().name("orders").meterRegistry(registry).build();
    cache.get("k", this::load);
    cache.get("k", this::load);
    cache.get("k", this::load);
    assertThatThrownBy(() -> cache.get("x", k -> {
      throw new IllegalStateException();
    }));
    assertThat(registry.get("layerkit.cache.gets").tag("name", "orders").tag("result", "hit").functionCounter().count())
        .isEqualTo(2);
    assertThat(registry.get("layerkit.cache.gets").tag("result", "miss").functionCounter().count()).isEqualTo(2);
    assertThat(registry.get("layerkit.cache.loads").tag("result", "success").functionCounter().count()).isEqualTo(1);
    assertThat(registry.get("layerkit.cache.loads").tag("result", "failure").functionCounter().count()).isEqualTo(1);
    assertThat(registry.get("layerkit.cache.load.duration").functionTimer().count()).isEqualTo(2);
    assertThat(registry.get("layerkit.cache.evictions").functionCounter().count()).isZero();
    assertThat(registry.get("layerkit.cache.errors").tag("name", "test").functionCounter().count()).isZero();
    assertThat(registry.get("layerkit.cache.early.refreshes").functionCounter().count()).isZero();
    assertThat(registry.get("layerkit.cache.rejected").functionCounter().count()).isZero();
  }

  @Test
  void staleHitsEarlyRefreshesAndLoadTimeHaveTheirMetersToo() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    CacheAside<String, String> cache = builder().name("orders").meterRegistry(registry).ttl(Duration.ofSeconds(60))
        .staleWhileRevalidate(Duration.ofSeconds(60)).earlyRefreshBeta(1.0).random(constant(0.9)).build();
    cache.get("k", key -> {
      time.advance(Duration.ofSeconds(1)); // a 1 s load
      return load(key);
    });
    time.advance(Duration.ofMillis(58_500)); // 1.5 s left: an early refresh (see the test above)
    assertThat(cache.get("k", this::load)).isEqualTo("k#1");
    time.advance(Duration.ofSeconds(10)); // stale
    assertThat(cache.get("k", this::load)).isEqualTo("k#1");
    CacheStats stats = cache.stats();
    assertThat(stats.earlyRefreshes()).isEqualTo(1);
    assertThat(stats.staleHits()).isEqualTo(1);
    assertThat(registry.get("layerkit.cache.gets").tag("name", "orders").tag("result", "stale").functionCounter()
        .count()).isEqualTo(1);
    assertThat(registry.get("layerkit.cache.early.refreshes").tag("name", "orders").functionCounter().count())
        .isEqualTo(1);
    assertThat(registry.get("layerkit.cache.load.duration").tag("name", "orders").functionTimer()
        .totalTime(TimeUnit.NANOSECONDS)).isEqualTo(stats.totalLoadNanos()).isEqualTo(1e9);
  }

  @Test
  void rejectsNullKeysAndLoadersNamingThem() {
    CacheAside<String, String> cache = builder().build();
    assertThatThrownBy(() -> cache.get(null, this::load)).isInstanceOf(NullPointerException.class).hasMessage("key");
    assertThatThrownBy(() -> cache.get("k", null)).isInstanceOf(NullPointerException.class).hasMessage("loader");
    assertThatThrownBy(() -> cache.invalidate(null)).isInstanceOf(NullPointerException.class).hasMessage("key");
    assertThatThrownBy(() -> cache.write(null, () -> 1)).isInstanceOf(NullPointerException.class).hasMessage("key");
    assertThatThrownBy(() -> cache.getAll(java.util.Arrays.asList("a", null), keys -> Map.of()))
        .isInstanceOf(NullPointerException.class).hasMessage("key");
    assertThat(loads).hasValue(0);
  }

  @Test
  void builderRejectsBadAndRepeatedSettingsWithTheValue() {
    assertThatThrownBy(() -> builder().ttl(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("ttl must be >= 1ms but was PT0S");
    assertThatThrownBy(() -> builder().negativeTtl(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("negativeTtl must be >= 0 but was PT-1S");
    assertThatThrownBy(() -> builder().ttlJitterPercent(100))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("ttlJitterPercent must be in [0, 100) but was 100.0");
    assertThatThrownBy(() -> builder().earlyRefreshBeta(Double.NaN))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("earlyRefreshBeta must be finite and >= 0 but was NaN");
    assertThatThrownBy(() -> builder().staleWhileRevalidate(null))
        .isInstanceOf(NullPointerException.class).hasMessage("staleWhileRevalidate");
    assertThatThrownBy(() -> builder().ttl(Duration.ofSeconds(1)).ttl(Duration.ofSeconds(2)))
        .isInstanceOf(IllegalStateException.class).hasMessage("ttl was already set to PT1S");
    assertThatThrownBy(() -> CacheAside.builder(null)).isInstanceOf(NullPointerException.class).hasMessage("backend");
  }

  // What follows pins the boundaries PIT found unchecked: each test names the behaviour.

  /**
   * A backend that answers for {@link #backend} but can fake misses, refuse writes and record its
   * closing, as a remote backend may.
   */
  private final class Hooked implements Cache<String, CachedValue<String>>, AutoCloseable {
    int missesToFake;
    boolean refusePuts;
    boolean closeFails;
    int closes;

    @Override
    public CachedValue<String> get(String key) {
      if (missesToFake > 0) {
        missesToFake--;
        return null;
      }
      return backend.get(key);
    }

    @Override
    public Map<String, CachedValue<String>> getAll(java.util.Collection<? extends String> keys) {
      return backend.getAll(keys);
    }

    @Override
    public boolean put(String key, CachedValue<String> value, Duration ttl) {
      return !refusePuts && backend.put(key, value, ttl);
    }

    @Override
    public void invalidate(String key) {
      backend.invalidate(key);
    }

    @Override
    public void invalidateAll() {
      backend.invalidateAll();
    }

    @Override
    public String name() {
      return "hooked";
    }

    @Override
    public void close() throws java.io.IOException {
      closes++;
      if (closeFails) {
        throw new java.io.IOException("close failed");
      }
    }
  }

  private CacheAsideBuilder<String, String> builder(Hooked hooked) {
    CacheBuilder<String, String> through = new CacheBuilder<>() {
      @Override
      public Cache<String, String> build() {
        throw new UnsupportedOperationException("only CacheAside builds from this");
      }

      @Override
      @SuppressWarnings("unchecked")
      public <E> Cache<String, E> buildWrapped(Wrapping<String, E> wrapping) {
        return (Cache<String, E>) hooked;
      }
    };
    return CacheAside.builder(through).timeSource(time).refreshExecutor(refreshes::add);
  }

  /** Caches {@code value} in the backend fresh until {@code freshUntil}, held there for an hour. */
  private void heldLonger(String key, String value, long freshUntil) {
    backend.put(key, CachedValue.of(value, freshUntil, 0), Duration.ofHours(1));
  }

  @Test
  void withAStaleWindowAnEntryIsAFreshHitUntilItsTtlThenStaleUntilTheWindowEnds() {
    CacheAside<String, String> cache = builder().ttl(Duration.ofSeconds(10))
        .staleWhileRevalidate(Duration.ofSeconds(5)).build();
    cache.get("k", this::load);
    time.advance(Duration.ofMillis(9_999));
    assertThat(cache.get("k", this::load)).isEqualTo("k#1");
    assertThat(cache.stats().hits()).as("fresh until the TTL's last millisecond").isEqualTo(1);
    assertThat(refreshes).isEmpty();
    time.advance(Duration.ofMillis(1));
    assertThat(cache.get("k", this::load)).isEqualTo("k#1");
    assertThat(cache.stats().staleHits()).as("stale from the TTL on").isEqualTo(1);
    assertThat(refreshes).hasSize(1);
  }

  @Test
  void anEntryTheBackendStillHoldsPastTheStaleWindowIsAMiss() {
    // Another facade on a shared backend may keep entries longer (a wider window of its own).
    CacheAside<String, String> cache = builder().ttl(Duration.ofSeconds(10))
        .staleWhileRevalidate(Duration.ofSeconds(5)).build();
    long freshUntil = time.epochMillis() + 10_000;
    heldLonger("k", "theirs", freshUntil);
    heldLonger("m", "theirs", freshUntil);
    time.advance(Duration.ofMillis(14_999));
    assertThat(cache.get("k", this::load)).as("the window's last millisecond").isEqualTo("theirs");
    time.advance(Duration.ofMillis(1));
    assertThat(cache.get("m", this::load)).as("the window is over").isEqualTo("m#1");
    Map<String, String> all = cache.getAll(List.of("m", "n"), keys -> Map.of("n", "n!"));
    assertThat(all).containsOnly(Map.entry("m", "m#1"), Map.entry("n", "n!"));
    assertThat(cache.stats().misses()).isEqualTo(2);
  }

  @Test
  void getAllCountsFreshEntriesAsHitsAndStartsNoRefresh() {
    CacheAside<String, String> cache = builder().build();
    cache.get("a", this::load);
    cache.get("b", this::load);
    Map<String, String> all = cache.getAll(List.of("a", "b"), keys -> {
      throw new AssertionError("nothing to load: " + keys);
    });
    assertThat(all).containsOnly(Map.entry("a", "a#1"), Map.entry("b", "b#2"));
    assertThat(cache.stats().hits()).isEqualTo(2);
    assertThat(cache.stats().staleHits()).isZero();
    assertThat(refreshes).isEmpty();
  }

  @Test
  void getAllServesStaleEntriesWithinTheWindowAndRefreshesEachAloneInTheBackground() {
    CacheAside<String, String> cache = builder().ttl(Duration.ofSeconds(10))
        .staleWhileRevalidate(Duration.ofSeconds(5)).build();
    List<Set<String>> bulkCalls = new ArrayList<>();
    java.util.function.Function<Set<String>, Map<String, String>> bulk = keys -> {
      bulkCalls.add(Set.copyOf(keys));
      Map<String, String> loaded = new HashMap<>();
      keys.forEach(key -> loaded.put(key, load(key)));
      return loaded;
    };
    assertThat(cache.getAll(List.of("a", "b"), bulk)).containsOnly(Map.entry("a", "a#1"), Map.entry("b", "b#2"));
    time.advance(Duration.ofSeconds(10));
    assertThat(cache.getAll(List.of("a", "c"), bulk)).as("a is stale, served; c is missing")
        .containsOnly(Map.entry("a", "a#1"), Map.entry("c", "c#3"));
    assertThat(cache.stats().staleHits()).isEqualTo(1);
    assertThat(refreshes).hasSize(1);
    runRefreshes();
    assertThat(bulkCalls).containsExactly(Set.of("a", "b"), Set.of("c"), Set.of("a"));
    assertThat(cache.get("a", this::load)).as("refreshed").isEqualTo("a#4");
    time.advance(Duration.ofMillis(4_999));
    assertThat(cache.get("b", this::load)).as("bulk-loaded entries are held for the window too").isEqualTo("b#2");
  }

  @Test
  void bulkLoadedValuesLiveTheTtlAndAbsentOnesTheNegativeTtlPlusTheWindow() {
    CacheAside<String, String> cache = builder().ttl(Duration.ofMinutes(10)).negativeTtl(Duration.ofSeconds(30))
        .staleWhileRevalidate(Duration.ofSeconds(5)).build();
    AtomicInteger bulkLoads = new AtomicInteger();
    java.util.function.Function<Set<String>, Map<String, String>> bulk = keys -> {
      bulkLoads.incrementAndGet();
      return keys.contains("v") ? Map.of("v", "value") : Map.of();
    };
    cache.getAll(List.of("v", "gone"), bulk);
    time.advance(Duration.ofSeconds(31));
    assertThat(cache.getAll(List.of("v"), bulk)).as("a value outlives the negative TTL")
        .containsOnly(Map.entry("v", "value"));
    assertThat(cache.getAll(List.of("gone"), bulk)).isEmpty();
    assertThat(bulkLoads).as("31 s: the absence is stale but within the window, refreshed in the background")
        .hasValue(1);
    assertThat(refreshes).hasSize(1);
  }

  @Test
  void withoutNegativeCachingGetAllLoadsAnAbsentKeyEveryTimeEvenWithAStaleWindow() {
    CacheAside<String, String> cache = builder().negativeTtl(Duration.ZERO)
        .staleWhileRevalidate(Duration.ofSeconds(5)).build();
    AtomicInteger bulkLoads = new AtomicInteger();
    cache.getAll(List.of("gone"), keys -> {
      bulkLoads.incrementAndGet();
      return Map.of();
    });
    cache.getAll(List.of("gone"), keys -> {
      bulkLoads.incrementAndGet();
      return Map.of();
    });
    assertThat(bulkLoads).hasValue(2);
    assertThat(backend.get("gone")).isNull();
  }

  @Test
  void aPutValueLivesTheTtlNotTheNegativeTtlAndIsHeldForTheStaleWindow() {
    CacheAside<String, String> cache = builder().ttl(Duration.ofMinutes(10)).negativeTtl(Duration.ofSeconds(30))
        .staleWhileRevalidate(Duration.ofSeconds(5)).build();
    assertThat(cache.put("k", "given")).isTrue();
    time.advance(Duration.ofMillis(599_999));
    assertThat(cache.get("k", this::load)).isEqualTo("given");
    assertThat(cache.stats().hits()).as("fresh for the whole TTL").isEqualTo(1);
    time.advance(Duration.ofMillis(4_000));
    assertThat(cache.get("k", this::load)).as("stale, within the window").isEqualTo("given");
    assertThat(loads).hasValue(0);
  }

  @Test
  void putReportsWhetherTheBackendStoredTheEntry() {
    Hooked hooked = new Hooked();
    hooked.refusePuts = true;
    CacheAside<String, String> cache = builder(hooked).build();
    assertThat(cache.put("k", "v")).as("a dropped remote write").isFalse();
    assertThat(cache.get("k", this::load)).isEqualTo("k#1");
  }

  @Test
  void aMissThatFindsAValueCachedJustBeforeItsLoadStartedUsesItInsteadOfLoading() {
    Hooked hooked = new Hooked();
    CacheAside<String, String> cache = builder(hooked).build();
    heldLonger("k", "just cached", time.epochMillis() + 60_000);
    hooked.missesToFake = 1; // the get misses; the load that cached the value finishes before ours
    assertThat(cache.get("k", this::load)).isEqualTo("just cached");
    assertThat(loads).hasValue(0);
    heldLonger("x", "expired", time.epochMillis());
    hooked.missesToFake = 1;
    assertThat(cache.get("x", this::load)).as("an entry no longer fresh is loaded over").isEqualTo("x#1");
  }

  @Test
  void nameDefaultsToTheBackendsAndHealthOfAnInMemoryBackendIsUp() {
    assertThat(builder().build().name()).isEqualTo("test");
    CacheAside<String, String> named = builder().name("orders").build();
    assertThat(named.name()).isEqualTo("orders");
    dev.layerkit.core.health.HealthCheck check = named.healthCheck();
    assertThat(check.name()).isEqualTo("cache-orders");
    assertThat(check.check().status()).isEqualTo(dev.layerkit.core.health.HealthStatus.UP);
    assertThat(check.check().details()).containsEntry("backend", "in memory");
  }

  @Test
  void closeClosesTheBackendAndSwallowsItsFailure() {
    Hooked hooked = new Hooked();
    builder(hooked).build().close();
    assertThat(hooked.closes).isEqualTo(1);
    Hooked failing = new Hooked();
    failing.closeFails = true;
    builder(failing).build().close();
    assertThat(failing.closes).isEqualTo(1);
  }

  @Test
  void aFailedLoadsTimeIsCountedInTheLoadTime() {
    CacheAside<String, String> cache = builder().build();
    time.advance(Duration.ofSeconds(5)); // the load starts at a clock reading other than zero
    assertThatThrownBy(() -> cache.get("k", key -> {
      time.advance(Duration.ofMillis(250));
      throw new IllegalStateException("slow failure");
    })).hasMessage("slow failure");
    assertThat(cache.stats().totalLoadNanos()).isEqualTo(Duration.ofMillis(250).toNanos());
  }

  @Test
  void waitingForAnotherProcessPollsEveryIntervalUntilTheMaximumWaitAndTakesOnlyAFreshValue() {
    AtomicInteger polls = new AtomicInteger();
    CacheAside<String, String> cache = builder()
        .loadLock(HELD_ELSEWHERE, KeyCodec.strings(), Duration.ofSeconds(10), Duration.ofMillis(20))
        .sleeper(duration -> {
          time.advance(duration);
          polls.incrementAndGet();
          // What the other process cached expires the moment it is seen: not a value to take.
          heldLonger("k", "expired", time.epochMillis());
        })
        .build();
    assertThat(cache.get("k", this::load)).isEqualTo("k#1");
    assertThat(polls).as("20 ms of 5 ms polls").hasValue(4);
  }

  @Test
  void aValueCachedElsewhereThatIsNoLongerFreshWhenTheLockIsTakenIsLoadedOver() {
    LoadLock lock = (key, leaseTime) -> {
      heldLonger(key, "expired", time.epochMillis());
      return () -> { };
    };
    CacheAside<String, String> cache = builder()
        .loadLock(lock, KeyCodec.strings(), Duration.ofSeconds(10), Duration.ofSeconds(1)).build();
    assertThat(cache.get("k", this::load)).isEqualTo("k#1");
  }

  @Test
  void aRefreshWhoseLockAnotherProcessHoldsLoadsNothingAndTheStaleValueStays() {
    CacheAside<String, String> cache = builder().ttl(Duration.ofSeconds(10))
        .staleWhileRevalidate(Duration.ofSeconds(5))
        .loadLock(HELD_ELSEWHERE, KeyCodec.strings(), Duration.ofSeconds(10), Duration.ofSeconds(1)).build();
    heldLonger("k", "old", time.epochMillis() + 10_000);
    time.advance(Duration.ofSeconds(11));
    assertThat(cache.get("k", this::load)).isEqualTo("old");
    runRefreshes();
    assertThat(loads).as("the other process refreshes it").hasValue(0);
    assertThat(cache.get("k", this::load)).isEqualTo("old");
  }

  @Test
  void aBulkLoadedValueIsHeldByTheBackendForItsTtlPlusTheStaleWindowOnly() {
    time.advance(Duration.ofDays(1)); // an epoch well past zero
    CacheAside<String, String> cache = builder().ttl(Duration.ofSeconds(10))
        .staleWhileRevalidate(Duration.ofSeconds(5)).build();
    cache.getAll(List.of("v"), keys -> Map.of("v", "value"));
    time.advance(Duration.ofMillis(14_999));
    assertThat(backend.get("v")).as("held through the stale window").isNotNull();
    time.advance(Duration.ofMillis(1));
    assertThat(backend.get("v")).as("and not a moment longer").isNull();
  }

  @Test
  void getAllLoadsAnEntryWhoseStaleWindowEndsNow() {
    CacheAside<String, String> cache = builder().ttl(Duration.ofSeconds(10))
        .staleWhileRevalidate(Duration.ofSeconds(5)).build();
    heldLonger("k", "old", time.epochMillis() + 10_000);
    time.advance(Duration.ofMillis(15_000));
    assertThat(cache.getAll(List.of("k"), keys -> Map.of("k", "new"))).containsOnly(Map.entry("k", "new"));
    assertThat(cache.stats().staleHits()).isZero();
    assertThat(refreshes).isEmpty();
  }

  @Test
  void putOfAnEmptyOptionalCachesAbsenceLikeAnEmptyLoad() {
    CacheAside<String, Optional<String>> cache = CacheAside.builder(Caches.<String, Optional<String>>inMemory()
        .timeSource(time)).timeSource(time).negativeTtl(Duration.ofSeconds(30)).build();
    assertThat(cache.put("k", Optional.empty())).isTrue();
    assertThat(cache.get("k", key -> Optional.of("loaded"))).as("absent, from the put").isEmpty();
    time.advance(Duration.ofSeconds(30));
    assertThat(cache.get("k", key -> Optional.of("loaded"))).as("after the negative TTL").contains("loaded");
    CacheAside<String, Optional<String>> noNegative = CacheAside.builder(Caches.<String, Optional<String>>inMemory()
        .timeSource(time)).timeSource(time).negativeTtl(Duration.ZERO).build();
    noNegative.put("k", Optional.of("v"));
    assertThat(noNegative.put("k", Optional.empty())).as("removes the key instead").isFalse();
    assertThat(noNegative.get("k", key -> Optional.of("loaded"))).contains("loaded");
  }

  @Test
  void aWaitForAnotherProcessThatIsInterruptedLoadsItselfAndKeepsTheInterrupt() {
    CacheAside<String, String> cache = builder()
        .loadLock(HELD_ELSEWHERE, KeyCodec.strings(), Duration.ofSeconds(10), Duration.ofSeconds(1))
        .sleeper(duration -> {
          throw new InterruptedException("shutting down");
        }).build();
    try {
      assertThat(cache.get("k", this::load)).isEqualTo("k#1");
      assertThat(Thread.currentThread().isInterrupted()).as("the interrupt is kept for the caller").isTrue();
    } finally {
      Thread.interrupted();
    }
  }
}
