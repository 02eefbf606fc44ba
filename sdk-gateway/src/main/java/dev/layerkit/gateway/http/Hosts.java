package dev.layerkit.gateway.http;

import java.util.Locale;

/** Host header helpers. */
final class Hosts {

  private Hosts() {}

  /** Returns the host of a {@code Host} header value, lower case, without the port. */
  static String withoutPort(String hostHeader) {
    String host = hostHeader.trim();
    if (host.startsWith("[")) {
      int end = host.indexOf(']');
      return (end < 0 ? host : host.substring(0, end + 1)).toLowerCase(Locale.ROOT);
    }
    int colon = host.indexOf(':');
    return (colon < 0 ? host : host.substring(0, colon)).toLowerCase(Locale.ROOT);
  }
}
