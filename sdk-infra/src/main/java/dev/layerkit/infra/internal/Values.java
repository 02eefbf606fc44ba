package dev.layerkit.infra.internal;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parsers and formatters of the human-readable values Layerkit's settings and specs use besides
 * durations (which are {@code dev.layerkit.core.time.Durations}'): sizes ({@code 64MiB},
 * {@code 1GB}), absolute URLs, enums and booleans.
 *
 * <p>Each parser throws an unchecked exception, without a user-facing message, for text it does
 * not accept; callers add the setting's name, value and source.
 */
public final class Values {

  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([kmgt]i?b|b)?", Pattern.CASE_INSENSITIVE);

  /**
   * Parses a size in bytes, with an optional binary ({@code KiB}) or decimal ({@code KB}) unit.
   *
   * @param text the text
   * @return the number of bytes
   * @throws RuntimeException if the text is not such a size or overflows a long
   */
  public static Long parseSize(String text) {
    Matcher m = SIZE.matcher(text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException("not a size");
    }
    long amount = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
    long multiplier;
    switch (unit) {
      case "b":
        multiplier = 1;
        break;
      case "kib":
        multiplier = 1L << 10;
        break;
      case "mib":
        multiplier = 1L << 20;
        break;
      case "gib":
        multiplier = 1L << 30;
        break;
      case "tib":
        multiplier = 1L << 40;
        break;
      case "kb":
        multiplier = 1_000L;
        break;
      case "mb":
        multiplier = 1_000_000L;
        break;
      case "gb":
        multiplier = 1_000_000_000L;
        break;
      default:
        multiplier = 1_000_000_000_000L;
        break;
    }
    return Math.multiplyExact(amount, multiplier);
  }

  /**
   * Formats a size in the largest binary unit that divides it, for example {@code 64MiB}.
   *
   * @param bytes the size
   * @return the text
   */
  public static String formatSize(Long bytes) {
    String[] names = {"TiB", "GiB", "MiB", "KiB"};
    for (int i = 0; i < names.length; i++) {
      long unit = 1L << (10 * (4 - i));
      if (bytes != 0 && bytes % unit == 0) {
        return bytes / unit + names[i];
      }
    }
    return bytes + "B";
  }

  /**
   * Parses an absolute URL with a host.
   *
   * @param text the text
   * @return the URL
   * @throws IllegalArgumentException if it is not one
   */
  public static URI parseUrl(String text) {
    URI uri;
    try {
      uri = new URI(text.trim());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("not a URI", e);
    }
    if (!uri.isAbsolute() || uri.getHost() == null) {
      throw new IllegalArgumentException("not absolute or no host");
    }
    return uri;
  }

  /**
   * Finds an enum constant by name ignoring case, with {@code -} for {@code _}.
   *
   * @param text the text
   * @param type the enum class
   * @param <E> the enum type
   * @return the constant
   * @throws IllegalArgumentException if none matches
   */
  public static <E extends Enum<E>> E parseEnum(String text, Class<E> type) {
    String wanted = text.trim().replace('-', '_');
    for (E constant : type.getEnumConstants()) {
      if (constant.name().equalsIgnoreCase(wanted)) {
        return constant;
      }
    }
    throw new IllegalArgumentException("no such constant");
  }

  /**
   * Parses {@code true} or {@code false}, ignoring case.
   *
   * @param text the text
   * @return the boolean
   * @throws IllegalArgumentException if it is neither
   */
  public static Boolean parseBoolean(String text) {
    String trimmed = text.trim();
    if (trimmed.equalsIgnoreCase("true")) {
      return Boolean.TRUE;
    }
    if (trimmed.equalsIgnoreCase("false")) {
      return Boolean.FALSE;
    }
    throw new IllegalArgumentException("not a boolean");
  }

  private Values() {}
}
