package dev.layerkit.gateway.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.List;

/** Removes the hop-by-hop headers of RFC 9110 section 7.6.1 from a message to forward. */
final class HopByHop {

  private static final AsciiString KEEP_ALIVE = AsciiString.cached("keep-alive");
  private static final AsciiString PROXY_CONNECTION = AsciiString.cached("proxy-connection");

  private HopByHop() {}

  /**
   * Strips hop-by-hop headers. {@code Transfer-Encoding} stays: Netty's encoder frames the body
   * by it on the next hop, and it is re-written there, not passed through.
   */
  static void strip(HttpHeaders headers) {
    List<String> connection = headers.getAll(HttpHeaderNames.CONNECTION);
    if (!connection.isEmpty()) {
      for (String value : connection) {
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
}
