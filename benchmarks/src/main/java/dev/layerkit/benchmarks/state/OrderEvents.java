package dev.layerkit.benchmarks.state;

import dev.layerkit.core.codec.Codec;
import dev.layerkit.core.codec.Codecs;
import dev.layerkit.events.pipeline.AnalyticsSink;
import dev.layerkit.events.pipeline.DimensionTable;
import dev.layerkit.events.pipeline.Pipeline;
import dev.layerkit.events.pipeline.PipelineSource;
import dev.layerkit.events.pipeline.SourceRecord;
import dev.layerkit.events.pipeline.Sources;
import dev.layerkit.events.stream.WindowedAggregation;
import dev.layerkit.events.stream.Windows;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The order events of the pipeline benchmark, as the pipeline tests make them (seeded): orders
 * over two days, mostly in time order, 10% out of order within the ten-minute grace, 0.5% two
 * hours late, 0.2% of products not in the catalog, 0.5% of quantity 0 and 0.1% malformed JSON;
 * and the pipeline of revenue per product and hour joined with a 50-row catalog.
 */
public final class OrderEvents {

  /** An order event. */
  public record Order(String orderId, String productId, int quantity, long atMillis) {}

  /** A catalog row. */
  public record Product(String productId, String category, double price) {}

  /** An order joined with its product. */
  public record Sale(String productId, String category, double revenue, long atMillis) {}

  /** The JSON codec of orders. */
  public static final Codec<Order> CODEC = Codecs.json(Order.class);
  /** Hourly windows, ten minutes of grace. */
  public static final Windows HOURLY =
      Windows.tumbling(Duration.ofHours(1)).grace(Duration.ofMinutes(10));
  /** The catalog, by product id. */
  public static final Map<String, Product> CATALOG = catalog();
  private static final DimensionTable<String, Product> TABLE =
      DimensionTable.of("catalog", CATALOG);

  private OrderEvents() {}

  private static Map<String, Product> catalog() {
    Map<String, Product> rows = new HashMap<>();
    for (int p = 0; p < 50; p++) {
      String id = "P-" + p;
      rows.put(id, new Product(id, "C-" + (p % 5), 1.25 + p * 0.37));
    }
    return Map.copyOf(rows);
  }

  /**
   * Generates the records, encoded, offsets being indexes.
   *
   * @param count how many
   * @return the records in publication order
   */
  public static List<SourceRecord<Order>> records(int count) {
    Random random = new Random(24);
    List<SourceRecord<Order>> records = new ArrayList<>(count);
    long base = Instant.parse("2026-12-01T00:00:00Z").toEpochMilli();
    for (int i = 0; i < count; i++) {
      long at = base + i * 1_700L + random.nextInt(1_000);
      int kind = random.nextInt(1_000);
      if (kind < 100) {
        at -= random.nextInt(300_000);
      } else if (kind < 105) {
        at -= 7_200_000;
      }
      String product = kind >= 105 && kind < 107 ? "P-999" : "P-" + random.nextInt(50);
      int quantity = kind >= 107 && kind < 112 ? 0 : 1 + random.nextInt(5);
      byte[] bytes = kind == 999
          ? ("{\"orderId\":\"o-" + i + "\",\"quantity\":").getBytes(StandardCharsets.UTF_8)
          : CODEC.encode(new Order("o-" + i, product, quantity, at));
      records.add(SourceRecord.encoded("orders", i, Math.max(0, at), bytes, CODEC));
    }
    return records;
  }

  /**
   * Returns the pipeline: paid orders, joined with the catalog, revenue per product and hour.
   *
   * @param source the source
   * @param sink the sink
   * @return the pipeline
   */
  public static Pipeline pipeline(PipelineSource<Order> source, AnalyticsSink sink) {
    return Pipeline.from("hourly-revenue", source)
        .filter(order -> order.quantity() > 0)
        .join(TABLE, Order::productId, (order, product) -> new Sale(product.productId(),
            product.category(), order.quantity() * product.price(), order.atMillis()))
        .deadLetters(d -> { })
        .keyBy(Sale::productId)
        .aggregate(WindowedAggregation.<Sale>builder(HOURLY).value(Sale::revenue).build())
        .into(sink);
  }

  /**
   * Returns the records as a list source.
   *
   * @param records the records
   * @return the source
   */
  public static PipelineSource<Order> source(List<SourceRecord<Order>> records) {
    return Sources.list("orders", records);
  }
}
