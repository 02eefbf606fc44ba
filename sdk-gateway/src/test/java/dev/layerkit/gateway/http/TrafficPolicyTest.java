package dev.layerkit.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.gateway.lb.Endpoint;
import dev.layerkit.gateway.lb.EndpointSource;
import dev.layerkit.gateway.lb.LoadBalancers;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** TrafficSplit, Mirror sampling, PathTemplate and HeaderRewrite without sockets. */
class TrafficPolicyTest {

  private static final InetSocketAddress PEER = new InetSocketAddress("127.0.0.1", 1);

  private static Upstream upstream(String name) {
    return Upstream.of(name, LoadBalancers.roundRobin().serviceName(name)
        .endpointSource(EndpointSource.of(List.of(Endpoint.of("127.0.0.1", 1, 1)))).build());
  }

  @Test
  void everyRunOfASplitIsWithinAFewRequestsOfItsWeightsAndInterleaved() {
    Upstream stable = upstream("stable");
    Upstream canary = upstream("canary");
    TrafficSplit split = TrafficSplit.builder().variant(stable, 95).variant(canary, 5).build();
    GatewayRequest request = GatewayRequest.of("GET", "/", PEER);
    int canaryCount = 0;
    int longestStableRun = 0;
    int run = 0;
    for (int i = 1; i <= 100_000; i++) {
      if (split.choose(request) == canary) {
        canaryCount++;
        run = 0;
      } else {
        longestStableRun = Math.max(longestStableRun, ++run);
      }
      if (i % 1_000 == 0) {
        assertThat(canaryCount).isBetween(i / 20 - 3, i / 20 + 3);
      }
    }
    assertThat(longestStableRun).isLessThan(40);
    assertThat(split.weight(canary)).isEqualTo(5);
  }

  @Test
  void aPinWinsOverTheWeightsAndAVariantOfWeightZeroIsReachedByItsPinOnly() {
    Upstream stable = upstream("stable");
    Upstream canary = upstream("canary");
    TrafficSplit split = TrafficSplit.builder().variant(stable, 1).variant(canary, 0)
        .pinHeader("X-Canary", "1", canary).pinCookie("canary", "yes", canary).build();
    for (int i = 0; i < 1_000; i++) {
      assertThat(split.choose(GatewayRequest.of("GET", "/", PEER))).isSameAs(stable);
      assertThat(split.choose(GatewayRequest.of("GET", "/", PEER, "X-Canary", "1"))).isSameAs(canary);
      assertThat(split.choose(GatewayRequest.of("GET", "/", PEER, "Cookie", "a=b; canary=yes")))
          .isSameAs(canary);
      assertThat(split.choose(GatewayRequest.of("GET", "/", PEER, "Cookie", "canary=no")))
          .isSameAs(stable);
    }
    assertThat(split.upstreams()).containsExactly(stable, canary);
  }

  @Test
  void splitAndMirrorBuildersRejectBadValues() {
    Upstream stable = upstream("stable");
    assertThatThrownBy(() -> TrafficSplit.builder().variant(stable, 0).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("positive weight");
    assertThatThrownBy(() -> TrafficSplit.builder().variant(stable, -1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
    assertThatThrownBy(() -> TrafficSplit.builder().variant(stable, 1).variant(stable, 2))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("'stable'");
    assertThatThrownBy(() -> Mirror.builder(stable).percent(101))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("101");
    assertThatThrownBy(() -> Mirror.builder(stable).timeout(Duration.ofSeconds(1))
        .timeout(Duration.ofSeconds(2))).isInstanceOf(IllegalStateException.class)
        .hasMessage("timeout was already set to PT1S");
    assertThatThrownBy(() -> Route.builder("r").pathPrefix("/").upstream(stable)
        .split(TrafficSplit.builder().variant(stable, 1).build()).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("choose one");
  }

  @Test
  void aMirrorSamplesItsShareEvenly() {
    Mirror mirror = Mirror.builder(upstream("shadow")).percent(12.5).build();
    int sampled = 0;
    for (int i = 0; i < 8_000; i++) {
      if (mirror.sample()) {
        sampled++;
      }
    }
    assertThat(sampled).isBetween(995, 1005);
    Mirror bounded = Mirror.builder(upstream("shadow")).maxInFlight(2).build();
    assertThat(bounded.tryStart()).isTrue();
    assertThat(bounded.tryStart()).isTrue();
    assertThat(bounded.tryStart()).isFalse();
    bounded.ended();
    assertThat(bounded.tryStart()).isTrue();
  }

  @Test
  void aPathTemplateRewritesSegmentsAndTheRestAndKeepsTheQuery() {
    Route route = Route.builder("v1").pathPrefix("/v1").upstream(upstream("u"))
        .rewritePath("/v1/orders/{id}/{rest*}", "/orders/{id}/{rest}").build();
    assertThat(route.rewrite("/v1/orders/7/lines/2?x=1")).isEqualTo("/orders/7/lines/2?x=1");
    assertThat(route.rewrite("/v1/customers/7")).isEqualTo("/v1/customers/7");
    Route simple = Route.builder("s").pathPrefix("/v1").upstream(upstream("u"))
        .rewritePath("/v1/orders/{id}", "/orders/{id}").build();
    assertThat(simple.rewrite("/v1/orders/42")).isEqualTo("/orders/42");
    assertThat(simple.rewrite("/v1/orders/42/x")).isEqualTo("/v1/orders/42/x");

    assertThatThrownBy(() -> Route.builder("b").pathPrefix("/").upstream(upstream("u"))
        .rewritePath("/a/{id}", "/b/{other}").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("{other}");
    assertThatThrownBy(() -> Route.builder("b").pathPrefix("/").upstream(upstream("u"))
        .rewritePath("/a/{rest*}/x", "/b").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must end");
    assertThatThrownBy(() -> Route.builder("b").pathPrefix("/").upstream(upstream("u"))
        .stripPrefix("/a").rewritePath("/a/{id}", "/{id}").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("choose one");
  }

  @Test
  void aHeaderRewriteRemovesThenSetsThenAddsAndLeavesGatewayHeadersAlone() {
    HeaderRewrite rewrite = HeaderRewrite.builder().remove("X-Debug").set("X-Env", "prod")
        .add("X-Via", "gw").build();
    HttpHeaders headers = new DefaultHttpHeaders().add("X-Debug", "1").add("X-Env", "dev")
        .add("X-Env", "test").add("X-Via", "edge");
    rewrite.applyTo(headers);
    assertThat(headers.contains("X-Debug")).isFalse();
    assertThat(headers.getAll("X-Env")).containsExactly("prod");
    assertThat(headers.getAll("X-Via")).containsExactly("edge", "gw");
    assertThat(HeaderRewrite.builder().build().isEmpty()).isTrue();
    assertThatThrownBy(() -> HeaderRewrite.builder().set("Content-Length", "1"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("set by the gateway");
    assertThatThrownBy(() -> HeaderRewrite.builder().add("X-A", "a\r\nX-Injected: 1"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("control character");
  }

  @Test
  void routesFileReadsSplitsMirrorsAndTransformsAndNamesEveryProblem() {
    String yaml = """
        upstreams:
          stable: { endpoints: ["127.0.0.1:8081"] }
          canary: { endpoints: ["127.0.0.1:8082"] }
          shadow: { endpoints: ["127.0.0.1:8083"] }
        routes:
          - id: orders
            pathPrefix: /v1/orders
            rewritePath: { from: "/v1/orders/{id}", to: "/orders/{id}" }
            requestHeaders: { remove: [Cookie], set: { X-Env: prod } }
            responseHeaders: { add: { X-Via: gw } }
            split:
              weights: { stable: 95, canary: 5 }
              pins: [ { header: X-Canary, value: "1", upstream: canary } ]
            mirror: { upstream: shadow, percent: 10, timeout: 2s }
        """;
    try (RoutesFile file = RoutesFile.parse(yaml, true, "routes.yaml")) {
      Route route = file.routes().get(0);
      assertThat(route.split().weight(file.upstreams().get("canary"))).isEqualTo(5);
      assertThat(route.mirror().upstream()).isSameAs(file.upstreams().get("shadow"));
      assertThat(route.mirror().percent()).isEqualTo(10.0);
      assertThat(route.rewrite("/v1/orders/3")).isEqualTo("/orders/3");
      assertThat(route.requestHeaders().isEmpty()).isFalse();
      assertThat(route.upstreams()).hasSize(3);
    }
    String bad = yaml.replace("canary: 5", "canary: -5").replace("upstream: canary }", "upstream: canry }")
        .replace("percent: 10", "percent: lots").replace("X-Env: prod", "Host: x");
    assertThatThrownBy(() -> RoutesFile.parse(bad, true, "routes.yaml"))
        .isInstanceOf(GatewayConfigException.class)
        .hasMessageContaining("split.weights.canary: must be >= 0 but was -5")
        .hasMessageContaining("split.pins[0].upstream: unknown upstream 'canry'")
        .hasMessageContaining("mirror.percent: must be a number")
        .hasMessageContaining("requestHeaders.set.Host");
  }
}
