package dev.layerkit.gateway.lb.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.layerkit.gateway.lb.Endpoint;
import dev.layerkit.gateway.lb.EndpointSource;
import dev.layerkit.test.servers.TestRedisCluster;
import dev.layerkit.test.servers.TestServers;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The registry on a Redis Cluster ({@link TestServers#redisCluster()}) through a
 * {@link RedisClusterClient}: register, heartbeat and deregister on the master of the service's
 * slot, and watchers that hear joins and leaves of services on every master through one
 * subscription. Waiting is for asynchronous delivery only (a pub/sub message, a scheduled
 * heartbeat), with Awaitility; watchers re-read only once an hour, so what they see came by
 * notification.
 */
class RedisServiceRegistryClusterIT {

  private static final TestRedisCluster CLUSTER = TestServers.redisCluster();
  /** Notifications, not re-reads, must deliver within this: the re-read interval is an hour. */
  private static final Duration NOTIFICATION_BOUND = Duration.ofSeconds(5);

  private static RedisClusterClient client;
  private static StatefulRedisClusterConnection<String, String> connection;
  private static RedisAdvancedClusterCommands<String, String> redis;

  private final List<RedisServiceRegistry> registries = new ArrayList<>();
  private String prefix;

  @BeforeAll
  static void connect() {
    client = RedisClusterClient.create(CLUSTER.seeds().stream().map(RedisURI::create).collect(Collectors.toList()));
    connection = client.connect();
    redis = connection.sync();
  }

  @AfterAll
  static void disconnect() {
    connection.close();
    client.shutdown();
  }

  @BeforeEach
  void newPrefix(TestInfo test) {
    prefix = CLUSTER.newKeyPrefix(test.getTestMethod().orElseThrow().getName());
  }

  @AfterEach
  void closeRegistries() {
    registries.forEach(RedisServiceRegistry::close);
  }

  private RedisServiceRegistry registry(Duration heartbeatInterval) {
    RedisServiceRegistry registry = RedisServiceRegistry.builder(client).keyPrefix(prefix)
        .ttl(Duration.ofSeconds(30)).heartbeatInterval(heartbeatInterval).refreshInterval(Duration.ofHours(1))
        .build();
    registries.add(registry);
    return registry;
  }

  @Test
  void registersHeartbeatsAndDeregistersOnTheMasterOfTheServiceSlot() {
    RedisServiceRegistry registry = registry(Duration.ofMillis(500));
    Endpoint endpoint = Endpoint.builder("10.0.0.1", 8080).id("orders-a").zone("z1").build();

    RedisServiceRegistry.Registration registration = registry.register("orders", endpoint);
    List<String> keys = registry.keysOf("orders");
    assertThat(SlotHash.getSlot(keys.get(0))).isEqualTo(SlotHash.getSlot(keys.get(1)));
    Double firstExpiry = redis.zscore(keys.get(0), endpoint.id());
    assertThat(firstExpiry).isNotNull();
    assertThat(redis.hkeys(keys.get(1))).containsExactly(endpoint.id());
    assertThat(registry.instances("orders")).containsExactly(endpoint);

    await().atMost(Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(redis.zscore(keys.get(0), endpoint.id())).isGreaterThan(firstExpiry));

    registration.close();
    assertThat(redis.zscore(keys.get(0), endpoint.id())).isNull();
    assertThat(redis.hkeys(keys.get(1))).isEmpty();
    assertThat(registry.instances("orders")).isEmpty();
  }

  @Test
  void oneWatcherSeesJoinsAndLeavesOfServicesOnEveryMaster() {
    Map<String, String> serviceByMaster = servicesOnEveryMaster();
    assertThat(serviceByMaster).as("one service per master").hasSize(mastersCount());
    // Two registries, as in two processes: the instances' and the gateway's.
    RedisServiceRegistry instances = registry(Duration.ofSeconds(5));
    RedisServiceRegistry gateway = registry(Duration.ofSeconds(5));
    Map<String, EndpointSource> watched = new HashMap<>();
    for (String service : serviceByMaster.values()) {
      EndpointSource source = gateway.watch(service);
      assertThat(source.endpoints()).isEmpty();
      watched.put(service, source);
    }

    Map<String, RedisServiceRegistry.Registration> joined = new HashMap<>();
    int port = 9000;
    for (String service : serviceByMaster.values()) {
      joined.put(service, instances.register(service, Endpoint.of("10.0.1.1", port++)));
    }
    for (String service : serviceByMaster.values()) {
      Endpoint expected = joined.get(service).endpoint();
      await().atMost(NOTIFICATION_BOUND).untilAsserted(
          () -> assertThat(watched.get(service).endpoints()).as("join of %s", service).containsExactly(expected));
    }

    for (RedisServiceRegistry.Registration registration : joined.values()) {
      registration.close();
    }
    for (String service : serviceByMaster.values()) {
      await().atMost(NOTIFICATION_BOUND).untilAsserted(
          () -> assertThat(watched.get(service).endpoints()).as("leave of %s", service).isEmpty());
    }
  }

  /** Service names whose keys (hash-tagged by the name) live on each master, one per master. */
  private static Map<String, String> servicesOnEveryMaster() {
    Map<String, String> byMaster = new LinkedHashMap<>();
    int masters = mastersCount();
    for (int i = 0; i < 10_000 && byMaster.size() < masters; i++) {
      String service = "svc-" + i;
      String master = client.getPartitions().getPartitionBySlot(SlotHash.getSlot(service)).getNodeId();
      byMaster.putIfAbsent(master, service);
    }
    return byMaster;
  }

  private static int mastersCount() {
    return (int) client.getPartitions().stream()
        .filter(node -> node.is(RedisClusterNode.NodeFlag.UPSTREAM))
        .count();
  }
}
