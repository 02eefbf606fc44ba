/**
 * The Redis connection every Layerkit backend of the starter shares,
 * {@link dev.layerkit.spring.redis.LayerkitRedis}, taken from the application's Lettuce
 * {@code RedisClient}, from Spring Data Redis's {@code LettuceConnectionFactory}, or from
 * {@code layerkit.redis.url}.
 */
@NullMarked
package dev.layerkit.spring.redis;

import org.jspecify.annotations.NullMarked;
