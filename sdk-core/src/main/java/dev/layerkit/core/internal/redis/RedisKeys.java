package dev.layerkit.core.internal.redis;

import java.util.Objects;

/**
 * The key rule of every Layerkit Redis backend, stated in {@link dev.layerkit.core.redis}: a key
 * is {@code <keyPrefix>{<id>}}, optionally followed by {@code :<part>}; the prefix has no braces,
 * so the id is the Redis Cluster hash tag.
 */
public final class RedisKeys {

  private RedisKeys() {}

  /**
   * Returns the default prefix of a block's keys, {@code layerkit:<block>:<name>:}.
   *
   * @param block the block, for example {@code "ratelimit"}
   * @param name the instance's name
   * @return the prefix
   */
  public static String defaultPrefix(String block, String name) {
    return "layerkit:" + block + ':' + name + ':';
  }

  /**
   * Checks a key prefix given to a builder: not null, and without braces, which would move the
   * hash tag off the id.
   *
   * @param keyPrefix the prefix
   * @return the prefix
   * @throws NullPointerException if {@code keyPrefix} is null
   * @throws IllegalArgumentException if it contains a brace
   */
  public static String checkPrefix(String keyPrefix) {
    Objects.requireNonNull(keyPrefix, "keyPrefix");
    if (keyPrefix.indexOf('{') >= 0 || keyPrefix.indexOf('}') >= 0) {
      throw new IllegalArgumentException("keyPrefix must not contain braces ('{' or '}') but was '" + keyPrefix + "'");
    }
    return keyPrefix;
  }

  /**
   * Returns the key of {@code id} under {@code keyPrefix}: {@code <keyPrefix>{<id>}}.
   *
   * @param keyPrefix a prefix that passed {@link #checkPrefix}
   * @param id the id
   * @return the key
   */
  public static String key(String keyPrefix, String id) {
    return keyPrefix + '{' + id + '}';
  }
}
