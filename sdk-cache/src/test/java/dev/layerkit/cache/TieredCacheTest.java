package dev.layerkit.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.core.health.Health;
import dev.layerkit.core.health.HealthCheck;
import dev.layerkit.core.health.HealthStatus;
import dev.layerkit.core.time.ManualTimeSource;
import dev.layerkit.test.ManualScheduler;
import java.time.Duration;
import java.util.ArrayList;
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
    /** The remaining TTL every hit reports. */
    Duration remaining = Duration.ofMinutes(10);
    /** Every message published, as origin-independent text: the key, or "*" for every entry. */
    final List<String> published = new ArrayList<>();
    final AtomicInteger subscriptionCloses = new AtomicInteger();
    long errors;
    long rejects;
    Health health = Health.up().build();

    @Override
    public @Nullable Hit<String> getHit(String key) {
      String value = store.get(key);
      onRead.run();
      return value == null ? null : new Hit<>(value, remaining);
    }

    @Override
    public Map<String, Hit<String>> getAllHits(Collection<? extends String> keys) {
      Map<String, Hit<String>> hits = new HashMap<>();
      store.getAll(keys).forEach((k, v) -> hits.put(k, new Hit<>(v, remaining)));
      onRead.run();
      return hits;
    }

    @Override
    public long errorCount() {
      return errors;
    }

    @Override
    public long rejectedCount() {
      return rejects;
    }

    @Override
    public HealthCheck healthCheck() {
      return HealthCheck.of("cache-fake", () -> health);
    }

    @Override
    public KeyCodec<String> keyCodec() {
      return KeyCodec.strings();
    }

    @Override
    public void publishInvalidation(String origin, @Nullable String key) {
      published.add(key == null ? "*" : key);
      if (listener != null) { // nobody subscribed: a message to no one
        listener.invalidated(origin, key);
      }
    }

    @Override
    public Subscription subscribeInvalidations(InvalidationListener<String> listener) {
      this.listener = listener;
      return subscriptionCloses::incrementAndGet;
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

  @Test
  void anL1CopyLivesNoLongerThanTheRemoteEntryHasLeft() {
    remote.store.put("k", "v", Duration.ofMinutes(10));
    remote.store.put("m", "w", Duration.ofMinutes(10));
    remote.remaining = Duration.ofSeconds(5);
    assertThat(tiered.get("k")).isEqualTo("v");
    assertThat(tiered.getAll(List.of("m"))).containsEntry("m", "w");
    assertThat(local.get("k")).isEqualTo("v");
    assertThat(local.get("m")).isEqualTo("w");
    time.advance(Duration.ofSeconds(5));
    assertThat(local.get("k")).as("gone with the remote entry, not after the 30 s local TTL").isNull();
    assertThat(local.get("m")).isNull();
  }

  @Test
  void aWrittenValueLivesInL1ForItsTtlAtMostAndEveryChangeIsPublished() {
    assertThat(tiered.put("short", "v", Duration.ofSeconds(5))).isTrue();
    assertThat(tiered.put("long", "v", Duration.ofMinutes(5))).isTrue();
    time.advance(Duration.ofSeconds(5));
    assertThat(local.get("short")).as("the entry's own TTL").isNull();
    assertThat(local.get("long")).as("kept for the local TTL").isEqualTo("v");
    time.advance(Duration.ofSeconds(25));
    assertThat(local.get("long")).isNull();
    assertThat(remote.published).containsExactly("short", "long");

    local.put("a", "old", Duration.ofMinutes(1));
    tiered.putAll(Map.of("a", "new", "b", "new"), Duration.ofMinutes(1));
    assertThat(local.get("a")).as("L1 reloads from L2").isNull();
    assertThat(tiered.get("a")).isEqualTo("new");
    assertThat(remote.store.get("b")).isEqualTo("new");
    assertThat(remote.published.subList(2, 4)).containsExactlyInAnyOrder("a", "b");

    tiered.invalidate("a");
    assertThat(local.get("a")).isNull();
    assertThat(remote.store.get("a")).isNull();
    local.put("c", "in L1", Duration.ofMinutes(1));
    tiered.invalidateAll();
    assertThat(local.get("c")).as("L1 is emptied too").isNull();
    assertThat(remote.store.get("b")).isNull();
    assertThat(remote.published.subList(4, 6)).containsExactly("a", "*");
    assertThatThrownBy(() -> tiered.putAll(Map.of("k", "v"), Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("ttl must be > 0 but was PT0S");
    assertThatThrownBy(() -> tiered.put("k", "v", Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> tiered.invalidate(null)).isInstanceOf(NullPointerException.class).hasMessage("key");
    assertThat(remote.published).as("nothing published for refused calls").hasSize(6);
  }

  @Test
  void countsComeFromTheTierThatKnowsThem() {
    Cache<String, String> tinyLocal = Caches.<String, String>inMemory().timeSource(time)
        .maximumWeight(100, 3, (k, v) -> v.length()).executor(Runnable::run).build();
    TieredCache<String, String> cache = new TieredCache<>(tinyLocal, remote, Duration.ofSeconds(30));
    remote.errors = 7;
    remote.rejects = 2;
    cache.put("k", "too long for L1", Duration.ofMinutes(1));
    assertThat(cache.rejectedCount()).as("L1's and L2's together").isEqualTo(3);
    assertThat(cache.errorCount()).isEqualTo(7);
    for (int i = 0; i < 200; i++) {
      cache.put("k" + i, "v", Duration.ofMinutes(1));
    }
    assertThat(cache.evictionCount()).as("L1's evictions").isEqualTo(tinyLocal.evictionCount()).isPositive();
    assertThat(cache.name()).isEqualTo("fake");
    assertThat(cache.instanceId()).isNotEqualTo(tiered.instanceId());
  }

  @Test
  void theHealthIsTheRemotesOnceSubscribedAndDegradedWithTheRemotesDetailsUntilThen() {
    remote.health = Health.degraded("breaker open").detail("breaker", "OPEN").build();
    assertThat(tiered.healthCheck().check()).as("subscribed: the remote's own").isEqualTo(remote.health);
    assertThat(tiered.healthCheck().name()).isEqualTo("cache-fake");

    RemoteDownAtStart down = new RemoteDownAtStart();
    TieredCache<String, String> cache = new TieredCache<>(local, down, Duration.ofSeconds(30), new ManualScheduler());
    down.health = Health.degraded("breaker open").detail("breaker", "OPEN").build();
    Health degraded = cache.healthCheck().check();
    assertThat(degraded.status()).isEqualTo(HealthStatus.DEGRADED);
    assertThat(degraded.details()).containsEntry("breaker", "OPEN").containsEntry("remote", "breaker open");
    assertThat(String.valueOf(degraded.details().get("reason"))).startsWith("not subscribed");

    down.health = Health.up().detail("ping", "PONG").build();
    Health upRemote = cache.healthCheck().check();
    assertThat(upRemote.status()).isEqualTo(HealthStatus.DEGRADED);
    assertThat(upRemote.details()).containsEntry("ping", "PONG").doesNotContainKey("remote");

    down.health = Health.down("gone").build();
    assertThat(cache.healthCheck().check()).as("a remote that is down says so itself").isEqualTo(down.health);
  }

  /** Records the delay of each scheduled retry and runs them when the test says. */
  private static final class RecordingScheduler extends java.util.concurrent.ScheduledThreadPoolExecutor {
    final List<Long> delays = new ArrayList<>();
    final List<Runnable> due = new ArrayList<>();
    boolean rejecting;

    RecordingScheduler() {
      super(1);
    }

    @Override
    public java.util.concurrent.ScheduledFuture<?> schedule(Runnable command, long delay,
        java.util.concurrent.TimeUnit unit) {
      if (rejecting) {
        throw new java.util.concurrent.RejectedExecutionException("shut down");
      }
      delays.add(unit.toMillis(delay));
      due.add(command);
      return super.schedule(() -> { }, 1, java.util.concurrent.TimeUnit.DAYS);
    }

    void runDue() {
      List<Runnable> now = new ArrayList<>(due);
      due.clear();
      now.forEach(Runnable::run);
    }
  }

  @Test
  void retriesOfTheSubscriptionWaitTwiceAsLongEachTimeUpToTheMaximum() {
    RecordingScheduler scheduler = new RecordingScheduler();
    try {
      RemoteDownAtStart down = new RemoteDownAtStart();
      TieredCache<String, String> cache = new TieredCache<>(local, down, Duration.ofSeconds(30), scheduler);
      for (int i = 0; i < 6; i++) {
        scheduler.runDue();
      }
      assertThat(scheduler.delays).containsExactly(100L, 200L, 400L, 800L, 1600L, 2000L, 2000L);
      assertThat(scheduler.delays.get(0)).isEqualTo(TieredCache.FIRST_SUBSCRIBE_RETRY_MILLIS);
      down.down = false;
      scheduler.runDue();
      assertThat(cache.isSubscribed()).isTrue();
      assertThat(scheduler.due).isEmpty();
      cache.close();
      assertThat(down.subscriptionCloses).as("close ends the subscription").hasValue(1);
      cache.close();
      assertThat(down.subscriptionCloses).as("once").hasValue(1);
    } finally {
      scheduler.shutdownNow();
    }
  }

  @Test
  void aRetryTheSchedulerRefusesLeavesL1BypassedWithoutFailingTheCache() {
    RecordingScheduler scheduler = new RecordingScheduler();
    try {
      scheduler.rejecting = true;
      RemoteDownAtStart down = new RemoteDownAtStart();
      TieredCache<String, String> cache = new TieredCache<>(local, down, Duration.ofSeconds(30), scheduler);
      assertThat(cache.isSubscribed()).isFalse();
      assertThat(cache.put("k", "v", Duration.ofMinutes(1))).isTrue();
      assertThat(cache.get("k")).isEqualTo("v");
      assertThat(local.get("k")).isNull();
    } finally {
      scheduler.shutdownNow();
    }
  }

  @Test
  void aSubscriptionMadeWhileTheCacheClosesIsClosedAtOnce() {
    ManualScheduler scheduler = new ManualScheduler();
    java.util.concurrent.atomic.AtomicReference<TieredCache<String, String>> cache =
        new java.util.concurrent.atomic.AtomicReference<>();
    RemoteDownAtStart down = new RemoteDownAtStart() {
      @Override
      public Subscription subscribeInvalidations(InvalidationListener<String> listener) {
        Subscription made = super.subscribeInvalidations(listener);
        if (attempts.get() > 1) {
          cache.get().close(); // the cache closes while this retry subscribes
        }
        return made;
      }
    };
    cache.set(new TieredCache<>(local, down, Duration.ofSeconds(30), scheduler));
    down.down = false;
    scheduler.runScheduled();
    assertThat(down.attempts).hasValue(2);
    assertThat(down.subscriptionCloses).as("the late subscription is not kept").hasValue(1);
    assertThat(cache.get().isSubscribed()).isFalse();
    assertThat(scheduler.scheduledTasks()).isZero();
  }
}
