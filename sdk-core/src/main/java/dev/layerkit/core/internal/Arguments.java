package dev.layerkit.core.internal;

import java.time.Duration;
import java.util.Objects;

/**
 * Argument checks the modules share, so each message shape is written once: {@code <name> must
 * be > 0 but was <value>}, {@code <name> must be >= 0 but was <value>} and {@code <name> must not
 * be blank but was '<value>'}. Tests and users match on these messages, so they must not change.
 *
 * <p>Each check returns its argument, so a setter can check and assign in one statement.
 */
public final class Arguments {

  private Arguments() {}

  /**
   * Checks that a number is positive.
   *
   * @param value the number
   * @param name the parameter's name, for the message
   * @return {@code value}
   * @throws IllegalArgumentException if {@code value} is zero or negative
   */
  public static int positive(int value, String name) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be > 0 but was " + value);
    }
    return value;
  }

  /**
   * Checks that a number is positive.
   *
   * @param value the number
   * @param name the parameter's name, for the message
   * @return {@code value}
   * @throws IllegalArgumentException if {@code value} is zero or negative
   */
  public static long positive(long value, String name) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be > 0 but was " + value);
    }
    return value;
  }

  /**
   * Checks that a number is zero or positive.
   *
   * @param value the number
   * @param name the parameter's name, for the message
   * @return {@code value}
   * @throws IllegalArgumentException if {@code value} is negative
   */
  public static int notNegative(int value, String name) {
    if (value < 0) {
      throw new IllegalArgumentException(name + " must be >= 0 but was " + value);
    }
    return value;
  }

  /**
   * Checks that a number is zero or positive.
   *
   * @param value the number
   * @param name the parameter's name, for the message
   * @return {@code value}
   * @throws IllegalArgumentException if {@code value} is negative
   */
  public static long notNegative(long value, String name) {
    if (value < 0) {
      throw new IllegalArgumentException(name + " must be >= 0 but was " + value);
    }
    return value;
  }

  /**
   * Checks that a duration is positive.
   *
   * @param duration the duration
   * @param name the parameter's name, for the messages
   * @return {@code duration}
   * @throws NullPointerException with {@code name} as its message if {@code duration} is null
   * @throws IllegalArgumentException if {@code duration} is zero or negative
   */
  public static Duration positive(Duration duration, String name) {
    Objects.requireNonNull(duration, name);
    if (duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException(name + " must be > 0 but was " + duration);
    }
    return duration;
  }

  /**
   * Checks that a duration is zero or positive.
   *
   * @param duration the duration
   * @param name the parameter's name, for the messages
   * @return {@code duration}
   * @throws NullPointerException with {@code name} as its message if {@code duration} is null
   * @throws IllegalArgumentException if {@code duration} is negative
   */
  public static Duration notNegative(Duration duration, String name) {
    Objects.requireNonNull(duration, name);
    if (duration.isNegative()) {
      throw new IllegalArgumentException(name + " must be >= 0 but was " + duration);
    }
    return duration;
  }

  /**
   * Checks that a duration is at least one millisecond, for settings that are scheduled or
   * handed to APIs with millisecond resolution.
   *
   * @param duration the duration
   * @param name the parameter's name, for the messages
   * @return {@code duration}
   * @throws NullPointerException with {@code name} as its message if {@code duration} is null
   * @throws IllegalArgumentException if {@code duration} is less than one millisecond
   */
  public static Duration atLeastOneMilli(Duration duration, String name) {
    Objects.requireNonNull(duration, name);
    if (duration.compareTo(Duration.ofMillis(1)) < 0) {
      throw new IllegalArgumentException(name + " must be >= 1ms but was " + duration);
    }
    return duration;
  }

  /**
   * Checks that a string has a character other than white space.
   *
   * @param value the string
   * @param name the parameter's name, for the messages
   * @return {@code value}
   * @throws NullPointerException with {@code name} as its message if {@code value} is null
   * @throws IllegalArgumentException if {@code value} is empty or only white space
   */
  public static String notBlank(String value, String name) {
    Objects.requireNonNull(value, name);
    if (value.isBlank()) {
      throw new IllegalArgumentException(name + " must not be blank but was '" + value + "'");
    }
    return value;
  }
}
