package dev.layerkit.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.layerkit.gateway.ratelimit.Limit;
import dev.layerkit.gateway.ratelimit.RateLimitPolicy;
import dev.layerkit.gateway.ratelimit.RateLimiters;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The access log's JSON lines, from a started gateway. */
class GatewayAccessLogIT extends GatewayTestSupport {

  private final ObjectMapper json = new ObjectMapper();

  @Test
  void writesOneJsonLinePerRequestWithTheOutcome() throws Exception {
    TestUpstream a = upstream("a");
    List<String> lines = new CopyOnWriteArrayList<>();
    Gateway gateway = start(Gateway.builder().accessLog(true).accessLogSink(lines::add)
        .route(Route.builder("orders").pathPrefix("/orders")
            .rateLimit(RateLimiters.inMemory(RateLimitPolicy.of(Limit.of(2, Duration.ofHours(1))))
                .build())
            .upstream(upstreamOf("svc", a)).build()));

    assertThat(get(gateway, "/orders/echo?secret=1", "X-Request-Id", "req-1").statusCode())
        .isEqualTo(200);
    assertThat(get(gateway, "/nowhere").statusCode()).isEqualTo(404);
    get(gateway, "/orders/x");
    try (RawHttp raw = new RawHttp(gateway.port())) {
      raw.send("GET /orders/\"quoted\" HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(raw.read().status()).isEqualTo(429);
    }

    assertThat(lines).hasSize(4);
    JsonNode ok = json.readTree(lines.get(0));
    assertThat(ok.get("requestId").asText()).isEqualTo("req-1");
    assertThat(ok.get("client").asText()).isEqualTo("127.0.0.1");
    assertThat(ok.get("method").asText()).isEqualTo("GET");
    assertThat(ok.get("path").asText()).isEqualTo("/orders/echo");
    assertThat(ok.get("route").asText()).isEqualTo("orders");
    assertThat(ok.get("upstream").asText()).isEqualTo("127.0.0.1:" + a.port());
    assertThat(ok.get("status").asInt()).isEqualTo(200);
    assertThat(ok.get("bytes").asLong()).isPositive();
    assertThat(ok.get("upstreamMs").asDouble()).isPositive();
    assertThat(ok.get("totalMs").asDouble()).isGreaterThanOrEqualTo(ok.get("upstreamMs").asDouble());
    assertThat(ok.get("limiter").asText()).isEqualTo("allowed");
    assertThat(Duration.between(Instant.parse(ok.get("time").asText()), Instant.now()).abs())
        .isLessThan(Duration.ofMinutes(1));
    assertThat(lines.get(0)).doesNotContain("secret");

    JsonNode unrouted = json.readTree(lines.get(1));
    assertThat(unrouted.get("status").asInt()).isEqualTo(404);
    assertThat(unrouted.get("route").isNull()).isTrue();
    assertThat(unrouted.get("upstream").isNull()).isTrue();
    assertThat(unrouted.get("upstreamMs").isNull()).isTrue();
    assertThat(unrouted.get("limiter").isNull()).isTrue();

    JsonNode denied = json.readTree(lines.get(3));
    assertThat(denied.get("status").asInt()).isEqualTo(429);
    assertThat(denied.get("limiter").asText()).isEqualTo("denied");
    assertThat(denied.get("path").asText()).isEqualTo("/orders/\"quoted\"");
  }

  @Test
  void isOffByDefault() throws Exception {
    TestUpstream a = upstream("a");
    List<String> lines = new CopyOnWriteArrayList<>();
    Gateway gateway = start(Gateway.builder().accessLogSink(lines::add)
        .route(Route.builder("r").pathPrefix("/").upstream(upstreamOf("svc", a)).build()));
    assertThat(get(gateway, "/").statusCode()).isEqualTo(200);
    assertThat(lines).isEmpty();
  }
}
