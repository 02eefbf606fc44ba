/**
 * Events from {@code layerkit.events.*}: {@link dev.layerkit.spring.events.LayerkitEvents}, the
 * in-memory bus or Kafka (from Spring Boot's {@code spring.kafka.*}); an
 * {@code EventPublisher<Object>} of JSON payloads; and methods annotated
 * {@link dev.layerkit.spring.events.LayerkitSubscriber} run as consumer-group members while the
 * application runs.
 */
@NullMarked
package dev.layerkit.spring.events;

import org.jspecify.annotations.NullMarked;
