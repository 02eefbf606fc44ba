package dev.layerkit.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.gateway.lb.EndpointSource;
import dev.layerkit.gateway.lb.Endpoint;
import dev.layerkit.gateway.lb.LoadBalancer;
import dev.layerkit.gateway.lb.LoadBalancers;
import dev.layerkit.gateway.ratelimit.Limit;
import dev.layerkit.gateway.ratelimit.RateLimitPolicy;
import dev.layerkit.gateway.ratelimit.RateLimiter;
import dev.layerkit.gateway.ratelimit.RateLimiters;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every builder of the gateway's HTTP package throws on a setting given twice. */
class GatewayBuildersTest {

  private static final RateLimiter LIMITER =
      RateLimiters.inMemory(RateLimitPolicy.of(Limit.of(1, Duration.ofMinutes(1)))).build();

  @Test
  void gatewayBuilderThrowsOnASettingGivenTwice() {
    Gateway.Builder builder = Gateway.builder().port(8081);
    assertThatThrownBy(() -> builder.port(8082))
        .isInstanceOf(IllegalStateException.class).hasMessage("port was already set to 8081");
    builder.maxBodySize(5);
    assertThatThrownBy(() -> builder.maxBodySize(6))
        .isInstanceOf(IllegalStateException.class).hasMessage("maxBodySize was already set to 5");
    assertThatThrownBy(() -> builder.idleTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("idleTimeout must be > 0 but was PT0S");
  }

  @Test
  void transportIsGivenOnceAndANativeOneConflictsWithPreferNativeTransportFalse() {
    Gateway.Builder builder = Gateway.builder().transport(Transport.IO_URING);
    assertThatThrownBy(() -> builder.transport(Transport.EPOLL))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("transport was already set to IO_URING");
    assertThatThrownBy(() -> Gateway.builder().transport(null))
        .isInstanceOf(NullPointerException.class).hasMessage("transport");
    assertThatThrownBy(() -> Gateway.builder().preferNativeTransport(false)
        .transport(Transport.EPOLL).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("transport EPOLL conflicts with preferNativeTransport(false)");
    assertThat(Gateway.builder().preferNativeTransport(false).transport(Transport.NIO).build()
        .settings().transport).isEqualTo(Transport.NIO);
    assertThat(Gateway.builder().build().settings().transport).isEqualTo(Gateway.DEFAULT_TRANSPORT);
    assertThat(Gateway.builder().preferNativeTransport(false).build().settings().transport)
        .isEqualTo(Transport.NIO);
    assertThatThrownBy(() -> Gateway.builder().build().transport())
        .isInstanceOf(IllegalStateException.class).hasMessage("gateway not started");
  }

  @Test
  void sharedEventLoopsDecideTransportAndThreadsSoSettingThoseTooIsRefused() {
    try (EventLoops loops = EventLoops.create(Transport.NIO, 1)) {
      assertThat(loops.transport()).isEqualTo(Transport.NIO);
      assertThat(loops.threads()).isEqualTo(1);
      assertThat(Gateway.builder().eventLoops(loops).build().settings().eventLoops).isSameAs(loops);
      for (String setting : List.of("transport", "workerThreads", "preferNativeTransport")) {
        Gateway.Builder builder = Gateway.builder().eventLoops(loops);
        switch (setting) {
          case "transport" -> builder.transport(Transport.NIO);
          case "workerThreads" -> builder.workerThreads(4);
          default -> builder.preferNativeTransport(false);
        }
        assertThatThrownBy(builder::build).isInstanceOf(IllegalStateException.class)
            .hasMessage(setting + " conflicts with eventLoops(EventLoops[nio, 1 threads]): the shared"
                + " loops decide the transport and the threads");
      }
      assertThatThrownBy(() -> Gateway.builder().eventLoops(loops).eventLoops(loops))
          .isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(() -> EventLoops.create(Transport.NIO, 0))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("threads");
    }
  }

  @Test
  void routeBuilderThrowsOnASettingGivenTwiceButAddsMethodsAndHeaders() {
    Route.Builder builder = Route.builder("r").pathPrefix("/a").methods("GET").methods("POST")
        .header("X-A").header("X-B").rateLimit(LIMITER).maxBodySize(10);
    assertThatThrownBy(() -> builder.pathPrefix("/b"))
        .isInstanceOf(IllegalStateException.class).hasMessage("pathPrefix was already set to /a");
    assertThatThrownBy(() -> builder.rateLimit(LIMITER, KeyResolver.principal()))
        .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("rateLimit was already set");
    assertThatThrownBy(() -> builder.maxBodySize(20))
        .isInstanceOf(IllegalStateException.class).hasMessage("maxBodySize was already set to 10");
    assertThatThrownBy(() -> Route.builder("r").maxBodySize(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxBodySize must be >= 0 but was -1");
  }

  @Test
  void upstreamCorsCacheAndAuthBuildersThrowOnASettingGivenTwice() {
    LoadBalancer balancer = LoadBalancers.roundRobin().serviceName("svc")
        .endpointSource(EndpointSource.of(List.of(Endpoint.builder("127.0.0.1", 1).build())))
        .build();
    try {
      Upstream.Builder upstream = Upstream.builder("svc", balancer).noCircuitBreaker();
      assertThatThrownBy(() -> upstream.circuitBreaker(endpoint -> null))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("circuitBreaker was already set to none");
    } finally {
      balancer.close();
    }
    CorsPolicy.Builder cors = CorsPolicy.builder().maxAge(Duration.ofMinutes(1));
    assertThatThrownBy(() -> cors.maxAge(Duration.ofMinutes(2)))
        .isInstanceOf(IllegalStateException.class).hasMessage("maxAge was already set to PT1M");
    ResponseCache.Builder cache = ResponseCache.builder().maxBytes(100);
    assertThatThrownBy(() -> cache.maxBytes(200))
        .isInstanceOf(IllegalStateException.class).hasMessage("maxBytes was already set to 100");
    ApiKeyAuth.Builder keys = Auth.apiKeys().realm("a");
    assertThatThrownBy(() -> keys.realm("b"))
        .isInstanceOf(IllegalStateException.class).hasMessage("realm was already set to a");
    JwtAuth.Builder jwt = Auth.jwt().issuer("https://id.example.com");
    assertThatThrownBy(() -> jwt.issuer("https://other.example.com"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("issuer was already set to https://id.example.com");
  }

  @Test
  void aValueTheSetterRejectsDoesNotCountAsGiven() {
    ApiKeyAuth.Builder keys = Auth.apiKeys();
    assertThatThrownBy(() -> keys.header("Bad Header"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(keys.header("X-Key")).isSameAs(keys);
  }
}
