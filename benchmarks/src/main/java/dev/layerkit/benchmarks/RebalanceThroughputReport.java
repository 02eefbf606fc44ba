package dev.layerkit.benchmarks;

import dev.layerkit.benchmarks.state.StoreOrder;
import dev.layerkit.store.Repositories;
import dev.layerkit.store.Repository;
import dev.layerkit.store.jdbc.JdbcRepository;
import dev.layerkit.store.sharding.RebalanceProgress;
import dev.layerkit.store.sharding.RebalanceReport;
import dev.layerkit.store.sharding.ShardedRepository;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Prints the throughput of {@code ShardedRepository.rebalance} from 4 to 5 shards (jump hash) on
 * in-memory and PostgreSQL shards: records moved per second and records examined per second, the
 * median of 3 timed runs after 1 warm-up run, each on freshly filled shards. A rebalance is a long
 * single operation, not a hot path, so this is a report program rather than a JMH benchmark.
 *
 * <p>PostgreSQL from {@code -Dlayerkit.bench.postgres} (default
 * {@code jdbc:postgresql://127.0.0.1:5432/test}, user {@code postgres}, trust); each run uses a
 * schema of its own, dropped afterwards. Run:
 * {@code java -cp benchmarks/target/benchmarks.jar dev.layerkit.benchmarks.RebalanceThroughputReport [memoryRecords] [postgresRecords]}
 * (defaults 100,000 and 20,000).
 */
public final class RebalanceThroughputReport {

  private RebalanceThroughputReport() {}

  /**
   * Prints the report as a Markdown table.
   *
   * @param args optional record counts for memory and PostgreSQL
   * @throws SQLException if PostgreSQL fails
   */
  public static void main(String[] args) throws SQLException {
    int memoryRecords = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    int postgresRecords = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
    PrintStream out = System.out;
    out.println("| shards | records | moved | seconds (median of 3) | moved records/s | examined records/s |");
    out.println("|---|---|---|---|---|---|");
    row(out, "in-memory 4 -> 5", memoryRecords, RebalanceThroughputReport::memoryRun);
    row(out, "PostgreSQL 4 -> 5", postgresRecords, RebalanceThroughputReport::postgresRun);
  }

  private interface Run {
    RebalanceReport once(int records) throws SQLException;
  }

  private static void row(PrintStream out, String name, int records, Run run) throws SQLException {
    run.once(records);
    RebalanceReport[] reports = new RebalanceReport[3];
    for (int i = 0; i < reports.length; i++) {
      reports[i] = run.once(records);
    }
    Arrays.sort(reports, (a, b) -> a.duration().compareTo(b.duration()));
    RebalanceReport median = reports[1];
    double seconds = median.duration().toNanos() / 1e9;
    out.printf(Locale.ROOT, "| %s | %,d | %,d | %.2f | %,.0f | %,.0f |%n", name, records, median.moved(), seconds,
        median.moved() / seconds, median.examined() / seconds);
  }

  private static RebalanceReport memoryRun(int records) {
    List<Repository<String, StoreOrder>> shards = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      shards.add(Repositories.inMemory(StoreOrder.DESCRIPTOR).name("shard-" + i).build());
    }
    try (ShardedRepository<String, StoreOrder> repo = ShardedRepository.builder(shards.subList(0, 4)).build()) {
      for (int i = 0; i < records; i++) {
        repo.insertIfAbsent(StoreOrder.number(i));
      }
      return repo.rebalance(shards, RebalanceProgress.none());
    }
  }

  private static RebalanceReport postgresRun(int records) throws SQLException {
    PGSimpleDataSource dataSource = new PGSimpleDataSource();
    dataSource.setUrl(System.getProperty("layerkit.bench.postgres", "jdbc:postgresql://127.0.0.1:5432/test"));
    dataSource.setUser(System.getProperty("layerkit.bench.postgres.user", "postgres"));
    String schema = "bench_rebalance_" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
    List<Repository<String, StoreOrder>> shards = new ArrayList<>();
    List<JdbcRepository<String, StoreOrder>> tables = new ArrayList<>();
    try {
      for (int i = 0; i < 5; i++) {
        JdbcRepository<String, StoreOrder> table = JdbcRepository.builder(StoreOrder.DESCRIPTOR)
            .jdbcUrl(dataSource.getUrl()).user(dataSource.getUser()).schema(schema).table("orders_" + i)
            .maximumPoolSize(4).build();
        tables.add(table);
        shards.add(table);
      }
      try (ShardedRepository<String, StoreOrder> repo = ShardedRepository.builder(shards.subList(0, 4)).build()) {
        bulkLoad(dataSource, schema, records);
        return repo.rebalance(shards, RebalanceProgress.none());
      }
    } finally {
      tables.forEach(JdbcRepository::close);
      try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
        s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
      }
    }
  }

  /** Loads rows straight into the tables jump hash assigns them to over 4 shards: the setup is not timed. */
  private static void bulkLoad(DataSource dataSource, String schema, int records) throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      PreparedStatement[] inserts = new PreparedStatement[4];
      for (int i = 0; i < 4; i++) {
        inserts[i] = c.prepareStatement("INSERT INTO " + schema + ".orders_" + i + " (id, version, doc) VALUES (?, ?, ?::jsonb)");
      }
      for (int i = 0; i < records; i++) {
        StoreOrder order = StoreOrder.number(i);
        int shard = dev.layerkit.core.hash.JumpHash.bucket(dev.layerkit.core.hash.Hashing.hash(order.id()), 4);
        inserts[shard].setString(1, order.id());
        inserts[shard].setLong(2, order.version());
        inserts[shard].setString(3, new String(StoreOrder.DESCRIPTOR.codec().encode(order), java.nio.charset.StandardCharsets.UTF_8));
        inserts[shard].addBatch();
      }
      for (PreparedStatement insert : inserts) {
        insert.executeBatch();
        insert.close();
      }
      c.commit();
    }
  }
}
