package dev.layerkit.examples.orders;

import dev.layerkit.cache.CacheBuilder;
import dev.layerkit.core.health.HealthCheck;
import dev.layerkit.events.EventPublisher;
import dev.layerkit.events.EventSubscriber;
import dev.layerkit.events.IdempotencyStore;
import dev.layerkit.gateway.http.EventLoops;
import dev.layerkit.gateway.ratelimit.RateLimitPolicy;
import dev.layerkit.gateway.ratelimit.RateLimiter;
import dev.layerkit.service.idempotency.IdempotencyKeyStore;
import dev.layerkit.service.saga.SagaRecord;
import dev.layerkit.store.EntityDescriptor;
import dev.layerkit.store.Repository;
import dev.layerkit.store.sharding.ShardedRepository;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Optional;

/**
 * Where the order system keeps its state: embedded ({@link MemoryBackends}) or on real servers
 * ({@link ProductionBackends}). The same service code runs on either.
 */
interface Backends extends AutoCloseable {

  /** {@code memory} or {@code production}, for logs and the dashboard. */
  String kind();

  /** The topic of order events. */
  String topic();

  /** The store's shards for one entity type, {@link OrderSystem#SHARDS} of them. */
  <T> List<Repository<String, T>> shards(String name, EntityDescriptor<String, T> descriptor);

  /** The cache-aside backend of orders, which the cache builds. */
  CacheBuilder<String, Order> orderCache(MeterRegistry meters);

  /** The gateway's per-key rate limiter. */
  RateLimiter rateLimiter(RateLimitPolicy policy, MeterRegistry meters);

  /**
   * The event loops the gateway is to run on, once {@link #rateLimiter} has made a limiter whose
   * remote calls run on them (so that a reply resumes its requests on the loop that reads it);
   * empty where the gateway starts its own. The backends close them, after the gateway.
   */
  default Optional<EventLoops> gatewayEventLoops() {
    return Optional.empty();
  }

  /** Publishes order events. */
  EventPublisher<OrderEvent> publisher();

  /**
   * The store of the order service's {@code Idempotency-Key}s, shared by every instance that
   * shares the orders.
   */
  IdempotencyKeyStore idempotencyKeys();

  /** Writes orders with their events (publish-after-write, or a transactional outbox). */
  OrderWriter orderWriter(ShardedRepository<String, Order> orders, EventPublisher<OrderEvent> publisher);

  /**
   * Where the place-order sagas keep their state, shared by every instance that shares the
   * orders: in memory, a PostgreSQL table or a MongoDB collection.
   */
  Repository<String, SagaRecord> sagaRecords();

  /** Subscribes to order events, reporting consumer lag to {@code meters} where it is tracked. */
  EventSubscriber<OrderEvent> subscriber(MeterRegistry meters);

  /**
   * Where a consumer group remembers the ids of the events it has handled, so that a redelivered
   * or republished event has its effect once: in memory, or in Redis under the group's name.
   */
  IdempotencyStore handledEvents(String group);

  /** Health checks of the cache, event and idempotency backends. */
  List<HealthCheck> healthChecks();

  /** Makes the cache's remote tier unreachable (the chaos switch); a no-op in memory. */
  void breakCache();

  @Override
  void close();
}
