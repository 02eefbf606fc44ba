package dev.layerkit.store.mongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.ReadPreference;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import dev.layerkit.core.health.HealthStatus;
import dev.layerkit.store.EntityDescriptor;
import dev.layerkit.store.Filter;
import dev.layerkit.store.Repository;
import dev.layerkit.store.StoreException;
import dev.layerkit.test.servers.TestMongo;
import dev.layerkit.test.servers.TestServers;
import dev.layerkit.test.store.RepositoryContract;
import dev.layerkit.test.store.TestOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.bson.BsonDocument;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@link MongoRepository} on the MongoDB-compatible test server ({@link TestServers#mongo()}; on a
 * machine without Docker that is mongo-java-server, which the display name says): the contract,
 * and documents and indexes as the server sees them. The class uses a database of its own; each
 * repository a collection of its own.
 */
@DisplayName("MongoRepository on mongo-java-server (in-process, wire-compatible, not MongoDB; MongoDB instead when LAYERKIT_TEST_MONGO or Docker provides one)")
class MongoRepositoryIT extends RepositoryContract {

  private static final TestMongo MONGO = TestServers.mongo();
  private static final AtomicInteger COLLECTIONS = new AtomicInteger();
  private static MongoClient client;
  private static MongoDatabase database;

  @BeforeAll
  static void connect() {
    client = MongoClients.create(MONGO.connectionString());
    database = client.getDatabase(MONGO.newDatabaseName("mongo_repository_it"));
  }

  @AfterAll
  static void disconnect() {
    client.close();
  }

  private MongoRepository<String, TestOrder> open(String name, EntityDescriptor<String, TestOrder> descriptor) {
    return MongoRepository.builder(descriptor).database(database)
        .collection(name + "_" + COLLECTIONS.incrementAndGet()).build();
  }

  @Override
  protected Repository<String, TestOrder> newRepository(String name, EntityDescriptor<String, TestOrder> descriptor) {
    return open(name, descriptor);
  }

  @Test
  void storesIdAsUnderscoreIdWithTheVersionBesideTheEntityAndIndexesTheDescriptorsFields() {
    MongoRepository<String, TestOrder> repo = open("layout", TestOrder.DESCRIPTOR);
    repo.save(repo.save(TestOrder.of("o-1", "c-1", 5, "NEW")).withStatus("PAID"));
    BsonDocument stored = repo.collection().find().first();
    assertThat(stored).isNotNull();
    assertThat(stored.getString("_id").getValue()).isEqualTo("o-1");
    assertThat(stored.getNumber("_v").longValue()).isEqualTo(2);
    assertThat(stored.getDocument("doc").getString("status").getValue()).isEqualTo("PAID");
    List<String> indexes = new ArrayList<>();
    for (Document index : repo.collection().listIndexes()) {
      indexes.add(index.get("key", Document.class).keySet().toString());
    }
    assertThat(indexes).contains("[doc.customerId]", "[doc.status]");
  }

  @Test
  void operatorLikeKeysInsideAnEntityAreStoredAsData() {
    EntityDescriptor<String, Document> raw = EntityDescriptor.builder(Document.class, (Document d) -> d.getString("id"))
        .version(d -> d.get("version", 0L), (d, v) -> new Document(d).append("version", v))
        .codec(new dev.layerkit.core.codec.Codec<>() {
          @Override
          public byte[] encode(Document value) {
            return value.toJson().getBytes(java.nio.charset.StandardCharsets.UTF_8);
          }

          @Override
          public Document decode(byte[] bytes) {
            return Document.parse(new String(bytes, java.nio.charset.StandardCharsets.UTF_8));
          }

          @Override
          public String typeName() {
            return "org.bson.Document";
          }
        }).build();
    MongoRepository<String, Document> repo = MongoRepository.builder(raw).database(database)
        .collection("raw_" + COLLECTIONS.incrementAndGet()).build();
    repo.insertIfAbsent(new Document("id", "d-1").append("version", 1L).append("status", "{\"$ne\": null}"));
    assertThat(repo.findAll(Filter.eq("status", "{\"$ne\": null}"))).hasSize(1);
    assertThat(repo.findAll(Filter.eq("status", "x"))).isEmpty();
  }

  @Test
  void readPreferenceIsConfigurableAndTheHealthCheckPings() {
    MongoRepository<String, TestOrder> repo = MongoRepository.builder(TestOrder.DESCRIPTOR).database(database)
        .collection("rp_" + COLLECTIONS.incrementAndGet()).readPreference(ReadPreference.primaryPreferred())
        .name("orders-rp").build();
    repo.save(TestOrder.of("o-1", "c-1", 5, "NEW"));
    assertThat(repo.findById("o-1")).isPresent();
    assertThat(repo.healthCheck().name()).isEqualTo("orders-rp");
    assertThat(repo.healthCheck().check().status()).isEqualTo(HealthStatus.UP);
  }

  @Test
  void builderRejectsBadNamesAndMissingSettings() {
    assertThatThrownBy(() -> MongoRepository.builder(TestOrder.DESCRIPTOR).collection("a.$b"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a.$b");
    assertThatThrownBy(() -> MongoRepository.builder(TestOrder.DESCRIPTOR).collection("x").build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("database");
    assertThatThrownBy(() -> MongoRepository.builder(TestOrder.DESCRIPTOR).readPreference(null))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("readPreference");
  }

  @Test
  void aServerThatIsGoneIsAStoreExceptionNamingTheRepositoryAndAHealthCheckDown() {
    MongoClientSettings settings = MongoClientSettings.builder()
        .applyConnectionString(new ConnectionString("mongodb://127.0.0.1:1"))
        .applyToClusterSettings(c -> c.serverSelectionTimeout(300, TimeUnit.MILLISECONDS))
        .build();
    try (MongoClient gone = MongoClients.create(settings)) {
      MongoRepository<String, TestOrder> repo = MongoRepository.builder(TestOrder.DESCRIPTOR)
          .database(gone.getDatabase("nowhere")).collection("orders").createIndexes(false).build();
      assertThatThrownBy(() -> repo.findById("o-1")).isInstanceOf(StoreException.class)
          .hasMessageContaining("orders").hasMessageContaining("findById");
      assertThatThrownBy(() -> repo.save(TestOrder.of("o-1", "c-1", 1, "NEW"))).isInstanceOf(StoreException.class)
          .hasMessageContaining("save");
      assertThat(repo.healthCheck().check().status()).isEqualTo(HealthStatus.DOWN);
    }
  }
}
