package dev.layerkit.test.servers;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * {@link TestServers#redisCluster()} gives a cluster that answers: every slot is served, and keys
 * in slots of every master are written and read back through a cluster client.
 */
class RedisClusterIT {

  @Test
  void keysOnEveryMasterAreSetAndReadBack() {
    TestRedisCluster cluster = TestServers.redisCluster();
    assertThat(cluster.seeds()).allMatch(seed -> seed.startsWith("redis://"));
    String prefix = cluster.newKeyPrefix("keys-on-every-master");
    RedisClusterClient client = RedisClusterClient.create(
        cluster.seeds().stream().map(RedisURI::create).collect(Collectors.toList()));
    try (StatefulRedisClusterConnection<String, String> connection = client.connect()) {
      RedisAdvancedClusterCommands<String, String> sync = connection.sync();
      assertThat(sync.clusterInfo()).contains("cluster_state:ok");
      Set<RedisClusterNode> masters = client.getPartitions().stream()
          .filter(node -> node.is(RedisClusterNode.NodeFlag.UPSTREAM))
          .collect(Collectors.toSet());
      if (cluster.source() == ServerSource.EMBEDDED) {
        assertThat(masters).hasSize(RedisClusterSupport.EMBEDDED_MASTERS);
      }

      // Different names hash to different slots; enough of them reach every master.
      Map<String, String> written = new HashMap<>();
      Set<String> mastersHit = new HashSet<>();
      for (int i = 0; mastersHit.size() < masters.size(); i++) {
        assertThat(i).as("keys tried before every master was hit").isLessThan(1_000);
        String key = prefix + "k" + i;
        RedisClusterNode owner = client.getPartitions().getPartitionBySlot(SlotHash.getSlot(key));
        mastersHit.add(owner.getNodeId());
        sync.set(key, "v" + i);
        written.put(key, "v" + i);
      }
      written.forEach((key, value) -> assertThat(sync.get(key)).as(key).isEqualTo(value));
      assertThat(mastersHit).hasSize(masters.size());
    } finally {
      client.shutdown();
    }
  }

  @Test
  void theClusterIsSharedAndPrefixesAreFresh() {
    TestRedisCluster cluster = TestServers.redisCluster();
    assertThat(TestServers.redisCluster()).isSameAs(cluster);
    assertThat(cluster.newKeyPrefix("a b")).startsWith("lk-test:a-b:").endsWith(":")
        .isNotEqualTo(cluster.newKeyPrefix("a b"));
    assertThat(cluster.description()).startsWith("Redis Cluster ");
  }
}
