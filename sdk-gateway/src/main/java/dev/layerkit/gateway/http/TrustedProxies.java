package dev.layerkit.gateway.http;

import dev.layerkit.gateway.http.internal.IpAddresses;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The proxies in front of the gateway whose {@code X-Forwarded-For} entries are believed, as CIDR
 * ranges, and the client address of a request derived from them.
 *
 * <p>The client address ({@link #clientIp}) is found with the standard right-to-left walk (as
 * nginx's {@code real_ip_recursive on} and Envoy's trusted hops do): if the peer that connected to
 * the gateway is not trusted, it is the client and {@code X-Forwarded-For} is ignored. Otherwise
 * the {@code X-Forwarded-For} entries (all header lines, in order) are read from the right,
 * skipping trusted addresses, and the first untrusted one is the client. Every entry to the right
 * of it was appended by a trusted proxy, so a client cannot choose its address by sending a
 * forged {@code X-Forwarded-For}: its forged entries are to the left of the one its first proxy
 * appended and are never reached. If every entry is trusted, the left-most is taken; if an entry
 * is not an IP literal (for example {@code unknown}), the walk stops and the last trusted address
 * seen is taken. Entries may carry a port ({@code 192.0.2.1:5000}, {@code [2001:db8::1]:443}),
 * which is dropped.
 *
 * <p>Ranges are IPv4 or IPv6 ({@code 10.0.0.0/8}, {@code 2001:db8::/32}, or a single address
 * without a prefix length); an IPv4-mapped IPv6 address ({@code ::ffff:10.0.0.1}) matches IPv4
 * ranges. Nothing is ever resolved through DNS.
 *
 * <p>Immutable and thread-safe. {@link #clientIp} does not block; it allocates the returned
 * string and a few small arrays.
 */
public final class TrustedProxies {

  private static final TrustedProxies NONE = new TrustedProxies(List.of(), List.of());

  private final byte[][] networks;
  private final int[] prefixLengths;
  private final List<String> cidrs;

  private TrustedProxies(List<byte[]> networks, List<Integer> prefixLengths, List<String> cidrs) {
    this.networks = networks.toArray(new byte[0][]);
    this.prefixLengths = new int[prefixLengths.size()];
    for (int i = 0; i < this.prefixLengths.length; i++) {
      this.prefixLengths[i] = prefixLengths.get(i);
    }
    this.cidrs = List.copyOf(cidrs);
  }

  private TrustedProxies(List<byte[]> networks, List<Integer> prefixLengths) {
    this(networks, prefixLengths, List.of());
  }

  /**
   * Returns the empty list: no proxy is trusted, so the client is always the connected peer.
   *
   * @return the empty list
   */
  public static TrustedProxies none() {
    return NONE;
  }

  /**
   * Returns the proxies in the given CIDR ranges.
   *
   * @param cidrs ranges such as {@code 10.0.0.0/8}, {@code 127.0.0.1} or {@code fd00::/8}
   * @return the trusted proxies
   * @throws NullPointerException if {@code cidrs} or an element is null
   * @throws IllegalArgumentException if a range is not an IP literal with an optional prefix
   *     length within the address size, or has bits set after the prefix (the message names it)
   */
  public static TrustedProxies of(String... cidrs) {
    return of(List.of(Objects.requireNonNull(cidrs, "cidrs")));
  }

  /**
   * Returns the proxies in the given CIDR ranges.
   *
   * @param cidrs ranges such as {@code 10.0.0.0/8}, {@code 127.0.0.1} or {@code fd00::/8}
   * @return the trusted proxies
   * @throws NullPointerException if {@code cidrs} or an element is null
   * @throws IllegalArgumentException if a range is not an IP literal with an optional prefix
   *     length within the address size, or has bits set after the prefix (the message names it)
   */
  public static TrustedProxies of(Collection<String> cidrs) {
    Objects.requireNonNull(cidrs, "cidrs");
    List<byte[]> networks = new ArrayList<>();
    List<Integer> lengths = new ArrayList<>();
    List<String> texts = new ArrayList<>();
    for (String cidr : cidrs) {
      Objects.requireNonNull(cidr, "cidr");
      String text = cidr.trim();
      int slash = text.indexOf('/');
      byte @Nullable [] address = IpAddresses.parse(slash < 0 ? text : text.substring(0, slash));
      if (address == null) {
        throw new IllegalArgumentException(
            "cidr must be an IPv4 or IPv6 address with an optional /prefix but was '" + cidr + "'");
      }
      address = IpAddresses.unmap(address);
      int bits = address.length * 8;
      int length = bits;
      if (slash >= 0) {
        String prefix = text.substring(slash + 1);
        length = prefix.matches("[0-9]{1,3}") ? Integer.parseInt(prefix) : -1;
        if (length < 0 || length > bits) {
          throw new IllegalArgumentException(
              "cidr prefix length must be 0 to " + bits + " but was '" + cidr + "'");
        }
      }
      if (!sameNetwork(address, address, length, true)) {
        throw new IllegalArgumentException("cidr must have no bits set after its prefix but was '"
            + cidr + "' (did you mean " + IpAddresses.format(mask(address, length)) + "/"
            + length + "?)");
      }
      networks.add(address);
      lengths.add(length);
      texts.add(text);
    }
    return networks.isEmpty() ? NONE : new TrustedProxies(networks, lengths, texts);
  }

  /**
   * Returns whether an address is in one of the ranges.
   *
   * @param address the address
   * @return true if trusted
   */
  public boolean isTrusted(InetAddress address) {
    return isTrusted(IpAddresses.unmap(address.getAddress()));
  }

  private boolean isTrusted(byte[] address) {
    for (int i = 0; i < networks.length; i++) {
      if (networks[i].length == address.length
          && sameNetwork(networks[i], address, prefixLengths[i], false)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Returns the address of the client that made a request, by the walk described on the class.
   *
   * @param request the request
   * @return the client's IP address as text ({@code 192.0.2.1}, {@code 2001:db8::1}), or the
   *     remote address's host string if it is unresolved
   */
  public String clientIp(GatewayRequest request) {
    InetSocketAddress remote = request.remoteAddress();
    @Nullable InetAddress peer = remote.getAddress();
    if (peer == null) {
      return remote.getHostString();
    }
    byte[] current = IpAddresses.unmap(peer.getAddress());
    if (networks.length == 0 || !isTrusted(current)) {
      return IpAddresses.format(current);
    }
    List<String> lines = request.headers("X-Forwarded-For");
    for (int line = lines.size() - 1; line >= 0; line--) {
      String value = lines.get(line);
      int end = value.length();
      while (end >= 0) {
        int comma = value.lastIndexOf(',', end - 1);
        byte @Nullable [] hop = parseHop(value.substring(comma + 1, end).trim());
        if (hop == null) {
          return IpAddresses.format(current);
        }
        if (!isTrusted(hop)) {
          return IpAddresses.format(hop);
        }
        current = hop;
        end = comma;
      }
    }
    return IpAddresses.format(current);
  }

  /** Parses one X-Forwarded-For entry: an address, optionally bracketed, optionally with a port. */
  private static byte @Nullable [] parseHop(String entry) {
    String address = entry;
    if (entry.startsWith("[")) {
      int close = entry.indexOf(']');
      if (close < 0 || (close + 1 < entry.length() && entry.charAt(close + 1) != ':')) {
        return null;
      }
      address = entry.substring(1, close);
    } else {
      int colon = entry.indexOf(':');
      if (colon >= 0 && entry.indexOf(':', colon + 1) < 0) {
        address = entry.substring(0, colon); // IPv4 with a port
      }
    }
    byte @Nullable [] parsed = IpAddresses.parse(address);
    return parsed == null ? null : IpAddresses.unmap(parsed);
  }

  /**
   * Compares the first {@code length} bits of two addresses of the same size; with {@code
   * checkHostBits}, instead checks that {@code a} has no bit set after them.
   */
  private static boolean sameNetwork(byte[] a, byte[] b, int length, boolean checkHostBits) {
    for (int i = 0; i < a.length; i++) {
      int bits = Math.max(0, Math.min(8, length - 8 * i));
      int mask = bits == 0 ? 0 : (0xff << (8 - bits)) & 0xff;
      if (checkHostBits ? (a[i] & ~mask & 0xff) != 0 : ((a[i] ^ b[i]) & mask) != 0) {
        return false;
      }
    }
    return true;
  }

  private static byte[] mask(byte[] address, int length) {
    byte[] masked = new byte[address.length];
    for (int i = 0; i < address.length; i++) {
      int bits = Math.max(0, Math.min(8, length - 8 * i));
      masked[i] = (byte) (address[i] & (bits == 0 ? 0 : (0xff << (8 - bits))));
    }
    return masked;
  }

  @Override
  public String toString() {
    return "TrustedProxies" + cidrs;
  }
}
