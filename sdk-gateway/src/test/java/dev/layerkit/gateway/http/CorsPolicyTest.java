package dev.layerkit.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CorsPolicyTest {

  private static final InetSocketAddress PEER = new InetSocketAddress("192.0.2.1", 1234);
  private static final String SHOP = "https://shop.example.com";

  private final CorsPolicy policy = CorsPolicy.builder()
      .allowedOrigins(SHOP, "http://localhost:8080")
      .allowedMethods("GET", "POST", "PUT")
      .allowedHeaders("Content-Type", "X-API-Key")
      .exposedHeaders("X-Request-Id", "RateLimit-Remaining")
      .allowCredentials(true)
      .maxAge(Duration.ofMinutes(30))
      .build();

  private static GatewayRequest request(String method, String... headers) {
    return GatewayRequest.of(method, "/api/orders", PEER, headers);
  }

  private static GatewayRequest preflight(String origin, String method, String headers) {
    return request("OPTIONS", "Origin", origin, "Access-Control-Request-Method", method,
        "Access-Control-Request-Headers", headers);
  }

  @Test
  void recognisesAPreflightOnlyWithOriginAndRequestedMethod() {
    assertThat(policy.isPreflight(preflight(SHOP, "PUT", "content-type"))).isTrue();
    assertThat(policy.isPreflight(request("OPTIONS", "Origin", SHOP))).isFalse();
    assertThat(policy.isPreflight(request("OPTIONS", "Access-Control-Request-Method", "PUT")))
        .isFalse();
    assertThat(policy.isPreflight(
        request("GET", "Origin", SHOP, "Access-Control-Request-Method", "PUT"))).isFalse();
  }

  @Test
  void answersAnAllowedPreflight() {
    Map<String, String> headers =
        policy.preflightHeaders(preflight(SHOP, "PUT", "Content-Type, x-api-key"));

    assertThat(headers).containsOnly(
        entry("Access-Control-Allow-Origin", SHOP),
        entry("Access-Control-Allow-Methods", "GET, POST, PUT"),
        entry("Access-Control-Allow-Headers", "content-type, x-api-key"),
        entry("Access-Control-Max-Age", "1800"),
        entry("Access-Control-Allow-Credentials", "true"),
        entry("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"));
  }

  @Test
  void omitsAllowHeadersWhenNoneWereRequested() {
    Map<String, String> headers = policy.preflightHeaders(
        request("OPTIONS", "Origin", SHOP, "Access-Control-Request-Method", "POST"));

    assertThat(headers).doesNotContainKey("Access-Control-Allow-Headers")
        .containsEntry("Access-Control-Allow-Origin", SHOP);
  }

  @Test
  void refusesAPreflightFromAnotherOriginMethodOrHeader() {
    assertThat(policy.preflightHeaders(preflight("https://evil.example.com", "PUT", ""))).isEmpty();
    assertThat(policy.preflightHeaders(preflight("https://shop.example.com.evil.com", "GET", "")))
        .isEmpty();
    assertThat(policy.preflightHeaders(preflight("http://shop.example.com", "GET", ""))).isEmpty();
    assertThat(policy.preflightHeaders(preflight(SHOP, "DELETE", ""))).isEmpty();
    assertThat(policy.preflightHeaders(preflight(SHOP, "put", ""))).isEmpty();
    assertThat(policy.preflightHeaders(preflight(SHOP, "PUT", "content-type, x-admin")))
        .isEmpty();
    assertThat(policy.preflightHeaders(request("GET", "Origin", SHOP))).isEmpty();
  }

  @Test
  void comparesOriginsIgnoringCaseAndEchoesTheSentOne() {
    assertThat(policy.preflightHeaders(preflight("HTTPS://Shop.Example.com", "GET", "")))
        .containsEntry("Access-Control-Allow-Origin", "HTTPS://Shop.Example.com");
    assertThat(policy.isAllowedOrigin("http://localhost:8080")).isTrue();
    assertThat(policy.isAllowedOrigin("http://localhost:8081")).isFalse();
  }

  @Test
  void addsAllowOriginExposeAndVaryToAnAllowedActualRequest() {
    assertThat(policy.responseHeaders(request("GET", "Origin", SHOP))).containsOnly(
        entry("Access-Control-Allow-Origin", SHOP),
        entry("Access-Control-Allow-Credentials", "true"),
        entry("Access-Control-Expose-Headers", "X-Request-Id, RateLimit-Remaining"),
        entry("Vary", "Origin"));
  }

  @Test
  void addsOnlyVaryWithoutAnAllowedOrigin() {
    assertThat(policy.responseHeaders(request("GET"))).containsOnly(entry("Vary", "Origin"));
    assertThat(policy.responseHeaders(request("GET", "Origin", "https://evil.example.com")))
        .containsOnly(entry("Vary", "Origin"));
  }

  @Test
  void anyOriginSendsAStarAndAnyHeaderEchoesTheRequest() {
    CorsPolicy open = CorsPolicy.builder().allowedOrigins("*").allowedHeaders("*").build();

    assertThat(open.preflightHeaders(preflight("https://a.example", "GET", "X-Anything")))
        .containsEntry("Access-Control-Allow-Origin", "*")
        .containsEntry("Access-Control-Allow-Methods", "GET, HEAD, POST")
        .containsEntry("Access-Control-Allow-Headers", "x-anything")
        .containsEntry("Access-Control-Max-Age", "600")
        .doesNotContainKey("Access-Control-Allow-Credentials");
    assertThat(open.responseHeaders(request("GET", "Origin", "null")))
        .containsOnly(entry("Access-Control-Allow-Origin", "*"), entry("Vary", "Origin"));
  }

  @Test
  void rejectsCredentialsWithAnyOrigin() {
    assertThatThrownBy(() -> CorsPolicy.builder().allowedOrigins("*").allowCredentials(true)
        .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("allowCredentials");
  }

  @ParameterizedTest
  @ValueSource(strings = {"shop.example.com", "https://shop.example.com/", "https://a.com/path",
      "https://", "https://*.example.com", "null", "https://a.com:port", ""})
  void rejectsAMalformedOriginNamingIt(String origin) {
    assertThatThrownBy(() -> CorsPolicy.builder().allowedOrigins(origin))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'" + origin + "'");
  }

  @Test
  void builderValidatesTheRest() {
    assertThatThrownBy(() -> CorsPolicy.builder().build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("origin");
    assertThatThrownBy(() -> CorsPolicy.builder().allowedOrigins("*", SHOP).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("*");
    assertThatThrownBy(() -> CorsPolicy.builder().allowedMethods())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("methods");
    assertThatThrownBy(() -> CorsPolicy.builder().allowedMethods("GE T"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'GE T'");
    assertThatThrownBy(() -> CorsPolicy.builder().allowedHeaders("X Bad"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'X Bad'");
    assertThatThrownBy(() -> CorsPolicy.builder().exposedHeaders("*"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("exposedHeader");
    assertThatThrownBy(() -> CorsPolicy.builder().maxAge(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxAge");
    assertThatThrownBy(() -> CorsPolicy.builder().allowedOrigins((String) null))
        .isInstanceOf(NullPointerException.class).hasMessage("origin");
  }

  @Test
  void acceptsOriginsWithPortsAndIpv6Hosts() {
    CorsPolicy ports = CorsPolicy.builder()
        .allowedOrigins("http://[::1]:3000", "https://10.0.0.1:8443").build();

    assertThat(ports.isAllowedOrigin("http://[::1]:3000")).isTrue();
    assertThat(ports.isAllowedOrigin("https://10.0.0.1:8443")).isTrue();
    assertThat(ports.isAllowedOrigin("https://10.0.0.1")).isFalse();
  }
}
