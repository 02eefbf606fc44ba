package dev.layerkit.events.pipeline;

import dev.layerkit.core.codec.Codec;
import dev.layerkit.core.codec.Codecs;
import dev.layerkit.events.stream.InMemoryWindowedAggregator;
import dev.layerkit.events.stream.WindowedAggregate;
import dev.layerkit.events.stream.WindowedAggregation;
import dev.layerkit.events.stream.WindowedAggregator;
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
 * The order events of the pipeline tests, made the same way every time (seeded): orders over two
 * days, mostly in time order, with out-of-order events (within the ten-minute grace), late events
 * (two hours back, dropped), orders of products not in the catalog, orders of quantity 0
 * (filtered) and malformed JSON (dead letters). The pipeline computes revenue and order count per
 * product and hour, joined with the catalog for the price.
 */
public final class OrderFixture {

  /** An order event. */
  public record Order(String orderId, String productId, int quantity, long atMillis) {}

  /** A catalog row. */
  public record Product(String productId, String category, double price) {}

  /** An order joined with its product. */
  public record Sale(String productId, String category, double revenue) {}

  public static final Codec<Order> CODEC = Codecs.json(Order.class);
  public static final Instant START = Instant.parse("2026-12-01T00:00:00Z");
  public static final Windows HOURLY =
      Windows.tumbling(Duration.ofHours(1)).grace(Duration.ofMinutes(10));
  public static final WindowedAggregation<Sale> REVENUE =
      WindowedAggregation.<Sale>builder(HOURLY).value(Sale::revenue).build();
  public static final DimensionTable<String, Product> CATALOG = catalog();

  /** One generated record: the bytes published, and their event time. */
  public record Input(byte[] bytes, long atMillis) {}

  private OrderFixture() {}

  private static DimensionTable<String, Product> catalog() {
    Map<String, Product> rows = new HashMap<>();
    for (int p = 0; p < 50; p++) {
      String id = "P-" + p;
      rows.put(id, new Product(id, "C-" + (p % 5), 1.25 + p * 0.37));
    }
    return DimensionTable.of("catalog", rows);
  }

  /**
   * Generates the inputs.
   *
   * @param count how many
   * @return the inputs, in publication order
   */
  public static List<Input> inputs(int count) {
    Random random = new Random(24);
    List<Input> inputs = new ArrayList<>(count);
    long base = START.toEpochMilli();
    for (int i = 0; i < count; i++) {
      long at = base + i * 1_700L + random.nextInt(1_000);
      int kind = random.nextInt(1_000);
      if (kind < 100) {
        at -= random.nextInt(300_000); // out of order, within the grace
      } else if (kind < 105) {
        at -= 7_200_000; // two hours late: dropped
      }
      String product = kind >= 105 && kind < 107 ? "P-999" : "P-" + random.nextInt(50);
      int quantity = kind >= 107 && kind < 112 ? 0 : 1 + random.nextInt(5);
      byte[] bytes = kind == 999
          ? ("{\"orderId\":\"o-" + i + "\",\"quantity\":").getBytes(StandardCharsets.UTF_8)
          : CODEC.encode(new Order("o-" + i, product, quantity, at));
      inputs.add(new Input(bytes, Math.max(0, at)));
    }
    return inputs;
  }

  /**
   * Returns the inputs as a list source, offsets being indexes.
   *
   * @param inputs the inputs
   * @return the source
   */
  public static PipelineSource<Order> source(List<Input> inputs) {
    List<SourceRecord<Order>> records = new ArrayList<>(inputs.size());
    for (int i = 0; i < inputs.size(); i++) {
      records.add(SourceRecord.encoded("orders", i, inputs.get(i).atMillis(),
          inputs.get(i).bytes(), CODEC));
    }
    return Sources.list("orders", records);
  }

  /**
   * Returns the pipeline: paid orders, joined with the catalog, revenue per product and hour.
   *
   * @param source the source
   * @param sink the sink
   * @param deadLetters the dead-letter output
   * @return the pipeline
   */
  public static Pipeline pipeline(PipelineSource<Order> source, AnalyticsSink sink,
      java.util.function.Consumer<DeadLetter> deadLetters) {
    return Pipeline.from("hourly-revenue", source)
        .filter(order -> order.quantity() > 0)
        .join(CATALOG, Order::productId,
            (order, product) -> new Sale(product.productId(), product.category(),
                order.quantity() * product.price()))
        .deadLetters(deadLetters)
        .keyBy(Sale::productId)
        .aggregate(REVENUE)
        .into(sink);
  }

  /**
   * Computes the expected table by hand: decode, filter, join, then the existing in-memory
   * windowed aggregator, in publication order.
   *
   * @param inputs the inputs
   * @return the rows ordered by window start, then key, and the number dropped as late
   */
  public static Expected expected(List<Input> inputs) {
    List<WindowedAggregate> rows = new ArrayList<>();
    InMemoryWindowedAggregator<Sale> aggregator =
        WindowedAggregator.inMemory(REVENUE).sink(rows::add).build();
    long deadLetters = 0;
    long filtered = 0;
    for (Input input : inputs) {
      Order order;
      try {
        order = CODEC.decode(input.bytes());
      } catch (RuntimeException e) {
        deadLetters++;
        continue;
      }
      if (order.quantity() <= 0) {
        filtered++;
        continue;
      }
      Product product = CATALOG.get(order.productId()).orElse(null);
      if (product == null) {
        deadLetters++;
        continue;
      }
      aggregator.accept(product.productId(),
          new Sale(product.productId(), product.category(), order.quantity() * product.price()),
          Instant.ofEpochMilli(input.atMillis()));
    }
    aggregator.close();
    rows.sort(java.util.Comparator.comparing(WindowedAggregate::windowStart)
        .thenComparing(WindowedAggregate::key));
    return new Expected(rows, deadLetters, filtered, aggregator.droppedLateEvents());
  }

  /** What the pipeline must produce. */
  public record Expected(List<WindowedAggregate> rows, long deadLetters, long filtered,
      long late) {}
}
