package dev.layerkit.gateway.lb.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.layerkit.core.redis.RedisConnections;
import dev.layerkit.gateway.lb.Endpoint;
import dev.layerkit.gateway.lb.EndpointSource;
import dev.layerkit.gateway.lb.LoadBalancer;
import dev.layerkit.gateway.lb.LoadBalancers;
import dev.layerkit.gateway.lb.NoAvailableEndpointException;
import dev.layerkit.test.servers.PausableRedis;
import dev.layerkit.test.servers.TestRedis;
import dev.layerkit.test.servers.TestServers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The registry against a real Redis ({@link TestServers#redis()}). Each test has its own key
 * prefix. Waiting is for asynchronous delivery only (a pub/sub message, a scheduled re-read), with
 * Awaitility; expiry is tested by writing an already-expired entry, not by waiting out a TTL.
 */
class RedisServiceRegistryIT {

  private static final TestRedis REDIS = TestServers.redis();
  /** Notifications, not re-reads, must deliver within this: the re-read interval is an hour. */
  private static final Duration NOTIFICATION_BOUND = Duration.ofSeconds(2);
  /**
   * How long a periodic task (a heartbeat every 50 ms, a re-read every 100 ms) may take to show
   * its effect: what is asserted is that it happens, not how soon, and on a loaded machine (PIT's
   * coverage run at load 30) 2 s was not always enough for 40 heartbeat intervals.
   */
  private static final Duration PERIODIC_BOUND = Duration.ofSeconds(10);

  private static RedisClient client;
  private static StatefulRedisConnection<String, String> connection;
  private static RedisCommands<String, String> redis;

  private final List<RedisServiceRegistry> registries = new ArrayList<>();
  private String prefix;

  @BeforeAll
  static void connect() {
    client = RedisClient.create(REDIS.uri());
    connection = client.connect();
    redis = connection.sync();
  }

  @AfterAll
  static void disconnect() {
    connection.close();
    client.shutdown();
  }

  @BeforeEach
  void newPrefix() {
    prefix = REDIS.newKeyPrefix("lb-registry");
  }

  @AfterEach
  void closeRegistries() {
    registries.forEach(RedisServiceRegistry::close);
    for (String key : redis.keys(prefix + "*")) {
      redis.del(key);
    }
  }

  private RedisServiceRegistry registry(Duration refreshInterval) {
    RedisServiceRegistry registry = RedisServiceRegistry.builder(client).keyPrefix(prefix)
        .ttl(Duration.ofSeconds(30)).refreshInterval(refreshInterval).build();
    registries.add(registry);
    return registry;
  }

  @Test
  void aWatcherSeesJoinsAndLeavesThroughNotifications() {
    // Two registries: the instances' and the gateway's, as in two processes.
    RedisServiceRegistry instances = registry(Duration.ofHours(1));
    RedisServiceRegistry gateway = registry(Duration.ofHours(1));
    EndpointSource orders = gateway.watch("orders");
    List<List<Endpoint>> seen = new CopyOnWriteArrayList<>();
    orders.subscribe(seen::add);
    assertThat(orders.endpoints()).isEmpty();

    Endpoint a = Endpoint.builder("10.0.0.1", 8080).id("orders-a").weight(2).zone("z1").metadata("v", "7").build();
    Endpoint b = Endpoint.of("10.0.0.2", 8080);
    RedisServiceRegistry.Registration ra = instances.register("orders", a);
    instances.register("orders", b);

    await().atMost(NOTIFICATION_BOUND).untilAsserted(() -> assertThat(orders.endpoints()).containsExactly(b, a));

    ra.close();

    await().atMost(NOTIFICATION_BOUND).untilAsserted(() -> assertThat(orders.endpoints()).containsExactly(b));
    assertThat(seen.get(seen.size() - 1)).containsExactly(b);
    assertThat(instances.instances("orders")).containsExactly(b);
  }

  @Test
  void onSharedConnectionsTheRegistryWorksAndLeavesThemOpenWhenClosed() {
    StatefulRedisConnection<String, byte[]> shared = RedisConnections.connect(client);
    StatefulRedisPubSubConnection<String, byte[]> sharedPubSub = RedisConnections.connectPubSub(client);
    try {
      RedisServiceRegistry registry = RedisServiceRegistry.builder(shared, sharedPubSub).keyPrefix(prefix)
          .ttl(Duration.ofSeconds(30)).refreshInterval(Duration.ofHours(1)).build();
      EndpointSource orders = registry.watch("orders");
      Endpoint a = Endpoint.of("10.0.0.1", 8080);
      registry.register("orders", a);
      await().atMost(NOTIFICATION_BOUND).untilAsserted(() -> assertThat(orders.endpoints()).containsExactly(a));

      registry.close();

      assertThat(shared.isOpen()).isTrue();
      assertThat(shared.sync().ping()).isEqualTo("PONG");
      assertThat(sharedPubSub.isOpen()).isTrue();
      assertThat(redis.zcard(prefix + "{orders}:instances")).as("deregistered on close").isZero();
    } finally {
      sharedPubSub.close();
      shared.close();
    }
  }

  @Test
  void aLoadBalancerFollowsTheRegistry() {
    RedisServiceRegistry registry = registry(Duration.ofHours(1));
    LoadBalancer lb = LoadBalancers.roundRobin().serviceName("payments").endpointSource(registry.watch("payments"))
        .build();
    assertThatThrownBy(lb::pick).isInstanceOf(NoAvailableEndpointException.class).hasMessageContaining("payments");

    Endpoint only = Endpoint.of("10.0.0.9", 9090);
    RedisServiceRegistry.Registration registration = registry.register("payments", only);

    await().atMost(NOTIFICATION_BOUND).untilAsserted(() -> assertThat(lb.pick()).isEqualTo(only));
    registration.close();
    await().atMost(NOTIFICATION_BOUND).untilAsserted(() -> assertThat(lb.endpoints()).isEmpty());
    lb.close();
  }

  @Test
  void aCrashedInstanceDisappearsWhenItsTtlHasRunOut() {
    RedisServiceRegistry registry = registry(Duration.ofHours(1));
    Endpoint alive = Endpoint.of("10.0.0.1", 80);
    registry.register("search", alive);
    List<String> keys = registry.keysOf("search");
    // An instance that stopped heartbeating long ago: its expiry (server clock, ms) is in the past.
    redis.zadd(keys.get(0), 1_000, "10.0.0.2:80");
    redis.hset(keys.get(1), "10.0.0.2:80",
        "{\"id\":\"10.0.0.2:80\",\"host\":\"10.0.0.2\",\"port\":80,\"weight\":1,\"metadata\":{}}");

    assertThat(registry.instances("search")).containsExactly(alive);
    assertThat(redis.zrange(keys.get(0), 0, -1)).containsExactly("10.0.0.1:80");
    assertThat(redis.hkeys(keys.get(1))).containsExactly("10.0.0.1:80");
  }

  @Test
  void periodicReReadsCatchChangesWhoseNotificationWasLost() {
    RedisServiceRegistry registry = registry(Duration.ofMillis(100));
    EndpointSource source = registry.watch("catalog");
    List<String> keys = registry.keysOf("catalog");
    // Written behind the registry's back: no PUBLISH, as if the message had been lost.
    redis.zadd(keys.get(0), 9_000_000_000_000d, "10.0.0.5:80");
    redis.hset(keys.get(1), "10.0.0.5:80",
        "{\"id\":\"10.0.0.5:80\",\"host\":\"10.0.0.5\",\"port\":80,\"weight\":3,\"metadata\":{}}");

    await().atMost(PERIODIC_BOUND).untilAsserted(
        () -> assertThat(source.endpoints()).containsExactly(Endpoint.of("10.0.0.5", 80, 3)));
  }

  @Test
  void heartbeatsExtendTheRegistrationAndRestoreItAfterDataLoss() {
    RedisServiceRegistry registry = RedisServiceRegistry.builder(client).keyPrefix(prefix)
        .ttl(Duration.ofSeconds(30)).heartbeatInterval(Duration.ofMillis(500)).refreshInterval(Duration.ofHours(1))
        .build();
    registries.add(registry);
    Endpoint endpoint = Endpoint.of("10.0.0.1", 80);
    registry.register("cart", endpoint);
    List<String> keys = registry.keysOf("cart");
    double firstExpiry = redis.zscore(keys.get(0), endpoint.id());

    await().atMost(PERIODIC_BOUND)
        .untilAsserted(() -> assertThat(redis.zscore(keys.get(0), endpoint.id())).isGreaterThan(firstExpiry));
    assertThat(redis.pttl(keys.get(0))).isBetween(1L, 30_000L);

    EndpointSource watcher = registry.watch("cart");
    redis.del(keys.get(0), keys.get(1));  // Redis restarted without persistence
    await().atMost(PERIODIC_BOUND).untilAsserted(() -> {
      assertThat(redis.zscore(keys.get(0), endpoint.id())).isNotNull();
      assertThat(watcher.endpoints()).containsExactly(endpoint);
    });
  }

  @Test
  void keysOfAServiceShareOneClusterSlotAndCarryThePrefix() {
    RedisServiceRegistry registry = registry(Duration.ofHours(1));

    List<String> keys = registry.keysOf("orders");

    assertThat(keys).containsExactly(prefix + "{orders}:instances", prefix + "{orders}:endpoints",
        prefix + "{orders}:changes");
    assertThat(SlotHash.getSlot(keys.get(0))).isEqualTo(SlotHash.getSlot(keys.get(1)));
  }

  @Test
  void closingTheRegistryDeregistersItsInstancesAndStopsItsWatchers() {
    RedisServiceRegistry instances = registry(Duration.ofHours(1));
    RedisServiceRegistry gateway = registry(Duration.ofHours(1));
    EndpointSource watcher = gateway.watch("mail");
    instances.register("mail", Endpoint.of("10.0.0.1", 25));
    await().atMost(NOTIFICATION_BOUND).untilAsserted(() -> assertThat(watcher.endpoints()).hasSize(1));

    instances.close();

    await().atMost(NOTIFICATION_BOUND).untilAsserted(() -> assertThat(watcher.endpoints()).isEmpty());
    assertThatThrownBy(() -> instances.register("mail", Endpoint.of("h", 1)))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
  }

  @Test
  void rejectsBadNamesAndSettings() {
    RedisServiceRegistry registry = registry(Duration.ofHours(1));

    assertThatThrownBy(() -> registry.watch("a{b}")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("service must be non-blank and without braces but was 'a{b}'");
    assertThatThrownBy(() -> registry.register(" ", Endpoint.of("h", 1))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RedisServiceRegistry.builder(client).ttl(Duration.ofMillis(10)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("ttl must be >= 100ms but was PT0.01S");
    assertThatThrownBy(() -> RedisServiceRegistry.builder(client).ttl(Duration.ofSeconds(1))
            .heartbeatInterval(Duration.ofSeconds(1)).build())
        .isInstanceOf(IllegalStateException.class).hasMessage("heartbeatInterval must be < ttl PT1S but was PT1S");
    assertThatThrownBy(() -> RedisServiceRegistry.builder(client).keyPrefix("{x}"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("braces");
  }

  @Test
  void aClosedRegistryRefusesWatchAndInstancesSayingWhy() {
    RedisServiceRegistry registry = registry(Duration.ofHours(1));
    registry.close();
    assertThatThrownBy(() -> registry.watch("orders"))
        .isInstanceOf(IllegalStateException.class).hasMessage("RedisServiceRegistry is closed");
    assertThatThrownBy(() -> registry.instances("orders"))
        .isInstanceOf(IllegalStateException.class).hasMessage("RedisServiceRegistry is closed");
  }

  @Test
  void aNewWatcherStartsWithTheInstancesAlreadyRegistered() {
    RedisServiceRegistry instances = registry(Duration.ofHours(1));
    Endpoint a = Endpoint.of("10.0.0.1", 80);
    instances.register("pay", a);
    // No notification comes for what was registered before, and the re-read is an hour away.
    assertThat(registry(Duration.ofHours(1)).watch("pay").endpoints()).containsExactly(a);
  }

  @Test
  void serviceNamesWithABraceAnywhereAreRefusedNamingThem() {
    RedisServiceRegistry registry = registry(Duration.ofHours(1));
    for (String service : List.of("{orders", "}orders", "or{ders", "orders}")) {
      assertThatThrownBy(() -> registry.instances(service)).isInstanceOf(IllegalArgumentException.class)
          .hasMessage("service must be non-blank and without braces but was '" + service + "'");
    }
  }

  @Test
  void aServiceIsUnsubscribedOnceItsLastWatcherClosesAndClosingTheRegistryDropsEverySubscription() {
    RedisServiceRegistry registry = registry(Duration.ofHours(1));
    String channel = registry.keysOf("mail").get(2);
    EndpointSource first = registry.watch("mail");
    EndpointSource second = registry.watch("mail");
    assertThat(subscribers(channel)).isEqualTo(1);
    first.close();
    assertThat(subscribers(channel)).as("still watched by the second").isEqualTo(1);
    second.close();
    await().atMost(NOTIFICATION_BOUND).until(() -> subscribers(channel) == 0);
    registry.watch("mail");
    assertThat(subscribers(channel)).isEqualTo(1);
    registry.close();
    await().atMost(NOTIFICATION_BOUND).until(() -> subscribers(channel) == 0);
  }

  /**
   * Built from a client, the registry's own two connections (commands, pub/sub) are closed with
   * it; counted on a server of this test alone, where no other build's clients come and go.
   */
  @Test
  void closingARegistryBuiltFromAClientClosesItsOwnConnections() throws Exception {
    try (PausableRedis own = PausableRedis.start()) {
      RedisClient ownClient = RedisClient.create(own.uri());
      try (StatefulRedisConnection<String, String> inspect = ownClient.connect()) {
        RedisServiceRegistry registry = RedisServiceRegistry.builder(ownClient).keyPrefix(prefix)
            .refreshInterval(Duration.ofHours(1)).build();
        registry.watch("orders");
        assertThat(connectedClients(inspect)).as("this one, commands and pub/sub").isEqualTo(3);

        registry.close();

        await().atMost(NOTIFICATION_BOUND).untilAsserted(() -> assertThat(connectedClients(inspect)).isEqualTo(1));
      } finally {
        ownClient.shutdown();
      }
    }
  }

  private static long connectedClients(StatefulRedisConnection<String, String> connection) {
    Matcher m = Pattern.compile("connected_clients:(\\d+)").matcher(connection.sync().info("clients"));
    assertThat(m.find()).isTrue();
    return Long.parseLong(m.group(1));
  }

  /**
   * A scheduler that refuses a notification's re-read (shutting down, or saturated) does not stop
   * the watcher: the next notification schedules one again.
   */
  @Test
  void aReReadTheSchedulerRefusedIsScheduledAgainOnTheNextNotification() {
    AtomicInteger refusals = new AtomicInteger(1);
    ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1) {
      @Override
      public void execute(Runnable command) {
        if (refusals.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
          throw new RejectedExecutionException("refused for the test");
        }
        super.execute(command);
      }
    };
    try {
      RedisServiceRegistry registry = RedisServiceRegistry.builder(client).keyPrefix(prefix)
          .refreshInterval(Duration.ofHours(1)).scheduler(scheduler).build();
      registries.add(registry);
      EndpointSource orders = registry.watch("orders");
      Endpoint a = Endpoint.of("10.0.0.1", 80);
      Endpoint b = Endpoint.of("10.0.0.2", 80);
      registry.register("orders", a);
      await().atMost(NOTIFICATION_BOUND).until(() -> refusals.get() == 0);
      registry.register("orders", b);

      await().atMost(NOTIFICATION_BOUND).untilAsserted(() -> assertThat(orders.endpoints()).containsExactly(a, b));
    } finally {
      scheduler.shutdownNow();
    }
  }

  @Test
  void aClosedWatcherAndTheWatchersOfAClosedRegistryRefuseNewSubscribers() {
    RedisServiceRegistry registry = registry(Duration.ofHours(1));
    EndpointSource closedAlone = registry.watch("mail");
    EndpointSource closedWithTheRegistry = registry.watch("pay");
    closedAlone.close();
    assertThatThrownBy(() -> closedAlone.subscribe(endpoints -> { })).isInstanceOf(IllegalStateException.class)
        .hasMessage("endpoint source is closed");
    registry.close();
    assertThatThrownBy(() -> closedWithTheRegistry.subscribe(endpoints -> { }))
        .isInstanceOf(IllegalStateException.class).hasMessage("endpoint source is closed");
  }

  /** Redis's own error (here a key of the wrong type) reaches the caller as Lettuce reports it, and counts. */
  @Test
  void anErrorFromRedisReachesTheCallerAsItIsAndCounts() {
    RedisServiceRegistry registry = registry(Duration.ofHours(1));
    redis.set(registry.keysOf("broken").get(0), "not a sorted set");

    assertThatThrownBy(() -> registry.instances("broken")).isInstanceOf(RedisCommandExecutionException.class)
        .hasMessageContaining("WRONGTYPE");
    assertThat(registry.errorCount()).isEqualTo(1);
  }

  private static long subscribers(String channel) {
    return redis.pubsubNumsub(channel).get(channel);
  }

  @Test
  void errorMetersAreRegisteredForEachKindOfCall() {
    io.micrometer.core.instrument.simple.SimpleMeterRegistry meters =
        new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
    RedisServiceRegistry registry = RedisServiceRegistry.builder(client).keyPrefix(prefix)
        .meterRegistry(meters).build();
    registries.add(registry);
    for (String operation : List.of("heartbeat", "read", "deregister")) {
      assertThat(meters.get("layerkit.lb.registry.errors").tags("operation", operation, "prefix", prefix)
          .functionCounter().count()).as(operation).isZero();
    }
    assertThat(registry.errorCount()).isZero();
  }
}
