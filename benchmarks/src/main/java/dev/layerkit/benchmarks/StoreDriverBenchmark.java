package dev.layerkit.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Projections;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import dev.layerkit.benchmarks.state.KeyCursor;
import dev.layerkit.benchmarks.state.StoreOrder;
import dev.layerkit.store.Repository;
import dev.layerkit.store.jdbc.JdbcRepository;
import dev.layerkit.store.mongo.MongoRepository;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.bson.Document;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@code findById} through Layerkit's PostgreSQL and MongoDB repositories beside the raw driver
 * call a user would otherwise write, on the same data and connection pool / client, both ending
 * with the order decoded by Jackson.
 *
 * <ul>
 *   <li>{@code backend=postgres}: {@code JdbcRepository.findById} against a prepared
 *       {@code SELECT doc::text FROM t WHERE id = ?} on the same HikariCP pool, then
 *       {@code ObjectMapper.readValue}. PostgreSQL from {@code -Dlayerkit.bench.postgres} (default
 *       {@code jdbc:postgresql://127.0.0.1:5432/test}, user {@code postgres}, trust); the benchmark
 *       works in a schema of its own and drops it at the end.</li>
 *   <li>{@code backend=mongo}: {@code MongoRepository.findById} against
 *       {@code collection.find(eq("_id", id)).projection(include("doc")).first()} and decoding
 *       {@code doc.toJson()}; the server is an in-process mongo-java-server started in the setup,
 *       so server work shares this JVM's CPU.</li>
 * </ul>
 *
 * <p>Run (after {@code ./mvnw -B -q package -pl benchmarks -am -DskipTests}):
 * {@code java -Djmh.ignoreLock=true -jar benchmarks/target/benchmarks.jar '\.StoreDriverBenchmark\.' -f 1 -wi 3 -i 5 -prof gc -rf json -rff /tmp/store-driver.json},
 * then {@code python3 benchmarks/jmh_table.py /tmp/store-driver.json rawDriverFindById}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class StoreDriverBenchmark {

  static final int RECORDS = 2_000;
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** The backend, its repository and the raw driver handles on the same data. */
  @State(Scope.Benchmark)
  public static class Backend {
    @Param({"postgres", "mongo"})
    String backend;

    String[] ids;
    Repository<String, StoreOrder> repository;
    HikariDataSource pool;
    String schema;
    String select;
    MongoServer server;
    MongoClient client;
    MongoCollection<Document> collection;

    /** Starts or connects to the backend and stores the orders through the repository. */
    @Setup
    public void start() throws SQLException {
      ids = new String[RECORDS];
      if (backend.equals("postgres")) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(System.getProperty("layerkit.bench.postgres", "jdbc:postgresql://127.0.0.1:5432/test"));
        config.setUsername(System.getProperty("layerkit.bench.postgres.user", "postgres"));
        config.setMaximumPoolSize(2);
        pool = new HikariDataSource(config);
        schema = "bench_store_" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
        repository = JdbcRepository.builder(StoreOrder.DESCRIPTOR).dataSource(pool).schema(schema).table("orders").build();
        select = "SELECT doc::text FROM " + schema + ".orders WHERE id = ?";
      } else {
        server = new MongoServer(new MemoryBackend());
        server.bind("127.0.0.1", 0);
        InetSocketAddress address = server.getLocalAddress();
        client = MongoClients.create("mongodb://127.0.0.1:" + address.getPort());
        MongoDatabase database = client.getDatabase("bench");
        repository = MongoRepository.builder(StoreOrder.DESCRIPTOR).database(database).collection("orders").build();
        collection = database.getCollection("orders");
      }
      for (int i = 0; i < RECORDS; i++) {
        StoreOrder order = StoreOrder.number(i);
        ids[i] = order.id();
        repository.insertIfAbsent(order);
      }
    }

    /** Drops the benchmark's schema and closes everything. */
    @TearDown
    public void stop() throws SQLException {
      if (pool != null) {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
          s.execute("DROP SCHEMA " + schema + " CASCADE");
        }
        pool.close();
      }
      if (client != null) {
        client.close();
        server.shutdownNow();
      }
    }
  }

  /**
   * The anchor: the raw driver's lookup of the same row or document, decoded by Jackson.
   *
   * @param b the backend
   * @param cursor the key position
   * @return the order, or null
   * @throws SQLException if PostgreSQL fails
   */
  @Benchmark
  public StoreOrder rawDriverFindById(Backend b, KeyCursor cursor) throws SQLException {
    String id = cursor.next(b.ids);
    try {
      if (b.pool != null) {
        try (Connection c = b.pool.getConnection(); PreparedStatement s = c.prepareStatement(b.select)) {
          s.setString(1, id);
          try (ResultSet rs = s.executeQuery()) {
            return rs.next() ? MAPPER.readValue(rs.getString(1), StoreOrder.class) : null;
          }
        }
      }
      Document found = b.collection.find(Filters.eq("_id", id)).projection(Projections.include("doc")).first();
      return found == null ? null : MAPPER.readValue(found.get("doc", Document.class).toJson(), StoreOrder.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The same lookup through Layerkit's repository.
   *
   * @param b the backend
   * @param cursor the key position
   * @return the order
   */
  @Benchmark
  public Optional<StoreOrder> layerkitFindById(Backend b, KeyCursor cursor) {
    return b.repository.findById(cursor.next(b.ids));
  }
}
