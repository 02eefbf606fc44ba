package dev.layerkit.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.gateway.ratelimit.Limit;
import dev.layerkit.gateway.ratelimit.RateLimitPolicy;
import dev.layerkit.gateway.ratelimit.RateLimiter;
import dev.layerkit.gateway.ratelimit.RateLimiters;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * What a route limits per client: the rate-limit bucket of a caller without auth, and the body
 * size. Clients are told apart by connecting from different loopback addresses (127.0.0.0/8 is
 * all loopback on Linux).
 */
class GatewayRouteLimitsIT extends GatewayTestSupport {

  private static RateLimiter onePerMinute() {
    return RateLimiters.inMemory(RateLimitPolicy.of(Limit.of(1, Duration.ofMinutes(1)))).build();
  }

  /** A gateway with one route on {@code /api}, limited to one request a minute per key. */
  private Gateway limitedApi(KeyResolver keys, Auth auth) throws Exception {
    return start(Route.builder("api").pathPrefix("/api").auth(auth)
        .rateLimit(onePerMinute(), keys).upstream(upstreamOf("svc", upstream("a"))).build());
  }

  private static int status(Gateway gateway, String from, String extraHeaders)
      throws IOException {
    try (RawHttp raw = new RawHttp(gateway.port(), InetAddress.getByName(from))) {
      raw.send("GET /api HTTP/1.1\r\nHost: x\r\n" + extraHeaders + "\r\n");
      return raw.read().status();
    }
  }

  @Test
  void anonymousClientsFromDifferentAddressesGetABucketEach() throws Exception {
    TestUpstream a = upstream("a");
    // rateLimit(limiter) without a resolver: the default key.
    Gateway gateway = start(Route.builder("api").pathPrefix("/api").rateLimit(onePerMinute())
        .upstream(upstreamOf("svc", a)).build());

    assertThat(status(gateway, "127.0.0.1", "")).isEqualTo(200);
    assertThat(status(gateway, "127.0.0.1", "")).isEqualTo(429);
    // Without auth every caller is "anonymous"; keyed by that, this client would be denied too.
    assertThat(status(gateway, "127.0.0.2", "")).isEqualTo(200);
    assertThat(status(gateway, "127.0.0.2", "")).isEqualTo(429);
  }

  @Test
  void anUntrustedForwardedForIsIgnoredAndATrustedOneNamesTheClient() throws Exception {
    Gateway gateway =
        limitedApi(KeyResolver.principal(TrustedProxies.of("127.0.0.3")), Auth.none());

    assertThat(status(gateway, "127.0.0.2", "")).isEqualTo(200);
    // 127.0.0.2 is not a trusted proxy: a forged header does not buy it a fresh bucket.
    assertThat(status(gateway, "127.0.0.2", "X-Forwarded-For: 203.0.113.7\r\n")).isEqualTo(429);

    // 127.0.0.3 is: the address it forwards is the client, each with its own bucket.
    assertThat(status(gateway, "127.0.0.3", "X-Forwarded-For: 203.0.113.7\r\n")).isEqualTo(200);
    assertThat(status(gateway, "127.0.0.3", "X-Forwarded-For: 203.0.113.8\r\n")).isEqualTo(200);
    assertThat(status(gateway, "127.0.0.3", "X-Forwarded-For: 203.0.113.7\r\n")).isEqualTo(429);
  }

  @Test
  void authenticatedCallersAreStillKeyedByTheirPrincipalWhateverTheirAddress() throws Exception {
    Gateway gateway = limitedApi(KeyResolver.principal(),
        Auth.apiKeys().addKey("web", "key-1").addKey("app", "key-2").build());

    assertThat(status(gateway, "127.0.0.1", "X-API-Key: key-1\r\n")).isEqualTo(200);
    assertThat(status(gateway, "127.0.0.2", "X-API-Key: key-1\r\n")).isEqualTo(429);
    assertThat(status(gateway, "127.0.0.2", "X-API-Key: key-2\r\n")).isEqualTo(200);
  }

  @Test
  void aRouteBodyLimitReplacesTheGatewaysAndIsAnswered413() throws Exception {
    TestUpstream a = upstream("a");
    Gateway gateway = start(Gateway.builder().maxBodySize(1000)
        .route(Route.builder("small").pathPrefix("/small").stripPrefix("/small").maxBodySize(100)
            .upstream(upstreamOf("svc", a)).build())
        .route(Route.builder("big").pathPrefix("/big").stripPrefix("/big").maxBodySize(5000)
            .upstream(upstreamOf("svc2", a)).build())
        .route(Route.builder("rest").pathPrefix("/").upstream(upstreamOf("svc3", a)).build()));

    try (RawHttp raw = new RawHttp(gateway.port())) {
      raw.send("POST /small/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 101\r\n\r\n"
          + "x".repeat(101));
      RawHttp.Response byLength = raw.read();
      assertThat(byLength.status()).isEqualTo(413);
      assertThat(byLength.body()).contains("larger than 100");
    }
    try (RawHttp raw = new RawHttp(gateway.port())) {
      raw.send("POST /small/upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
          + "3c\r\n" + "y".repeat(60) + "\r\n" + "3c\r\n" + "y".repeat(60) + "\r\n0\r\n\r\n");
      RawHttp.Response streamed = raw.read();
      assertThat(streamed.status()).isEqualTo(413);
      assertThat(streamed.body()).contains("larger than 100");
      assertThat(raw.closedByServer()).isTrue();
    }
    try (RawHttp raw = new RawHttp(gateway.port())) {
      raw.send("POST /big/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 3000\r\n\r\n"
          + "z".repeat(3000));
      RawHttp.Response big = raw.read();
      assertThat(big.status()).isEqualTo(200);
      assertThat(big.body()).endsWith(" 3000");
    }
    try (RawHttp raw = new RawHttp(gateway.port())) {
      raw.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n"
          + "z".repeat(1001));
      assertThat(raw.read().status()).isEqualTo(413);
    }
    assertThat(gateway.routes().get(0).maxBodySize()).hasValue(100);
    assertThat(gateway.routes().get(2).maxBodySize()).isEmpty();
  }
}
