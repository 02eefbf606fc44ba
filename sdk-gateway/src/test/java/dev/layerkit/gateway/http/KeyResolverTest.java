package dev.layerkit.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KeyResolverTest {

  private static final GatewayRequest VIA_PROXY = GatewayRequest.of("GET", "/",
      new InetSocketAddress("10.0.0.2", 443), "X-Forwarded-For", "1.2.3.4, 198.51.100.23");
  private static final Principal KEY = new Principal("billing", "api-key", Map.of());
  private static final Principal JWT = new Principal("alice", "jwt", Map.of());
  private static final TrustedProxies PROXIES = TrustedProxies.of("10.0.0.0/8");

  @Test
  void apiKeyKeysByTheKeyIdElseByThePeer() {
    KeyResolver resolver = KeyResolver.apiKey();

    assertThat(resolver.resolve(VIA_PROXY, KEY)).isEqualTo("api-key:billing");
    assertThat(resolver.resolve(VIA_PROXY, Principal.ANONYMOUS)).isEqualTo("ip:10.0.0.2");
    assertThat(resolver.resolve(VIA_PROXY, JWT)).isEqualTo("ip:10.0.0.2");
  }

  @Test
  void apiKeyFallsBackToTheForwardedClientBehindTrustedProxies() {
    assertThat(KeyResolver.apiKey(PROXIES).resolve(VIA_PROXY, Principal.ANONYMOUS))
        .isEqualTo("ip:198.51.100.23");
  }

  @Test
  void jwtSubjectKeysByTheSubjectElseByTheClient() {
    assertThat(KeyResolver.jwtSubject().resolve(VIA_PROXY, JWT)).isEqualTo("jwt:alice");
    assertThat(KeyResolver.jwtSubject().resolve(VIA_PROXY, KEY)).isEqualTo("ip:10.0.0.2");
    assertThat(KeyResolver.jwtSubject(PROXIES).resolve(VIA_PROXY, Principal.ANONYMOUS))
        .isEqualTo("ip:198.51.100.23");
  }

  @Test
  void clientIpIgnoresThePrincipalAndASpoofedForwardedFor() {
    KeyResolver resolver = KeyResolver.clientIp(PROXIES);

    assertThat(resolver.resolve(VIA_PROXY, KEY)).isEqualTo("ip:198.51.100.23");
    assertThat(KeyResolver.clientIp(TrustedProxies.none()).resolve(VIA_PROXY, KEY))
        .isEqualTo("ip:10.0.0.2");
  }

  @Test
  void principalKeysBySchemeAndSubject() {
    assertThat(KeyResolver.principal().resolve(VIA_PROXY, JWT)).isEqualTo("jwt:alice");
  }

  @Test
  void principalKeysAnonymousRequestsByTheirClientSoTheyDoNotShareOneBucket() {
    GatewayRequest other = GatewayRequest.of("GET", "/", new InetSocketAddress("10.0.0.3", 443));

    assertThat(KeyResolver.principal().resolve(VIA_PROXY, Principal.ANONYMOUS))
        .isEqualTo("ip:10.0.0.2");
    assertThat(KeyResolver.principal().resolve(other, Principal.ANONYMOUS))
        .isEqualTo("ip:10.0.0.3");
    assertThat(KeyResolver.principal(PROXIES).resolve(VIA_PROXY, Principal.ANONYMOUS))
        .isEqualTo("ip:198.51.100.23");
    assertThat(KeyResolver.principal(PROXIES).resolve(VIA_PROXY, KEY)).isEqualTo("api-key:billing");
    assertThatThrownBy(() -> KeyResolver.principal(null))
        .isInstanceOf(NullPointerException.class).hasMessage("trustedProxies");
  }

  @Test
  void rejectsNullTrustedProxies() {
    assertThatThrownBy(() -> KeyResolver.clientIp(null))
        .isInstanceOf(NullPointerException.class).hasMessage("trustedProxies");
    assertThatThrownBy(() -> KeyResolver.apiKey(null))
        .isInstanceOf(NullPointerException.class).hasMessage("trustedProxies");
  }
}
