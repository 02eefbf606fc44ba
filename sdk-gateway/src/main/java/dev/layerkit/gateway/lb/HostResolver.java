package dev.layerkit.gateway.lb;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * Resolves a host name to its addresses, for {@link DnsEndpointSource}. Exists so that tests and
 * custom DNS clients can stand in for the JVM's resolver.
 *
 * <p>Implementations must be thread-safe and may block (a DNS query).
 */
@FunctionalInterface
public interface HostResolver {

  /**
   * Returns every address of {@code hostName}.
   *
   * @param hostName the name to resolve
   * @return the addresses, possibly empty
   * @throws UnknownHostException if the name cannot be resolved
   */
  List<InetAddress> resolve(String hostName) throws UnknownHostException;

  /**
   * Returns the JVM's resolver, {@link InetAddress#getAllByName(String)}.
   *
   * <p>The JVM caches answers: successful lookups for 30 s by default (security property
   * {@code networkaddress.cache.ttl}), failed ones for 10 s ({@code networkaddress.cache.negative.ttl}).
   * Refreshing more often than that returns the cached answer, so lower the TTL (for example
   * {@code java.security.Security.setProperty("networkaddress.cache.ttl", "5")} at startup) to
   * see a headless service's pods come and go sooner.
   *
   * @return the system resolver
   */
  static HostResolver system() {
    return hostName -> List.of(InetAddress.getAllByName(hostName));
  }
}
