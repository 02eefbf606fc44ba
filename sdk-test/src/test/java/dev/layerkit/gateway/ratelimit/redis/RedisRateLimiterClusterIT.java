package dev.layerkit.gateway.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.core.redis.RedisConnections;
import dev.layerkit.core.time.TimeSource;
import dev.layerkit.gateway.ratelimit.Limit;
import dev.layerkit.gateway.ratelimit.RateLimitPolicy;
import dev.layerkit.gateway.ratelimit.RateLimiter;
import dev.layerkit.test.gateway.RateLimiterContract;
import dev.layerkit.test.servers.TestRedisCluster;
import dev.layerkit.test.servers.TestServers;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * {@link RedisRateLimiter} on a Redis Cluster connection ({@link TestServers#redisCluster()}): the
 * contract with a client clock driven by the contract's ManualTimeSource, and keys spread over
 * every master.
 */
class RedisRateLimiterClusterIT extends RateLimiterContract {

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
  protected RateLimiter newLimiter(RateLimitPolicy policy, TimeSource timeSource) {
    return RedisRateLimiter.builder(policy, connection)
        .keyPrefix(keyPrefix + "p" + policy.hashCode() + ':')
        .timeSource(timeSource)
        // Generous: the contract counts exactly, so a fail-open on a slow CI machine would be a
        // false failure.
        .timeout(Duration.ofSeconds(10))
        .build();
  }

  @Test
  void keysInSlotsOfEveryMasterAreEachLimitedOnTheirOwn() {
    RedisRateLimiter limiter = RedisRateLimiter.builder(RateLimitPolicy.of(Limit.perMinute(2)), connection)
        .keyPrefix(keyPrefix).timeout(Duration.ofSeconds(10)).build();
    Set<String> nodesHit = new HashSet<>();
    for (int i = 0; i < 200; i++) {
      String key = "user-" + i;
      // The limiter hash-tags the key, so its slot is that of the key alone.
      nodesHit.add(client.getPartitions().getPartitionBySlot(SlotHash.getSlot(key)).getNodeId());
      assertThat(limiter.tryAcquire(key).allowed()).as("%s first", key).isTrue();
      assertThat(limiter.tryAcquire(key).allowed()).as("%s second", key).isTrue();
      // Fail-open would allow this one: denial proves Redis decided, not an error.
      assertThat(limiter.tryAcquire(key).allowed()).as("%s over the limit", key).isFalse();
    }
    assertThat(nodesHit).as("the keys reached every master").hasSize(mastersCount());
  }

  private static int mastersCount() {
    return (int) client.getPartitions().stream()
        .filter(node -> node.is(RedisClusterNode.NodeFlag.UPSTREAM))
        .count();
  }
}
