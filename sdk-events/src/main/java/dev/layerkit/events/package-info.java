/**
 * Events: {@link dev.layerkit.events.EventPublisher} and {@link dev.layerkit.events.EventSubscriber}
 * over an in-memory bus ({@link dev.layerkit.events.EventBuses#inMemory()}) and Kafka ({@code
 * dev.layerkit.events.kafka}), with {@link dev.layerkit.events.RetryPolicy} and dead-letter topics
 * ({@code <topic>.DLT}), and an {@link dev.layerkit.events.IdempotencyStore} for effects that must
 * happen once per event.
 *
 * <p>Delivery is at least once on every backend: an offset is committed only after the handler
 * returned (or the event went to the dead-letter topic). The Kafka backend needs {@code
 * kafka-clients} on the class path, {@code dev.layerkit.events.kafka.KafkaStreamsAggregator} also
 * {@code kafka-streams}; the Redis idempotency store needs {@code lettuce-core}; the outbox needs
 * the PostgreSQL JDBC driver.
 */
@NullMarked
package dev.layerkit.events;

import org.jspecify.annotations.NullMarked;
