package dev.layerkit.gateway.ratelimit.internal;

import java.time.Duration;
import java.util.Objects;

/**
 * Argument checks shared by the rate limiters and their builders, with the messages they throw.
 * The shapes every module uses are {@link dev.layerkit.core.internal.Arguments}'s; this class
 * forwards to them, named in full since the two classes share a name, so the limiters need import
 * only one.
 */
public final class Arguments {

  private Arguments() {}

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

  /**
   * Checks a limiter name.
   *
   * @param name the name
   * @return the name
   * @throws NullPointerException if {@code name} is null
   * @throws IllegalArgumentException if {@code name} is blank
   */
  public static String name(String name) {
    return dev.layerkit.core.internal.Arguments.notBlank(name, "name");
  }

  /**
   * Checks that a number is positive.
   *
   * @param value the number
   * @param parameter the parameter's name, for the message
   * @return the number
   * @throws IllegalArgumentException if {@code value} is zero or negative
   */
  public static long positive(long value, String parameter) {
    return dev.layerkit.core.internal.Arguments.positive(value, parameter);
  }

  /**
   * Checks that a duration is positive.
   *
   * @param duration the duration
   * @param parameter the parameter's name, for the messages
   * @return the duration
   * @throws NullPointerException if {@code duration} is null
   * @throws IllegalArgumentException if {@code duration} is zero or negative
   */
  public static Duration positive(Duration duration, String parameter) {
    return dev.layerkit.core.internal.Arguments.positive(duration, parameter);
  }
}
