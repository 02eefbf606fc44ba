package dev.layerkit.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.store.ConcurrentRebalanceHistory;
import dev.layerkit.store.TestOrder;
import dev.layerkit.store.sharding.ShardMap;
import dev.layerkit.store.sharding.ShardedRepository;
import dev.layerkit.test.servers.PostgresSchema;
import dev.layerkit.test.servers.TestServers;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Rebalancing from 4 to 5 {@link JdbcRepository} shards on PostgreSQL while three
 * {@link ShardedRepository} instances write, each with its own connection pools and its own
 * {@link JdbcShardMapStore}, as three processes would: a Jepsen-style history check
 * ({@link ConcurrentRebalanceHistory}). RELIABILITY.md has the command that runs it ten times in
 * a row.
 */
@DisplayName("ShardedRepository: 4 -> 5 rebalance on PostgreSQL while three instances write")
class ShardedJdbcOnlineRebalanceIT {

  private static final int INSTANCES = 3;
  private static final int WRITERS_PER_INSTANCE = 3;

  private PostgresSchema schema;
  private final List<AutoCloseable> opened = new ArrayList<>();

  @BeforeEach
  void createSchema() throws Exception {
    schema = TestServers.postgres().createSchema("online_rebalance");
  }

  @AfterEach
  void close() throws Exception {
    for (int i = opened.size() - 1; i >= 0; i--) {
      opened.get(i).close();
    }
  }

  /** One instance: five tables on their own pools, its own shard map store, the shared map row. */
  private ShardedRepository<String, TestOrder> instance() {
    Map<String, JdbcRepository<String, TestOrder>> tables = new LinkedHashMap<>();
    for (int i = 0; i < 5; i++) {
      JdbcRepository<String, TestOrder> table = JdbcRepository.builder(TestOrder.DESCRIPTOR)
          .jdbcUrl(schema.jdbcUrl()).user(schema.user()).table("orders_" + i).maximumPoolSize(3).build();
      opened.add(table);
      tables.put(table.name(), table);
    }
    JdbcShardMapStore maps = JdbcShardMapStore.builder().jdbcUrl(schema.jdbcUrl()).user(schema.user())
        .maximumPoolSize(WRITERS_PER_INSTANCE + 1).build();
    opened.add(maps);
    ShardedRepository<String, TestOrder> repository = ShardedRepository.builder(
            new ArrayList<>(tables.values()).subList(0, 4))
        .name("orders")
        .shardMap(maps, tables::get)
        .rebalanceBatchSize(25)
        .build();
    opened.add(repository);
    instanceTables.add(new ArrayList<>(tables.values()));
    return repository;
  }

  private final List<List<JdbcRepository<String, TestOrder>>> instanceTables = new ArrayList<>();

  @Test
  void everyAcknowledgedWriteOfThreeInstancesSurvivesAFourToFiveRebalanceExactlyOnceAtItsLastVersion()
      throws Exception {
    List<ShardedRepository<String, TestOrder>> instances = new ArrayList<>();
    for (int i = 0; i < INSTANCES; i++) {
      instances.add(instance());
    }
    // The rebalancing instance moves onto its own five tables; the others resolve theirs by name.
    List<JdbcRepository<String, TestOrder>> target = instanceTables.get(0);

    ConcurrentRebalanceHistory.Result result =
        ConcurrentRebalanceHistory.run(instances, target, 2_000, WRITERS_PER_INSTANCE);

    assertThat(result.duringRebalance.get()).as("writes raced the move (%s)", result).isPositive();
    assertThat(result.report.moved()).isPositive();
    for (ShardedRepository<String, TestOrder> instance : instances) {
      assertThat(instance.shardCount()).as("every instance ends on the new map").isEqualTo(5);
    }
    JdbcShardMapStore reader = JdbcShardMapStore.builder().jdbcUrl(schema.jdbcUrl()).user(schema.user())
        .maximumPoolSize(1).build();
    opened.add(reader);
    assertThat(reader.load("orders")).contains(new ShardMap("orders", 3,
        List.of("orders_0", "orders_1", "orders_2", "orders_3", "orders_4"), null));
  }
}
