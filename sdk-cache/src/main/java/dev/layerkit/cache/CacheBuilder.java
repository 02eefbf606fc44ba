package dev.layerkit.cache;

import dev.layerkit.core.codec.Codec;
import org.jspecify.annotations.Nullable;

/**
 * A configured cache backend, what each of {@link Caches}' factory methods returns: call
 * {@link #build()} for a {@link Cache} of your values, or hand the builder to
 * {@link CacheAside#builder(CacheBuilder)}, which builds its own backend from it (storing each
 * value together with when it stops being fresh).
 *
 * <p>A third-party backend implements this interface to serve {@link CacheAside}: besides
 * {@link #build()}, it builds a cache of the same configuration whose values wrap the configured
 * ones ({@link #buildWrapped}).
 *
 * <p>Builders are not thread-safe; the caches they build are.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public interface CacheBuilder<K, V> {

  /**
   * Builds a cache of the configured values.
   *
   * @return a thread-safe cache
   */
  Cache<K, V> build();

  /**
   * Builds a cache of the same configuration whose values are {@code E}, each wrapping one
   * {@code V} (or none): a backend that encodes values encodes them with
   * {@link Wrapping#codec(Codec) wrapping.codec(valueCodec)}; one that weighs values weighs the
   * {@link Wrapping#unwrap unwrapped} value. This is how {@link CacheAside} gets its backend.
   *
   * @param wrapping how an {@code E} relates to a {@code V}
   * @param <E> the stored type
   * @return a thread-safe cache
   * @throws NullPointerException if {@code wrapping} is null
   */
  <E> Cache<K, E> buildWrapped(Wrapping<V, E> wrapping);

  /**
   * How a stored value of type {@code E} wraps a configured value of type {@code V}.
   *
   * @param <V> the configured value type
   * @param <E> the stored type
   */
  interface Wrapping<V, E> {

    /**
     * Returns the codec of stored values, given the configured values' codec.
     *
     * @param valueCodec the codec the backend was configured with
     * @return the codec of {@code E}
     */
    Codec<E> codec(Codec<V> valueCodec);

    /**
     * Returns the value an entry wraps, for weighing it.
     *
     * @param entry the stored entry
     * @return the value, or null if the entry holds none (it then weighs 1)
     */
    @Nullable V unwrap(E entry);
  }
}
