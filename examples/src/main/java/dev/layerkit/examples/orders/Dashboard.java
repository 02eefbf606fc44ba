package dev.layerkit.examples.orders;

import dev.layerkit.cache.CacheAside;
import dev.layerkit.core.health.HealthStatus;
import dev.layerkit.events.Event;
import dev.layerkit.events.EventHandler;
import dev.layerkit.events.stream.WindowedAggregate;
import dev.layerkit.events.stream.WindowedAggregation;
import dev.layerkit.events.stream.InMemoryWindowedAggregator;
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

/**
 * The data-processing layer's product: order events aggregated into one-minute windows (orders
 * and revenue per minute), with the other layers' vital signs beside them for the live page.
 * Fed by an event subscription; read by {@code GET /dashboard}. Thread-safe.
 */
final class Dashboard implements EventHandler<OrderEvent> {

  static final Duration WINDOW = Duration.ofMinutes(1);
  private static final int KEPT_WINDOWS = 30;

  private final InMemoryWindowedAggregator<OrderEvent> perMinute;
  private final ArrayDeque<WindowedAggregate> closed = new ArrayDeque<>();
  private final LongAdder placed = new LongAdder();
  private final LongAdder statusChanges = new LongAdder();
  private final HealthRegistry health;
  private final Supplier<CacheAside<String, Order>> cache;
  private final MeterRegistry gatewayMeters;

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
