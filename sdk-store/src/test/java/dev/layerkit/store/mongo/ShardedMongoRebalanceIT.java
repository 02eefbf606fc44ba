package dev.layerkit.store.mongo;

import static dev.layerkit.store.RebalanceAssertions.assertResumesToTheEnd;
import static dev.layerkit.store.RebalanceAssertions.rebalanceKilledAfter;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import dev.layerkit.store.TestOrder;
import dev.layerkit.store.sharding.ShardedRepository;
import dev.layerkit.test.servers.TestMongo;
import dev.layerkit.test.servers.TestServers;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** {@link ShardedRepository#rebalance} from 4 to 5 {@link MongoRepository} shards. */
@DisplayName("ShardedRepository rebalance over MongoRepository shards on mongo-java-server (in-process, wire-compatible,"
    + " not MongoDB; MongoDB instead when LAYERKIT_TEST_MONGO or Docker provides one)")
class ShardedMongoRebalanceIT {

  @Test
  void aRebalanceStoppedHalfwayResumesInANewProcessAndEndsWithEveryDocumentOnceWhereItBelongs() {
    TestMongo mongo = TestServers.mongo();
    int records = 4_000;
    try (MongoClient client = MongoClients.create(mongo.connectionString())) {
      MongoDatabase database = client.getDatabase(mongo.newDatabaseName("sharded_mongo_rebalance_it"));
      List<MongoRepository<String, TestOrder>> old = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        old.add(MongoRepository.builder(TestOrder.DESCRIPTOR).database(database).collection("orders_" + i).build());
      }
      List<MongoRepository<String, TestOrder>> grown = new ArrayList<>(old);
      grown.add(MongoRepository.builder(TestOrder.DESCRIPTOR).database(database).collection("orders_4").build());
      long movedWhenKilled;
      try (ShardedRepository<String, TestOrder> first = ShardedRepository.builder(old).rebalanceBatchSize(100).build()) {
        for (int i = 0; i < records; i++) {
          first.insertIfAbsent(TestOrder.of("o-" + i, "c-" + i % 40, i, "NEW").withVersion(1));
        }
        movedWhenKilled = rebalanceKilledAfter(first, grown, 400);
      }
      try (ShardedRepository<String, TestOrder> restarted = ShardedRepository.builder(old).rebalancingTo(grown).build()) {
        assertResumesToTheEnd(restarted, grown, records, movedWhenKilled);
      }
    }
  }
}
