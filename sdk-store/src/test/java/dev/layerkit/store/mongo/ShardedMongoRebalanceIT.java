package dev.layerkit.store.mongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import dev.layerkit.core.hash.Hashing;
import dev.layerkit.core.hash.JumpHash;
import dev.layerkit.core.testing.TestMongo;
import dev.layerkit.core.testing.TestServers;
import dev.layerkit.store.Filter;
import dev.layerkit.store.RebalanceProgress;
import dev.layerkit.store.RebalanceReport;
import dev.layerkit.store.ShardedRepository;
import dev.layerkit.store.TestOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
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
      AtomicLong movedWhenKilled = new AtomicLong();
      try (ShardedRepository<String, TestOrder> first = ShardedRepository.builder(old).rebalanceBatchSize(100).build()) {
        for (int i = 0; i < records; i++) {
          first.insertIfAbsent(TestOrder.of("o-" + i, "c-" + i % 40, i, "NEW").withVersion(1));
        }
        assertThatThrownBy(() -> first.rebalance(grown, (moved, examined, total) -> {
          if (moved >= 400) {
            movedWhenKilled.set(moved);
            throw new IllegalStateException("killed");
          }
        })).hasMessage("killed");
      }
      try (ShardedRepository<String, TestOrder> restarted = ShardedRepository.builder(old).rebalancingTo(grown).build()) {
        assertThat(restarted.count(Filter.all())).isEqualTo(records);
        assertThat(restarted.findAll(Filter.eq("customerId", "c-3"))).hasSize(records / 40);
        RebalanceReport report = restarted.rebalance(grown, RebalanceProgress.none());
        long moved = movedWhenKilled.get() + report.moved();
        // 1/5 of 4,000 expected; binomial standard deviation about 25.
        assertThat(moved).isBetween(650L, 950L);
        long total = 0;
        for (int s = 0; s < grown.size(); s++) {
          try (Stream<TestOrder> documents = grown.get(s).scan()) {
            int shard = s;
            total += documents.peek(o -> assertThat(JumpHash.bucket(Hashing.hash(o.id()), 5)).as(o.id()).isEqualTo(shard))
                .count();
          }
        }
        assertThat(total).as("every document once").isEqualTo(records);
        for (int i = 0; i < records; i += 37) {
          assertThat(restarted.findById("o-" + i)).isPresent();
        }
      }
    }
  }
}
