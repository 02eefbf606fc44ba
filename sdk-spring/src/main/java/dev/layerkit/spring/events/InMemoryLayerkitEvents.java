package dev.layerkit.spring.events;

import dev.layerkit.core.codec.Codec;
import dev.layerkit.core.health.Health;
import dev.layerkit.core.health.HealthCheck;
import dev.layerkit.events.EventPublisher;
import dev.layerkit.events.EventSubscriber;
import dev.layerkit.events.InMemoryEventBus;
import java.util.List;
import java.util.Objects;

/** {@link LayerkitEvents} on an in-memory bus, which it closes. Thread-safe. */
final class InMemoryLayerkitEvents implements LayerkitEvents {

  private final InMemoryEventBus bus;

  InMemoryLayerkitEvents(InMemoryEventBus bus) {
    this.bus = Objects.requireNonNull(bus, "bus");
  }

  /** Returns the bus, for applications that want its inspection methods. */
  InMemoryEventBus bus() {
    return bus;
  }

  @Override
  public String backend() {
    return "memory";
  }

  @Override
  public <T> EventPublisher<T> publisher(Codec<T> codec) {
    return bus.publisher(codec);
  }

  @Override
  public <T> EventSubscriber<T> subscriber(Codec<T> codec) {
    return bus.subscriber(codec);
  }

  @Override
  public List<HealthCheck> healthChecks() {
    return List.of(HealthCheck.of("events", () -> Health.up().detail("backend", "memory").build()));
  }

  @Override
  public void close() {
    bus.close();
  }

  @Override
  public String toString() {
    return "LayerkitEvents{memory}";
  }
}
