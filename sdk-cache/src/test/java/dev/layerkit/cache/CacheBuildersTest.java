package dev.layerkit.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.core.time.ManualTimeSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The builders of the cache block as a user meets them: each documented setting may be given
 * once (a second time is an {@code IllegalStateException} naming it), the smallest valid values
 * are accepted and the first invalid ones refused with the value, and what the in-memory
 * builder's weigher weighs behind a {@link CacheAside}.
 */
class CacheBuildersTest {

  private final ManualTimeSource time = new ManualTimeSource();
  private static final LoadLock NO_LOCK = (key, leaseTime) -> () -> { };

  /** Applies {@code setting} twice to a fresh builder and expects the second to be refused. */
  private static <B> void refusedTheSecondTime(B fresh, String name, UnaryOperator<B> setting) {
    B once = setting.apply(fresh);
    assertThat(once).as("%s returns its builder", name).isSameAs(fresh);
    assertThatThrownBy(() -> setting.apply(once)).as(name)
        .isInstanceOf(IllegalStateException.class).hasMessageStartingWith(name + " was already set to ");
  }

  @Test
  void everyCacheAsideSettingGivenTwiceIsRefusedNamingIt() {
    Map<String, UnaryOperator<CacheAsideBuilder<String, String>>> settings = new LinkedHashMap<>();
    settings.put("name", b -> b.name("orders"));
    settings.put("ttl", b -> b.ttl(Duration.ofSeconds(1)));
    settings.put("negativeTtl", b -> b.negativeTtl(Duration.ofSeconds(1)));
    settings.put("ttlJitterPercent", b -> b.ttlJitterPercent(10));
    settings.put("staleWhileRevalidate", b -> b.staleWhileRevalidate(Duration.ofSeconds(1)));
    settings.put("earlyRefreshBeta", b -> b.earlyRefreshBeta(1));
    settings.put("timeSource", b -> b.timeSource(time));
    settings.put("random", b -> b.random(new SplittableRandom(1)));
    settings.put("refreshExecutor", b -> b.refreshExecutor(Runnable::run));
    settings.put("meterRegistry", b -> b.meterRegistry(new SimpleMeterRegistry()));
    settings.put("observationRegistry", b -> b.observationRegistry(ObservationRegistry.create()));
    settings.put("loadLock", b -> b.loadLock(NO_LOCK, KeyCodec.strings(), Duration.ofSeconds(1), Duration.ZERO));
    settings.put("sleeper", b -> b.sleeper(duration -> { }));
    settings.forEach((name, setting) ->
        refusedTheSecondTime(CacheAside.builder(Caches.<String, String>inMemory()), name, setting));
  }

  @Test
  void cacheAsideSettingsAcceptTheirEdgeValuesAndRefuseJustBeyond() {
    assertThatCode(() -> CacheAside.builder(Caches.<String, String>inMemory()).ttl(Duration.ofMillis(1))
        .negativeTtl(Duration.ZERO).staleWhileRevalidate(Duration.ZERO).ttlJitterPercent(0).earlyRefreshBeta(0)
        .loadLock(NO_LOCK, KeyCodec.strings(), Duration.ofMillis(1), Duration.ZERO).build())
        .doesNotThrowAnyException();
    assertThatCode(() -> CacheAside.builder(Caches.<String, String>inMemory()).ttlJitterPercent(99.99)
        .earlyRefreshBeta(Double.MAX_VALUE).build()).doesNotThrowAnyException();
    assertThatThrownBy(() -> CacheAside.builder(Caches.inMemory()).ttlJitterPercent(-0.01))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("ttlJitterPercent must be in [0, 100) but was -0.01");
    assertThatThrownBy(() -> CacheAside.builder(Caches.inMemory()).ttlJitterPercent(Double.NaN))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("ttlJitterPercent must be in [0, 100) but was NaN");
    assertThatThrownBy(() -> CacheAside.builder(Caches.inMemory()).earlyRefreshBeta(-0.01))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("earlyRefreshBeta must be finite and >= 0 but was -0.01");
    assertThatThrownBy(() -> CacheAside.builder(Caches.inMemory()).earlyRefreshBeta(Double.POSITIVE_INFINITY))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("earlyRefreshBeta must be finite and >= 0 but was Infinity");
    assertThatThrownBy(() -> CacheAside.builder(Caches.<String, String>inMemory())
        .loadLock(NO_LOCK, KeyCodec.strings(), Duration.ofNanos(999_999), Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("leaseTime must be >= 1ms but was PT0.000999999S");
    assertThatThrownBy(() -> CacheAside.builder(Caches.<String, String>inMemory())
        .loadLock(NO_LOCK, KeyCodec.strings(), Duration.ofSeconds(1), Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maxWait must be >= 0 but was PT-0.001S");
    assertThatThrownBy(() -> CacheAside.builder(Caches.<String, String>inMemory())
        .loadLock(null, KeyCodec.strings(), Duration.ofSeconds(1), Duration.ZERO))
        .isInstanceOf(NullPointerException.class).hasMessage("lock");
    assertThatThrownBy(() -> CacheAside.builder(Caches.<String, String>inMemory())
        .loadLock(NO_LOCK, null, Duration.ofSeconds(1), Duration.ZERO))
        .isInstanceOf(NullPointerException.class).hasMessage("keyCodec");
  }

  @Test
  void everyInMemorySettingGivenTwiceIsRefusedNamingIt() {
    Map<String, UnaryOperator<Caches.InMemoryBuilder<String, String>>> settings = new LinkedHashMap<>();
    settings.put("name", b -> b.name("local"));
    settings.put("timeSource", b -> b.timeSource(time));
    settings.put("executor", b -> b.executor(Runnable::run));
    settings.forEach((name, setting) -> refusedTheSecondTime(Caches.<String, String>inMemory(), name, setting));
    // A cache is bounded by size or by weight: one setting, whichever is given first.
    assertThatThrownBy(() -> Caches.<String, String>inMemory().maximumSize(1).maximumWeight(10, 1, (k, v) -> 1))
        .isInstanceOf(IllegalStateException.class).hasMessage("bound was already set to maximumSize 1");
    assertThatThrownBy(() -> Caches.<String, String>inMemory().maximumWeight(10, 1, (k, v) -> 1).maximumSize(1))
        .isInstanceOf(IllegalStateException.class).hasMessage("bound was already set to maximumWeight 10");
  }

  @Test
  void inMemoryBoundsAcceptTheirEdgeValuesAndRefuseJustBeyond() {
    assertThatCode(() -> Caches.<String, String>inMemory().maximumSize(0).build()).doesNotThrowAnyException();
    assertThatCode(() -> Caches.<String, String>inMemory().maximumWeight(10, 10, (k, v) -> 1).build())
        .doesNotThrowAnyException();
    assertThatCode(() -> Caches.<String, String>inMemory().maximumWeight(0, 0, (k, v) -> 1).build())
        .doesNotThrowAnyException();
    assertThatThrownBy(() -> Caches.<String, String>inMemory().maximumWeight(10, -1, (k, v) -> 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maximumEntryWeight must be in [0, 10] but was -1");
    assertThatThrownBy(() -> Caches.<String, String>inMemory().maximumWeight(-1, 0, (k, v) -> 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maximumWeight must be >= 0 but was -1");
    assertThatThrownBy(() -> Caches.<String, String>inMemory().maximumWeight(10, 1, null))
        .isInstanceOf(NullPointerException.class).hasMessage("weigher");
  }

  @Test
  void anEntryAsHeavyAsTheMaximumEntryWeightIsCachedAndOneUnitMoreIsNot() {
    Cache<String, String> cache = Caches.<String, String>inMemory()
        .maximumWeight(100, 3, (key, value) -> value.length()).timeSource(time).build();
    assertThat(cache.put("k", "abc", Duration.ofHours(1))).isTrue();
    assertThat(cache.get("k")).isEqualTo("abc");
    assertThat(cache.put("k", "abcd", Duration.ofHours(1))).isFalse();
    assertThat(cache.rejectedCount()).isEqualTo(1);
  }

  @Test
  void aCacheAsideOverAWeighedInMemoryCacheWeighsTheLoadedValueAndAnAbsentOneAsOne() {
    AtomicInteger loads = new AtomicInteger();
    CacheAside<String, String> cache = CacheAside.builder(Caches.<String, String>inMemory()
            .maximumWeight(1_000, 3, (key, value) -> value.length()).timeSource(time))
        .timeSource(time).build();
    // Too heavy: answered but not cached, and counted.
    assertThat(cache.get("big", k -> "v" + loads.incrementAndGet() + "-too-long")).isEqualTo("v1-too-long");
    assertThat(cache.get("big", k -> "v" + loads.incrementAndGet() + "-too-long")).isEqualTo("v2-too-long");
    assertThat(cache.stats().rejected()).isEqualTo(2);
    // Light enough: cached, whatever the wrapper around it weighs.
    assertThat(cache.get("small", k -> "abc")).isEqualTo("abc");
    assertThat(cache.get("small", k -> "not loaded")).isEqualTo("abc");
    // An absent value weighs 1 (the weigher is never asked about it) and is cached negatively.
    assertThat(cache.get("none", k -> {
      loads.incrementAndGet();
      return null;
    })).isNull();
    assertThat(cache.get("none", k -> "not loaded")).isNull();
    assertThat(loads).hasValue(3);
    assertThat(cache.stats().rejected()).isEqualTo(2);
  }

  @Test
  void aTieredBuilderTakesItsLocalTtlOnceAndPositive() {
    RemoteCacheBuilder<String, String> remote = new RemoteCacheBuilder<>() {
      @Override
      public RemoteCache<String, String> build() {
        throw new UnsupportedOperationException();
      }

      @Override
      public <E> RemoteCache<String, E> buildWrapped(Wrapping<String, E> wrapping) {
        throw new UnsupportedOperationException();
      }
    };
    refusedTheSecondTime(Caches.tiered(Caches.<String, String>inMemory(), remote), "localTtl",
        b -> b.localTtl(Duration.ofSeconds(1)));
    assertThatThrownBy(() -> Caches.tiered(Caches.<String, String>inMemory(), remote).localTtl(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("localTtl must be > 0 but was PT0S");
    assertThatThrownBy(() -> Caches.tiered(null, remote)).isInstanceOf(NullPointerException.class).hasMessage("local");
    assertThatThrownBy(() -> Caches.tiered(Caches.<String, String>inMemory(), null))
        .isInstanceOf(NullPointerException.class).hasMessage("remote");
    assertThatThrownBy(() -> Caches.tiered(Caches.<String, String>inMemory(), remote).buildWrapped(null))
        .isInstanceOf(NullPointerException.class).hasMessage("wrapping");
    assertThatThrownBy(() -> Caches.<String, String>inMemory().buildWrapped(null))
        .isInstanceOf(NullPointerException.class).hasMessage("wrapping");
  }

  @Test
  void keyCodecsRoundTripTheirKeys() {
    KeyCodec<Long> longs = KeyCodec.longs();
    assertThat(longs.encode(-42L)).isEqualTo("-42");
    assertThat(longs.decode("9007199254740993")).isEqualTo(9_007_199_254_740_993L);
    assertThatThrownBy(() -> longs.decode("forty-two")).isInstanceOf(NumberFormatException.class);
    KeyCodec<String> strings = KeyCodec.strings();
    assertThat(strings.encode("a:{b}")).isEqualTo("a:{b}");
    assertThat(strings.decode("a:{b}")).isEqualTo("a:{b}");
    KeyCodec<List<String>> pairs = KeyCodec.of(key -> String.join("/", key), text -> List.of(text.split("/")));
    assertThat(pairs.decode(pairs.encode(List.of("a", "b")))).containsExactly("a", "b");
    assertThatThrownBy(() -> KeyCodec.of(null, text -> text)).isInstanceOf(NullPointerException.class)
        .hasMessage("encoder");
    assertThatThrownBy(() -> KeyCodec.of(key -> "", null)).isInstanceOf(NullPointerException.class)
        .hasMessage("decoder");
  }

  @Test
  void theHitRateCountsFreshAndStaleHitsAgainstEveryGet() {
    assertThat(new CacheStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0).hitRate()).as("no gets yet").isEqualTo(1.0);
    assertThat(new CacheStats(3, 1, 1, 0, 0, 0, 0, 0, 0, 0).hitRate()).isEqualTo(0.8);
    assertThat(new CacheStats(0, 1, 1, 0, 0, 0, 0, 0, 0, 0).hitRate()).as("a stale hit is a hit").isEqualTo(0.5);
    assertThat(new CacheStats(0, 4, 0, 0, 0, 0, 0, 0, 0, 0).hitRate()).isZero();
  }
}
