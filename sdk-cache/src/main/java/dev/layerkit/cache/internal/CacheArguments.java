package dev.layerkit.cache.internal;

import java.util.Objects;

/**
 * The caches' own argument check, of keys; the shapes every module shares are
 * {@link dev.layerkit.core.internal.Arguments}'s, and a setting given twice is
 * {@link dev.layerkit.core.internal.BuilderSettings}'s.
 */
public final class CacheArguments {

  private CacheArguments() {}

  /**
   * Checks a key.
   *
   * @param key the key
   * @param <K> the key type
   * @return the key
   * @throws NullPointerException naming {@code key} if it is null
   */
  public static <K> K key(K key) {
    return Objects.requireNonNull(key, "key");
  }
}
