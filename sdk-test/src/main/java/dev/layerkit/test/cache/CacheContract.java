package dev.layerkit.test.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.layerkit.cache.Cache;
import dev.layerkit.core.time.ManualTimeSource;
import dev.layerkit.test.Concurrently;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link Cache} backend must have. A backend's test extends this class and
 * builds caches of strings on the {@link ManualTimeSource} it is given; a backend whose expiry
 * runs on a server's clock (Redis) overrides {@link #passTime(Duration)} to do nothing, and the
 * expiry test then waits, bounded, for the server.
 *
 * <p>Third-party backends run the same suite: add {@code dev.layerkit:layerkit-test} (test scope)
 * and extend this class. Each test makes its own caches, so a subclass may run its tests in
 * parallel as long as {@link #newCache} gives each name a cache of its own.
 *
 * <pre>{@code
 * class MyCacheContractTest extends CacheContract {
 *   @Override
 *   protected Cache<String, String> newCache(String name) {
 *     return new MyCache<>(name, timeSource);
 *   }
 * }
 * }</pre>
 */
public abstract class CacheContract {

  /** The clock of local backends; advanced by {@link #passTime(Duration)}. */
  protected final ManualTimeSource time = new ManualTimeSource();

  /**
   * Returns a new, empty cache. Caches made with different names in one test must not share
   * entries (for a remote backend: different namespaces).
   *
   * @param name the cache's name
   * @return the cache
   */
  protected abstract Cache<String, String> newCache(String name);

  /**
   * Lets {@code duration} pass for the cache's expiry: advances {@link #time} by default.
   *
   * @param duration how much time passes
   */
  protected void passTime(Duration duration) {
    time.advance(duration);
  }

  private static final Duration HOUR = Duration.ofHours(1);

  @Test
  void getReturnsWhatWasPutAndNullForAnUnknownKey() {
    Cache<String, String> cache = newCache("a");
    assertThat(cache.put("k", "v", HOUR)).isTrue();
    assertThat(cache.get("k")).isEqualTo("v");
    assertThat(cache.get("unknown")).isNull();
    assertThat(cache.name()).isNotBlank();
  }

  @Test
  void putReplacesTheEarlierValueAndItsTtl() {
    Cache<String, String> cache = newCache("a");
    cache.put("k", "old", Duration.ofMillis(300));
    cache.put("k", "new", HOUR);
    assertThat(cache.get("k")).isEqualTo("new");
    passTime(Duration.ofMillis(301));
    assertThat(cache.get("k")).as("the new TTL applies").isEqualTo("new");
  }

  @Test
  void eachEntryExpiresAfterItsOwnTtl() {
    Cache<String, String> cache = newCache("a");
    cache.put("short", "v", Duration.ofMillis(300));
    cache.put("long", "v", HOUR);
    assertThat(cache.get("short")).isEqualTo("v");
    passTime(Duration.ofMillis(301));
    await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
        .untilAsserted(() -> assertThat(cache.get("short")).isNull());
    assertThat(cache.get("long")).isEqualTo("v");
  }

  @Test
  void getAllReturnsExactlyTheFoundKeys() {
    Cache<String, String> cache = newCache("a");
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      keys.add("k" + i);
      if (i % 2 == 0) {
        cache.put("k" + i, "v" + i, HOUR);
      }
    }
    Map<String, String> found = cache.getAll(keys);
    assertThat(found).hasSize(50);
    for (int i = 0; i < 100; i += 2) {
      assertThat(found).containsEntry("k" + i, "v" + i);
    }
    assertThat(cache.getAll(List.of())).isEmpty();
    assertThat(cache.getAll(List.of("k0", "k0"))).containsOnly(Map.entry("k0", "v0"));
  }

  @Test
  void putAllStoresEveryEntry() {
    Cache<String, String> cache = newCache("a");
    Map<String, String> entries = new HashMap<>();
    for (int i = 0; i < 20; i++) {
      entries.put("k" + i, "v" + i);
    }
    cache.putAll(entries, HOUR);
    assertThat(cache.getAll(entries.keySet())).isEqualTo(entries);
  }

  @Test
  void invalidateRemovesOnlyThatKey() {
    Cache<String, String> cache = newCache("a");
    cache.put("k1", "v1", HOUR);
    cache.put("k2", "v2", HOUR);
    cache.invalidate("k1");
    cache.invalidate("never-there");
    assertThat(cache.get("k1")).isNull();
    assertThat(cache.get("k2")).isEqualTo("v2");
  }

  @Test
  void invalidateAllEmptiesThisCacheButNotAnother() {
    Cache<String, String> cache = newCache("a");
    Cache<String, String> other = newCache("b");
    for (int i = 0; i < 30; i++) {
      cache.put("k" + i, "v", HOUR);
    }
    other.put("k0", "other", HOUR);
    cache.invalidateAll();
    for (int i = 0; i < 30; i++) {
      assertThat(cache.get("k" + i)).isNull();
    }
    assertThat(other.get("k0")).isEqualTo("other");
  }

  @Test
  void rejectsNullKeysValuesAndNonPositiveTtlsNamingTheParameter() {
    Cache<String, String> cache = newCache("a");
    assertThatThrownBy(() -> cache.get(null)).isInstanceOf(NullPointerException.class).hasMessage("key");
    assertThatThrownBy(() -> cache.put(null, "v", HOUR)).isInstanceOf(NullPointerException.class).hasMessage("key");
    assertThatThrownBy(() -> cache.put("k", null, HOUR)).isInstanceOf(NullPointerException.class).hasMessage("value");
    assertThatThrownBy(() -> cache.put("k", "v", null)).isInstanceOf(NullPointerException.class).hasMessage("ttl");
    assertThatThrownBy(() -> cache.put("k", "v", Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("ttl must be > 0 but was PT0S");
    assertThatThrownBy(() -> cache.invalidate(null)).isInstanceOf(NullPointerException.class).hasMessage("key");
    assertThatThrownBy(() -> cache.getAll(Arrays.asList("k", null)))
        .isInstanceOf(NullPointerException.class).hasMessage("key");
    assertThat(cache.get("k")).as("nothing was cached").isNull();
  }

  @Test
  void eightThreadsWritingAndReadingOneKeyOnlyEverSeeWrittenValues() throws Exception {
    Cache<String, String> cache = newCache("a");
    int threads = 8;
    int rounds = 200;
    AtomicInteger threadIds = new AtomicInteger();
    Set<String> all = ConcurrentHashMap.newKeySet();
    Concurrently.run(threads, () -> {
      int thread = threadIds.getAndIncrement();
      Set<String> values = new java.util.HashSet<>();
      for (int i = 0; i < rounds; i++) {
        cache.put("k", "t" + thread + "-" + i, HOUR);
        String value = cache.get("k");
        if (value != null) {
          values.add(value);
        }
      }
      all.addAll(values);
    });
    assertThat(all).isNotEmpty().allMatch(v -> v.matches("t[0-7]-\\d+"));
    assertThat(cache.get("k")).matches("t[0-7]-" + (rounds - 1));
  }
}
