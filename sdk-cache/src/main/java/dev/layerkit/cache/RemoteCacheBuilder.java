package dev.layerkit.cache;

/**
 * A configured {@link RemoteCache}: the L2 of {@link Caches#tiered(CacheBuilder, RemoteCacheBuilder)}.
 * {@code dev.layerkit.cache.redis.RedisCache.Builder} is one.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public interface RemoteCacheBuilder<K, V> extends CacheBuilder<K, V> {

  @Override
  RemoteCache<K, V> build();

  @Override
  <E> RemoteCache<K, E> buildWrapped(Wrapping<V, E> wrapping);
}
