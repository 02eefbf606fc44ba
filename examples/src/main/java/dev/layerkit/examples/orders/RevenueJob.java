package dev.layerkit.examples.orders;

import dev.layerkit.core.time.TimeSource;
import dev.layerkit.events.pipeline.AnalyticsSink;
import dev.layerkit.events.pipeline.DimensionTable;
import dev.layerkit.events.pipeline.Pipeline;
import dev.layerkit.events.pipeline.PipelineEngines;
import dev.layerkit.events.pipeline.PipelineReport;
import dev.layerkit.events.pipeline.Sources;
import dev.layerkit.events.pipeline.cli.PipelineRunner;
import dev.layerkit.events.pipeline.duckdb.DuckDbAnalyticsSink;
import dev.layerkit.events.pipeline.jdbc.PostgresAnalyticsSink;
import dev.layerkit.events.stream.WindowedAggregate;
import dev.layerkit.events.stream.WindowedAggregation;
import dev.layerkit.events.stream.Windows;
import dev.layerkit.store.Repository;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.PrintStream;
import java.io.Serializable;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The nightly revenue report: revenue and order counts per product and hour, computed by a
 * pipeline over the orders store into the warehouse ({@link #TABLE}: an embedded DuckDB database,
 * or PostgreSQL in production), and shown by the dashboard as a chart beside the live counters.
 *
 * <p>The pipeline reads every order's lines (the lines of one product in an order are one line,
 * so a row's count is the orders that bought the product), leaves out cancelled orders, joins
 * each line with the catalog (a line of a product the catalog lacks is a dead letter) and sums the
 * revenue in cents per product in one-hour windows. A pipeline maps one record to one, so the
 * orders are read and split into their lines when the job starts; like the repository source, the
 * job holds them in memory. Upserts keyed by hour and product make a rerun replace the hours it
 * computes, never add to them.
 *
 * <p>Run: in the embedded system every night at {@link #NIGHTLY} UTC and on demand from the page
 * ({@code POST /api/dashboard/revenue}); from the command line with {@code --job=revenue}, which
 * reads the production store (see {@link #runFromCommandLine}). Thread-safe: runs are serialized.
 */
final class RevenueJob implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(RevenueJob.class);

  /** The pipeline's name (metrics, checkpoints, reports). */
  static final String NAME = "revenue-by-product-hour";
  /** The warehouse table. */
  static final String TABLE = "revenue_by_product_hour";
  /** When the embedded system runs the job, UTC. */
  static final LocalTime NIGHTLY = LocalTime.of(2, 0);
  /** How many hours the dashboard shows, ending at the latest in the table. */
  static final int CHART_HOURS = 24;

  /**
   * One product's line in an order, as the job reads it.
   *
   * @param orderId the order
   * @param sku the product
   * @param quantity the units of the product in the order
   * @param revenueCents what they cost
   * @param createdAt when the order was placed, epoch millis: the event time
   * @param status the order's status
   */
  record OrderLine(String orderId, String sku, long quantity, long revenueCents, long createdAt,
      OrderStatus status) implements Serializable {

    private static final long serialVersionUID = 1L;
  }

  /**
   * A line joined with its product.
   *
   * @param sku the product
   * @param revenueCents the line's revenue
   */
  record ProductSale(String sku, long revenueCents) {}

  private final Repository<String, Order> orders;
  private final Catalog catalog;
  private final AnalyticsSink sink;
  private final @Nullable MeterRegistry meters;
  private final TimeSource time;
  private @Nullable ScheduledExecutorService nightly;
  private volatile @Nullable LastRun lastRun;

  /** What the last run in this process did, for the dashboard. */
  private record LastRun(Instant at, PipelineReport report) {}

  RevenueJob(Repository<String, Order> orders, Catalog catalog, AnalyticsSink sink,
      @Nullable MeterRegistry meters, TimeSource time) {
    this.orders = orders;
    this.catalog = catalog;
    this.sink = sink;
    this.meters = meters;
    this.time = time;
  }

  /**
   * The warehouse of a running system: PostgreSQL beside production orders in PostgreSQL, else
   * an embedded DuckDB database.
   */
  static AnalyticsSink warehouse(OrderSystemOptions options, String namespace) {
    if (options.production() && options.postgresUrl() != null) {
      return PostgresAnalyticsSink.builder(options.postgresUrl(), namespace + "_" + TABLE).build();
    }
    return DuckDbAnalyticsSink.inMemoryDatabase(TABLE).build();
  }

  /** Splits orders into their lines, one per product, in event-time order (then order, product). */
  static List<OrderLine> lines(Repository<String, Order> orders) {
    List<OrderLine> lines = new ArrayList<>();
    try (Stream<Order> scan = orders.scan()) {
      scan.forEach(order -> {
        Map<String, long[]> bySku = new TreeMap<>();
        for (OrderItem item : order.items()) {
          long[] sums = bySku.computeIfAbsent(item.sku(), sku -> new long[2]);
          sums[0] += item.quantity();
          sums[1] += item.quantity() * item.priceCents();
        }
        bySku.forEach((sku, sums) -> lines.add(new OrderLine(order.id(), sku, sums[0], sums[1],
            order.createdAt(), order.status())));
      });
    }
    lines.sort(Comparator.comparingLong(OrderLine::createdAt).thenComparing(OrderLine::orderId)
        .thenComparing(OrderLine::sku));
    return lines;
  }

  /** The pipeline over the orders' lines as they are now. */
  static Pipeline pipeline(List<OrderLine> lines, Catalog catalog, AnalyticsSink sink) {
    Map<String, Catalog.Product> products = new LinkedHashMap<>();
    for (Catalog.Product product : catalog.products()) {
      products.put(product.sku(), product);
    }
    return Pipeline.from(NAME,
            Sources.of("orders", lines, line -> Instant.ofEpochMilli(line.createdAt())))
        // Only orders that were placed earn: not cancelled ones, nor those the place-order saga
        // rejected or is still placing.
        .filter(line -> line.status() != OrderStatus.CANCELLED && line.status() != OrderStatus.REJECTED
            && line.status() != OrderStatus.PENDING)
        .join(DimensionTable.of("catalog", products), OrderLine::sku,
            (line, product) -> new ProductSale(product.sku(), line.revenueCents()))
        .keyBy(ProductSale::sku)
        .aggregate(WindowedAggregation.<ProductSale>builder(Windows.tumbling(Duration.ofHours(1)))
            .value(sale -> sale.revenueCents()).build())
        .into(sink);
  }

  /**
   * Runs the job once over the orders as they are now.
   *
   * @return the report
   * @throws dev.layerkit.events.pipeline.PipelineException if the store or the warehouse fails
   */
  synchronized PipelineReport run() {
    var engine = PipelineEngines.inProcess();
    if (meters != null) {
      engine.meterRegistry(meters);
    }
    PipelineReport report = engine.build().run(pipeline(lines(orders), catalog, sink));
    lastRun = new LastRun(time.instant(), report);
    return report;
  }

  /** Runs the job every night at {@link #NIGHTLY} UTC, on a daemon thread, until closed. */
  synchronized void scheduleNightly() {
    if (nightly != null) {
      return;
    }
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(task -> {
      Thread thread = new Thread(task, "revenue-job-nightly");
      thread.setDaemon(true);
      return thread;
    });
    nightly = scheduler;
    scheduler.scheduleAtFixedRate(() -> {
      try {
        LOG.info("nightly {}", run().summary());
      } catch (RuntimeException e) {
        LOG.error("the nightly revenue job failed; it runs again tomorrow or on demand", e);
      }
    }, untilNext(time.instant(), NIGHTLY).toMillis(), Duration.ofDays(1).toMillis(),
        TimeUnit.MILLISECONDS);
  }

  /** The time from {@code now} to the next {@code at} UTC (a whole day if it is {@code at} now). */
  static Duration untilNext(Instant now, LocalTime at) {
    ZonedDateTime utc = now.atZone(ZoneOffset.UTC);
    ZonedDateTime next = utc.with(at);
    if (!next.isAfter(utc)) {
      next = next.plusDays(1);
    }
    return Duration.between(utc, next);
  }

  /**
   * The report for the dashboard: the warehouse's last {@link #CHART_HOURS} hours (ending at the
   * latest hour in the table), one row per hour and product, and the last run in this process.
   */
  Map<String, Object> report() {
    List<WindowedAggregate> rows = sink.rows();
    long latest = rows.stream().mapToLong(r -> r.windowStart().toEpochMilli()).max().orElse(0);
    long from = latest - Duration.ofHours(CHART_HOURS - 1).toMillis();
    List<Map<String, Object>> hours = new ArrayList<>();
    for (WindowedAggregate row : rows) {
      if (row.windowStart().toEpochMilli() >= from) {
        Map<String, Object> hour = new LinkedHashMap<>();
        hour.put("start", row.windowStart().toEpochMilli());
        hour.put("sku", row.key());
        hour.put("name", catalog.find(row.key()).map(Catalog.Product::name).orElse(row.key()));
        hour.put("orders", row.count());
        hour.put("revenueCents", Math.round(row.sum()));
        hours.add(hour);
      }
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("table", sink.table());
    body.put("hours", hours);
    LastRun last = lastRun;
    if (last != null) {
      Map<String, Object> run = new LinkedHashMap<>();
      run.put("at", last.at().toEpochMilli());
      run.put("recordsRead", last.report().recordsRead());
      run.put("deadLetters", last.report().deadLetters());
      run.put("rowsWritten", last.report().windowsEmitted());
      run.put("elapsedMillis", last.report().elapsed().toMillis());
      body.put("lastRun", run);
    } else {
      body.put("lastRun", null);
    }
    return body;
  }

  /**
   * {@code --job=revenue} on the in-process engine; see {@link #runFromCommandLine(
   * OrderSystemOptions, String, String, String, PrintStream, PrintStream)}.
   *
   * @param options the options; production backends
   * @param namespace the production tables' namespace
   * @param warehouse a DuckDB file, or empty for PostgreSQL
   * @param out the report
   * @param err the progress bar and errors
   * @return the exit code: 0 done, 1 failed, 2 cannot be run so
   */
  static int runFromCommandLine(OrderSystemOptions options, String namespace, String warehouse,
      PrintStream out, PrintStream err) {
    return runFromCommandLine(options, namespace, warehouse, "in-process", out, err);
  }

  /**
   * {@code --job=revenue}: runs the job once over the production store with a progress bar and a
   * report, into PostgreSQL beside the orders, or into the DuckDB file {@code warehouse} if one is
   * given; on the in-process engine, or with {@code --engine=flink} on Apache Flink ({@link
   * RevenueOnFlink}), which gives the same table.
   *
   * @param options the options; production backends
   * @param namespace the production tables' namespace
   * @param warehouse a DuckDB file, or empty for PostgreSQL
   * @param engine {@code in-process} or {@code flink}
   * @param out the report
   * @param err the progress bar and errors
   * @return the exit code: 0 done, 1 failed, 2 cannot be run so
   */
  static int runFromCommandLine(OrderSystemOptions options, String namespace, String warehouse,
      String engine, PrintStream out, PrintStream err) {
    if (!options.production()) {
      err.println("layerkit orders: --job=revenue reads the orders store, and with"
          + " --backends=memory the orders live in the running system's memory, where the job runs"
          + " nightly and from the page (POST /api/dashboard/revenue); give --backends=production");
      return 2;
    }
    if (warehouse.isEmpty() && options.postgresUrl() == null) {
      err.println("layerkit orders: --job=revenue writes into PostgreSQL beside the orders; with"
          + " --mongo give --warehouse=FILE.duckdb");
      return 2;
    }
    boolean flink = engine.equals("flink");
    if (flink && !RevenueOnFlink.flinkOnClassPath()) {
      err.println("layerkit orders: --engine=flink needs Apache Flink, which the jar leaves to the"
          + " cluster: submit it with 'flink run -c " + OrderSystemMain.class.getName()
          + " layerkit-examples.jar --job=revenue --engine=flink ...', or put flink-streaming-java"
          + " and flink-clients on the class path to run a local mini cluster");
      return 2;
    }
    Warehouse into = warehouse.isEmpty()
        ? Warehouse.postgres(java.util.Objects.requireNonNull(options.postgresUrl()),
            namespace + "_" + TABLE)
        : Warehouse.duckDb(warehouse);
    try (ProductionBackends backends = new ProductionBackends(options, namespace,
            io.micrometer.observation.ObservationRegistry.NOOP)) {
      Repository<String, Order> orders = OrderSystem.shardedOrders(backends);
      List<OrderLine> lines = lines(orders);
      if (flink) {
        return RevenueOnFlink.run(PipelineRunner.builder().out(out).progressBar(err).build(),
            out, lines, into);
      }
      try (AnalyticsSink sink = into.open()) {
        return PipelineRunner.builder().out(out).progressBar(err)
            .engine(progress -> PipelineEngines.inProcess().progress(progress)
                .progressEvery(Math.max(1, lines.size() / 100)).build())
            .build()
            .run(pipeline(lines, new Catalog(), sink));
      }
    } catch (IllegalArgumentException e) {
      err.println("layerkit orders: cannot run the revenue job: " + e.getMessage());
      return 1;
    }
  }

  /**
   * Where the command-line job writes: a PostgreSQL table or a DuckDB file. Serializable, so that
   * each of Flink's tasks opens its own sink from it.
   *
   * @param postgresUrl the JDBC URL, or null for DuckDB
   * @param table the PostgreSQL table
   * @param duckDbFile the DuckDB file, or null for PostgreSQL
   */
  record Warehouse(@Nullable String postgresUrl, String table, @Nullable String duckDbFile)
      implements Serializable {

    private static final long serialVersionUID = 1L;

    static Warehouse postgres(String url, String table) {
      return new Warehouse(url, table, null);
    }

    static Warehouse duckDb(String file) {
      return new Warehouse(null, TABLE, file);
    }

    /** Opens the sink; the caller closes it. */
    AnalyticsSink open() {
      return postgresUrl != null ? PostgresAnalyticsSink.builder(postgresUrl, table).build()
          : DuckDbAnalyticsSink.builder(Path.of(java.util.Objects.requireNonNull(duckDbFile)),
              table).build();
    }
  }

  @Override
  public synchronized void close() {
    if (nightly != null) {
      nightly.shutdownNow();
      nightly = null;
    }
    sink.close();
  }
}
