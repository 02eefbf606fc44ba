package dev.layerkit.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.core.time.ManualTimeSource;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The tiered cache's consistency rules with an in-memory fake of the remote tier whose messages
 * the test delivers by hand, so races are played out deterministically.
 */
class TieredCacheTest {

  private final ManualTimeSource time = new ManualTimeSource();

  /** An in-memory remote tier; {@link #onRead} runs inside every read, as a message could. */
  private class FakeRemote implements RemoteCache<String, String> {
    final Cache<String, String> store = Caches.<String, String>inMemory().timeSource(time).build();
    InvalidationListener<String> listener;
    Runnable onRead = () -> { };

    @Override
    public @Nullable Hit<String> getHit(String key) {
      String value = store.get(key);
      onRead.run();
      return value == null ? null : new Hit<>(value, Duration.ofMinutes(10));
    }

    @Override
    public Map<String, Hit<String>> getAllHits(Collection<? extends String> keys) {
      Map<String, Hit<String>> hits = new HashMap<>();
      store.getAll(keys).forEach((k, v) -> hits.put(k, new Hit<>(v, Duration.ofMinutes(10))));
      onRead.run();
      return hits;
    }

    @Override
    public KeyCodec<String> keyCodec() {
      return KeyCodec.strings();
    }

    @Override
    public void publishInvalidation(String origin, @Nullable String key) {
      listener.invalidated(origin, key);
    }

    @Override
    public Subscription subscribeInvalidations(InvalidationListener<String> listener) {
      this.listener = listener;
      return () -> { };
    }

    @Override
    public @Nullable String get(String key) {
      return store.get(key);
    }

    @Override
    public Map<String, String> getAll(Collection<? extends String> keys) {
      return store.getAll(keys);
    }

    @Override
    public boolean put(String key, String value, Duration ttl) {
      return store.put(key, value, ttl);
    }

    @Override
    public void invalidate(String key) {
      store.invalidate(key);
    }

    @Override
    public void invalidateAll() {
      store.invalidateAll();
    }

    @Override
    public String name() {
      return "fake";
    }
  }

  private final FakeRemote remote = new FakeRemote();
  private final Cache<String, String> local = Caches.<String, String>inMemory().timeSource(time).build();
  private final TieredCache<String, String> tiered = new TieredCache<>(local, remote, Duration.ofSeconds(30));

  @Test
  void anInvalidationArrivingDuringAnL2ReadKeepsTheReadValueOutOfL1() {
    remote.store.put("k", "old", Duration.ofMinutes(10));
    remote.onRead = () -> remote.listener.invalidated("another-instance", "k");
    assertThat(tiered.get("k")).isEqualTo("old");
    assertThat(local.get("k")).as("not installed after its invalidation").isNull();
    remote.onRead = () -> { };
    assertThat(tiered.getAll(List.of("k"))).containsEntry("k", "old");
    assertThat(local.get("k")).isEqualTo("old");
  }

  @Test
  void anL1CopyLivesNoLongerThanTheLocalTtl() {
    remote.store.put("k", "v", Duration.ofMinutes(10));
    tiered.get("k");
    time.advance(Duration.ofSeconds(30));
    assertThat(local.get("k")).isNull();
  }

  @Test
  void messagesFromOthersDropL1EntriesAndOwnMessagesAreIgnored() {
    tiered.put("k", "v", Duration.ofMinutes(1));
    assertThat(local.get("k")).as("own message ignored").isEqualTo("v");
    remote.listener.invalidated("another-instance", "k");
    assertThat(local.get("k")).isNull();
    tiered.get("k");
    remote.listener.invalidated("another-instance", null);
    assertThat(local.get("k")).as("invalidate all").isNull();
    tiered.get("k");
    remote.listener.resubscribed();
    assertThat(local.get("k")).as("cleared on reconnect").isNull();
  }

  @Test
  void aWriteTheRemoteRejectsStillDropsTheL1Entry() {
    local.put("k", "old", Duration.ofMinutes(1));
    Cache<String, String> tinyRemoteStore = Caches.<String, String>inMemory().timeSource(time)
        .maximumWeight(100, 3, (k, v) -> v.length()).build();
    FakeRemote rejecting = new FakeRemote() {
      @Override
      public boolean put(String key, String value, Duration ttl) {
        return tinyRemoteStore.put(key, value, ttl);
      }
    };
    TieredCache<String, String> withRejects = new TieredCache<>(local, rejecting, Caches.DEFAULT_LOCAL_TTL);
    assertThat(withRejects.put("k", "too long", Duration.ofMinutes(1))).isFalse();
    assertThat(local.get("k")).isNull();
  }
}
