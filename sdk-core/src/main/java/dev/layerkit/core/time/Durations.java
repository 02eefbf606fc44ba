package dev.layerkit.core.time;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Layerkit's one duration grammar, used by {@code Config}, the gateway's routes file, service
 * specs and the examples' options, so a duration is written the same way everywhere.
 *
 * <p>Accepted: a whole number followed by a unit, {@code ns}, {@code us}, {@code ms}, {@code s},
 * {@code m}, {@code h} or {@code d} ({@code 250ms}, {@code 5s}, {@code 1m}, {@code 1 h}), or an
 * ISO-8601 duration ({@code PT5S}, {@code P1D}). Negative durations are refused.
 * {@link #format(Duration)} writes the short form back, in the largest unit that divides the
 * duration.
 *
 * <p>Thread-safe and stateless.
 *
 * <pre>{@code
 * Duration ttl = Durations.parse("250ms");        // PT0.25S
 * String text = Durations.format(Duration.ofMinutes(2));  // "2m"
 * }</pre>
 */
public final class Durations {

  /** What {@link #parse} accepts, in words, for error messages of callers that add context. */
  public static final String GRAMMAR = "a duration such as 250ms, 5s, 1m or PT5S";

  private static final Pattern SHORT = Pattern.compile("(\\d+)\\s*(ns|us|ms|s|m|h|d)");
  private static final long[] UNIT_NANOS = {
      86_400_000_000_000L, 3_600_000_000_000L, 60_000_000_000L, 1_000_000_000L, 1_000_000L, 1_000L, 1L};
  private static final String[] UNIT_NAMES = {"d", "h", "m", "s", "ms", "us", "ns"};

  private Durations() {}

  /**
   * Parses a duration in Layerkit's grammar.
   *
   * @param text the text, surrounding white space ignored
   * @return the duration, zero or positive
   * @throws NullPointerException if {@code text} is null
   * @throws IllegalArgumentException naming {@code text} if it is not a duration in the grammar,
   *     is negative, or overflows
   */
  public static Duration parse(String text) {
    Objects.requireNonNull(text, "text");
    String trimmed = text.trim();
    if (trimmed.startsWith("P") || trimmed.startsWith("p")) {
      Duration parsed;
      try {
        parsed = Duration.parse(trimmed);
      } catch (DateTimeParseException e) {
        throw invalid(text, e);
      }
      if (parsed.isNegative()) {
        throw new IllegalArgumentException("duration must not be negative but was '" + text + "'");
      }
      return parsed;
    }
    Matcher m = SHORT.matcher(trimmed);
    if (!m.matches()) {
      throw invalid(text, null);
    }
    try {
      long amount = Long.parseLong(m.group(1));
      return switch (m.group(2)) {
        case "ns" -> Duration.ofNanos(amount);
        case "us" -> Duration.ofNanos(Math.multiplyExact(amount, 1_000L));
        case "ms" -> Duration.ofMillis(amount);
        case "s" -> Duration.ofSeconds(amount);
        case "m" -> Duration.ofSeconds(Math.multiplyExact(amount, 60L));
        case "h" -> Duration.ofSeconds(Math.multiplyExact(amount, 3_600L));
        default -> Duration.ofSeconds(Math.multiplyExact(amount, 86_400L));
      };
    } catch (ArithmeticException | NumberFormatException e) {
      throw invalid(text, e);
    }
  }

  /**
   * Formats a duration in the largest unit that divides it ({@code 30s}, {@code 250ms},
   * {@code 2m}); {@link #parse} reads the result back to the same duration. A negative duration,
   * or one too long for a {@code long} of nanoseconds, is written in ISO-8601.
   *
   * @param duration the duration
   * @return the text
   * @throws NullPointerException if {@code duration} is null
   */
  public static String format(Duration duration) {
    Objects.requireNonNull(duration, "duration");
    if (duration.isNegative()) {
      return duration.toString();
    }
    long nanos;
    try {
      nanos = duration.toNanos();
    } catch (ArithmeticException e) {
      return duration.toString();
    }
    for (int i = 0; i < UNIT_NANOS.length; i++) {
      if (nanos % UNIT_NANOS[i] == 0) {
        return nanos / UNIT_NANOS[i] + UNIT_NAMES[i];
      }
    }
    return duration.toString(); // unreachable: every duration is a whole number of nanoseconds
  }

  private static IllegalArgumentException invalid(String text, Throwable cause) {
    return new IllegalArgumentException("expected " + GRAMMAR + " but was '" + text + "'", cause);
  }
}
