package dev.layerkit.examples.orders;

import dev.layerkit.cache.CacheAside;
import dev.layerkit.core.health.HealthStatus;
import dev.layerkit.events.Event;
import dev.layerkit.events.EventHandler;
import dev.layerkit.events.EventSubscriber;
import dev.layerkit.events.IdempotencyStore;
import dev.layerkit.events.Subscription;
import dev.layerkit.events.stream.InMemoryWindowedAggregator;
import dev.layerkit.events.stream.WindowedAggregate;
import dev.layerkit.events.stream.WindowedAggregation;
import dev.layerkit.events.stream.WindowedAggregator;
import dev.layerkit.events.stream.Windows;
import dev.layerkit.infra.HealthRegistry;
import dev.layerkit.infra.HealthReport;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data-processing layer's product: order events aggregated into one-minute windows (orders
 * and revenue per minute), with the other layers' vital signs beside them for the live page.
 * Fed by an event subscription ({@link #subscribe}); read by {@code GET /dashboard}. Thread-safe.
 *
 * <p>Delivery is at least once: the outbox relay publishes an event again, with the same id, when
 * it dies between publishing and marking the row sent, and Kafka redelivers after a rebalance. The
 * subscription therefore counts each event id once, checked in an {@link IdempotencyStore} (in
 * memory, or Redis per consumer group) that remembers ids for {@link #HANDLED_FOR}.
 */
final class Dashboard implements EventHandler<OrderEvent> {

  private static final Logger LOG = LoggerFactory.getLogger(Dashboard.class);

  static final Duration WINDOW = Duration.ofMinutes(1);
  /**
   * How long an event id is remembered: well past an outbox relay's republish after a restart or
   * a consumer's redelivery after a rebalance, and short enough that memory holds ten minutes of
   * ids (about 150 bytes each in memory).
   */
  static final Duration HANDLED_FOR = Duration.ofMinutes(10);
  private static final int KEPT_WINDOWS = 30;

  private final InMemoryWindowedAggregator<OrderEvent> perMinute;
  private final ArrayDeque<WindowedAggregate> closed = new ArrayDeque<>();
  private final LongAdder placed = new LongAdder();
  private final LongAdder statusChanges = new LongAdder();
  private final HealthRegistry health;
  private final Supplier<CacheAside<String, Order>> cache;
  private final MeterRegistry gatewayMeters;
  /** Whether the last check of the handled-events store failed; only to log transitions once. */
  private volatile boolean handledStoreDown;
  /** The nightly revenue report beside the live counters, once the data-processing layer has it. */
  private volatile @Nullable RevenueJob revenue;

  Dashboard(HealthRegistry health, Supplier<CacheAside<String, Order>> cache,
      MeterRegistry gatewayMeters) {
    this.health = health;
    this.cache = cache;
    this.gatewayMeters = gatewayMeters;
    WindowedAggregation<OrderEvent> aggregation =
        WindowedAggregation.<OrderEvent>builder(Windows.tumbling(WINDOW).grace(Duration.ofSeconds(10)))
            .value(event -> event.totalCents() / 100.0)
            .build();
    this.perMinute = WindowedAggregator.inMemory(aggregation).sink(this::windowClosed).build();
  }

  /**
   * Subscribes this dashboard to the order events, counting each event id once.
   *
   * <p>Not {@link IdempotencyStore#idempotent}: that fails the event when the store cannot be
   * reached, so while Redis is away the consumer would retry and then dead-letter every event and
   * the live page would freeze. Counting is cheap to get slightly wrong and costly to stop, so
   * here the check fails open: an event whose id cannot be checked is counted, and logged.
   *
   * @param subscriber the order events' subscriber
   * @param topic the order events' topic
   * @param group this dashboard's consumer group, one per process
   * @param handled where the group's handled event ids are remembered
   * @return the subscription
   */
  Subscription subscribe(EventSubscriber<OrderEvent> subscriber, String topic, String group,
      IdempotencyStore handled) {
    return subscriber.subscribe(topic, group, event -> {
      boolean first;
      try {
        first = handled.tryClaim(event.id(), HANDLED_FOR);
        if (handledStoreDown) {
          handledStoreDown = false;
          LOG.info("the handled-events store answers again; duplicate events are skipped again");
        }
      } catch (RuntimeException e) {
        if (!handledStoreDown) {
          handledStoreDown = true;
          LOG.warn("cannot check whether events were counted before; counting them unchecked until"
              + " the handled-events store answers", e);
        }
        first = true;
      }
      if (!first) {
        LOG.debug("event {} ({} of order {}) was counted before; skipped", event.id(),
            event.payload().type(), event.payload().orderId());
        return;
      }
      try {
        handle(event);
      } catch (RuntimeException e) {
        // As IdempotencyStore#idempotent does: the redelivery must find the id free.
        handled.release(event.id());
        throw e;
      }
    });
  }

  @Override
  public void handle(Event<OrderEvent> event) {
    OrderEvent order = event.payload();
    if (OrderEvent.PLACED.equals(order.type())) {
      placed.increment();
      synchronized (perMinute) {
        perMinute.accept("orders", order, event.timestamp());
      }
    } else {
      statusChanges.increment();
    }
  }

  private void windowClosed(WindowedAggregate window) {
    synchronized (closed) {
      closed.addLast(window);
      while (closed.size() > KEPT_WINDOWS) {
        closed.removeFirst();
      }
    }
  }

  void revenueJob(RevenueJob job) {
    this.revenue = job;
  }

  /**
   * Runs the revenue job now and returns its report as the dashboard shows it.
   *
   * @throws IllegalStateException if this process has no revenue job
   */
  Map<String, Object> runRevenueJob() {
    RevenueJob job = revenue;
    if (job == null) {
      throw new IllegalStateException("this process runs no revenue job");
    }
    job.run();
    return job.report();
  }

  long ordersPlaced() {
    return placed.sum();
  }

  Map<String, Object> snapshot() {
    List<Map<String, Object>> minutes = new ArrayList<>();
    List<WindowedAggregate> windows = new ArrayList<>();
    synchronized (closed) {
      windows.addAll(closed);
    }
    synchronized (perMinute) {
      windows.addAll(perMinute.openWindows());
    }
    windows.sort(Comparator.comparing(WindowedAggregate::windowStart));
    for (WindowedAggregate window : windows) {
      Map<String, Object> minute = new LinkedHashMap<>();
      minute.put("start", window.windowStart().toEpochMilli());
      minute.put("orders", window.count());
      minute.put("revenue", Math.round(window.sum() * 100) / 100.0);
      minutes.add(minute);
    }
    Map<String, Object> layers = new LinkedHashMap<>();
    HealthReport report = health.report();
    for (HealthReport.CheckResult check : report.checks()) {
      layers.put(check.name(), check.health().status().name());
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("ordersPlaced", placed.sum());
    body.put("statusChanges", statusChanges.sum());
    body.put("ordersPerMinute", minutes);
    body.put("health", Map.of("status", report.status() == HealthStatus.UP ? "UP" : report.status().name(),
        "layers", layers));
    body.put("cacheHitRatio", Math.round(cache.get().stats().hitRate() * 1000) / 1000.0);
    body.put("cacheHits", cache.get().stats().hits());
    body.put("rateLimitDenials", denials());
    RevenueJob job = revenue;
    body.put("revenueReport", job == null ? null : job.report());
    return body;
  }

  private long denials() {
    double total = 0;
    for (Counter counter : gatewayMeters.find("layerkit.gateway.ratelimit.denied").counters()) {
      total += counter.count();
    }
    return (long) total;
  }
}
