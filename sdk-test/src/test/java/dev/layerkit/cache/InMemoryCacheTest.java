package dev.layerkit.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.test.cache.CacheContract;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class InMemoryCacheTest extends CacheContract {

  @Override
  protected Cache<String, String> newCache(String name) {
    return Caches.<String, String>inMemory().name(name).timeSource(time).build();
  }

  @Test
  void evictsBeyondTheMaximumSizeAndCountsEvictions() {
    Cache<String, String> cache = Caches.<String, String>inMemory().maximumSize(100).timeSource(time).build();
    for (int i = 0; i < 1_000; i++) {
      cache.put("k" + i, "v", Duration.ofHours(1));
    }
    assertThat(((InMemoryCache<String, String>) cache).estimatedSize()).isLessThanOrEqualTo(100);
    assertThat(cache.evictionCount()).isEqualTo(900);
  }

  @Test
  void evictsOnTheCallingThreadWithASameThreadExecutor() {
    Cache<String, String> cache = Caches.<String, String>inMemory().maximumSize(10).executor(Runnable::run)
        .timeSource(time).build();
    for (int i = 0; i < 100; i++) {
      cache.put("k" + i, "v", Duration.ofHours(1));
    }
    assertThat(cache.evictionCount()).isEqualTo(90);
  }

  @Test
  void expiredEntriesAreNotCountedAsEvictions() {
    Cache<String, String> cache = newCache("a");
    cache.put("k", "v", Duration.ofSeconds(1));
    time.advance(Duration.ofSeconds(2));
    assertThat(cache.get("k")).isNull();
    assertThat(cache.evictionCount()).isZero();
  }

  @Test
  void entriesHeavierThanTheMaximumEntryWeightAreNotCachedAndAreCounted() {
    Cache<String, String> cache = Caches.<String, String>inMemory()
        .maximumWeight(1_000, 10, (key, value) -> value.length()).timeSource(time).build();
    assertThat(cache.put("k", "small", Duration.ofHours(1))).isTrue();
    assertThat(cache.put("k", "far too large a value", Duration.ofHours(1))).isFalse();
    assertThat(cache.get("k")).as("the older value is gone too").isNull();
    assertThat(cache.rejectedCount()).isEqualTo(1);
  }

  @Test
  void builderRejectsBadAndRepeatedSettings() {
    assertThatThrownBy(() -> Caches.inMemory().maximumSize(-1))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maximumSize must be >= 0 but was -1");
    assertThatThrownBy(() -> Caches.inMemory().maximumSize(1).maximumSize(2))
        .isInstanceOf(IllegalStateException.class).hasMessage("bound was already set to maximumSize 1");
    assertThatThrownBy(() -> Caches.<String, String>inMemory().maximumWeight(10, 11, (k, v) -> 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maximumEntryWeight must be in [0, 10] but was 11");
    assertThatThrownBy(() -> Caches.inMemory().name(" "))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("name must not be blank but was ' '");
    assertThatThrownBy(() -> Caches.inMemory().timeSource(null))
        .isInstanceOf(NullPointerException.class).hasMessage("timeSource");
    assertThatThrownBy(() -> Caches.inMemory().timeSource(time).timeSource(time))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> Caches.inMemory().executor(null))
        .isInstanceOf(NullPointerException.class).hasMessage("executor");
    assertThatThrownBy(() -> Caches.inMemory().executor(Runnable::run).executor(Runnable::run))
        .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("executor was already set to ");
  }
}
