/**
 * A small Spring Boot service on Layerkit's starter: products priced through a slow lookup cached
 * with {@code @Cacheable(sync = true)}, rate-limited by path and by annotation, orders published as
 * events to an {@code @LayerkitSubscriber} handler, and Layerkit's health in Actuator. In memory
 * with no configuration; on Redis with {@code layerkit.redis.url} (or {@code spring.data.redis.*}),
 * on Kafka with {@code spring.kafka.bootstrap-servers}.
 */
@NullMarked
package dev.layerkit.examples.spring;

import org.jspecify.annotations.NullMarked;
