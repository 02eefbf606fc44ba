package dev.layerkit.gateway.http.internal;

import org.jspecify.annotations.Nullable;

/**
 * Parses and formats IP address literals without ever resolving a name.
 *
 * <p>Why hand-written: {@link java.net.InetAddress#getByName} accepts host names too and would
 * make a DNS query for anything that is not a literal (a spoofed {@code X-Forwarded-For} entry,
 * a typo in a configuration), which must never happen on the event loop; Java 17 has no
 * literal-only parser ({@code InetAddress.ofLiteral} came in Java 22) and Guava's {@code
 * InetAddresses} is not a dependency of this module.
 *
 * <p>Accepted: IPv4 dotted quads ({@code 192.0.2.1}; no leading zeros, which some parsers read as
 * octal) and IPv6 in RFC 4291 text form ({@code 2001:db8::1}, {@code ::ffff:192.0.2.1}), without
 * zone ids. Stateless and thread-safe.
 */
public final class IpAddresses {

  private IpAddresses() {}

  /**
   * Parses an address literal.
   *
   * @param text the literal
   * @return 4 bytes for IPv4, 16 for IPv6, or {@code null} if {@code text} is not a literal
   */
  public static byte @Nullable [] parse(String text) {
    if (text.indexOf(':') >= 0) {
      return parseV6(text);
    }
    byte[] address = new byte[4];
    return parseV4(text, address, 0) ? address : null;
  }

  /**
   * Returns an IPv4-mapped IPv6 address ({@code ::ffff:a.b.c.d}) as its 4 IPv4 bytes, so that
   * it matches IPv4 ranges; any other address as it is.
   *
   * @param address 4 or 16 bytes
   * @return the IPv4 bytes of a mapped address, else {@code address}
   */
  public static byte[] unmap(byte[] address) {
    if (address.length != 16) {
      return address;
    }
    for (int i = 0; i < 10; i++) {
      if (address[i] != 0) {
        return address;
      }
    }
    if (address[10] != (byte) 0xff || address[11] != (byte) 0xff) {
      return address;
    }
    return new byte[] {address[12], address[13], address[14], address[15]};
  }

  /**
   * Formats an address: dotted quad for IPv4, eight hex groups with the longest run of two or more
   * zero groups compressed to {@code ::} for IPv6 (RFC 5952).
   *
   * @param address 4 or 16 bytes
   * @return the text form
   * @throws IllegalArgumentException if {@code address} has another length
   */
  public static String format(byte[] address) {
    if (address.length == 4) {
      return (address[0] & 0xff) + "." + (address[1] & 0xff) + "." + (address[2] & 0xff) + "."
          + (address[3] & 0xff);
    }
    if (address.length != 16) {
      throw new IllegalArgumentException(
          "address must be 4 or 16 bytes but was " + address.length);
    }
    int[] groups = new int[8];
    for (int i = 0; i < 8; i++) {
      groups[i] = ((address[2 * i] & 0xff) << 8) | (address[2 * i + 1] & 0xff);
    }
    int bestStart = -1;
    int bestLength = 1;
    for (int i = 0; i < 8; ) {
      if (groups[i] != 0) {
        i++;
        continue;
      }
      int start = i;
      while (i < 8 && groups[i] == 0) {
        i++;
      }
      if (i - start > bestLength) {
        bestStart = start;
        bestLength = i - start;
      }
    }
    StringBuilder text = new StringBuilder(39);
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        text.append("::");
        i += bestLength - 1;
        continue;
      }
      if (text.length() > 0 && text.charAt(text.length() - 1) != ':') {
        text.append(':');
      }
      text.append(Integer.toHexString(groups[i]));
    }
    return text.toString();
  }

  private static boolean parseV4(String text, byte[] into, int offset) {
    int part = 0;
    int value = -1;
    int digits = 0;
    for (int i = 0; i <= text.length(); i++) {
      char c = i < text.length() ? text.charAt(i) : '.';
      if (c == '.') {
        if (digits == 0 || part > 3) {
          return false;
        }
        into[offset + part++] = (byte) value;
        value = -1;
        digits = 0;
      } else if (c >= '0' && c <= '9') {
        if (digits > 0 && value == 0) {
          return false; // a leading zero
        }
        value = (value < 0 ? 0 : value * 10) + (c - '0');
        if (++digits > 3 || value > 255) {
          return false;
        }
      } else {
        return false;
      }
    }
    return part == 4;
  }

  private static byte @Nullable [] parseV6(String text) {
    int doubleColon = text.indexOf("::");
    if (doubleColon >= 0 && text.indexOf("::", doubleColon + 1) >= 0) {
      return null;
    }
    byte[] address = new byte[16];
    int[] head = new int[10];
    int[] tail = new int[10];
    int headCount;
    int tailCount;
    if (doubleColon < 0) {
      headCount = groups(text, head, true);
      tailCount = 0;
      if (headCount != 8) {
        return null;
      }
    } else {
      headCount = groups(text.substring(0, doubleColon), head, false);
      tailCount = groups(text.substring(doubleColon + 2), tail, true);
      if (headCount < 0 || tailCount < 0 || headCount + tailCount > 7) {
        return null;
      }
    }
    for (int i = 0; i < headCount; i++) {
      address[2 * i] = (byte) (head[i] >>> 8);
      address[2 * i + 1] = (byte) head[i];
    }
    for (int i = 0; i < tailCount; i++) {
      int at = 8 - tailCount + i;
      address[2 * at] = (byte) (tail[i] >>> 8);
      address[2 * at + 1] = (byte) tail[i];
    }
    return address;
  }

  /**
   * Parses colon-separated hex groups into {@code into}; an IPv4 quad may end the part if {@code
   * ipv4AtEnd}, counting as two groups. Returns the number of groups, or -1 if malformed. An empty
   * part has no groups.
   */
  private static int groups(String part, int[] into, boolean ipv4AtEnd) {
    if (part.isEmpty()) {
      return 0;
    }
    int count = 0;
    int start = 0;
    while (true) {
      int end = part.indexOf(':', start);
      String group = end < 0 ? part.substring(start) : part.substring(start, end);
      if (end < 0 && ipv4AtEnd && group.indexOf('.') >= 0) {
        byte[] v4 = new byte[4];
        if (count > 6 || !parseV4(group, v4, 0)) {
          return -1;
        }
        into[count++] = ((v4[0] & 0xff) << 8) | (v4[1] & 0xff);
        into[count++] = ((v4[2] & 0xff) << 8) | (v4[3] & 0xff);
        return count;
      }
      if (group.isEmpty() || group.length() > 4 || count >= 8) {
        return -1;
      }
      int value = 0;
      for (int i = 0; i < group.length(); i++) {
        int digit = hexDigit(group.charAt(i));
        if (digit < 0) {
          return -1;
        }
        value = (value << 4) | digit;
      }
      into[count++] = value;
      if (end < 0) {
        return count;
      }
      start = end + 1;
    }
  }

  /** ASCII hex only: {@link Character#digit} would also take other scripts' digits. */
  private static int hexDigit(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }
}
