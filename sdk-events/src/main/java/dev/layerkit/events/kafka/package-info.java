/**
 * The Kafka backend: {@link dev.layerkit.events.kafka.KafkaEventPublisher} (idempotent producer,
 * {@code acks=all}), {@link dev.layerkit.events.kafka.KafkaEventSubscriber} (commit after the
 * handler, on revoke and on close; pause/resume for backpressure; non-blocking retries and the
 * dead-letter topic), and windowed analytics on Kafka Streams.
 *
 * <p>Needs {@code org.apache.kafka:kafka-clients} on the class path, and {@code kafka-streams} for
 * the aggregator; both are optional dependencies of {@code layerkit-events}.
 */
@NullMarked
package dev.layerkit.events.kafka;

import org.jspecify.annotations.NullMarked;
