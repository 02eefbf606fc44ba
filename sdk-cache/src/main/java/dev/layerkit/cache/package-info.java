/**
 * Caching: the {@link dev.layerkit.cache.Cache} SPI with in-memory (Caffeine) and tiered
 * near-cache backends from {@link dev.layerkit.cache.Caches}, and
 * {@link dev.layerkit.cache.CacheAside}, the read-through facade that adds single-flight loading,
 * TTL jitter, negative caching, stale-while-revalidate and probabilistic early refresh.
 *
 * <p>The Redis backend lives in {@code dev.layerkit.cache.redis} and needs {@code lettuce-core} on
 * the class path.
 */
@NullMarked
package dev.layerkit.cache;

import org.jspecify.annotations.NullMarked;
