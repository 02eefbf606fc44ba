/**
 * Caching: the {@link dev.layerkit.cache.Cache} SPI; {@link dev.layerkit.cache.Caches}, whose
 * methods return a builder for each backend (in memory on Caffeine, Redis, a tiered near cache);
 * and {@link dev.layerkit.cache.CacheAside}, the read-through facade that builds its backend from
 * such a builder and adds single-flight loading, TTL jitter, negative caching,
 * stale-while-revalidate and probabilistic early refresh.
 *
 * <p>The Redis backend lives in {@code dev.layerkit.cache.redis} and needs {@code lettuce-core} on
 * the class path.
 */
@NullMarked
package dev.layerkit.cache;

import org.jspecify.annotations.NullMarked;
