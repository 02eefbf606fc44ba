package dev.layerkit.cache.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.cache.Cache;
import dev.layerkit.core.codec.Codecs;
import dev.layerkit.core.redis.RedisConnections;
import dev.layerkit.test.cache.CacheContract;
import dev.layerkit.test.servers.TestRedisCluster;
import dev.layerkit.test.servers.TestServers;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * {@link RedisCache} on a Redis Cluster connection ({@link TestServers#redisCluster()}): the
 * contract (expiry on the servers' clocks), and batches and invalidation over keys on every master.
 */
class RedisCacheClusterIT extends CacheContract {

  private static final TestRedisCluster CLUSTER = TestServers.redisCluster();
  private static RedisClusterClient client;
  private static StatefulRedisClusterConnection<String, byte[]> connection;

  private String keyPrefix;

  @BeforeAll
  static void connect() {
    client = RedisClusterClient.create(
        CLUSTER.seeds().stream().map(RedisURI::create).collect(Collectors.toList()));
    connection = RedisConnections.connect(client);
  }

  @AfterAll
  static void disconnect() {
    connection.close();
    client.shutdown();
  }

  @BeforeEach
  void prefix(TestInfo test) {
    keyPrefix = CLUSTER.newKeyPrefix(test.getTestMethod().orElseThrow().getName());
  }

  @Override
  protected Cache<String, String> newCache(String name) {
    // Generous: a contract failure must not be a slow CI machine.
    return RedisCache.<String, String>builder(connection, Codecs.utf8()).name(name)
        .keyPrefix(keyPrefix + name + ':').timeout(Duration.ofSeconds(10)).build();
  }

  @Override
  protected void passTime(Duration duration) {
    // Redis expires on its own clock; the contract waits for it, bounded.
  }

  @Test
  void batchesAndInvalidateAllCoverKeysOnEveryMaster() {
    RedisCache<String, String> cache = RedisCache.<String, String>builder(connection, Codecs.utf8())
        .name("spread").keyPrefix(keyPrefix).timeout(Duration.ofSeconds(10)).build();
    Map<String, String> entries = new HashMap<>();
    List<String> keys = new ArrayList<>();
    Set<String> nodesHit = new HashSet<>();
    for (int i = 0; i < 300; i++) {
      entries.put("k" + i, "v" + i);
      keys.add("k" + i);
      nodesHit.add(client.getPartitions().getPartitionBySlot(SlotHash.getSlot(keyPrefix + "{k" + i + "}"))
          .getNodeId());
    }
    assertThat(nodesHit).as("the keys reach every master").hasSize(mastersCount());

    cache.putAll(entries, Duration.ofMinutes(1));
    assertThat(cache.getAll(keys)).as("one MGET, split by slot").isEqualTo(entries);
    assertThat(cache.get("k7")).isEqualTo("v7");
    assertThat(cache.errorCount()).as("no call failed and was taken for a miss").isZero();

    connection.sync().set(keyPrefix.substring(0, keyPrefix.length() - 1) + "-other", new byte[] {1});
    cache.invalidateAll();
    assertThat(cache.getAll(keys)).isEmpty();
    assertThat(connection.sync().keys(keyPrefix + "*")).as("gone from every master").isEmpty();
    assertThat(connection.sync().exists(keyPrefix.substring(0, keyPrefix.length() - 1) + "-other"))
        .isEqualTo(1);
  }

  private static int mastersCount() {
    return (int) client.getPartitions().stream()
        .filter(node -> node.is(RedisClusterNode.NodeFlag.UPSTREAM))
        .count();
  }
}
