package dev.layerkit.examples.orders;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.layerkit.cache.Cache;
import dev.layerkit.cache.CacheBuilder;
import dev.layerkit.cache.Caches;
import dev.layerkit.cache.TieredCache;
import dev.layerkit.core.codec.Codecs;
import dev.layerkit.core.health.Health;
import dev.layerkit.core.health.HealthCheck;
import dev.layerkit.core.redis.RedisConnections;
import dev.layerkit.events.EventPublisher;
import dev.layerkit.events.EventSubscriber;
import dev.layerkit.events.IdempotencyStore;
import dev.layerkit.events.kafka.KafkaEventPublisher;
import dev.layerkit.events.kafka.KafkaEventSubscriber;
import dev.layerkit.events.kafka.KafkaTopics;
import dev.layerkit.events.redis.RedisIdempotencyStore;
import dev.layerkit.gateway.http.EventLoops;
import dev.layerkit.gateway.ratelimit.FailMode;
import dev.layerkit.gateway.ratelimit.RateLimitPolicy;
import dev.layerkit.gateway.ratelimit.RateLimiter;
import dev.layerkit.gateway.ratelimit.redis.LoopConnections;
import dev.layerkit.gateway.ratelimit.redis.LoopLocalRateLimiter;
import dev.layerkit.gateway.ratelimit.redis.RedisEventLoops;
import dev.layerkit.gateway.ratelimit.redis.RedisRateLimiter;
import dev.layerkit.service.idempotency.IdempotencyKeyStore;
import dev.layerkit.service.idempotency.IdempotencyKeyStores;
import dev.layerkit.service.idempotency.jdbc.JdbcIdempotencyKeyStore;
import dev.layerkit.service.idempotency.redis.RedisIdempotencyKeyStore;
import dev.layerkit.service.saga.SagaRecord;
import dev.layerkit.store.EntityDescriptor;
import dev.layerkit.store.Repository;
import dev.layerkit.store.jdbc.JdbcRepository;
import dev.layerkit.store.mongo.MongoRepository;
import dev.layerkit.store.sharding.ShardedRepository;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The order system on real servers: orders in PostgreSQL (a table per shard) or MongoDB (a
 * collection per shard), the cache tiered (Caffeine in front of Redis, invalidated across
 * instances by pub/sub), the rate limiter on Redis, events on Kafka, idempotency keys in
 * PostgreSQL (or Redis beside MongoDB), place-order sagas in PostgreSQL (or MongoDB), handled
 * event ids in Redis. Every server is checked at
 * start; one that cannot be reached fails the start with a message naming it.
 */
final class ProductionBackends implements Backends {

  private static final Logger LOG = LoggerFactory.getLogger(ProductionBackends.class);
  private static final Pattern NAMESPACE = Pattern.compile("[a-z][a-z0-9_]{0,30}");
  /**
   * The order topic's partitions: at most this many consumers of one group share its events, so
   * it bounds the subscriber role's replicas (see {@code DeployFiles.subscriber()}).
   */
  static final int PARTITIONS = 4;

  private final String namespace;
  private final String kafka;
  private final RedisClient redis;
  private final RedisURI redisUri;
  /**
   * One connection for every Redis backend (cache, limiter, handled event ids, idempotency keys
   * beside MongoDB), one for the cache's invalidations.
   */
  private final StatefulRedisConnection<String, byte[]> redisConnection;
  private final StatefulRedisPubSubConnection<String, byte[]> invalidations;
  private final @Nullable HikariDataSource postgres;
  private final @Nullable MongoClient mongo;
  private final @Nullable MongoDatabase mongoDatabase;
  private final Closer closeables = new Closer();
  private @Nullable IdempotencyKeyStore idempotencyKeys;
  private @Nullable Repository<String, SagaRecord> sagaRecords;
  private final List<HealthCheck> checks = new ArrayList<>();
  private final ObservationRegistry observations;
  /** The gateway's event loops, made with the rate limiter's connection that runs on them. */
  private @Nullable EventLoops gatewayLoops;
  private @Nullable LoopConnections limiterConnections;

  ProductionBackends(OrderSystemOptions options, String namespace, ObservationRegistry observations) {
    this.observations = observations;
    if (!NAMESPACE.matcher(namespace).matches()) {
      throw new IllegalArgumentException("namespace must match " + NAMESPACE + " but was '" + namespace + "'");
    }
    this.namespace = namespace;
    this.kafka = require(options.kafkaBootstrap(), "--kafka");
    String redisUrl = require(options.redisUrl(), "--redis");
    try {
      this.redisUri = RedisURI.create(redisUrl);
      this.redis = RedisClient.create(redisUri);
      this.redisConnection = RedisConnections.connect(redis);
      this.invalidations = RedisConnections.connectPubSub(redis);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("cannot reach Redis at " + redisUrl + ": " + e.getMessage(), e);
    }
    closeables.push(redis::shutdown);
    checkKafka(kafka);
    if (options.postgresUrl() != null) {
      HikariConfig config = new HikariConfig();
      config.setJdbcUrl(options.postgresUrl());
      config.setMaximumPoolSize(16);
      config.setPoolName("orders-" + namespace);
      config.setInitializationFailTimeout(-1);
      HikariDataSource dataSource = new HikariDataSource(config);
      try (Connection connection = dataSource.getConnection()) {
        connection.isValid(5);
      } catch (SQLException | RuntimeException e) {
        dataSource.close();
        close();
        throw new IllegalArgumentException("cannot reach PostgreSQL at " + options.postgresUrl() + ": "
            + e.getMessage(), e);
      }
      this.postgres = dataSource;
      this.mongo = null;
      this.mongoDatabase = null;
      closeables.push(dataSource);
    } else {
      String mongoUrl = require(options.mongoUrl(), "--postgres or --mongo");
      MongoClient client = MongoClients.create(mongoUrl);
      try {
        client.getDatabase("admin").runCommand(new org.bson.Document("ping", 1));
      } catch (RuntimeException e) {
        client.close();
        close();
        throw new IllegalArgumentException("cannot reach MongoDB at " + mongoUrl + ": " + e.getMessage(), e);
      }
      this.postgres = null;
      this.mongo = client;
      this.mongoDatabase = client.getDatabase("layerkit_" + namespace);
      closeables.push(client);
    }
  }

  private static String require(@Nullable String value, String option) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("--backends=production needs " + option);
    }
    return value;
  }

  /** Checks that Kafka answers and creates the topic with its partitions before anyone uses it. */
  private void checkKafka(String bootstrap) {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000,
        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000))) {
      admin.describeCluster().nodes().get(10, TimeUnit.SECONDS);
      KafkaTopics.create(admin, topic(), PARTITIONS, (short) 1, Map.of(), Duration.ofSeconds(30));
    } catch (Exception e) {
      throw new IllegalArgumentException("cannot reach Kafka at " + bootstrap + ": " + e.getMessage(), e);
    }
  }

  @Override
  public String kind() {
    return postgres != null ? "production (PostgreSQL, Redis, Kafka)" : "production (MongoDB, Redis, Kafka)";
  }

  @Override
  public <T> List<Repository<String, T>> shards(String name, EntityDescriptor<String, T> descriptor) {
    List<Repository<String, T>> shards = new ArrayList<>();
    for (int i = 0; i < OrderSystem.SHARDS; i++) {
      String table = namespace + "_" + name + "_" + i;
      if (postgres != null) {
        JdbcRepository<String, T> shard = JdbcRepository.builder(descriptor).name(name + "-" + i)
            .table(table).dataSource(postgres).build();
        shards.add(shard);
      } else {
        shards.add(MongoRepository.builder(descriptor).name(name + "-" + i)
            .database(java.util.Objects.requireNonNull(mongoDatabase)).collection(table).build());
      }
    }
    return shards;
  }

  @Override
  public CacheBuilder<String, Order> orderCache(MeterRegistry meters) {
    Caches.TieredBuilder<String, Order> tiered = Caches.tiered(
        Caches.<String, Order>inMemory().name("orders-l1").maximumSize(100_000),
        Caches.<String, Order>redis(redisConnection, Codecs.json(Order.class))
            .name("orders").keyPrefix(namespace + ":orders:").timeout(Duration.ofMillis(100))
            .invalidationChannel(invalidations))
        .localTtl(Duration.ofSeconds(10));
    // The cache builds its tiered backend from this; keep its Redis health check and close it
    // (its subscription) with the other backends.
    return new CacheBuilder<>() {
      @Override
      public Cache<String, Order> build() {
        return kept(tiered.build());
      }

      @Override
      public <E> Cache<String, E> buildWrapped(Wrapping<Order, E> wrapping) {
        return kept(tiered.buildWrapped(wrapping));
      }
    };
  }

  private <V> TieredCache<String, V> kept(TieredCache<String, V> cache) {
    checks.add(cache.healthCheck());
    closeables.push(cache);
    return cache;
  }

  @Override
  public RateLimiter rateLimiter(RateLimitPolicy policy, MeterRegistry meters) {
    if (limiterConnections == null) {
      // The limiter's connections run on the gateway's own event loops, one per loop: a request's
      // Redis call is written and answered on the loop that serves it, with no Lettuce thread to
      // wake and no hand-off between loops (benchmarks/README.md, the Redis limiter in the gateway,
      // session 18: 0.73x the in-memory limiter's requests/s against 0.66x with one connection on
      // the gateway's loops, for about 1.7x Redis's CPU per request, which this system's Redis has
      // to spare). The loops are on the transport Lettuce connects with (io_uring where
      // OrderSystemMain could choose it).
      // Closed in reverse: the connections, then the loops, after the gateway.
      EventLoops loops = closeables.push(RedisEventLoops.create(Runtime.getRuntime().availableProcessors()));
      limiterConnections = closeables.push(LoopConnections.connect(loops, redisUri));
      gatewayLoops = loops;
    }
    LoopLocalRateLimiter limiter = limiterConnections.rateLimiter(connection ->
        RedisRateLimiter.builder(policy, connection).name(namespace + "-api").meterRegistry(meters)
            .failMode(FailMode.OPEN).timeout(Duration.ofMillis(50)).build());
    checks.add(limiter.healthCheck());
    return limiter;
  }

  @Override
  public Optional<EventLoops> gatewayEventLoops() {
    return Optional.ofNullable(gatewayLoops);
  }

  @Override
  public EventPublisher<OrderEvent> publisher() {
    EventPublisher<OrderEvent> publisher =
        KafkaEventPublisher.builder(kafka, Codecs.json(OrderEvent.class))
            .observationRegistry(observations).build();
    checks.add(HealthCheck.of("events", () -> Health.up().detail("backend", "kafka " + kafka).build()));
    return publisher;
  }

  /**
   * With PostgreSQL, a table beside the shard tables; with MongoDB, the Redis store on the shared
   * connection (its claim is one atomic script across instances). A crash between placing an
   * order and storing its response leaves a claim that lapses after the in-flight timeout; a
   * retry after it finds the place-order saga by the id derived from the key ({@link
   * PlaceOrderSaga}) and answers with that saga's order, never placing a second.
   */
  @Override
  public synchronized IdempotencyKeyStore idempotencyKeys() {
    if (idempotencyKeys != null) {
      return idempotencyKeys;
    }
    if (postgres != null) {
      JdbcIdempotencyKeyStore keys = IdempotencyKeyStores.postgres(postgres)
          .table(namespace + "_idempotency_keys").name(namespace + "-orders").build();
      checks.add(keys.healthCheck());
      // Expired keys are taken over by the next claim; rows of keys never used again are purged.
      ScheduledExecutorService purge = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "orders-idempotency-purge");
        thread.setDaemon(true);
        return thread;
      });
      purge.scheduleWithFixedDelay(() -> {
        try {
          keys.purgeExpired(System.currentTimeMillis());
        } catch (RuntimeException e) {
          LOG.warn("could not purge expired idempotency keys; the next run tries again", e);
        }
      }, 1, 60, TimeUnit.MINUTES);
      closeables.push(purge::shutdownNow);
      idempotencyKeys = keys;
    } else {
      RedisIdempotencyKeyStore keys = IdempotencyKeyStores.redis(redisConnection)
          .name(namespace + "-orders").keyPrefix(namespace + ":idempotency:orders:").build();
      checks.add(keys.healthCheck());
      idempotencyKeys = keys;
    }
    return idempotencyKeys;
  }

  @Override
  public OrderWriter orderWriter(ShardedRepository<String, Order> orders, EventPublisher<OrderEvent> publisher) {
    if (postgres == null) {
      // MongoDB: an outbox would need multi-document transactions on a replica set.
      return new DirectOrderWriter(orders, publisher, topic());
    }
    EventPublisher<byte[]> relayPublisher = KafkaEventPublisher.builder(kafka, Codecs.bytes())
        .observationRegistry(observations).build();
    closeables.push(relayPublisher::close);
    OutboxOrderWriter writer = new OutboxOrderWriter(orders, postgres, namespace + "_outbox",
        relayPublisher, topic(), observations);
    checks.add(writer.relay().healthCheck());
    return writer;
  }

  @Override
  public synchronized Repository<String, SagaRecord> sagaRecords() {
    if (sagaRecords == null) {
      if (postgres != null) {
        sagaRecords = closeables.push(JdbcRepository.builder(SagaRecord.descriptor()).name(namespace + "-sagas")
            .dataSource(postgres).table(namespace + "_sagas").build());
      } else {
        sagaRecords = MongoRepository.builder(SagaRecord.descriptor()).name(namespace + "-sagas")
            .database(java.util.Objects.requireNonNull(mongoDatabase)).collection(namespace + "_sagas").build();
      }
    }
    return sagaRecords;
  }

  @Override
  public IdempotencyStore handledEvents(String group) {
    return RedisIdempotencyStore.create(redisConnection, namespace + ":handled:" + group + ":");
  }

  @Override
  public EventSubscriber<OrderEvent> subscriber(MeterRegistry meters) {
    KafkaEventSubscriber<OrderEvent> subscriber = KafkaEventSubscriber
        .builder(kafka, Codecs.json(OrderEvent.class)).meterRegistry(meters)
        .observationRegistry(observations).build();
    checks.add(subscriber.healthCheck());
    return subscriber;
  }

  @Override
  public String topic() {
    return namespace + "." + OrderService.TOPIC;
  }

  @Override
  public List<HealthCheck> healthChecks() {
    List<HealthCheck> all = new ArrayList<>(checks);
    if (all.stream().noneMatch(check -> check.name().equals("events"))) {
      all.add(HealthCheck.of("events", () -> Health.up().detail("backend", "kafka " + kafka).build()));
    }
    return all;
  }

  @Override
  public void breakCache() {
    LOG.warn("chaos: closing the Redis connection; cache reads fall through to the store, the limiter fails"
        + " open, the dashboard counts without its duplicate check{}", postgres == null
        ? ", orders with an Idempotency-Key fail (their keys are in Redis beside MongoDB)" : "");
    redisConnection.close();
    if (limiterConnections != null) {
      limiterConnections.all().forEach(StatefulRedisConnection::close);
    }
  }

  @Override
  public void close() {
    closeables.close();
  }
}
