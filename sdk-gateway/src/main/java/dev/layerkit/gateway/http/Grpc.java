package dev.layerkit.gateway.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The parts of the gRPC over HTTP/2 protocol the gateway needs to proxy gRPC and to answer in
 * it: status codes, {@code grpc-message} percent-encoding and {@code grpc-timeout}, as the
 * gRPC "PROTOCOL-HTTP2" document defines them. Written here rather than taken from grpc-java,
 * whose classes for these are internal and would make grpc-java a dependency of every gateway.
 */
final class Grpc {

  static final AsciiString STATUS = AsciiString.cached("grpc-status");
  static final AsciiString MESSAGE = AsciiString.cached("grpc-message");
  static final AsciiString TIMEOUT = AsciiString.cached("grpc-timeout");
  static final AsciiString CONTENT_TYPE = AsciiString.cached("application/grpc");

  static final int OK = 0;
  static final int CANCELLED = 1;
  static final int UNKNOWN = 2;
  static final int INVALID_ARGUMENT = 3;
  static final int DEADLINE_EXCEEDED = 4;
  static final int NOT_FOUND = 5;
  static final int PERMISSION_DENIED = 7;
  static final int RESOURCE_EXHAUSTED = 8;
  static final int UNIMPLEMENTED = 12;
  static final int INTERNAL = 13;
  static final int UNAVAILABLE = 14;
  static final int UNAUTHENTICATED = 16;

  /** The largest value {@code grpc-timeout} can carry: 8 digits. */
  private static final long MAX_TIMEOUT_VALUE = 99_999_999L;

  private Grpc() {}

  /**
   * Returns whether a request is gRPC by its content type: {@code application/grpc} or {@code
   * application/grpc+proto} and the like, but not gRPC-Web, which browsers speak over HTTP/1.1.
   */
  static boolean isGrpc(HttpHeaders headers) {
    String type = headers.get(HttpHeaderNames.CONTENT_TYPE);
    if (type == null || !type.regionMatches(true, 0, "application/grpc", 0, 16)) {
      return false;
    }
    return type.length() == 16 || type.charAt(16) == '+' || type.charAt(16) == ';';
  }

  /**
   * The gRPC status for one of the gateway's own HTTP errors. 504 is the gateway's response or
   * call deadline passing; a connect timeout is mapped by its caller to UNAVAILABLE instead.
   */
  static int statusFor(int httpStatus) {
    return switch (httpStatus) {
      case 400, 414, 431 -> INTERNAL;
      case 401 -> UNAUTHENTICATED;
      case 403 -> PERMISSION_DENIED;
      case 404, 405, 501 -> UNIMPLEMENTED;
      case 408, 504 -> DEADLINE_EXCEEDED;
      case 413, 429 -> RESOURCE_EXHAUSTED;
      case 502, 503 -> UNAVAILABLE;
      case 500 -> INTERNAL;
      default -> UNKNOWN;
    };
  }

  /**
   * Percent-encodes a {@code grpc-message}: bytes of the UTF-8 form outside printable ASCII, and
   * {@code %}, become {@code %XX}.
   */
  static String encodeMessage(String message) {
    byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
    StringBuilder out = null;
    for (int i = 0; i < bytes.length; i++) {
      int b = bytes[i] & 0xff;
      boolean plain = b >= 0x20 && b <= 0x7e && b != '%';
      if (!plain && out == null) {
        out = new StringBuilder(bytes.length + 16);
        out.append(message, 0, i); // bytes before i were ASCII, one char each
      }
      if (out != null) {
        if (plain) {
          out.append((char) b);
        } else {
          out.append('%').append(Character.toUpperCase(Character.forDigit(b >> 4, 16)))
              .append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
        }
      }
    }
    return out == null ? message : out.toString();
  }

  /**
   * Parses a {@code grpc-timeout} value (1 to 8 digits and a unit of H, M, S, m, u or n) into
   * nanoseconds, or returns -1 if it is malformed.
   */
  static long parseTimeoutNanos(@Nullable String value) {
    if (value == null || value.length() < 2 || value.length() > 9) {
      return -1;
    }
    long amount = 0;
    for (int i = 0; i < value.length() - 1; i++) {
      char c = value.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      amount = amount * 10 + (c - '0');
    }
    TimeUnit unit = switch (value.charAt(value.length() - 1)) {
      case 'H' -> TimeUnit.HOURS;
      case 'M' -> TimeUnit.MINUTES;
      case 'S' -> TimeUnit.SECONDS;
      case 'm' -> TimeUnit.MILLISECONDS;
      case 'u' -> TimeUnit.MICROSECONDS;
      case 'n' -> TimeUnit.NANOSECONDS;
      default -> null;
    };
    return unit == null ? -1 : unit.toNanos(amount);
  }

  /**
   * Formats a positive time as a {@code grpc-timeout} value in the finest unit that fits in 8
   * digits, rounding up so that the receiver never sees a deadline shorter than was meant.
   */
  static String formatTimeout(long nanos) {
    long value = Math.max(1, nanos);
    if (value <= MAX_TIMEOUT_VALUE) {
      return value + "n";
    }
    long[] divisors = {1_000L, 1_000_000L, 1_000_000_000L, 60_000_000_000L, 3_600_000_000_000L};
    char[] units = {'u', 'm', 'S', 'M', 'H'};
    for (int i = 0; i < divisors.length; i++) {
      long scaled = (value + divisors[i] - 1) / divisors[i];
      if (scaled <= MAX_TIMEOUT_VALUE) {
        return scaled + String.valueOf(units[i]);
      }
    }
    return MAX_TIMEOUT_VALUE + "H";
  }
}
