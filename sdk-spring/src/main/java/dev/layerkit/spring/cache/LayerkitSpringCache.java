package dev.layerkit.spring.cache;

import dev.layerkit.cache.CacheAside;
import java.util.Objects;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import org.springframework.cache.Cache;
import org.springframework.cache.support.SimpleValueWrapper;

/**
 * A Spring {@link Cache} over a {@link CacheAside}. Keys become strings through
 * {@link Object#toString()} (so a key's {@code toString} must identify it, as Spring's
 * {@code SimpleKey} and the usual key types do).
 *
 * <ul>
 *   <li>{@link #get(Object, Callable)}, what {@code @Cacheable(sync = true)} calls, is
 *       {@link CacheAside#get(Object, java.util.function.Function)}: one load per key for all
 *       concurrent callers, across instances with a lease lock; a null result is cached for the
 *       negative TTL.</li>
 *   <li>{@link #get(Object)} (plain {@code @Cacheable}) looks the key up without loading.
 *       {@code CacheAside} has no look-up-only call, so it asks with a loader that reports a miss;
 *       prefer {@code sync = true}, which gets single flight.</li>
 *   <li>{@link #put(Object, Object)} is {@link CacheAside#put}: the value is cached for the TTL (a
 *       null for the negative TTL), other instances of a tiered cache drop their local copies, and
 *       a load of the key in flight here does not overwrite it; {@link #evict(Object)} is
 *       {@link CacheAside#invalidate}.</li>
 *   <li>{@link #clear()} ({@code @CacheEvict(allEntries = true)}) is
 *       {@link CacheAside#invalidateAll()}: on Redis every key under the cache's prefix, never the
 *       rest of the server.</li>
 * </ul>
 *
 * <p>Thread-safe.
 */
public final class LayerkitSpringCache implements Cache {

  /** Thrown by the look-up loader: the key was not cached. No stack trace; never escapes. */
  private static final class Miss extends RuntimeException {
    Miss() {
      super("not cached", null, false, false);
    }
  }

  private static final Miss MISS = new Miss();

  private final String name;
  private final CacheAside<String, Object> aside;

  /**
   * Wraps a facade.
   *
   * @param name the cache's name
   * @param aside the facade, closed by the cache manager
   * @throws NullPointerException if an argument is null
   */
  public LayerkitSpringCache(String name, CacheAside<String, Object> aside) {
    this.name = Objects.requireNonNull(name, "name");
    this.aside = Objects.requireNonNull(aside, "aside");
  }

  private static String key(Object key) {
    return Objects.requireNonNull(key, "key").toString();
  }

  @Override
  public String getName() {
    return name;
  }

  /**
   * Returns the {@link CacheAside}.
   *
   * @return the facade
   */
  @Override
  public CacheAside<String, Object> getNativeCache() {
    return aside;
  }

  @Override
  public @Nullable ValueWrapper get(Object key) {
    try {
      return new SimpleValueWrapper(aside.get(key(key), k -> {
        throw MISS;
      }));
    } catch (Miss miss) {
      return null;
    }
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T> @Nullable T get(Object key, @Nullable Class<T> type) {
    ValueWrapper wrapper = get(key);
    Object value = wrapper == null ? null : wrapper.get();
    if (value != null && type != null && !type.isInstance(value)) {
      throw new IllegalStateException("Cached value of cache '" + name + "' for key '" + key
          + "' is a " + value.getClass().getName() + ", not the " + type.getName() + " asked for");
    }
    return (T) value;
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T> @Nullable T get(Object key, Callable<T> valueLoader) {
    Objects.requireNonNull(valueLoader, "valueLoader");
    return (T) aside.get(key(key), k -> {
      try {
        return valueLoader.call();
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new ValueRetrievalException(key, valueLoader, e);
      }
    });
  }

  @Override
  public void put(Object key, @Nullable Object value) {
    aside.put(key(key), value);
  }

  @Override
  public void evict(Object key) {
    aside.invalidate(key(key));
  }

  /** Removes every entry of this cache, for every instance. */
  @Override
  public void clear() {
    aside.invalidateAll();
  }

  @Override
  public String toString() {
    return "LayerkitSpringCache{" + name + '}';
  }
}
