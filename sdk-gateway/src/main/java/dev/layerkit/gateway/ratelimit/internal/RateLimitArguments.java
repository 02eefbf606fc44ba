package dev.layerkit.gateway.ratelimit.internal;

import java.util.Objects;

/**
 * The rate limiters' own argument check, the key; the shapes every module shares are
 * {@link dev.layerkit.core.internal.Arguments}'s.
 */
public final class RateLimitArguments {

  private RateLimitArguments() {}

  /**
   * Checks a rate-limit key.
   *
   * @param key the key
   * @return the key
   * @throws NullPointerException if {@code key} is null
   * @throws IllegalArgumentException if {@code key} is empty
   */
  public static String key(String key) {
    Objects.requireNonNull(key, "key");
    if (key.isEmpty()) {
      throw new IllegalArgumentException("key must not be empty");
    }
    return key;
  }
}
