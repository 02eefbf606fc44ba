package dev.layerkit.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Routing by path glob, host and header through a running gateway to real endpoints, each of which
 * answers with its name: every predicate takes the requests it should and none other, and the
 * first route that matches wins. Each check has a request that must not match, so a predicate that
 * matched everything (or nothing) fails the test.
 */
class GatewayRoutingIT extends GatewayTestSupport {

  private Gateway gateway;

  @BeforeEach
  void startGateway() throws Exception {
    gateway = start(
        Route.builder("files").pathGlob("/files/*/raw/**").upstream(upstreamOf("files", upstream("files")))
            .build(),
        Route.builder("shop").host("*.shop.example").upstream(upstreamOf("shop", upstream("shop")))
            .build(),
        Route.builder("canary").header("X-Canary", "1")
            .upstream(upstreamOf("canary", upstream("canary"))).build(),
        Route.builder("tenant").pathPrefix("/t").header("X-Tenant")
            .upstream(upstreamOf("tenant", upstream("tenant"))).build(),
        Route.builder("fallback").pathPrefix("/")
            .upstream(upstreamOf("fallback", upstream("fallback"))).build());
  }

  /** The name of the endpoint that answered a GET of {@code path} with these extra header lines. */
  private String routedTo(String path, String host, String... headerLines) throws Exception {
    try (RawHttp http = new RawHttp(gateway.port())) {
      StringBuilder request = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n");
      for (String line : headerLines) {
        request.append(line).append("\r\n");
      }
      http.send(request.append("\r\n").toString());
      RawHttp.Response response = http.read();
      assertThat(response.status()).as("status of %s", path).isEqualTo(200);
      return response.body();
    }
  }

  @Test
  void aPathGlobMatchesOneSegmentForAStarAndAnyNumberForTwo() throws Exception {
    assertThat(routedTo("/files/a/raw/x.txt", "gw")).isEqualTo("files");
    assertThat(routedTo("/files/a/raw/deep/er/x.txt", "gw")).isEqualTo("files");
    assertThat(routedTo("/files/a/raw/x.txt?download=1", "gw")).isEqualTo("files");
    assertThat(routedTo("/files/a/b/raw/x.txt", "gw")).as("* is one segment").isEqualTo("fallback");
    assertThat(routedTo("/files/a/rawx/x.txt", "gw")).isEqualTo("fallback");
    assertThat(routedTo("/other/files/a/raw/x", "gw")).as("anchored at the start")
        .isEqualTo("fallback");
  }

  @Test
  void aHostWildcardMatchesSubdomainsInAnyCaseAndWithAPortButNotTheBareOrASuffixName()
      throws Exception {
    assertThat(routedTo("/", "api.shop.example")).isEqualTo("shop");
    assertThat(routedTo("/", "API.Shop.Example:8443")).isEqualTo("shop");
    assertThat(routedTo("/", "shop.example")).isEqualTo("fallback");
    assertThat(routedTo("/", "evilshop.example")).isEqualTo("fallback");
    assertThat(routedTo("/", "api.shop.example.evil.test")).isEqualTo("fallback");
  }

  @Test
  void aHeaderPredicateMatchesItsValueExactlyWithTheNameInAnyCase() throws Exception {
    assertThat(routedTo("/", "gw", "X-Canary: 1")).isEqualTo("canary");
    assertThat(routedTo("/", "gw", "x-canary: 1")).isEqualTo("canary");
    assertThat(routedTo("/", "gw", "X-Canary: 10")).isEqualTo("fallback");
    assertThat(routedTo("/", "gw", "X-Canary: 0")).isEqualTo("fallback");
    assertThat(routedTo("/", "gw")).isEqualTo("fallback");
  }

  @Test
  void aHeaderWithoutValueMatchesAnyValueAndEveryPredicateOfARouteMustHold() throws Exception {
    assertThat(routedTo("/t/1", "gw", "X-Tenant: acme")).isEqualTo("tenant");
    assertThat(routedTo("/t/1", "gw", "X-Tenant: ")).isEqualTo("tenant");
    assertThat(routedTo("/t/1", "gw")).as("header missing").isEqualTo("fallback");
    assertThat(routedTo("/u/1", "gw", "X-Tenant: acme")).as("path not matching").isEqualTo("fallback");
  }

  @Test
  void theFirstRouteThatMatchesWins() throws Exception {
    // Matches files, shop and canary: files is first.
    assertThat(routedTo("/files/a/raw/x", "api.shop.example", "X-Canary: 1")).isEqualTo("files");
    // Matches shop and canary: shop is before canary.
    assertThat(routedTo("/", "api.shop.example", "X-Canary: 1")).isEqualTo("shop");
    // Matches canary and tenant: canary is before tenant.
    assertThat(routedTo("/t/1", "gw", "X-Canary: 1", "X-Tenant: acme")).isEqualTo("canary");
  }
}
