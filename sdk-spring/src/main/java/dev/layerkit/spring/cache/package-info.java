/**
 * Spring's cache abstraction on Layerkit: {@link dev.layerkit.spring.cache.LayerkitCacheManager}
 * makes each cache a {@link dev.layerkit.cache.CacheAside} (in memory, Redis or tiered), so
 * {@code @Cacheable(sync = true)} loads once per key in a JVM, and across instances with the Redis
 * lease lock, with jittered TTLs, negative caching and early refresh per cache name.
 */
@NullMarked
package dev.layerkit.spring.cache;

import org.jspecify.annotations.NullMarked;
