package dev.layerkit.store.backup;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import dev.layerkit.store.Repository;
import dev.layerkit.store.TestOrder;
import dev.layerkit.store.jdbc.JdbcRepository;
import dev.layerkit.store.mongo.MongoRepository;
import dev.layerkit.store.sharding.ShardedRepository;
import dev.layerkit.test.servers.PostgresSchema;
import dev.layerkit.test.servers.TestMongo;
import dev.layerkit.test.servers.TestServers;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Backup} across backends: 4 PostgreSQL shards exported, restored into 2 shards on the
 * MongoDB-compatible test server, identical data.
 */
@DisplayName("Backup from PostgreSQL shards restored into shards on mongo-java-server (or MongoDB when one is provided)")
class BackupIT {

  @TempDir
  Path temp;

  private static List<TestOrder> everything(Repository<String, TestOrder> repo) {
    try (Stream<TestOrder> all = repo.scan()) {
      return all.sorted(Comparator.comparing(TestOrder::id)).collect(Collectors.toList());
    }
  }

  @Test
  void fourPostgresShardsRestoreIntoTwoMongoShardsWithIdenticalData() throws Exception {
    PostgresSchema schema = TestServers.postgres().createSchema("backup_it");
    List<JdbcRepository<String, TestOrder>> pg = new ArrayList<>();
    TestMongo mongo = TestServers.mongo();
    try (MongoClient client = MongoClients.create(mongo.connectionString())) {
      for (int i = 0; i < 4; i++) {
        pg.add(JdbcRepository.builder(TestOrder.DESCRIPTOR).jdbcUrl(schema.jdbcUrl()).user(schema.user())
            .table("orders_" + i).maximumPoolSize(2).build());
      }
      MongoDatabase database = client.getDatabase(mongo.newDatabaseName("backup_it"));
      List<MongoRepository<String, TestOrder>> mg = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        mg.add(MongoRepository.builder(TestOrder.DESCRIPTOR).database(database).collection("orders_" + i).build());
      }
      try (ShardedRepository<String, TestOrder> source = ShardedRepository.builder(pg).name("orders").build();
          ShardedRepository<String, TestOrder> target = ShardedRepository.builder(mg).name("orders-mongo").build()) {
        for (int i = 0; i < 600; i++) {
          TestOrder saved = source.save(TestOrder.of("o-" + i, "c-" + i % 9, i, i % 5 == 0 ? "' OR 1=1 --" : "NEW"));
          if (i % 4 == 0) {
            source.save(saved.withStatus("PAID"));
          }
        }
        Path dir = temp.resolve("pg-backup");
        assertThat(Backup.export(source, dir).totalCount()).isEqualTo(600);
        assertThat(Backup.restore(dir, target)).isEqualTo(new RestoreReport(600, 0));
        assertThat(everything(target)).as("restored on " + mongo.description()).isEqualTo(everything(source));
      }
    } finally {
      pg.forEach(JdbcRepository::close);
    }
  }
}
