package dev.layerkit.gateway.http;

import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.internal.BuilderSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Which responses the {@link Gateway} compresses for clients that accept it ({@link
 * Gateway.Builder#compression}): gzip always, and brotli when Netty finds {@code
 * com.aayushatharva.brotli4j} with its native library on the class path (the client's {@code
 * Accept-Encoding} and its q-values choose between them, Netty's {@code HttpContentCompressor}
 * does the encoding).
 *
 * <p>A response is compressed only if all of these hold:
 *
 * <ul>
 *   <li>its {@code Content-Type} is one of {@link Builder#contentTypes} (text, JSON, JavaScript,
 *       XML and SVG by default; images, video, archives and fonts are already compressed);
 *   <li>it declares no {@code Content-Length} smaller than {@link Builder#minSize} (a streamed
 *       body of unknown length is compressed);
 *   <li>it has no {@code Content-Encoding} (it is compressed already) and no {@code Cache-Control:
 *       no-transform} (RFC 9111, section 5.2.2.6: an intermediary must not change the body).
 * </ul>
 *
 * Every response that could be compressed gets {@code Vary: Accept-Encoding}, whether this
 * client accepted compression or not, so that a shared cache keeps both forms apart.
 *
 * <p>Immutable and thread-safe.
 */
public final class Compression {

  /** Responses smaller than this many bytes are sent as they are, by default. */
  public static final int DEFAULT_MIN_SIZE = 1024;

  /** The gzip level, 1 (fast) to 9 (small), by default. */
  public static final int DEFAULT_LEVEL = 6;

  /** The content types compressed by default; {@code *} matches any subtype or suffix. */
  public static final List<String> DEFAULT_CONTENT_TYPES = List.of("text/*", "application/json",
      "application/*+json", "application/javascript", "application/xml", "application/*+xml",
      "application/x-ndjson", "image/svg+xml");

  private static final Pattern TYPE = Pattern.compile("[a-z0-9!#$&^_.+*-]+/[a-z0-9!#$&^_.+*-]+");

  private final int minSize;
  private final int level;
  private final List<String> contentTypes;

  private Compression(Builder builder) {
    this.minSize = builder.minSize;
    this.level = builder.level;
    this.contentTypes = List.copyOf(builder.contentTypes != null ? builder.contentTypes
        : DEFAULT_CONTENT_TYPES);
  }

  /**
   * Returns the defaults: {@link #DEFAULT_CONTENT_TYPES}, {@link #DEFAULT_MIN_SIZE}, {@link
   * #DEFAULT_LEVEL}.
   *
   * @return the compression
   */
  public static Compression ofDefaults() {
    return builder().build();
  }

  /**
   * Starts a compression with the defaults.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns the smallest declared body compressed.
   *
   * @return bytes
   */
  public int minSize() {
    return minSize;
  }

  /**
   * Returns the gzip level.
   *
   * @return 1 to 9
   */
  public int level() {
    return level;
  }

  /**
   * Returns the content types compressed.
   *
   * @return the types, lower case, {@code *} as a wildcard
   */
  public List<String> contentTypes() {
    return contentTypes;
  }

  /**
   * Returns whether a response of this content type is compressed.
   *
   * @param contentType the {@code Content-Type} value, parameters allowed, or null
   * @return true if the type (without parameters) matches one of {@link #contentTypes()}
   */
  public boolean compresses(@Nullable String contentType) {
    if (contentType == null) {
      return false;
    }
    int semicolon = contentType.indexOf(';');
    String type = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim()
        .toLowerCase(Locale.ROOT);
    for (String pattern : contentTypes) {
      if (matches(pattern, type)) {
        return true;
      }
    }
    return false;
  }

  private static boolean matches(String pattern, String type) {
    int star = pattern.indexOf('*');
    if (star < 0) {
      return pattern.equals(type);
    }
    return type.length() >= pattern.length() - 1 && type.startsWith(pattern.substring(0, star))
        && type.endsWith(pattern.substring(star + 1));
  }

  @Override
  public String toString() {
    return "Compression[minSize=" + minSize + ", level=" + level + ", types=" + contentTypes + "]";
  }

  /** Builds a {@link Compression}. Not thread-safe; a setting given twice throws. */
  public static final class Builder {

    private final BuilderSettings settings = new BuilderSettings();
    private int minSize = DEFAULT_MIN_SIZE;
    private int level = DEFAULT_LEVEL;
    private @Nullable List<String> contentTypes;

    private Builder() {}

    /**
     * Sets the smallest declared body that is compressed ({@link #DEFAULT_MIN_SIZE} by default).
     *
     * @param bytes at least 0
     * @return this builder
     * @throws IllegalArgumentException if {@code bytes} is negative
     * @throws IllegalStateException if already set
     */
    public Builder minSize(int bytes) {
      int checked = Arguments.notNegative(bytes, "minSize");
      settings.requireUnset("minSize", minSize);
      this.minSize = checked;
      return this;
    }

    /**
     * Sets the gzip level ({@link #DEFAULT_LEVEL} by default).
     *
     * @param level 1 (fastest) to 9 (smallest)
     * @return this builder
     * @throws IllegalArgumentException if {@code level} is outside 1 to 9
     * @throws IllegalStateException if already set
     */
    public Builder level(int level) {
      if (level < 1 || level > 9) {
        throw new IllegalArgumentException("level must be 1 to 9 but was " + level);
      }
      settings.requireUnset("level", this.level);
      this.level = level;
      return this;
    }

    /**
     * Sets the content types compressed, replacing {@link #DEFAULT_CONTENT_TYPES}: exact ({@code
     * application/json}) or with one {@code *} for a subtype or suffix ({@code text/*}, {@code
     * application/*+json}).
     *
     * @param types the types, at least one
     * @return this builder
     * @throws NullPointerException if {@code types} or an element is null
     * @throws IllegalArgumentException if {@code types} is empty or a type is not {@code
     *     type/subtype} with at most one {@code *}
     * @throws IllegalStateException if already set
     */
    public Builder contentTypes(String... types) {
      Objects.requireNonNull(types, "types");
      if (types.length == 0) {
        throw new IllegalArgumentException("contentTypes must not be empty but was []");
      }
      List<String> checked = new ArrayList<>();
      for (String type : types) {
        String lower = Objects.requireNonNull(type, "type").trim().toLowerCase(Locale.ROOT);
        if (!TYPE.matcher(lower).matches() || lower.indexOf('*') != lower.lastIndexOf('*')) {
          throw new IllegalArgumentException(
              "contentTypes must be type/subtype with at most one * but had '" + type + "'");
        }
        checked.add(lower);
      }
      settings.requireUnset("contentTypes", contentTypes);
      this.contentTypes = checked;
      return this;
    }

    /**
     * Builds the compression.
     *
     * @return the compression, immutable
     */
    public Compression build() {
      return new Compression(this);
    }
  }
}
