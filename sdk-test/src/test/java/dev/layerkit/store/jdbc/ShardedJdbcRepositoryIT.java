package dev.layerkit.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.core.health.HealthStatus;
import dev.layerkit.store.EntityDescriptor;
import dev.layerkit.store.Filter;
import dev.layerkit.store.Repository;
import dev.layerkit.store.ShardUnavailableException;
import dev.layerkit.store.sharding.PartialResult;
import dev.layerkit.store.sharding.ShardedRepository;
import dev.layerkit.test.servers.PostgresSchema;
import dev.layerkit.test.servers.TestServers;
import dev.layerkit.test.store.RepositoryContract;
import dev.layerkit.test.store.TestOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The repository contract on a {@link ShardedRepository} over 4 {@link JdbcRepository} shards on
 * PostgreSQL, each a table of its own in this class's schema.
 */
@DisplayName("ShardedRepository over 4 JdbcRepository shards on PostgreSQL")
class ShardedJdbcRepositoryIT extends RepositoryContract {

  private static final AtomicInteger TABLES = new AtomicInteger();
  private static PostgresSchema schema;

  private final List<AutoCloseable> opened = new ArrayList<>();

  @BeforeAll
  static void createSchema() throws Exception {
    schema = TestServers.postgres().createSchema("sharded_jdbc_it");
  }

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable closeable : opened) {
      closeable.close();
    }
  }

  @Override
  protected Repository<String, TestOrder> newRepository(String name, EntityDescriptor<String, TestOrder> descriptor) {
    List<JdbcRepository<String, TestOrder>> shards = new ArrayList<>();
    int n = TABLES.incrementAndGet();
    for (int i = 0; i < 4; i++) {
      JdbcRepository<String, TestOrder> shard = JdbcRepository.builder(descriptor).jdbcUrl(schema.jdbcUrl())
          .user(schema.user()).table(name + "_" + n + "_s" + i).maximumPoolSize(4).build();
      shards.add(shard);
      opened.add(shard);
    }
    ShardedRepository<String, TestOrder> sharded = ShardedRepository.builder(shards).name(name).build();
    opened.add(sharded);
    return sharded;
  }

  @Test
  void aShardWhosePostgresIsGoneFailsFastByNameAndPartialResultsAreMarked() {
    int n = TABLES.incrementAndGet();
    List<JdbcRepository<String, TestOrder>> shards = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      JdbcRepository<String, TestOrder> shard = JdbcRepository.builder(TestOrder.DESCRIPTOR).jdbcUrl(schema.jdbcUrl())
          .user(schema.user()).table("down_" + n + "_s" + i).maximumPoolSize(2).build();
      shards.add(shard);
      opened.add(shard);
    }
    PGSimpleDataSource nowhere = new PGSimpleDataSource();
    nowhere.setUrl("jdbc:postgresql://127.0.0.1:1/gone?connectTimeout=1");
    shards.add(JdbcRepository.builder(TestOrder.DESCRIPTOR).dataSource(nowhere).table("gone").name("pg-gone")
        .createTable(false).build());
    ShardedRepository<String, TestOrder> repo = ShardedRepository.builder(shards).name("orders").build();
    opened.add(repo);
    assertThatThrownBy(() -> repo.findAll(Filter.all()))
        .isInstanceOfSatisfying(ShardUnavailableException.class, e -> assertThat(e.shard()).isEqualTo(3))
        .hasMessageContaining("pg-gone");
    PartialResult<TestOrder> partial = repo.findAllAllowingPartial(Filter.all());
    assertThat(partial.isPartial()).isTrue();
    assertThat(partial.unavailableShards()).containsExactly(3);
    assertThat(repo.healthChecks().get(3).check().status()).isEqualTo(HealthStatus.DOWN);
    assertThat(repo.healthChecks().get(0).check().status()).isEqualTo(HealthStatus.UP);
  }
}
