package dev.layerkit.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.layerkit.core.codec.Codecs;
import dev.layerkit.core.time.ManualTimeSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What only the in-memory bus has: retention, backpressure, builder checks, backoff on a clock. */
class InMemoryEventBusTest {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private final ManualTimeSource time = new ManualTimeSource();
  private InMemoryEventBus bus = EventBuses.inMemory().timeSource(time).build();

  @AfterEach
  void close() {
    bus.close();
  }

  @Test
  void withoutActiveGroupsAFullPartitionDropsItsOldestRecordsAndANewGroupReadsWhatIsRetained() {
    bus = EventBuses.inMemory().partitions(1).retention(3).build();
    EventPublisher<String> publisher = bus.publisher(Codecs.utf8());
    for (int i = 0; i < 5; i++) {
      assertThat(publisher.publish("t", "k", "e" + i)).isCompleted();
    }
    assertThat(bus.beginningOffset("t", 0)).isEqualTo(2);
    assertThat(bus.endOffset("t", 0)).isEqualTo(5);

    List<String> seen = new CopyOnWriteArrayList<>();
    bus.subscriber(Codecs.utf8()).subscribe("t", "late", e -> seen.add(e.payload()));
    await().atMost(WAIT).until(() -> seen.size() == 3);
    assertThat(seen).containsExactly("e2", "e3", "e4");
  }

  @Test
  void aFullPartitionMakesPublishWaitForTheSlowestActiveGroupThenFailClearly() throws Exception {
    bus = EventBuses.inMemory().partitions(1).retention(2)
        .publishTimeout(Duration.ofMillis(50)).build();
    EventPublisher<String> publisher = bus.publisher(Codecs.utf8());
    CountDownLatch release = new CountDownLatch(1);
    List<String> seen = new CopyOnWriteArrayList<>();
    bus.subscriber(Codecs.utf8()).subscribe("t", "slow", e -> {
      release.await();
      seen.add(e.payload());
    });
    publisher.publish("t", "k", "e0");
    publisher.publish("t", "k", "e1");

    CompletableFuture<PublishReceipt> third = publisher.publish("t", "k", "e2");

    assertThat(third).isCompletedExceptionally();
    assertThatThrownBy(third::join).hasCauseInstanceOf(EventPublishException.class)
        .hasMessageContaining("partition 0 held 2 events not yet handled by every active group")
        .hasMessageContaining("50 ms");
    release.countDown();
    await().atMost(WAIT).until(() -> seen.size() == 2);
    assertThat(publisher.publish("t", "k", "e3").get(WAIT.toSeconds(), TimeUnit.SECONDS).offset())
        .isEqualTo(2);
    await().atMost(WAIT).until(() -> seen.size() == 3);
    assertThat(seen).containsExactly("e0", "e1", "e3");
  }

  @Test
  void aGroupThatGainsAMemberStopsEvictionOfWhatTheMemberHasNotHandled() throws Exception {
    bus = EventBuses.inMemory().partitions(1).retention(2)
        .publishTimeout(Duration.ofMillis(50)).build();
    EventPublisher<String> publisher = bus.publisher(Codecs.utf8());
    for (int i = 0; i < 5; i++) {
      assertThat(publisher.publish("t", "k", "e" + i)).isCompleted(); // no member: plain retention
    }
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    List<String> seen = new CopyOnWriteArrayList<>();
    bus.subscriber(Codecs.utf8()).subscribe("t", "late", e -> {
      entered.countDown();
      release.await();
      seen.add(e.payload());
    });
    assertThat(entered.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();

    // e3 and e4 are retained and not handled by the new member: e5 must not evict e3.
    CompletableFuture<PublishReceipt> blocked = publisher.publish("t", "k", "e5");

    assertThat(blocked).isCompletedExceptionally();
    assertThatThrownBy(blocked::join).hasCauseInstanceOf(EventPublishException.class);
    assertThat(bus.beginningOffset("t", 0)).isEqualTo(3);
    release.countDown();
    await().atMost(WAIT).until(() -> seen.size() == 2);
    assertThat(seen).containsExactly("e3", "e4");
  }

  @Test
  void aPublisherWaitingForRoomResumesAtOnceWhenTheSlowGroupsOnlyMemberLeaves() throws Exception {
    bus = EventBuses.inMemory().partitions(1).retention(2)
        .publishTimeout(Duration.ofMinutes(10)).drainTimeout(Duration.ofMillis(100)).build();
    EventPublisher<String> publisher = bus.publisher(Codecs.utf8());
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Subscription stuck = bus.subscriber(Codecs.utf8()).subscribe("t", "stuck", e -> {
      entered.countDown();
      release.await();
    });
    try {
      publisher.publish("t", "k", "e0");
      publisher.publish("t", "k", "e1");
      assertThat(entered.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
      CompletableFuture<PublishReceipt> third = new CompletableFuture<>();
      Thread waiter = new Thread(() -> publisher.publish("t", "k", "e2").whenComplete(
          (receipt, error) -> {
            if (error != null) {
              third.completeExceptionally(error);
            } else {
              third.complete(receipt);
            }
          }), "waiting-publisher");
      waiter.start();
      await().atMost(WAIT).until(() -> waiter.getState() == Thread.State.TIMED_WAITING);

      stuck.close(); // the handler stays stuck: the member leaves after its drain timeout

      // Well before the 10-minute publish timeout: the group has no member, so e0 is evicted.
      assertThat(third.get(WAIT.toSeconds(), TimeUnit.SECONDS).offset()).isEqualTo(2);
      assertThat(bus.beginningOffset("t", 0)).isEqualTo(1);
    } finally {
      release.countDown();
    }
  }

  @Test
  void lagCountsEventsNotYetCommittedByTheMemberAndIsEmptyAfterClose() throws Exception {
    bus = EventBuses.inMemory().partitions(1).build();
    EventPublisher<String> publisher = bus.publisher(Codecs.utf8());
    CountDownLatch firstEventHeld = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    List<String> seen = new CopyOnWriteArrayList<>();
    Subscription subscription = bus.subscriber(Codecs.utf8()).subscribe("t", "g", e -> {
      firstEventHeld.countDown();
      release.await();
      seen.add(e.payload());
    });
    assertThat(subscription.lag()).isEqualTo(OptionalLong.of(0));
    for (int i = 0; i < 5; i++) {
      publisher.publish("t", "k", "e" + i);
    }
    firstEventHeld.await();

    assertThat(subscription.lag()).as("the handler holds the first event")
        .isEqualTo(OptionalLong.of(5));
    release.countDown();
    await().atMost(WAIT).until(() -> subscription.lag().equals(OptionalLong.of(0)));
    assertThat(seen).hasSize(5);

    subscription.close();
    assertThat(subscription.lag()).isEmpty();
  }

  @Test
  void retriesWaitTheirBackoffOnTheTimeSourceAndHoldBackOnlyTheirPartition() {
    bus = EventBuses.inMemory().partitions(2).timeSource(time).build();
    RetryPolicy policy = RetryPolicy.builder().maxAttempts(3)
        .initialBackoff(Duration.ofSeconds(1)).random(AtCeiling.RANDOM).build();
    AtomicInteger attempts = new AtomicInteger();
    List<String> handled = new CopyOnWriteArrayList<>();
    EventPublisher<String> publisher = bus.publisher(Codecs.utf8());
    bus.subscriber(Codecs.utf8(), policy).subscribe("t", "g", e -> {
      if (e.payload().equals("poison")) {
        attempts.incrementAndGet();
        throw new IllegalStateException("poison");
      }
      handled.add(e.payload());
    });
    List<Event<String>> dead = new CopyOnWriteArrayList<>();
    bus.subscriber(Codecs.utf8()).subscribe("t.DLT", "dlt", dead::add);
    PublishReceipt poison = publisher.publish("t", "k", "poison").join();
    publisher.publish("t", "k", "after-poison");
    String otherKey = otherPartitionKey(poison.partition());
    publisher.publish("t", otherKey, "other-partition");

    await().atMost(WAIT).until(() -> attempts.get() == 1 && handled.contains("other-partition"));
    assertThat(handled).doesNotContain("after-poison");

    time.advance(Duration.ofSeconds(1));
    await().atMost(WAIT).until(() -> attempts.get() == 2);
    assertThat(handled).doesNotContain("after-poison");
    time.advance(Duration.ofSeconds(2));

    await().atMost(WAIT).until(() -> dead.size() == 1 && handled.contains("after-poison"));
    assertThat(attempts.get()).isEqualTo(3);
    assertThat(dead.get(0).headers()).containsEntry(DeadLetters.ATTEMPTS, "3");
  }

  private String otherPartitionKey(int partition) {
    EventPublisher<String> probe = bus.publisher(Codecs.utf8());
    for (int i = 0; ; i++) {
      String key = "other-" + i;
      bus.createTopic("probe", 2);
      if (probe.publish("probe", key, "x").join().partition() != partition) {
        return key;
      }
    }
  }

  @Test
  void membersJoiningAndLeavingUnderConcurrentPublishingHandleEveryEventExactlyOnce()
      throws Exception {
    bus = EventBuses.inMemory().partitions(8).retention(512).build();
    int events = 20_000;
    java.util.concurrent.atomic.AtomicIntegerArray handled =
        new java.util.concurrent.atomic.AtomicIntegerArray(events);
    EventSubscriber<String> subscriber = bus.subscriber(Codecs.utf8());
    EventHandler<String> handler = e -> handled.incrementAndGet(Integer.parseInt(e.payload()));
    List<Subscription> members = new CopyOnWriteArrayList<>();
    members.add(subscriber.subscribe("t", "g", handler));
    EventPublisher<String> publisher = bus.publisher(Codecs.utf8());
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(2);
    try {
      List<java.util.concurrent.Future<?>> publishing = new java.util.ArrayList<>();
      for (int t = 0; t < 2; t++) {
        int first = t;
        publishing.add(pool.submit(() -> {
          for (int i = first; i < events; i += 2) {
            publisher.publish("t", "k" + (i % 101), Integer.toString(i)).join();
          }
          return null;
        }));
      }
      // Rebalance repeatedly while events flow: three members join, two leave.
      for (int round = 0; round < 3; round++) {
        members.add(subscriber.subscribe("t", "g", handler));
      }
      members.remove(0).close();
      members.remove(0).close();
      for (java.util.concurrent.Future<?> f : publishing) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    await().atMost(WAIT).until(() -> {
      for (int i = 0; i < events; i++) {
        if (handled.get(i) == 0) {
          return false;
        }
      }
      return true;
    });
    for (int i = 0; i < events; i++) {
      assertThat(handled.get(i)).as("handler calls of event %d", i).isEqualTo(1);
    }
    java.util.Set<Integer> owned = new java.util.TreeSet<>();
    members.forEach(m -> owned.addAll(m.assignedPartitions()));
    assertThat(owned).as("the two remaining members own every partition")
        .containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
  }

  @Test
  void countsPublishedHandledAndDeadLetteredEvents() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    bus = EventBuses.inMemory().meterRegistry(registry).build();
    EventPublisher<String> publisher = bus.publisher(Codecs.utf8());
    bus.subscriber(Codecs.utf8(), RetryPolicy.noRetries()).subscribe("t", "g", e -> {
      if (e.payload().equals("bad")) {
        throw new IllegalArgumentException("bad");
      }
    });
    publisher.publish("t", "k", "good");
    publisher.publish("t", "k", "bad");

    await().atMost(WAIT).until(() ->
        registry.find("layerkit.events.dead-lettered").tag("group", "g").counter() != null);
    assertThat(registry.get("layerkit.events.published").tag("topic", "t").counter().count())
        .isEqualTo(2);
    assertThat(registry.get("layerkit.events.handled").tag("topic", "t").counter().count())
        .isEqualTo(1);
  }

  @Test
  void buildersRejectBadValuesNamingTheParameterAndValue() {
    assertThatThrownBy(() -> EventBuses.inMemory().partitions(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("partitions must be >= 1 but was 0");
    assertThatThrownBy(() -> EventBuses.inMemory().retention(-1))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("retention must be >= 1 but was -1");
    assertThatThrownBy(() -> EventBuses.inMemory().publishTimeout(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("publishTimeout");
    assertThatThrownBy(() -> EventBuses.inMemory().drainTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("drainTimeout");
    assertThatThrownBy(() -> EventBuses.inMemory().timeSource(null))
        .isInstanceOf(NullPointerException.class).hasMessage("timeSource");
    assertThatThrownBy(() -> RetryPolicy.builder().maxAttempts(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maxAttempts must be >= 1 but was 0");
    assertThatThrownBy(() -> RetryPolicy.builder().backoffMultiplier(0.5))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("backoffMultiplier");
    assertThatThrownBy(() -> RetryPolicy.builder().initialBackoff(Duration.ofSeconds(2))
        .maxBackoff(Duration.ofSeconds(1)).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("maxBackoff");
    bus.createTopic("t", 3);
    assertThatThrownBy(() -> bus.createTopic("t", 4))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("exists with 3 partitions");
  }

  @Test
  void retryBackoffCeilingGrowsExponentiallyUpToItsCap() {
    RetryPolicy policy = RetryPolicy.builder().initialBackoff(Duration.ofMillis(100))
        .backoffMultiplier(3).maxBackoff(Duration.ofSeconds(1)).random(AtCeiling.RANDOM).build();
    assertThat(policy.backoff(1)).isEqualTo(Duration.ofMillis(100));
    assertThat(policy.backoff(2)).isEqualTo(Duration.ofMillis(300));
    assertThat(policy.backoff(3)).isEqualTo(Duration.ofMillis(900));
    assertThat(policy.backoff(4)).isEqualTo(Duration.ofSeconds(1));
    assertThat(RetryPolicy.noRetries().maxAttempts()).isEqualTo(1);
  }

  @Test
  void aMemberIsAssignedWhenSubscribeReturnsEvenWithoutAPartition() throws Exception {
    bus = EventBuses.inMemory().partitions(1).build();
    EventSubscriber<String> subscriber = bus.subscriber(Codecs.utf8());
    Subscription first = subscriber.subscribe("t", "g", e -> { });
    Subscription second = subscriber.subscribe("t", "g", e -> { });

    assertThat(first.assigned().toCompletableFuture()).isCompleted();
    assertThat(second.assigned().toCompletableFuture()).isCompleted();
    second.awaitAssignment(Duration.ZERO);
    assertThat(first.assignedPartitions()).containsExactly(0);
    assertThat(second.assignedPartitions()).as("more members than partitions").isEmpty();
  }

  @Test
  void aBuilderSettingGivenTwiceThrowsNamingTheValueItHas() {
    assertThatThrownBy(() -> EventBuses.inMemory().partitions(2).partitions(3))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("partitions was already set to 2");
    assertThatThrownBy(() -> EventBuses.inMemory().timeSource(time).timeSource(time))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("timeSource was already set to ");
    assertThatThrownBy(() -> EventBuses.inMemory().drainTimeout(Duration.ofSeconds(1))
        .drainTimeout(Duration.ofSeconds(2)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("drainTimeout was already set to PT1S");
  }
}
