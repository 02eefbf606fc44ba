package dev.layerkit.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RoutesFileTest {

  private static final String KEY_HASH = ApiKeyAuth.sha256Hex("secret-key-1");

  @Test
  void readsUpstreamsAndRoutesFromYaml() {
    String yaml = """
        upstreams:
          orders:
            strategy: least-request
            endpoints: ["127.0.0.1:8081", "127.0.0.1:8082 weight=2"]
            outlierDetection: { consecutiveFailures: 3, baseEjectionTime: 10s }
        routes:
          - id: orders
            pathPrefix: /api/orders
            methods: [GET, POST]
            stripPrefix: /api
            upstream: orders
            connectTimeout: 500ms
            responseTimeout: PT5S
            maxRetries: 1
            auth:
              apiKeys: { keys: { web: "%s" } }
            rateLimit: { permits: 100, period: 1m, key: principal }
            responseCache: true
            cors: { allowedOrigins: ["https://shop.example.com"] }
          - id: web
            pathPrefix: /
            staticFiles: { classpath: web-test }
        """.formatted(KEY_HASH);

    try (RoutesFile file = RoutesFile.parse(yaml, true, "routes.yaml")) {
      assertThat(file.routes()).extracting(Route::id).containsExactly("orders", "web");
      Route orders = file.routes().get(0);
      assertThat(orders.upstream()).isSameAs(file.upstreams().get("orders"));
      assertThat(orders.upstream().loadBalancer().endpoints()).hasSize(2);
      assertThat(orders.connectTimeout()).isEqualTo(Duration.ofMillis(500));
      assertThat(orders.responseTimeout()).isEqualTo(Duration.ofSeconds(5));
      assertThat(orders.maxRetries()).isEqualTo(1);
      assertThat(orders.rateLimiter()).isNotNull();
      assertThat(orders.responseCache()).isNotNull();
      assertThat(orders.cors()).isNotNull();
      assertThat(orders.rewrite("/api/orders/7")).isEqualTo("/orders/7");
      java.net.InetSocketAddress peer = new java.net.InetSocketAddress("127.0.0.1", 5000);
      assertThat(orders.matches(GatewayRequest.of("GET", "/api/orders/7", peer))).isTrue();
      assertThat(orders.matches(GatewayRequest.of("DELETE", "/api/orders/7", peer))).isFalse();
      assertThat(orders.auth().authenticate(GatewayRequest.of("GET", "/api/orders", peer,
          "X-API-Key", "secret-key-1")).principal().subject()).isEqualTo("web");
      assertThat(file.routes().get(1).staticFiles()).isNotNull();
    }
  }

  @Test
  void reportsEveryProblemAtOnceWithWhereItIs() {
    String json = """
        {
          "upstreams": {
            "orders": { "strategy": "fastest", "endpoints": ["nohost", "h:99999"] },
            "users": { "endpoints": ["127.0.0.1:9000"], "colour": "blue" }
          },
          "routes": [
            { "id": "a", "pathPrefix": "api", "upstream": "ordrs", "connectTimeout": "soon" },
            { "id": "a", "pathPrefix": "/b", "upstream": "users", "maxRetries": 99 },
            { "id": "bad id!", "upstream": "users" },
            { "id": "c", "pathPrefix": "/c", "upstream": "users",
              "rateLimit": { "permits": 0, "period": "1m", "key": "who-knows" },
              "auth": { "apiKeys": { "keys": { "k": "not-a-hash" } } } },
            { "id": "d", "pathPrefix": "/d" }
          ]
        }
        """;

    assertThatThrownBy(() -> RoutesFile.parse(json, false, "routes.json"))
        .isInstanceOfSatisfying(GatewayConfigException.class, e -> {
          assertThat(e.getMessage()).startsWith("routes.json is invalid (");
          assertThat(e.problems()).anySatisfy(p -> assertThat(p).startsWith("upstreams.orders.strategy: 'fastest'"))
              .anySatisfy(p -> assertThat(p).startsWith("upstreams.orders.endpoints[0]: 'nohost'"))
              .anySatisfy(p -> assertThat(p).startsWith("upstreams.orders.endpoints[1]: 'h:99999'"))
              .anySatisfy(p -> assertThat(p).startsWith("upstreams.users.colour: unknown field"))
              .anySatisfy(p -> assertThat(p).startsWith("routes[0] (a).upstream: unknown upstream 'ordrs'"))
              .anySatisfy(p -> assertThat(p).startsWith("routes[0] (a).connectTimeout: 'soon' is not a positive duration"))
              .anySatisfy(p -> assertThat(p).contains("pathPrefix: must start with '/' but was 'api'"))
              .anySatisfy(p -> assertThat(p).contains("maxRetries: must be 0 to 10 but was 99"))
              .anySatisfy(p -> assertThat(p).startsWith("routes[2].id: route id must be"))
              .anySatisfy(p -> assertThat(p).startsWith("routes[3] (c).rateLimit.key: 'who-knows'"))
              .anySatisfy(p -> assertThat(p).startsWith("routes[3] (c).rateLimit.permits: must be >= 1"))
              .anySatisfy(p -> assertThat(p).startsWith("routes[3] (c).auth.apiKeys.keys.k:"))
              .anySatisfy(p -> assertThat(p).contains("route 'd' is invalid: needs an upstream or static files"));
        });
  }

  @Test
  void rejectsTextThatIsNotYamlOrJson() {
    assertThatThrownBy(() -> RoutesFile.parse("{ not json", false, "r.json"))
        .isInstanceOf(GatewayConfigException.class).hasMessageContaining("not valid JSON");
    assertThatThrownBy(() -> RoutesFile.parse("- just\n- a list\n", true, "r.yaml"))
        .isInstanceOf(GatewayConfigException.class)
        .hasMessageContaining("the top level must be an object");
  }

  @Test
  void readsHttp2UpstreamsWithTlsAndGrpcRoutes(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    UpstreamPki pki = new UpstreamPki(dir, "routes-ca");
    UpstreamPki.Issued client = pki.client("gateway");
    String yaml = """
        upstreams:
          inventory:
            endpoints: ["127.0.0.1:9443"]
            protocol: http2
            tls:
              trustedCertificates: %s
              clientCertificate: %s
              clientKey: %s
          plain:
            endpoints: ["127.0.0.1:8081"]
            tls: true
        routes:
          - id: inventory
            pathPrefix: /inventory.v1.Inventory
            upstream: inventory
            grpc: true
        """.formatted(pki.caPem, client.certificate(), client.key());

    try (RoutesFile file = RoutesFile.parse(yaml, true, "routes.yaml")) {
      Upstream inventory = file.upstreams().get("inventory");
      assertThat(inventory.protocol()).isEqualTo(Upstream.Protocol.HTTP_2);
      assertThat(inventory.tls()).isNotNull();
      assertThat(inventory.tls().verifiesHostname()).isTrue();
      assertThat(file.upstreams().get("plain").protocol()).isEqualTo(Upstream.Protocol.HTTP_1_1);
      assertThat(file.upstreams().get("plain").tls()).isNotNull();
      assertThat(file.routes().get(0).grpc()).isTrue();
    }
  }

  @Test
  void readsHashOnAsOneKeyOrAChainAndTheHashStrategies() {
    String yaml = """
        upstreams:
          carts: { strategy: ring-hash, endpoints: ["127.0.0.1:8081", "127.0.0.1:8082"] }
          users: { strategy: consistent-hash, endpoints: ["127.0.0.1:8083"] }
        routes:
          - id: carts
            pathPrefix: /carts
            upstream: carts
            trustedProxies: [10.0.0.0/8]
            hashOn: [header:X-User-Id, cookie:SESSION, query:cart, client-ip]
          - id: users
            pathPrefix: /users
            upstream: users
            hashOn: jwt-subject
          - id: app
            pathPrefix: /app
            upstream: carts
            hashOn: sticky-cookie:lk-affinity
        """;

    try (RoutesFile file = RoutesFile.parse(yaml, true, "routes.yaml")) {
      Route carts = file.routes().get(0);
      assertThat(carts.hashOn()).hasToString(
          "header:X-User-Id, cookie:SESSION, query:cart, client-ip (TrustedProxies[10.0.0.0/8])");
      assertThat(carts.hashOn().resolve(GatewayRequest.of("GET", "/carts?cart=c-9",
          new java.net.InetSocketAddress("127.0.0.1", 5000)), Principal.ANONYMOUS))
          .isEqualTo("c-9");
      assertThat(file.routes().get(1).hashOn()).hasToString("jwt-subject");
      assertThat(file.routes().get(2).hashOn()).hasToString("sticky-cookie:lk-affinity");
      // Both balancers route by key: an empty context is refused, a keyed one picks.
      for (Upstream upstream : file.upstreams().values()) {
        assertThatThrownBy(() -> upstream.loadBalancer().pick())
            .isInstanceOf(IllegalArgumentException.class);
        assertThat(upstream.loadBalancer().pick(dev.layerkit.gateway.lb.RequestContext.ofKey("k")))
            .isNotNull();
      }
    }
  }

  @Test
  void reportsABadProtocolAMissingCertificateAndAGrpcRouteOnHttp11() {
    String yaml = """
        upstreams:
          a:
            endpoints: ["127.0.0.1:9443"]
            protocol: http3
          b:
            endpoints: ["127.0.0.1:9444"]
            tls: { trustedCertificates: /no/such/ca.pem }
          d:
            endpoints: ["127.0.0.1:9446"]
            tls: { clientCertificate: /no/cert.pem }
          c:
            endpoints: ["127.0.0.1:9445"]
        routes:
          - id: g
            pathPrefix: /g
            upstream: c
            grpc: true
        """;

    assertThatThrownBy(() -> RoutesFile.parse(yaml, true, "routes.yaml"))
        .isInstanceOf(GatewayConfigException.class)
        .hasMessageContaining("upstreams.a.protocol: 'http3' is not http1.1 or http2")
        .hasMessageContaining("upstreams.b.tls: trustedCertificates: no readable file at"
            + " /no/such/ca.pem")
        .hasMessageContaining("upstreams.d.tls: clientCertificate and clientKey go together")
        .hasMessageContaining("grpc needs HTTP/2 upstreams but upstream 'c' speaks HTTP_1_1");
  }

  @Test
  void reportsBadHashOnValuesNamingThemAndAHashUpstreamWithoutHashOn() {
    String yaml = """
        upstreams:
          carts: { strategy: ring-hash, endpoints: ["127.0.0.1:8081"] }
          plain: { endpoints: ["127.0.0.1:8082"] }
        routes:
          - { id: a, pathPrefix: /a, upstream: plain, hashOn: [header:X-User-Id, user-id] }
          - { id: b, pathPrefix: /b, upstream: plain, hashOn: "cookie:" }
          - { id: c, pathPrefix: /c, upstream: plain, hashOn: [{ header: X-User-Id }] }
          - { id: d, pathPrefix: /d, upstream: plain, hashOn: "header:X User" }
          - { id: e, pathPrefix: /e, upstream: carts }
          - { id: f, pathPrefix: /f, upstream: plain, hashOn: [] }
          - { id: s, pathPrefix: /s, upstream: carts, hashOn: "sticky-cookie:lk session" }
          - id: g
            pathPrefix: /g
            split: { weights: { plain: 1, carts: 1 } }
        """;

    assertThatThrownBy(() -> RoutesFile.parse(yaml, true, "routes.yaml"))
        .isInstanceOfSatisfying(GatewayConfigException.class, e -> assertThat(e.problems())
            .anySatisfy(p -> assertThat(p).startsWith(
                "routes[0] (a).hashOn[1]: 'user-id' is not one of header:<name>, cookie:<name>,"
                    + " sticky-cookie:<name>, query:<name>, jwt-subject, principal, client-ip"
                    + " (line 5)"))
            .anySatisfy(p -> assertThat(p).startsWith(
                "routes[1] (b).hashOn: 'cookie:' needs a name after 'cookie:'"))
            .anySatisfy(p -> assertThat(p).startsWith(
                "routes[2] (c).hashOn[0]: must be one of header:<name>"))
            .anySatisfy(p -> assertThat(p).startsWith(
                "routes[3] (d).hashOn: header name must be an HTTP token but was 'X User'"))
            .anySatisfy(p -> assertThat(p).startsWith(
                "routes[4] (e).hashOn: missing; upstream 'carts' picks by a routing key"))
            .anySatisfy(p -> assertThat(p).startsWith("routes[5] (f).hashOn: must be one of"))
            .anySatisfy(p -> assertThat(p).startsWith(
                "routes[6] (s).hashOn: cookie name must be an HTTP token but was 'lk session'"))
            .anySatisfy(p -> assertThat(p).startsWith(
                "routes[7] (g).hashOn: missing; upstream 'carts'")));
  }
}
