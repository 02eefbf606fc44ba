package dev.layerkit.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.core.health.Health;
import dev.layerkit.core.health.HealthStatus;
import dev.layerkit.core.time.ManualTimeSource;
import dev.layerkit.test.ManualScheduler;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
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
      if (listener != null) { // nobody subscribed: a message to no one
        listener.invalidated(origin, key);
      }
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

  /** A remote whose channel cannot be subscribed while {@link #down} is set. */
  private class RemoteDownAtStart extends FakeRemote {
    volatile boolean down = true;
    final AtomicInteger attempts = new AtomicInteger();

    @Override
    public Subscription subscribeInvalidations(InvalidationListener<String> listener) {
      attempts.incrementAndGet();
      if (down) {
        throw new RuntimeException("connection refused");
      }
      return super.subscribeInvalidations(listener);
    }
  }

  @Test
  void aChannelDownAtStartBypassesL1UntilARetrySubscribesThenClearsL1AndUsesIt() {
    ManualScheduler scheduler = new ManualScheduler();
    RemoteDownAtStart down = new RemoteDownAtStart();
    TieredCache<String, String> cache = new TieredCache<>(local, down, Duration.ofSeconds(30), scheduler);
    assertThat(cache.isSubscribed()).isFalse();
    Health health = cache.healthCheck().check();
    assertThat(health.status()).isEqualTo(HealthStatus.DEGRADED);
    assertThat(String.valueOf(health.details().get("reason")))
        .contains("not subscribed to the invalidation channel").contains("connection refused");

    // Unsubscribed: writes and reads go to L2 alone, nothing is copied into L1.
    assertThat(cache.put("k", "v1", Duration.ofMinutes(1))).isTrue();
    assertThat(local.get("k")).as("no L1 copy of a write").isNull();
    assertThat(cache.get("k")).isEqualTo("v1");
    assertThat(local.get("k")).as("no L1 copy of a read").isNull();
    assertThat(cache.getAll(List.of("k"))).containsEntry("k", "v1");
    assertThat(local.get("k")).isNull();

    assertThat(scheduler.runScheduled()).as("one retry").isEqualTo(1);
    assertThat(cache.isSubscribed()).as("still down").isFalse();
    assertThat(scheduler.scheduledTasks()).as("the next retry").isEqualTo(1);

    // Whatever L1 holds when the subscription comes (a copy the caller put there) is dropped.
    local.put("stale", "old", Duration.ofMinutes(1));
    down.down = false;
    scheduler.runScheduled();
    assertThat(cache.isSubscribed()).isTrue();
    assertThat(down.attempts).hasValue(3);
    assertThat(scheduler.scheduledTasks()).as("no more retries").isZero();
    assertThat(local.get("stale")).as("cleared on subscription").isNull();
    assertThat(cache.healthCheck().check().status()).isEqualTo(HealthStatus.UP);

    // Subscribed: L1 is used, and others' messages are heard.
    assertThat(cache.get("k")).isEqualTo("v1");
    assertThat(local.get("k")).isEqualTo("v1");
    down.listener.invalidated("another-instance", "k");
    assertThat(local.get("k")).isNull();
  }

  @Test
  void aReadRacingTheLateSubscriptionKeepsItsValueOutOfL1() {
    ManualScheduler scheduler = new ManualScheduler();
    RemoteDownAtStart down = new RemoteDownAtStart();
    TieredCache<String, String> cache = new TieredCache<>(local, down, Duration.ofSeconds(30), scheduler);
    down.store.put("k", "old", Duration.ofMinutes(10));
    down.down = false;
    // The subscription is made while the L2 read is in flight: a message sent before it was missed.
    down.onRead = scheduler::runScheduled;
    assertThat(cache.get("k")).isEqualTo("old");
    assertThat(cache.isSubscribed()).isTrue();
    assertThat(local.get("k")).as("read began before the subscription: not installed").isNull();
    down.onRead = () -> { };
    assertThat(cache.get("k")).isEqualTo("old");
    assertThat(local.get("k")).isEqualTo("old");
  }

  @Test
  void aRemoteWithoutAnInvalidationChannelStillFailsTheBuild() {
    FakeRemote noChannel = new FakeRemote() {
      @Override
      public Subscription subscribeInvalidations(InvalidationListener<String> listener) {
        throw new IllegalStateException("no invalidation channel");
      }
    };
    ManualScheduler scheduler = new ManualScheduler();
    assertThatThrownBy(() -> new TieredCache<>(local, noChannel, Duration.ofSeconds(30), scheduler))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("no invalidation channel");
    assertThat(scheduler.scheduledTasks()).isZero();
  }

  @Test
  void closingStopsTheRetriesOfTheSubscription() {
    ManualScheduler scheduler = new ManualScheduler();
    RemoteDownAtStart down = new RemoteDownAtStart();
    TieredCache<String, String> cache = new TieredCache<>(local, down, Duration.ofSeconds(30), scheduler);
    cache.close();
    down.down = false;
    scheduler.runScheduled();
    assertThat(down.attempts).as("only the attempt at start").hasValue(1);
    assertThat(cache.isSubscribed()).isFalse();
    assertThat(scheduler.scheduledTasks()).isZero();
  }
}
