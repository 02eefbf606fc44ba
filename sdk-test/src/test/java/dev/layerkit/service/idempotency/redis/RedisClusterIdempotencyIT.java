package dev.layerkit.service.idempotency.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.service.idempotency.IdempotencyKeyStore;
import dev.layerkit.service.idempotency.IdempotencyKeyStores;
import dev.layerkit.service.idempotency.IdempotencyOutcome;
import dev.layerkit.service.idempotency.RequestFingerprint;
import dev.layerkit.test.servers.TestRedisCluster;
import dev.layerkit.test.servers.TestServers;
import dev.layerkit.test.service.IdempotencyStoreContract;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The idempotency contract on a Redis Cluster ({@link TestServers#redisCluster()}): each script
 * touches one hash-tagged key, so it runs on whichever master owns the key's slot.
 */
@DisplayName("Idempotency on a Redis Cluster")
class RedisClusterIdempotencyIT extends IdempotencyStoreContract {

  private static final TestRedisCluster CLUSTER = TestServers.redisCluster();
  private static RedisClusterClient client;
  private static StatefulRedisClusterConnection<String, byte[]> connection;
  private RedisIdempotencyKeyStore redisStore;

  @BeforeAll
  static void connect() {
    client = RedisClusterClient.create(CLUSTER.seeds().stream().map(RedisURI::create).collect(Collectors.toList()));
    connection = client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
  }

  @AfterAll
  static void disconnect() {
    connection.close();
    client.shutdown();
  }

  @Override
  protected IdempotencyKeyStore newStore() {
    redisStore = IdempotencyKeyStores.redis(connection).name("cluster-it")
        .keyPrefix(CLUSTER.newKeyPrefix("idempotency")).build();
    return redisStore;
  }

  @Test
  void keysOnEveryMasterAreClaimedAndReplayed() {
    Set<String> masters = new HashSet<>();
    RequestFingerprint fingerprint = RequestFingerprint.of("POST", "/orders", utf8("x"));
    for (int i = 0; i < 64; i++) {
      String key = "spread-" + i;
      masters.add(connection.getPartitions().getPartitionBySlot(SlotHash.getSlot(redisStore.redisKey(key))).getNodeId());
      idempotency.execute(key, fingerprint, () -> created(1));
      assertThat(idempotency.execute(key, fingerprint, () -> created(2)))
          .isEqualTo(new IdempotencyOutcome.Replayed(created(1)));
    }

    assertThat(masters).hasSizeGreaterThan(1);
  }
}
