package dev.layerkit.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.store.OptimisticLockException;
import dev.layerkit.store.Repository;
import dev.layerkit.store.TestOrder;
import dev.layerkit.store.sharding.ShardedRepository;
import dev.layerkit.store.sharding.ShardingStrategies;
import dev.layerkit.test.servers.PostgresSchema;
import dev.layerkit.test.servers.TestServers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Writes that join the caller's transaction, as a transactional outbox needs, on PostgreSQL. */
@DisplayName("JdbcRepository writes in the caller's transaction on PostgreSQL")
class JdbcTransactionIT {

  private static PostgresSchema schema;
  private final List<JdbcRepository<?, ?>> opened = new ArrayList<>();

  @BeforeAll
  static void createSchema() throws Exception {
    schema = TestServers.postgres().createSchema("jdbc_transaction_it");
    try (Connection c = schema.connect()) {
      c.createStatement().execute("CREATE TABLE IF NOT EXISTS events (id text PRIMARY KEY)");
    }
  }

  @AfterEach
  void close() {
    opened.forEach(JdbcRepository::close);
  }

  private JdbcRepository<String, TestOrder> open(String table) {
    JdbcRepository<String, TestOrder> repository = JdbcRepository.builder(TestOrder.DESCRIPTOR)
        .jdbcUrl(schema.jdbcUrl()).user(schema.user()).table(table).maximumPoolSize(4).build();
    opened.add(repository);
    return repository;
  }

  @Test
  void aWriteAndAnotherTableCommitOrRollBackTogether() throws Exception {
    JdbcRepository<String, TestOrder> orders = open("tx_orders");

    try (Connection c = orders.dataSource().getConnection()) {
      c.setAutoCommit(false);
      assertThat(orders.insertIfAbsent(c, TestOrder.of("o-1", "c-1", 5, "NEW"))).isTrue();
      insertEvent(c, "e-1");
      c.rollback();
    }
    assertThat(orders.findById("o-1")).isEmpty();
    assertThat(events()).isZero();

    try (Connection c = orders.dataSource().getConnection()) {
      c.setAutoCommit(false);
      assertThat(orders.insertIfAbsent(c, TestOrder.of("o-1", "c-1", 5, "NEW"))).isTrue();
      insertEvent(c, "e-1");
      assertThat(orders.findById("o-1")).as("not visible to others before the commit").isEmpty();
      c.commit();
    }
    TestOrder committed = orders.findById("o-1").orElseThrow();
    assertThat(events()).isEqualTo(1);

    try (Connection c = orders.dataSource().getConnection()) {
      c.setAutoCommit(false);
      TestOrder saved = orders.save(c, committed);
      assertThat(saved.version()).isEqualTo(committed.version() + 1);
      assertThatThrownBy(() -> orders.save(c, committed)).isInstanceOf(OptimisticLockException.class);
      c.rollback();
    }
    assertThat(orders.findById("o-1").orElseThrow().version()).isEqualTo(committed.version());
  }

  @Test
  void shardOfNamesTheShardThatHoldsAnEntity() {
    List<Repository<String, TestOrder>> shards = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      shards.add(open("tx_shard_" + i));
    }
    ShardedRepository<String, TestOrder> sharded = ShardedRepository.builder(shards)
        .strategy(ShardingStrategies.jumpHash()).build();
    for (int i = 0; i < 20; i++) {
      TestOrder order = TestOrder.of("o-" + i, "c-1", i, "NEW");
      sharded.insertIfAbsent(order);
      Repository<String, TestOrder> shard = sharded.shardOf(order);
      assertThat(shard.findById(order.id())).isPresent();
      for (Repository<String, TestOrder> other : shards) {
        if (other != shard) {
          assertThat(other.findById(order.id())).isEmpty();
        }
      }
    }
  }

  private static int events() throws Exception {
    try (Connection c = schema.connect();
        java.sql.ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM events")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  private static void insertEvent(Connection c, String id) throws Exception {
    try (PreparedStatement s = c.prepareStatement("INSERT INTO events (id) VALUES (?)")) {
      s.setString(1, id);
      s.executeUpdate();
    }
  }
}
