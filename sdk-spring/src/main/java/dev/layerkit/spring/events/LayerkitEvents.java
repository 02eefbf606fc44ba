package dev.layerkit.spring.events;

import dev.layerkit.core.codec.Codec;
import dev.layerkit.events.EventPublisher;
import dev.layerkit.events.EventSubscriber;
import dev.layerkit.spring.health.HealthCheckSource;

/**
 * Makes Layerkit event publishers and subscribers on the application's event backend: the
 * in-memory bus, or Kafka configured from Spring Boot's {@code spring.kafka.*}. The starter's
 * {@code EventPublisher<Object>} bean and {@link LayerkitSubscriber} handlers use it; an
 * application uses it for publishers and subscribers of its own payload types.
 *
 * <p>Define a bean of this type to choose the backend yourself; the starter then backs off.
 * Implementations are thread-safe; {@link #close()} closes every publisher and subscriber made
 * (each subscriber draining its subscriptions).
 */
public interface LayerkitEvents extends HealthCheckSource, AutoCloseable {

  /**
   * Returns the backend's name, {@code memory} or {@code kafka}.
   *
   * @return the name
   */
  String backend();

  /**
   * Returns a publisher of payloads encoded by {@code codec}.
   *
   * @param codec the payload codec
   * @param <T> the payload type
   * @return the publisher, closed by {@link #close()}
   * @throws NullPointerException if {@code codec} is null
   */
  <T> EventPublisher<T> publisher(Codec<T> codec);

  /**
   * Returns a subscriber that decodes payloads with {@code codec}.
   *
   * @param codec the payload codec
   * @param <T> the payload type
   * @return the subscriber, closed by {@link #close()}
   * @throws NullPointerException if {@code codec} is null
   */
  <T> EventSubscriber<T> subscriber(Codec<T> codec);

  /** Closes every publisher and subscriber made. Never throws. */
  @Override
  void close();
}
