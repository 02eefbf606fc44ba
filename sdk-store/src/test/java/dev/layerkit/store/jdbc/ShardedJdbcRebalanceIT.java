package dev.layerkit.store.jdbc;

import static dev.layerkit.store.RebalanceAssertions.assertResumesToTheEnd;
import static dev.layerkit.store.RebalanceAssertions.rebalanceKilledAfter;
import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.store.Filter;
import dev.layerkit.store.TestOrder;
import dev.layerkit.store.sharding.ShardedRepository;
import dev.layerkit.store.sharding.ShardedRepositoryBuilder;
import dev.layerkit.test.servers.PostgresSchema;
import dev.layerkit.test.servers.TestServers;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/** {@link ShardedRepository#rebalance} from 4 to 5 {@link JdbcRepository} shards on PostgreSQL. */
@DisplayName("ShardedRepository rebalance over JdbcRepository shards on PostgreSQL")
class ShardedJdbcRebalanceIT {

  private PostgresSchema schema;
  private final List<AutoCloseable> opened = new ArrayList<>();

  @BeforeEach
  void createSchema(TestInfo test) throws Exception {
    schema = TestServers.postgres().createSchema(test.getTestMethod().orElseThrow().getName());
  }

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable closeable : opened) {
      closeable.close();
    }
  }

  private JdbcRepository<String, TestOrder> table(String name) {
    JdbcRepository<String, TestOrder> repository = JdbcRepository.builder(TestOrder.DESCRIPTOR)
        .jdbcUrl(schema.jdbcUrl()).user(schema.user()).table(name).maximumPoolSize(4).build();
    opened.add(repository);
    return repository;
  }

  private ShardedRepository<String, TestOrder> sharded(ShardedRepositoryBuilder<String, TestOrder> builder) {
    ShardedRepository<String, TestOrder> repository = builder.build();
    opened.add(repository);
    return repository;
  }

  @Test
  void aRebalanceStoppedHalfwayResumesInANewProcessAndEndsWithEveryRowOnceWhereItBelongs() {
    int records = 4_000;
    List<JdbcRepository<String, TestOrder>> old = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      old.add(table("orders_" + i));
    }
    ShardedRepository<String, TestOrder> first = sharded(ShardedRepository.builder(old).rebalanceBatchSize(100));
    for (int i = 0; i < records; i++) {
      first.insertIfAbsent(TestOrder.of("o-" + i, "c-" + i % 40, i, "NEW").withVersion(1));
    }
    List<JdbcRepository<String, TestOrder>> grown = new ArrayList<>(old);
    grown.add(table("orders_4"));
    long movedWhenKilled = rebalanceKilledAfter(first, grown, 400);

    ShardedRepository<String, TestOrder> restarted = sharded(ShardedRepository.builder(old).rebalancingTo(grown));
    long moved = assertResumesToTheEnd(restarted, grown, records, movedWhenKilled);
    assertThat(grown.get(4).count(Filter.all())).isEqualTo(moved);
  }
}
