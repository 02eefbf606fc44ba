package dev.layerkit.cache.internal;

import java.time.Duration;
import java.util.Objects;

/**
 * Argument checks shared by the caches, with the messages STYLE.md asks for. The shapes every
 * module uses are {@link dev.layerkit.core.internal.Arguments}'s; this class forwards to them,
 * named in full since the two classes share a name, so the caches need import only one.
 */
public final class Arguments {

  private Arguments() {}

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
   * Checks that a number is positive.
   *
   * @param value the number
   * @param name the parameter's name
   * @return the number
   * @throws IllegalArgumentException if it is zero or negative
   */
  public static int positive(int value, String name) {
    return dev.layerkit.core.internal.Arguments.positive(value, name);
  }

  /**
   * Checks that a number is zero or positive.
   *
   * @param value the number
   * @param name the parameter's name
   * @return the number
   * @throws IllegalArgumentException if it is negative
   */
  public static long notNegative(long value, String name) {
    return dev.layerkit.core.internal.Arguments.notNegative(value, name);
  }

  /**
   * Checks that a duration is positive.
   *
   * @param duration the duration
   * @param name the parameter's name
   * @return the duration
   * @throws NullPointerException if {@code duration} is null
   * @throws IllegalArgumentException if it is zero or negative
   */
  public static Duration positive(Duration duration, String name) {
    return dev.layerkit.core.internal.Arguments.positive(duration, name);
  }

  /**
   * Checks that a duration is zero or positive.
   *
   * @param duration the duration
   * @param name the parameter's name
   * @return the duration
   * @throws NullPointerException if {@code duration} is null
   * @throws IllegalArgumentException if it is negative
   */
  public static Duration notNegative(Duration duration, String name) {
    return dev.layerkit.core.internal.Arguments.notNegative(duration, name);
  }

  /**
   * Checks a name for metrics and logs.
   *
   * @param name the name
   * @return the name
   * @throws NullPointerException if {@code name} is null
   * @throws IllegalArgumentException if it is blank
   */
  public static String name(String name) {
    return dev.layerkit.core.internal.Arguments.notBlank(name, "name");
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
