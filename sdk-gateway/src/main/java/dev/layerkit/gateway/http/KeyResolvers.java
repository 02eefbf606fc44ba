package dev.layerkit.gateway.http;

import java.util.Objects;

/** The {@link KeyResolver}s behind the interface's factories. */
final class KeyResolvers {

  private KeyResolvers() {}

  /** Keys a principal of one scheme by its subject, anyone else by client address. */
  static KeyResolver bySchemeElseIp(String scheme, TrustedProxies fallback) {
    Objects.requireNonNull(fallback, "trustedProxies");
    String prefix = scheme + ":";
    return new KeyResolver() {
      @Override
      public String resolve(GatewayRequest request, Principal principal) {
        return scheme.equals(principal.scheme())
            ? prefix + principal.subject()
            : "ip:" + fallback.clientIp(request);
      }

      @Override
      public String toString() {
        return "KeyResolver[" + scheme + " else ip, " + fallback + "]";
      }
    };
  }

  /** Keys an authenticated principal by scheme and subject, an anonymous one by client address. */
  static KeyResolver principalElseIp(TrustedProxies fallback) {
    Objects.requireNonNull(fallback, "trustedProxies");
    String anonymous = Principal.ANONYMOUS.scheme();
    return new KeyResolver() {
      @Override
      public String resolve(GatewayRequest request, Principal principal) {
        return anonymous.equals(principal.scheme())
            ? "ip:" + fallback.clientIp(request)
            : principal.scheme() + ":" + principal.subject();
      }

      @Override
      public String toString() {
        return "KeyResolver[principal else ip, " + fallback + "]";
      }
    };
  }

  static KeyResolver clientIp(TrustedProxies trustedProxies) {
    Objects.requireNonNull(trustedProxies, "trustedProxies");
    return new KeyResolver() {
      @Override
      public String resolve(GatewayRequest request, Principal principal) {
        return "ip:" + trustedProxies.clientIp(request);
      }

      @Override
      public String toString() {
        return "KeyResolver[ip, " + trustedProxies + "]";
      }
    };
  }
}
