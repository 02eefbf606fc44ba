package dev.layerkit.cache.internal;

import java.util.Objects;

/**
 * The caches' own argument checks, keys and once-only builder settings; the shapes every module
 * shares are {@link dev.layerkit.core.internal.Arguments}'s.
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

  /**
   * Throws if a builder setting was already given.
   *
   * @param given whether it was
   * @param setting the setting's name
   * @param current its current value
   * @throws IllegalStateException if {@code given}
   */
  public static void once(boolean given, String setting, Object current) {
    if (given) {
      throw new IllegalStateException(setting + " was already set to " + current);
    }
  }
}
