package dev.layerkit.service;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import dev.layerkit.core.time.Durations;
import dev.layerkit.core.time.ManualTimeSource;
import dev.layerkit.core.time.TimeSource;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The time a server has left to answer a request, read from the {@value #HEADER} header that
 * {@link ServiceClient} sends with every attempt.
 *
 * <h2>Wire format</h2>
 *
 * <p>{@code X-Request-Timeout: 850ms}: the time the caller will still wait, relative to when the
 * attempt was sent, in the {@link Durations} grammar (the client always writes whole
 * milliseconds). Relative, as gRPC's {@code grpc-timeout}, rather than an absolute instant, so
 * that clock skew between hosts does not shorten or stretch it; the time on the wire is not
 * subtracted, which errs towards working a little longer than the caller waits. A server that
 * calls further services passes {@link #remaining()} on as their deadline, so a whole chain stops
 * when the first caller gives up.
 *
 * <h2>Servers</h2>
 *
 * <p>On the JDK's {@code com.sun.net.httpserver}, add {@link #filter()} to a context: it answers
 * 504 to a request whose deadline has already passed, 400 to a malformed header, and otherwise
 * makes the deadline available to the handler through {@link #of(HttpExchange)}. Other servers
 * call {@link #parse(String, TimeSource)} on the header value.
 *
 * <pre>{@code
 * server.createContext("/orders", handler).getFilters().add(ServerDeadline.filter());
 * // in the handler:
 * Duration left = ServerDeadline.of(exchange).map(ServerDeadline::remaining).orElse(Duration.ofSeconds(5));
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class ServerDeadline {

  /** The request header carrying the caller's remaining time: {@value}. */
  public static final String HEADER = "X-Request-Timeout";

  /** The exchange attribute under which {@link #filter()} stores the deadline. */
  static final String ATTRIBUTE = ServerDeadline.class.getName();

  private final long deadlineNanos;
  private final TimeSource timeSource;

  private ServerDeadline(long deadlineNanos, TimeSource timeSource) {
    this.deadlineNanos = deadlineNanos;
    this.timeSource = timeSource;
  }

  /**
   * Reads a deadline from a {@value #HEADER} header value received now.
   *
   * @param headerValue the header's value, for example {@code 850ms}
   * @param timeSource the clock the deadline runs on; {@link ManualTimeSource} in tests
   * @return the deadline
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the value is not a duration in the {@link Durations}
   *     grammar, naming the value
   */
  public static ServerDeadline parse(String headerValue, TimeSource timeSource) {
    Objects.requireNonNull(headerValue, "headerValue");
    Objects.requireNonNull(timeSource, "timeSource");
    Duration timeout = Durations.parse(headerValue);
    long nanos = timeout.compareTo(Duration.ofDays(365)) > 0 ? Long.MAX_VALUE / 4 : timeout.toNanos();
    return new ServerDeadline(timeSource.nanoTime() + nanos, timeSource);
  }

  /**
   * Returns the deadline {@link #filter()} stored for an exchange.
   *
   * @param exchange the exchange
   * @return the deadline, or empty if the request carried none (or the filter is not installed)
   * @throws NullPointerException if {@code exchange} is null
   */
  public static Optional<ServerDeadline> of(HttpExchange exchange) {
    Object value = exchange.getAttribute(ATTRIBUTE);
    return value instanceof ServerDeadline deadline ? Optional.of(deadline) : Optional.empty();
  }

  /**
   * Returns a filter for the JDK HTTP server that honours the header on the system clock.
   *
   * @return a new filter
   */
  public static Filter filter() {
    return filter(TimeSource.system());
  }

  /**
   * Returns a filter for the JDK HTTP server that honours the header: 504 (and the handler is not
   * run) when no time is left, 400 when the header is malformed, else the deadline is stored for
   * {@link #of(HttpExchange)}.
   *
   * @param timeSource the clock deadlines run on
   * @return a new filter
   * @throws NullPointerException if {@code timeSource} is null
   */
  public static Filter filter(TimeSource timeSource) {
    return new DeadlineFilter(Objects.requireNonNull(timeSource, "timeSource"));
  }

  /**
   * Formats the header value the client sends for {@code remaining}: whole milliseconds, rounded
   * down, at least zero.
   *
   * @param remainingNanos the time left, in nanoseconds
   * @return the header value, for example {@code 850ms}
   */
  static String headerValue(long remainingNanos) {
    return Math.max(0, remainingNanos / 1_000_000L) + "ms";
  }

  /**
   * Returns the time left before the caller gives up.
   *
   * @return the remaining time, zero once expired
   */
  public Duration remaining() {
    return Duration.ofNanos(Math.max(0, deadlineNanos - timeSource.nanoTime()));
  }

  /**
   * Returns whether the caller has given up already.
   *
   * @return true when no time is left
   */
  public boolean isExpired() {
    return deadlineNanos - timeSource.nanoTime() <= 0;
  }

  @Override
  public String toString() {
    return "ServerDeadline{remaining=" + remaining().toMillis() + "ms}";
  }

  static @Nullable String header(HttpExchange exchange) {
    return exchange.getRequestHeaders().getFirst(HEADER);
  }
}
