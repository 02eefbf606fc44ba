package dev.layerkit.gateway.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.List;

/** Removes the hop-by-hop headers of RFC 9110 section 7.6.1 from a message to forward. */
final class HopByHop {

  private static final AsciiString KEEP_ALIVE = AsciiString.cached("keep-alive");
  private static final AsciiString PROXY_CONNECTION = AsciiString.cached("proxy-connection");
  /**
   * The headers Netty's HTTP/2-to-HTTP/1 conversion adds to carry HTTP/2 details (its {@code
   * HttpConversionUtil.ExtensionHeaderNames}); they describe one hop and must not be forwarded.
   */
  private static final List<AsciiString> HTTP2_EXTENSIONS = List.of(
      AsciiString.cached("x-http2-stream-id"), AsciiString.cached("x-http2-scheme"),
      AsciiString.cached("x-http2-path"), AsciiString.cached("x-http2-stream-promise-id"),
      AsciiString.cached("x-http2-stream-dependency-id"),
      AsciiString.cached("x-http2-stream-weight"));

  private HopByHop() {}

  /**
   * Strips hop-by-hop headers. {@code Transfer-Encoding} stays: Netty's encoder frames the body
   * by it on the next hop, and it is re-written there, not passed through.
   */
  static void strip(HttpHeaders headers) {
    if (headers.contains(HttpHeaderNames.CONNECTION)) {
      for (String value : headers.getAll(HttpHeaderNames.CONNECTION)) {
        if (namesNoHeader(value)) {
          continue; // the usual "keep-alive" or "close": nothing to split or remove
        }
        for (String token : value.split(",")) {
          String name = token.trim();
          if (!name.isEmpty() && !name.equalsIgnoreCase("close")
              && !name.equalsIgnoreCase("keep-alive")
              && !name.equalsIgnoreCase(HttpHeaderNames.TRANSFER_ENCODING.toString())) {
            headers.remove(name);
          }
        }
      }
      headers.remove(HttpHeaderNames.CONNECTION);
    }
    headers.remove(KEEP_ALIVE);
    headers.remove(PROXY_CONNECTION);
    headers.remove(HttpHeaderNames.TE);
    headers.remove(HttpHeaderNames.TRAILER);
    headers.remove(HttpHeaderNames.UPGRADE);
    headers.remove(HttpHeaderNames.PROXY_AUTHENTICATE);
    headers.remove(HttpHeaderNames.PROXY_AUTHORIZATION);
  }

  /** Whether a {@code Connection} value is a single {@code keep-alive} or {@code close}. */
  private static boolean namesNoHeader(String value) {
    return value.equalsIgnoreCase("keep-alive") || value.equalsIgnoreCase("close");
  }

  /** Strips the headers Netty's HTTP/2 conversion adds to a message read from a stream. */
  static void stripHttp2Extensions(HttpHeaders headers) {
    for (AsciiString name : HTTP2_EXTENSIONS) {
      headers.remove(name);
    }
  }
}
