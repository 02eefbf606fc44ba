package dev.layerkit.gateway.http;

import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.internal.BuilderSettings;
import java.time.Duration;
import java.util.Objects;

/**
 * What one HTTP/2 client connection may ask of the {@link Gateway} ({@link
 * Gateway.Builder#http2Limits}): the bounds that keep the protocol's known abuses cheap.
 *
 * <ul>
 *   <li><b>Concurrent streams</b> ({@link Builder#maxConcurrentStreams}, 100 by default) is
 *       advertised in {@code SETTINGS_MAX_CONCURRENT_STREAMS}; a stream opened beyond it is
 *       refused with {@code RST_STREAM(REFUSED_STREAM)}, the others go on.
 *   <li><b>Header list size</b> ({@link Builder#maxHeaderListSize}, 16 KiB by default, as for
 *       HTTP/1.1) is advertised in {@code SETTINGS_MAX_HEADER_LIST_SIZE} and bounds the decoded
 *       headers of one request, however they are compressed (an HPACK bomb) or split over {@code
 *       CONTINUATION} frames (a CONTINUATION flood): beyond it the stream is answered with 431,
 *       and a header block far beyond it ends the connection with {@code GOAWAY}.
 *   <li><b>Resets</b> ({@link Builder#maxResetFrames}, 200 per 30 s by default): a client that
 *       opens and cancels streams faster than that (the "rapid reset" attack, CVE-2023-44487) gets
 *       {@code GOAWAY(ENHANCE_YOUR_CALM)}.
 *   <li><b>Control frames</b> ({@link Builder#maxQueuedControlFrames}, 10,000 by default): a
 *       client that floods {@code PING} or {@code SETTINGS} frames without reading the
 *       acknowledgements is disconnected once that many answers are queued.
 *   <li><b>Flow control</b> ({@link Builder#initialWindowSize}, 64 KiB by default): each stream's
 *       receive window, within the connection's ({@link Builder#connectionWindowSize}, 1 MiB by
 *       default). A request body is read from the window only as its upstream takes it, and
 *       a response is sent only as the client's window allows, so one slow stream does not stall
 *       the others.
 * </ul>
 *
 * <p>Immutable and thread-safe.
 *
 * <pre>{@code
 * Gateway gateway = Gateway.builder()
 *     .http2Limits(Http2Limits.builder().maxConcurrentStreams(250).build())
 *     .route(...)
 *     .build();
 * }</pre>
 */
public final class Http2Limits {

  /** Streams one connection may have open at once, by default. */
  public static final int DEFAULT_MAX_CONCURRENT_STREAMS = 100;

  /** Bytes of decoded headers one request may carry, by default. */
  public static final int DEFAULT_MAX_HEADER_LIST_SIZE = 16 * 1024;

  /** Each stream's receive window in bytes, by default. */
  public static final int DEFAULT_INITIAL_WINDOW_SIZE = 64 * 1024;

  /** The connection's receive window in bytes, shared by its streams, by default. */
  public static final int DEFAULT_CONNECTION_WINDOW_SIZE = 1024 * 1024;

  /** {@code RST_STREAM} frames a client may send per {@link #DEFAULT_RESET_WINDOW}, by default. */
  public static final int DEFAULT_MAX_RESET_FRAMES = 200;

  /** The window over which resets are counted, by default. */
  public static final Duration DEFAULT_RESET_WINDOW = Duration.ofSeconds(30);

  /** Control-frame answers that may wait for a client that does not read, by default. */
  public static final int DEFAULT_MAX_QUEUED_CONTROL_FRAMES = 10_000;

  private static final Http2Limits DEFAULTS = builder().build();

  private final int maxConcurrentStreams;
  private final int maxHeaderListSize;
  private final int initialWindowSize;
  private final int connectionWindowSize;
  private final int maxResetFrames;
  private final Duration resetWindow;
  private final int maxQueuedControlFrames;

  private Http2Limits(Builder builder) {
    this.maxConcurrentStreams = builder.maxConcurrentStreams;
    this.maxHeaderListSize = builder.maxHeaderListSize;
    this.initialWindowSize = builder.initialWindowSize;
    this.connectionWindowSize = builder.connectionWindowSize;
    this.maxResetFrames = builder.maxResetFrames;
    this.resetWindow = builder.resetWindow;
    this.maxQueuedControlFrames = builder.maxQueuedControlFrames;
  }

  /**
   * Returns the defaults described in the class documentation.
   *
   * @return the default limits, a shared instance
   */
  public static Http2Limits ofDefaults() {
    return DEFAULTS;
  }

  /**
   * Starts limits with the defaults.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns how many streams one connection may have open at once.
   *
   * @return at least 1
   */
  public int maxConcurrentStreams() {
    return maxConcurrentStreams;
  }

  /**
   * Returns how many bytes of decoded headers one request may carry.
   *
   * @return at least 1024
   */
  public int maxHeaderListSize() {
    return maxHeaderListSize;
  }

  /**
   * Returns each stream's receive window.
   *
   * @return bytes, at least 65,535
   */
  public int initialWindowSize() {
    return initialWindowSize;
  }

  /**
   * Returns the connection's receive window, shared by all its streams.
   *
   * @return bytes, at least the {@link #initialWindowSize()}
   */
  public int connectionWindowSize() {
    return connectionWindowSize;
  }

  /**
   * Returns how many {@code RST_STREAM} frames a client may send per {@link #resetWindow()}.
   *
   * @return at least 1
   */
  public int maxResetFrames() {
    return maxResetFrames;
  }

  /**
   * Returns the window over which {@link #maxResetFrames()} counts.
   *
   * @return whole seconds, at least one
   */
  public Duration resetWindow() {
    return resetWindow;
  }

  /**
   * Returns how many control-frame answers may wait for a client that does not read.
   *
   * @return at least 1
   */
  public int maxQueuedControlFrames() {
    return maxQueuedControlFrames;
  }

  @Override
  public String toString() {
    return "Http2Limits{maxConcurrentStreams=" + maxConcurrentStreams + ", maxHeaderListSize="
        + maxHeaderListSize + ", initialWindowSize=" + initialWindowSize
        + ", connectionWindowSize=" + connectionWindowSize + ", maxResetFrames="
        + maxResetFrames + " per " + resetWindow + ", maxQueuedControlFrames="
        + maxQueuedControlFrames + "}";
  }

  /**
   * Builds {@link Http2Limits}. Not thread-safe; a setting given twice throws {@link
   * IllegalStateException}.
   */
  public static final class Builder {

    private final BuilderSettings settings = new BuilderSettings();
    private int maxConcurrentStreams = DEFAULT_MAX_CONCURRENT_STREAMS;
    private int maxHeaderListSize = DEFAULT_MAX_HEADER_LIST_SIZE;
    private int initialWindowSize = DEFAULT_INITIAL_WINDOW_SIZE;
    private int connectionWindowSize = DEFAULT_CONNECTION_WINDOW_SIZE;
    private int maxResetFrames = DEFAULT_MAX_RESET_FRAMES;
    private Duration resetWindow = DEFAULT_RESET_WINDOW;
    private int maxQueuedControlFrames = DEFAULT_MAX_QUEUED_CONTROL_FRAMES;

    private Builder() {}

    /**
     * Sets how many streams one connection may have open at once ({@link
     * #DEFAULT_MAX_CONCURRENT_STREAMS} by default).
     *
     * @param streams at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code streams} is not positive
     * @throws IllegalStateException if already set
     */
    public Builder maxConcurrentStreams(int streams) {
      int checked = Arguments.positive(streams, "maxConcurrentStreams");
      settings.requireUnset("maxConcurrentStreams", maxConcurrentStreams);
      this.maxConcurrentStreams = checked;
      return this;
    }

    /**
     * Sets how many bytes of decoded headers (names, values and 32 bytes per field, as HTTP/2
     * counts them) one request may carry ({@link #DEFAULT_MAX_HEADER_LIST_SIZE} by default).
     *
     * @param bytes at least 1024
     * @return this builder
     * @throws IllegalArgumentException if {@code bytes} is below 1024
     * @throws IllegalStateException if already set
     */
    public Builder maxHeaderListSize(int bytes) {
      if (bytes < 1024) {
        throw new IllegalArgumentException("maxHeaderListSize must be >= 1024 but was " + bytes);
      }
      settings.requireUnset("maxHeaderListSize", maxHeaderListSize);
      this.maxHeaderListSize = bytes;
      return this;
    }

    /**
     * Sets each stream's receive window ({@link #DEFAULT_INITIAL_WINDOW_SIZE} by default): how
     * much of a request body the client may send before the gateway has passed it on. It is
     * never below the protocol's initial 65,535 bytes: a client may send that much before it has
     * read the gateway's settings, and a window shrunk under data already in flight only makes
     * such clients stall.
     *
     * @param bytes from 65,535 to 2^31-1
     * @return this builder
     * @throws IllegalArgumentException if {@code bytes} is below 65,535
     * @throws IllegalStateException if already set
     */
    public Builder initialWindowSize(int bytes) {
      if (bytes < 65_535) {
        throw new IllegalArgumentException("initialWindowSize must be >= 65535 but was " + bytes);
      }
      settings.requireUnset("initialWindowSize", initialWindowSize);
      this.initialWindowSize = bytes;
      return this;
    }

    /**
     * Sets the connection's receive window, shared by its streams ({@link
     * #DEFAULT_CONNECTION_WINDOW_SIZE} by default). It bounds what one connection's request bodies
     * may hold in the gateway's memory at once; it should be several stream windows, so that one
     * stream whose upstream reads slowly cannot use it up and stall the others.
     *
     * @param bytes from the stream window ({@link #initialWindowSize}) to 2^31-1
     * @return this builder
     * @throws IllegalArgumentException if {@code bytes} is below 65,535 (the protocol's initial
     *     connection window)
     * @throws IllegalStateException if already set
     */
    public Builder connectionWindowSize(int bytes) {
      if (bytes < 65_535) {
        throw new IllegalArgumentException("connectionWindowSize must be >= 65535 but was " + bytes);
      }
      settings.requireUnset("connectionWindowSize", connectionWindowSize);
      this.connectionWindowSize = bytes;
      return this;
    }

    /**
     * Sets how many {@code RST_STREAM} frames a client may send per window before the connection
     * is closed with {@code ENHANCE_YOUR_CALM} ({@link #DEFAULT_MAX_RESET_FRAMES} per {@link
     * #DEFAULT_RESET_WINDOW} by default).
     *
     * @param frames at least 1
     * @param window whole seconds, at least one
     * @return this builder
     * @throws NullPointerException if {@code window} is null
     * @throws IllegalArgumentException if {@code frames} is not positive, or {@code window} is
     *     shorter than a second or not whole seconds
     * @throws IllegalStateException if already set
     */
    public Builder maxResetFrames(int frames, Duration window) {
      int checkedFrames = Arguments.positive(frames, "maxResetFrames");
      Objects.requireNonNull(window, "window");
      if (window.toSeconds() < 1 || window.toNanos() % 1_000_000_000L != 0) {
        throw new IllegalArgumentException(
            "reset window must be whole seconds, at least one, but was " + window);
      }
      settings.requireUnset("maxResetFrames", maxResetFrames);
      this.maxResetFrames = checkedFrames;
      this.resetWindow = window;
      return this;
    }

    /**
     * Sets how many control-frame answers ({@code PING} and {@code SETTINGS} acknowledgements)
     * may wait for a client that does not read before it is disconnected ({@link
     * #DEFAULT_MAX_QUEUED_CONTROL_FRAMES} by default).
     *
     * @param frames at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code frames} is not positive
     * @throws IllegalStateException if already set
     */
    public Builder maxQueuedControlFrames(int frames) {
      int checked = Arguments.positive(frames, "maxQueuedControlFrames");
      settings.requireUnset("maxQueuedControlFrames", maxQueuedControlFrames);
      this.maxQueuedControlFrames = checked;
      return this;
    }

    /**
     * Builds the limits.
     *
     * @return the limits
     */
    public Http2Limits build() {
      if (connectionWindowSize < initialWindowSize) {
        throw new IllegalArgumentException("connectionWindowSize (" + connectionWindowSize
            + ") must not be smaller than initialWindowSize (" + initialWindowSize + ")");
      }
      return new Http2Limits(this);
    }
  }
}
