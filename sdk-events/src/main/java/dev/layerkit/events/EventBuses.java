package dev.layerkit.events;

/**
 * The entry point of the in-memory backend. Kafka's publisher and subscriber are built with {@code
 * dev.layerkit.events.kafka.KafkaEventPublisher.builder(...)} and {@code
 * KafkaEventSubscriber.builder(...)}.
 *
 * <pre>{@code
 * InMemoryEventBus bus = EventBuses.inMemory().partitions(8).retention(100_000).build();
 * }</pre>
 */
public final class EventBuses {

  private EventBuses() {}

  /**
   * Returns a builder of an in-memory event bus.
   *
   * @return a builder with the defaults of {@link InMemoryEventBus}
   */
  public static InMemoryEventBus.Builder inMemory() {
    return InMemoryEventBus.builder();
  }
}
