package dev.layerkit.examples.orders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.layerkit.cache.CacheAside;
import dev.layerkit.cache.Caches;
import dev.layerkit.core.codec.Codecs;
import dev.layerkit.core.time.ManualTimeSource;
import dev.layerkit.events.EventBuses;
import dev.layerkit.events.EventPublisher;
import dev.layerkit.events.IdempotencyStore;
import dev.layerkit.events.InMemoryEventBus;
import dev.layerkit.events.Subscription;
import dev.layerkit.infra.HealthRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The dashboard's subscription counts each event id once, on the in-memory bus: an event the
 * outbox relay publishes again (same id) does not count twice.
 */
class DashboardTest {

  private static final String GROUP = "dashboard-test";

  private final ManualTimeSource time = new ManualTimeSource();
  private final InMemoryEventBus bus = EventBuses.inMemory().partitions(2).build();
  private final EventPublisher<OrderEvent> publisher = bus.publisher(Codecs.json(OrderEvent.class));
  private final CacheAside<String, Order> cache = CacheAside.<String, Order>builder(
      Caches.<String, Order>inMemory().timeSource(time)).build();
  private final Dashboard dashboard =
      new Dashboard(HealthRegistry.builder().build(), () -> cache, new SimpleMeterRegistry());
  private Subscription subscription;

  DashboardTest() {
    bus.createTopic(OrderService.TOPIC, 2);
  }

  @AfterEach
  void close() {
    if (subscription != null) {
      subscription.close();
    }
    bus.close();
  }

  private void publish(String eventId, String orderId) {
    publish(eventId, new OrderEvent(OrderEvent.PLACED, orderId, "c-1", OrderStatus.PLACED, 2900,
        time.instant().toEpochMilli()));
  }

  private void publish(String eventId, OrderEvent event) {
    // One customer, one key: one partition, so the events arrive in the order published.
    publisher.publishWithId(eventId, time.instant(), OrderService.TOPIC, "c-1", event, Map.of()).join();
  }

  /** Publishes a status change after the events under test and waits until it was handled. */
  private void awaitEverythingPublishedSoFar() {
    publish("evt-last", new OrderEvent(OrderEvent.STATUS_CHANGED, "o-1", "c-1", OrderStatus.PAID, 2900,
        time.instant().toEpochMilli()));
    await().atMost(Duration.ofSeconds(10))
        .until(() -> ((Number) dashboard.snapshot().get("statusChanges")).longValue() >= 1);
  }

  private long ordersInWindows() {
    long orders = 0;
    @SuppressWarnings("unchecked")
    var minutes = (java.util.List<Map<String, Object>>) dashboard.snapshot().get("ordersPerMinute");
    for (Map<String, Object> minute : minutes) {
      orders += ((Number) minute.get("orders")).longValue();
    }
    return orders;
  }

  @Test
  void aRepublishedEventWithTheSameIdCountsOnce() {
    subscription = dashboard.subscribe(bus.subscriber(Codecs.json(OrderEvent.class)), OrderService.TOPIC,
        GROUP, IdempotencyStore.inMemory(time));

    publish("evt-1", "o-1");
    publish("evt-1", "o-1");   // the relay died after publishing and before marking the row sent
    publish("evt-2", "o-2");
    awaitEverythingPublishedSoFar();

    assertThat(dashboard.ordersPlaced()).isEqualTo(2);
    assertThat(ordersInWindows()).isEqualTo(2);
    assertThat(dashboard.snapshot().get("ordersPlaced")).isEqualTo(2L);
  }

  @Test
  void withoutTheCheckTheSameEventWouldCountTwice() {
    // The control: the same three deliveries handled directly count the duplicate.
    subscription = bus.subscriber(Codecs.json(OrderEvent.class)).subscribe(OrderService.TOPIC, GROUP, dashboard);

    publish("evt-1", "o-1");
    publish("evt-1", "o-1");
    publish("evt-2", "o-2");
    awaitEverythingPublishedSoFar();

    assertThat(dashboard.ordersPlaced()).isEqualTo(3);
  }

  @Test
  void anIdIsForgottenAfterTheRetentionSoMemoryStaysBounded() {
    subscription = dashboard.subscribe(bus.subscriber(Codecs.json(OrderEvent.class)), OrderService.TOPIC,
        GROUP, IdempotencyStore.inMemory(time));

    publish("evt-1", "o-1");
    await().atMost(Duration.ofSeconds(10)).until(dashboard::ordersPlaced, placed -> placed >= 1);
    time.advance(Dashboard.HANDLED_FOR.plusSeconds(1));
    publish("evt-1", "o-1");

    await().atMost(Duration.ofSeconds(10)).until(dashboard::ordersPlaced, placed -> placed >= 2);
    assertThat(dashboard.ordersPlaced()).isEqualTo(2);
  }

  @Test
  void anUnreachableStoreFailsOpenAndTheEventsStillCount() {
    IdempotencyStore down = new IdempotencyStore() {
      @Override
      public boolean tryClaim(String id, Duration ttl) {
        throw new IllegalStateException("Redis is away (injected)");
      }

      @Override
      public void release(String id) {
        throw new IllegalStateException("Redis is away (injected)");
      }
    };
    subscription = dashboard.subscribe(bus.subscriber(Codecs.json(OrderEvent.class)), OrderService.TOPIC,
        GROUP, down);

    publish("evt-1", "o-1");
    publish("evt-2", "o-2");

    await().atMost(Duration.ofSeconds(10)).until(dashboard::ordersPlaced, placed -> placed >= 2);
    assertThat(dashboard.ordersPlaced()).isEqualTo(2);
  }
}
