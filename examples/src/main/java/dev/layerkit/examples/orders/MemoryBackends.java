package dev.layerkit.examples.orders;

import dev.layerkit.cache.CacheBuilder;
import dev.layerkit.cache.Caches;
import dev.layerkit.core.codec.Codecs;
import dev.layerkit.core.health.Health;
import dev.layerkit.core.health.HealthCheck;
import dev.layerkit.events.EventBuses;
import dev.layerkit.events.EventPublisher;
import dev.layerkit.events.EventSubscriber;
import dev.layerkit.events.IdempotencyStore;
import dev.layerkit.events.InMemoryEventBus;
import dev.layerkit.gateway.ratelimit.RateLimitPolicy;
import dev.layerkit.gateway.ratelimit.RateLimiter;
import dev.layerkit.gateway.ratelimit.RateLimiters;
import dev.layerkit.service.Sagas;
import dev.layerkit.service.idempotency.IdempotencyKeyStore;
import dev.layerkit.service.idempotency.IdempotencyKeyStores;
import dev.layerkit.service.saga.SagaRecord;
import dev.layerkit.store.EntityDescriptor;
import dev.layerkit.store.Repositories;
import dev.layerkit.store.Repository;
import dev.layerkit.store.sharding.ShardedRepository;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything in this JVM: Caffeine, in-memory shards, the in-memory event bus, idempotency keys,
 * saga state and handled event ids in memory.
 */
final class MemoryBackends implements Backends {

  private final InMemoryEventBus bus;
  private final IdempotencyKeyStore idempotencyKeys = IdempotencyKeyStores.inMemory().name("orders").build();
  private final Repository<String, SagaRecord> sagas = Sagas.inMemoryRepository();

  MemoryBackends(MeterRegistry meters, ObservationRegistry observations) {
    this.bus = EventBuses.inMemory().partitions(4).meterRegistry(meters)
        .observationRegistry(observations).build();
    bus.createTopic(OrderService.TOPIC, 4);
  }

  @Override
  public String topic() {
    return OrderService.TOPIC;
  }

  @Override
  public String kind() {
    return "memory";
  }

  @Override
  public <T> List<Repository<String, T>> shards(String name, EntityDescriptor<String, T> descriptor) {
    List<Repository<String, T>> shards = new ArrayList<>();
    for (int i = 0; i < OrderSystem.SHARDS; i++) {
      shards.add(Repositories.inMemory(descriptor).name(name + "-" + i).build());
    }
    return shards;
  }

  @Override
  public CacheBuilder<String, Order> orderCache(MeterRegistry meters) {
    return Caches.<String, Order>inMemory().name("orders").maximumSize(100_000);
  }

  @Override
  public RateLimiter rateLimiter(RateLimitPolicy policy, MeterRegistry meters) {
    return RateLimiters.inMemory(policy).name("api").meterRegistry(meters).build();
  }

  @Override
  public EventPublisher<OrderEvent> publisher() {
    return bus.publisher(Codecs.json(OrderEvent.class));
  }

  @Override
  public IdempotencyKeyStore idempotencyKeys() {
    return idempotencyKeys;
  }

  @Override
  public OrderWriter orderWriter(ShardedRepository<String, Order> orders, EventPublisher<OrderEvent> publisher) {
    return new DirectOrderWriter(orders, publisher, topic());
  }

  @Override
  public Repository<String, SagaRecord> sagaRecords() {
    return sagas;
  }

  @Override
  public IdempotencyStore handledEvents(String group) {
    return IdempotencyStore.inMemory();
  }

  @Override
  public EventSubscriber<OrderEvent> subscriber(MeterRegistry meters) {
    return bus.subscriber(Codecs.json(OrderEvent.class));
  }

  @Override
  public List<HealthCheck> healthChecks() {
    return List.of(
        HealthCheck.of("cache", () -> Health.up().detail("backend", "caffeine").build()),
        HealthCheck.of("events", () -> Health.up().detail("backend", "in-memory bus").build()));
  }

  @Override
  public void breakCache() {
    // Nothing remote to break in memory.
  }

  @Override
  public void close() {
    bus.close();
  }
}
