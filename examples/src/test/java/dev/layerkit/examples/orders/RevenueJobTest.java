package dev.layerkit.examples.orders;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.core.time.ManualTimeSource;
import dev.layerkit.events.pipeline.PipelineReport;
import dev.layerkit.events.pipeline.duckdb.DuckDbAnalyticsSink;
import dev.layerkit.events.stream.Aggregate;
import dev.layerkit.events.stream.WindowedAggregate;
import dev.layerkit.store.Repositories;
import dev.layerkit.store.Repository;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;

/**
 * The revenue job over a known set of orders, into an embedded DuckDB database: the exact table
 * (per product and hour, cancelled orders out, two lines of one product one order, an unknown
 * product a dead letter), the same table after a rerun, the report the dashboard shows, and when
 * the nightly run comes.
 */
class RevenueJobTest {

  private static final Instant T0 = Instant.parse("2026-12-05T00:00:00Z");

  private final Repository<String, Order> orders =
      Repositories.inMemory(OrderSystem.orderType()).name("orders").build();
  private final ManualTimeSource time = new ManualTimeSource(Instant.parse("2026-12-06T02:00:00Z"));

  private void order(String id, int minutes, OrderStatus status, OrderItem... items) {
    long total = 0;
    for (OrderItem item : items) {
      total += item.quantity() * item.priceCents();
    }
    orders.save(new Order(id, "c-1", List.of(items), total, status,
        T0.plus(Duration.ofMinutes(minutes)).toEpochMilli(), 0, null));
  }

  private static WindowedAggregate row(String sku, int hour, long count, double sum, double min,
      double max) {
    long start = T0.plus(Duration.ofHours(hour)).toEpochMilli();
    return WindowedAggregate.of(sku, start, start + Duration.ofHours(1).toMillis(),
        new Aggregate(count, sum, min, max));
  }

  @Test
  void revenueAndOrdersPerProductAndHourAreExactlyTheOrdersTableAndARerunChangesNothing() {
    order("o-1", 10, OrderStatus.PAID, new OrderItem("sku-keyboard", 1, 8900),
        new OrderItem("sku-mouse", 2, 2900));
    order("o-2", 40, OrderStatus.PLACED, new OrderItem("sku-keyboard", 2, 8900));
    order("o-3", 50, OrderStatus.CANCELLED, new OrderItem("sku-mouse", 1, 2900));
    order("o-4", 65, OrderStatus.SHIPPED, new OrderItem("sku-keyboard", 1, 8900),
        new OrderItem("sku-webcam", 1, 5900), new OrderItem("sku-keyboard", 1, 8900));
    order("o-5", 90, OrderStatus.PAID, new OrderItem("sku-discontinued", 1, 100));

    DuckDbAnalyticsSink sink = DuckDbAnalyticsSink.inMemoryDatabase(RevenueJob.TABLE).build();
    try (RevenueJob job = new RevenueJob(orders, new Catalog(), sink, null, time)) {
      PipelineReport report = job.run();

      List<WindowedAggregate> expected = List.of(
          row("sku-keyboard", 0, 2, 26_700, 8_900, 17_800),
          row("sku-mouse", 0, 1, 5_800, 5_800, 5_800),
          row("sku-keyboard", 1, 1, 17_800, 17_800, 17_800),
          row("sku-webcam", 1, 1, 5_900, 5_900, 5_900));
      assertThat(sink.rows()).containsExactlyElementsOf(expected);
      Map<String, Object> body = job.report();
      assertThat(report.recordsRead()).isEqualTo(7); // o-1 and o-4 two products each
      assertThat(report.filtered()).isEqualTo(1);
      assertThat(report.deadLetters()).isEqualTo(1);
      assertThat(report.windowsEmitted()).isEqualTo(4);
      @SuppressWarnings("unchecked")
      List<Map<String, Object>> hours = (List<Map<String, Object>>) body.get("hours");
      assertThat(hours).containsExactly(
          Map.of("start", T0.toEpochMilli(), "sku", "sku-keyboard", "name", "Mechanical keyboard",
              "orders", 2L, "revenueCents", 26_700L),
          Map.of("start", T0.toEpochMilli(), "sku", "sku-mouse", "name", "Wireless mouse",
              "orders", 1L, "revenueCents", 5_800L),
          Map.of("start", T0.plusSeconds(3600).toEpochMilli(), "sku", "sku-keyboard",
              "name", "Mechanical keyboard", "orders", 1L, "revenueCents", 17_800L),
          Map.of("start", T0.plusSeconds(3600).toEpochMilli(), "sku", "sku-webcam",
              "name", "1080p webcam", "orders", 1L, "revenueCents", 5_900L));
      assertThat(body.get("table")).isEqualTo("revenue_by_product_hour");
      assertThat(body.get("lastRun")).isEqualTo(Map.of("at", time.instant().toEpochMilli(),
          "recordsRead", 7L, "deadLetters", 1L, "rowsWritten", 4L,
          "elapsedMillis", report.elapsed().toMillis()));

      job.run();
      assertThat(sink.rows()).containsExactlyElementsOf(expected);
      assertThat(job.report().get("hours")).isEqualTo(hours);
      order("o-6", 70, OrderStatus.PAID, new OrderItem("sku-webcam", 3, 5900));
      job.run();
      assertThat(job.report().get("hours")).asInstanceOf(InstanceOfAssertFactories.LIST).contains(
          Map.of("start", T0.plusSeconds(3600).toEpochMilli(), "sku", "sku-webcam",
              "name", "1080p webcam", "orders", 2L, "revenueCents", 23_600L));
    }
  }

  @Test
  void theNightlyRunIsNextAtTwoUtc() {
    assertThat(RevenueJob.untilNext(Instant.parse("2026-12-06T01:30:00Z"), LocalTime.of(2, 0)))
        .isEqualTo(Duration.ofMinutes(30));
    assertThat(RevenueJob.untilNext(Instant.parse("2026-12-06T02:00:00Z"), LocalTime.of(2, 0)))
        .isEqualTo(Duration.ofDays(1));
    assertThat(RevenueJob.untilNext(Instant.parse("2026-12-06T23:00:00Z"), LocalTime.of(2, 0)))
        .isEqualTo(Duration.ofHours(3));
  }
}
