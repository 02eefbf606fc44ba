package dev.layerkit.store.mongo;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import dev.layerkit.store.EntityDescriptor;
import dev.layerkit.store.Repository;
import dev.layerkit.store.sharding.ShardedRepository;
import dev.layerkit.test.servers.TestMongo;
import dev.layerkit.test.servers.TestServers;
import dev.layerkit.test.store.RepositoryContract;
import dev.layerkit.test.store.TestOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;

/**
 * The repository contract on a {@link ShardedRepository} over 4 {@link MongoRepository} shards,
 * each a database of its own on the test server (mongo-java-server without Docker, as the display
 * name says).
 */
@DisplayName("ShardedRepository over 4 MongoRepository shards on mongo-java-server (in-process, wire-compatible, not MongoDB; MongoDB instead when LAYERKIT_TEST_MONGO or Docker provides one)")
class ShardedMongoRepositoryIT extends RepositoryContract {

  private static final TestMongo MONGO = TestServers.mongo();
  private static final AtomicInteger COLLECTIONS = new AtomicInteger();
  private static MongoClient client;
  private static final List<MongoDatabase> DATABASES = new ArrayList<>();

  private final List<ShardedRepository<String, TestOrder>> opened = new ArrayList<>();

  @BeforeAll
  static void connect() {
    client = MongoClients.create(MONGO.connectionString());
    for (int i = 0; i < 4; i++) {
      DATABASES.add(client.getDatabase(MONGO.newDatabaseName("sharded_mongo_it_s" + i)));
    }
  }

  @AfterAll
  static void disconnect() {
    client.close();
  }

  @AfterEach
  void close() {
    opened.forEach(ShardedRepository::close);
  }

  @Override
  protected Repository<String, TestOrder> newRepository(String name, EntityDescriptor<String, TestOrder> descriptor) {
    int n = COLLECTIONS.incrementAndGet();
    List<MongoRepository<String, TestOrder>> shards = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      shards.add(MongoRepository.builder(descriptor).database(DATABASES.get(i)).collection(name + "_" + n)
          .name(name + "-" + n + "-s" + i).build());
    }
    ShardedRepository<String, TestOrder> sharded = ShardedRepository.builder(shards).name(name).build();
    opened.add(sharded);
    return sharded;
  }
}
