package dev.layerkit.store.jdbc;

import dev.layerkit.store.sharding.ShardMapStore;
import dev.layerkit.test.servers.PostgresSchema;
import dev.layerkit.test.servers.TestServers;
import dev.layerkit.test.store.ShardMapStoreContract;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.TestInfo;

/**
 * The {@link ShardMapStoreContract} on {@link JdbcShardMapStore} and PostgreSQL: two stores with
 * their own pools on one table, as two processes would have.
 */
@DisplayName("JdbcShardMapStore on PostgreSQL")
class JdbcShardMapStoreIT extends ShardMapStoreContract {

  private JdbcShardMapStore store;
  private JdbcShardMapStore other;

  @BeforeEach
  void open(TestInfo test) throws Exception {
    PostgresSchema schema = TestServers.postgres().createSchema("shard_map_" + test.getTestMethod().orElseThrow().getName());
    store = JdbcShardMapStore.builder().jdbcUrl(schema.jdbcUrl()).user(schema.user()).maximumPoolSize(3).build();
    other = JdbcShardMapStore.builder().jdbcUrl(schema.jdbcUrl()).user(schema.user()).maximumPoolSize(3).build();
  }

  @AfterEach
  void close() {
    store.close();
    other.close();
  }

  @Override
  protected ShardMapStore store() {
    return store;
  }

  @Override
  protected ShardMapStore sameStateFromAnotherInstance() {
    return other;
  }
}
