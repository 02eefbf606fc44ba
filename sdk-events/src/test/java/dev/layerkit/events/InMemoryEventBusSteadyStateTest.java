package dev.layerkit.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.layerkit.core.codec.Codecs;
import dev.layerkit.core.time.ManualTimeSource;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The in-memory bus in steady state: {@link EventPublisher#publishAndForget} over reused ring slots,
 * and shared event times. {@link MemPartitionTest} checks the slots under a racing reader.
 */
class InMemoryEventBusSteadyStateTest {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private InMemoryEventBus bus = EventBuses.inMemory().build();

  @AfterEach
  void close() {
    bus.close();
  }

  private static long allocatedBytes() {
    return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean())
        .getCurrentThreadAllocatedBytes();
  }

  @Test
  void publishAndForgetAllocatesNothingOnThePublishingThreadOnceTheRingHasWrapped() {
    bus = EventBuses.inMemory().partitions(1).retention(1_024).build();
    EventPublisher<byte[]> publisher = bus.publisher(Codecs.bytes());
    byte[] payload = new byte[100];
    String[] keys = {"customer-1", "customer-2", "customer-3", "customer-4"};
    for (int i = 0; i < 10_000; i++) {  // every slot made, the code paths loaded
      publisher.publishAndForget("steady", keys[i & 3], payload);
    }
    int events = 200_000;

    long before = allocatedBytes();
    for (int i = 0; i < events; i++) {
      publisher.publishAndForget("steady", keys[i & 3], payload);
    }
    long allocated = allocatedBytes() - before;

    assertThat(bus.endOffset("steady", 0)).isEqualTo(10_000 + events);
    assertThat((double) allocated / events).as("bytes allocated per publish (%d in all)",
        allocated).isLessThan(0.5);
  }

  @Test
  void publishAndForgetToAGroupThatKeepsUpAllocatesAlmostNothingOnThePublishingThread() {
    bus = EventBuses.inMemory().partitions(1).retention(1_024).build();
    EventPublisher<byte[]> publisher = bus.publisher(Codecs.bytes());
    AtomicLong handled = new AtomicLong();
    bus.subscriber(Codecs.bytes()).subscribe("steady", "counter",
        event -> handled.lazySet(handled.get() + 1));
    byte[] payload = new byte[100];
    for (int i = 0; i < 10_000; i++) {
      publisher.publishAndForget("steady", "k", payload);
    }
    int events = 200_000;

    long before = allocatedBytes();
    for (int i = 0; i < events; i++) {
      publisher.publishAndForget("steady", "k", payload);
    }
    long allocated = allocatedBytes() - before;

    await().atMost(WAIT).until(() -> handled.get() == 10_000 + events);
    // Waiting for the group's commits may allocate the lock's wait node, at most once per
    // quarter of the ring; nothing is allocated per event.
    assertThat((double) allocated / events).as("bytes allocated per publish (%d in all)",
        allocated).isLessThan(2.0);
  }

  @Test
  void publishAndForgetStoresWhatPublishStoresAndIsDelivered() throws Exception {
    ManualTimeSource time = new ManualTimeSource();
    bus = EventBuses.inMemory().partitions(3).timeSource(time).build();
    EventPublisher<String> publisher = bus.publisher(Codecs.utf8());
    List<Event<String>> seen = new CopyOnWriteArrayList<>();
    bus.subscriber(Codecs.utf8()).subscribe("orders", "g", seen::add);

    PublishReceipt first = publisher.publish("orders", "order-7", "created").join();
    publisher.publishAndForget("orders", "order-7", "paid");

    await().atMost(WAIT).until(() -> seen.size() == 2);
    Event<String> forgotten = seen.get(1);
    assertThat(forgotten.payload()).isEqualTo("paid");
    assertThat(forgotten.key()).isEqualTo("order-7");
    assertThat(forgotten.partition()).isEqualTo(first.partition());
    assertThat(forgotten.offset()).isEqualTo(first.offset() + 1);
    assertThat(forgotten.id()).isEqualTo("orders-" + first.partition() + '@' + (first.offset() + 1));
    assertThat(forgotten.timestamp()).isEqualTo(time.instant());
    assertThat(forgotten.headers()).isEmpty();
  }

  @Test
  void publishAndForgetThrowsWhenThePartitionStaysFullOrThePublisherIsClosed() throws Exception {
    bus = EventBuses.inMemory().partitions(1).retention(2)
        .publishTimeout(Duration.ofMillis(50)).build();
    EventPublisher<String> publisher = bus.publisher(Codecs.utf8());
    CountDownLatch release = new CountDownLatch(1);
    bus.subscriber(Codecs.utf8()).subscribe("t", "slow", e -> release.await());
    publisher.publishAndForget("t", "k", "e0");
    publisher.publishAndForget("t", "k", "e1");

    assertThatThrownBy(() -> publisher.publishAndForget("t", "k", "e2"))
        .isInstanceOf(EventPublishException.class)
        .hasMessageContaining("partition 0 held 2 events not yet handled by every active group")
        .hasMessageContaining("50 ms");
    assertThat(bus.endOffset("t", 0)).isEqualTo(2);

    release.countDown();
    publisher.close();
    assertThatThrownBy(() -> publisher.publishAndForget("t", "k", "late"))
        .isInstanceOf(EventPublishException.class).hasMessageContaining("closed");
    assertThatThrownBy(() -> publisher.publishAndForget("t", null, "v"))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("key");
    assertThatThrownBy(() -> publisher.publishAndForget("a topic", "k", "v"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("' ' at index 1");
  }

  @Test
  void eventsStampedInTheSameMillisecondShareOneInstant() {
    ManualTimeSource time = new ManualTimeSource();
    bus = EventBuses.inMemory().partitions(1).timeSource(time).build();
    EventPublisher<String> publisher = bus.publisher(Codecs.utf8());
    List<Event<String>> seen = new CopyOnWriteArrayList<>();
    bus.subscriber(Codecs.utf8()).subscribe("t", "g", seen::add);

    publisher.publishAndForget("t", "k", "a");
    publisher.publishAndForget("t", "k", "b");
    time.advance(Duration.ofMillis(1));
    publisher.publishAndForget("t", "k", "c");

    await().atMost(WAIT).until(() -> seen.size() == 3);
    assertThat(seen.get(1).timestamp()).isSameAs(seen.get(0).timestamp());
    assertThat(seen.get(2).timestamp()).isEqualTo(seen.get(0).timestamp().plusMillis(1));
  }

  @Test
  void aDeliveredEventBuildsItsPlaceInTheLogIdOnlyWhenAskedAndEqualsOneGivenThatId() {
    ManualTimeSource time = new ManualTimeSource();
    bus = EventBuses.inMemory().partitions(1).timeSource(time).build();
    EventPublisher<String> publisher = bus.publisher(Codecs.utf8());
    List<Event<String>> seen = new CopyOnWriteArrayList<>();
    bus.subscriber(Codecs.utf8()).subscribe("orders", "g", seen::add);

    publisher.publishAndForget("orders", "k", "v");
    publisher.publishWithId("own-id", time.instant(), "orders", "k", "w", java.util.Map.of());

    await().atMost(WAIT).until(() -> seen.size() == 2);
    Event<String> delivered = seen.get(0);
    assertThat(delivered.id()).isEqualTo("orders-0@0")
        .as("built on each call, not stored").isNotSameAs(delivered.id());
    Event<String> explicit = new Event<>("orders-0@0", "orders", "k", time.instant(),
        java.util.Map.of(), "v", 0, 0);
    assertThat(delivered).isEqualTo(explicit).hasSameHashCodeAs(explicit);
    assertThat(explicit).isEqualTo(delivered);
    assertThat(delivered).hasToString(explicit.toString());
    assertThat(delivered.toString()).contains("id=orders-0@0");
    assertThat(seen.get(1).id()).isEqualTo("own-id");
    assertThat(seen.get(1)).isNotEqualTo(delivered);
  }
}
