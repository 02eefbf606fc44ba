package dev.layerkit.gateway.http;

import dev.layerkit.core.time.TimeSource;
import dev.layerkit.gateway.lb.Endpoint;
import io.netty.util.concurrent.FastThreadLocal;
import java.time.LocalDateTime;
import java.util.function.Consumer;
import java.time.ZoneOffset;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one JSON line per request to the SLF4J logger {@value #LOGGER_NAME} at INFO:
 *
 * <pre>{@code
 * {"time":"2026-12-06T09:25:01.123Z","requestId":"8f3c...","client":"10.0.0.7","method":"GET",
 *  "path":"/orders/7","route":"orders","upstream":"10.0.0.1:8081","status":200,"bytes":512,
 *  "upstreamMs":1.204,"totalMs":1.377,"limiter":"allowed"}
 * }</pre>
 *
 * <p>{@code route}, {@code upstream}, {@code upstreamMs} and {@code limiter} are {@code null} when
 * the request did not get that far (no route, answered by a filter, route without a limiter).
 * {@code bytes} is the response body as sent (before compression). The path is the request's,
 * without the query string (which may hold secrets).
 *
 * <p>Cost: off by default ({@link Gateway.Builder#accessLog}); when on and the logger enabled, a
 * line is built in a {@code StringBuilder} kept per event-loop thread, with numbers and the time
 * appended by hand (the time's date part is formatted once per second): no {@code
 * String.format}, no JSON library, one {@code String} per request. What the logging backend then
 * does with it is the rest of the cost, and most of it: see {@link Gateway.Builder#accessLog} for
 * the backend configuration that keeps it under a microsecond a line.
 */
final class AccessLog {

  /** The logger's name. */
  static final String LOGGER_NAME = "dev.layerkit.gateway.access";

  private static final Logger LOG = LoggerFactory.getLogger(LOGGER_NAME);
  private static final FastThreadLocal<Line> LINES = new FastThreadLocal<>() {
    @Override
    protected Line initialValue() {
      return new Line();
    }
  };

  private final boolean enabled;
  private final TimeSource time;
  private final Consumer<String> sink;
  private final boolean toLogger;

  /**
   * @param sink where lines go instead of the logger (tests), or null for the logger
   */
  AccessLog(boolean enabled, TimeSource time, @Nullable Consumer<String> sink) {
    this.enabled = enabled;
    this.time = time;
    this.toLogger = sink == null;
    this.sink = sink == null ? LOG::info : sink;
  }

  /** Whether a line would be written now. */
  boolean on() {
    return enabled && (!toLogger || LOG.isInfoEnabled());
  }

  /**
   * Logs a request's outcome.
   *
   * @param upstreamNanos the last attempt's time to the end of the response, -1 without one
   */
  void log(FilterContext request, int status, long bytes, @Nullable Endpoint endpoint,
      long upstreamNanos) {
    if (!on()) {
      return;
    }
    long now = time.nanoTime();
    Line line = LINES.get();
    StringBuilder out = line.text;
    out.setLength(0);
    out.append("{\"time\":\"");
    line.appendTime(out, time.epochMillis());
    out.append("\",\"requestId\":");
    string(out, request.requestId());
    out.append(",\"client\":");
    string(out, request.clientIp());
    out.append(",\"method\":");
    string(out, request.view.method());
    out.append(",\"path\":");
    string(out, request.view.path());
    out.append(",\"route\":");
    RouteState route = request.routeIfMatched();
    string(out, route == null ? null : route.route.id());
    out.append(",\"upstream\":");
    if (endpoint == null) {
      out.append("null");
    } else {
      out.append('"');
      escape(out, endpoint.host());
      out.append(':').append(endpoint.port()).append('"');
    }
    out.append(",\"status\":").append(status);
    out.append(",\"bytes\":").append(bytes);
    out.append(",\"upstreamMs\":");
    if (upstreamNanos < 0) {
      out.append("null");
    } else {
      millis(out, upstreamNanos);
    }
    out.append(",\"totalMs\":");
    millis(out, now - request.startNanos);
    out.append(",\"limiter\":");
    string(out, request.limiterDecision());
    out.append('}');
    sink.accept(out.toString());
    if (out.capacity() > 8192) {
      line.text = new StringBuilder(512); // one huge path must not pin memory per thread
    }
  }

  /** Appends nanoseconds as milliseconds with three decimals. */
  private static void millis(StringBuilder out, long nanos) {
    long micros = Math.max(0, nanos) / 1_000;
    out.append(micros / 1_000).append('.');
    long fraction = micros % 1_000;
    if (fraction < 100) {
      out.append('0');
    }
    if (fraction < 10) {
      out.append('0');
    }
    out.append(fraction);
  }

  private static void string(StringBuilder out, @Nullable String value) {
    if (value == null) {
      out.append("null");
      return;
    }
    out.append('"');
    escape(out, value);
    out.append('"');
  }

  /** JSON string escaping (RFC 8259, section 7). */
  static void escape(StringBuilder out, String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20 || c == 0x7f) {
        out.append("\\u00").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 0xf, 16));
      } else {
        out.append(c);
      }
    }
  }

  /** A thread's line buffer and the date-time prefix of the last second it formatted. */
  private static final class Line {
    StringBuilder text = new StringBuilder(512);
    long second = Long.MIN_VALUE;
    String prefix = "";

    void appendTime(StringBuilder out, long epochMillis) {
      long epochSecond = Math.floorDiv(epochMillis, 1_000);
      if (epochSecond != second) {
        second = epochSecond;
        prefix = LocalDateTime.ofEpochSecond(epochSecond, 0, ZoneOffset.UTC).toString();
        if (prefix.length() == 16) {
          prefix = prefix + ":00"; // LocalDateTime drops a zero second
        }
      }
      long millis = Math.floorMod(epochMillis, 1_000);
      out.append(prefix).append('.');
      if (millis < 100) {
        out.append('0');
      }
      if (millis < 10) {
        out.append('0');
      }
      out.append(millis).append('Z');
    }
  }
}
