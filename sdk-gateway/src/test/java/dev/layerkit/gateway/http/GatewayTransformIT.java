package dev.layerkit.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** Header and path transforms through a started gateway, seen by a real upstream. */
class GatewayTransformIT extends GatewayTestSupport {

  @Test
  void rewritesThePathWithATemplateAndChangesRequestAndResponseHeaders() throws Exception {
    TestUpstream a = upstream("a");
    Gateway gateway = start(Route.builder("orders").pathPrefix("/v1/orders")
        .rewritePath("/v1/orders/{id}/{rest*}", "/orders/{id}/{rest}")
        .requestHeaders(HeaderRewrite.builder().remove("X-Debug").set("X-Env", "prod")
            .add("X-Via", "gateway").build())
        .responseHeaders(HeaderRewrite.builder().remove("X-Upstream").set("Cache-Control", "no-store")
            .add("X-Served-By", "layerkit").build())
        .upstream(upstreamOf("svc", a)).build());

    HttpResponse<String> answer = get(gateway, "/v1/orders/42/echo?full=1", "X-Debug", "1",
        "X-Env", "dev", "X-Via", "edge");
    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(answer.body()).startsWith("GET /orders/42/echo?full=1\n");
    assertThat(answer.body()).doesNotContain("x-debug").contains("x-env: prod\n")
        .contains("x-via: edge,gateway\n");
    assertThat(answer.headers().firstValue("x-upstream")).isEmpty();
    assertThat(answer.headers().firstValue("cache-control")).hasValue("no-store");
    assertThat(answer.headers().firstValue("x-served-by")).hasValue("layerkit");
    assertThat(answer.headers().firstValue("x-request-id")).isPresent();
  }
}
