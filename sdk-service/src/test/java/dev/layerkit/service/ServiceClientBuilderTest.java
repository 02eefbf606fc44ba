package dev.layerkit.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.core.codec.Codecs;
import dev.layerkit.gateway.lb.Endpoint;
import dev.layerkit.gateway.lb.EndpointSource;
import dev.layerkit.gateway.lb.LoadBalancer;
import dev.layerkit.gateway.lb.LoadBalancers;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ServiceClientBuilderTest {

  private final EndpointSource source = EndpointSource.of(Endpoint.of("127.0.0.1", 8080));

  @Test
  void settingGivenTwiceThrowsNamingTheFirstValue() {
    assertThatThrownBy(() -> ServiceClient.builder("orders").deadline(Duration.ofSeconds(1)).deadline(Duration.ofSeconds(2)))
        .isInstanceOf(IllegalStateException.class).hasMessage("deadline was already set to PT1S");
  }

  @Test
  void endpointSourceAndLoadBalancerExcludeEachOther() {
    try (LoadBalancer lb = LoadBalancers.roundRobin().endpoints(List.of(Endpoint.of("127.0.0.1", 8080))).build()) {
      assertThatThrownBy(() -> ServiceClient.builder("orders").endpointSource(source).loadBalancer(lb))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("loadBalancer cannot be set: endpointSource was already set");
    }
  }

  @Test
  void badValuesAreRejectedNamingParameterAndValue() {
    assertThatThrownBy(() -> ServiceClient.builder(" "))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("serviceName must not be blank but was ' '");
    assertThatThrownBy(() -> ServiceClient.builder("orders").perTryTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("perTryTimeout must be >= 1ms but was PT0S");
    assertThatThrownBy(() -> ServiceClient.builder("orders").hedging(100, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("percentile must be in (0, 100) but was 100.0");
    assertThatThrownBy(() -> ServiceClient.builder("orders").build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("needs an endpointSource(...) or a loadBalancer(...)");
    assertThatThrownBy(() -> ServiceClient.builder("orders").endpointSource(source)
        .deadline(Duration.ofSeconds(1)).perTryTimeout(Duration.ofSeconds(2)).build())
        .isInstanceOf(IllegalStateException.class).hasMessage("perTryTimeout (PT2S) must be <= deadline (PT1S)");
  }

  @Test
  void closedClientRefusesCallsAndClosesTheBalancerItBuilt() {
    ServiceClient client = ServiceClient.builder("orders").endpointSource(source).build();
    client.close();
    assertThatThrownBy(() -> client.get("/x", Codecs.utf8())).isInstanceOf(IllegalStateException.class)
        .hasMessage("ServiceClient 'orders' is closed");
    assertThatThrownBy(() -> client.loadBalancer().pick()).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void onlyIdempotentMethodsOrKeyedRequestsAreRetryable() {
    assertThat(ServiceRequest.get("/a").build().isRetryable()).isTrue();
    assertThat(ServiceRequest.delete("/a").build().isRetryable()).isTrue();
    assertThat(ServiceRequest.post("/a", "x", Codecs.utf8()).build().isRetryable()).isFalse();
    assertThat(ServiceRequest.builder("patch", "/a").build().isRetryable()).isFalse();
    assertThat(ServiceRequest.post("/a", "x", Codecs.utf8()).idempotencyKey("k1").build().isRetryable()).isTrue();
    assertThatThrownBy(() -> ServiceRequest.get("orders"))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("path must start with '/' but was 'orders'");
  }

  @Test
  void mediaTypesMatchIgnoringParametersAndAcceptJsonSuffixes() {
    assertThat(HttpServiceClient.mediaTypeMatches("application/json; charset=utf-8", "application/json")).isTrue();
    assertThat(HttpServiceClient.mediaTypeMatches("application/problem+json", "application/json")).isTrue();
    assertThat(HttpServiceClient.mediaTypeMatches("text/html", "application/json")).isFalse();
    assertThat(HttpServiceClient.mediaTypeMatches(null, "application/json")).isFalse();
    assertThat(HttpServiceClient.mediaTypeMatches(null, "*/*")).isTrue();
  }
}
