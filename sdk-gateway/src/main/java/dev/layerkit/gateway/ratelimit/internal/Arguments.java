package dev.layerkit.gateway.ratelimit.internal;

import java.time.Duration;
import java.util.Objects;

/** Argument checks shared by the rate limiters and their builders, with the messages they throw. */
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
    Objects.requireNonNull(name, "name");
    if (name.isBlank()) {
      throw new IllegalArgumentException("name must not be blank but was '" + name + "'");
    }
    return name;
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
    Objects.requireNonNull(duration, parameter);
    if (duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException(parameter + " must be > 0 but was " + duration);
    }
    return duration;
  }
}
