package dev.layerkit.store.jdbc;

import dev.layerkit.core.testing.PostgresSchema;
import dev.layerkit.core.testing.TestServers;
import dev.layerkit.store.EntityDescriptor;
import dev.layerkit.store.Repository;
import dev.layerkit.store.RepositoryContract;
import dev.layerkit.store.ShardedRepository;
import dev.layerkit.store.TestOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;

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
}
