package dev.layerkit.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.layerkit.gateway.lb.EndpointSource;
import dev.layerkit.gateway.lb.LoadBalancer;
import dev.layerkit.gateway.lb.LoadBalancers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The gateway over real sockets: real upstream servers, the gateway, java.net.http as client. */
class GatewayIT {

  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final HttpClient client = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  private <T extends AutoCloseable> T closing(T closeable) {
    closeables.add(closeable);
    return closeable;
  }

  private TestUpstream upstream(String name) throws Exception {
    return closing(new TestUpstream(name));
  }

  private Upstream upstreamOf(String name, TestUpstream... servers) {
    List<dev.layerkit.gateway.lb.Endpoint> endpoints = new ArrayList<>();
    for (TestUpstream server : servers) {
      endpoints.add(server.endpoint());
    }
    LoadBalancer lb = closing(LoadBalancers.roundRobin().serviceName(name)
        .endpointSource(EndpointSource.of(endpoints)).build());
    return Upstream.of(name, lb);
  }

  private Gateway start(Route... routes) {
    return closing(Gateway.builder().bindAddress("127.0.0.1").port(0).routes(List.of(routes))
        .shutdownTimeout(Duration.ofSeconds(2)).build().start());
  }

  private HttpResponse<String> get(Gateway gateway, String path, String... headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + gateway.port() + path)).timeout(Duration.ofSeconds(10));
    if (headers.length > 0) {
      request.headers(headers);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void proxiesAGetAndAddsForwardingHeadersAndARequestId() throws Exception {
    TestUpstream a = upstream("a");
    Gateway gateway = start(Route.builder("api").pathPrefix("/api").stripPrefix("/api")
        .upstream(upstreamOf("svc", a)).build());

    HttpResponse<String> response = get(gateway, "/api/echo?x=1");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).startsWith("GET /echo?x=1\n");
    assertThat(response.body()).contains("x-forwarded-for: 127.0.0.1\n")
        .contains("x-forwarded-proto: http\n")
        .contains("x-forwarded-host: 127.0.0.1:" + gateway.port() + "\n");
    String requestId = response.headers().firstValue("x-request-id").orElseThrow();
    assertThat(requestId).matches("[0-9a-f]{32}");
    assertThat(response.body()).contains("x-request-id: " + requestId + "\n");
    assertThat(response.headers().firstValue("x-upstream")).hasValue("a");
    assertThat(response.headers().firstValue("keep-alive")).isEmpty();
  }

  @Test
  void keepsAValidClientRequestIdAndReplacesAnInvalidOne() throws Exception {
    TestUpstream a = upstream("a");
    Gateway gateway = start(Route.builder("all").pathPrefix("/").upstream(upstreamOf("svc", a)).build());

    assertThat(get(gateway, "/echo", "X-Request-Id", "abc-123").headers().firstValue("x-request-id"))
        .hasValue("abc-123");
    assertThat(get(gateway, "/echo", "X-Request-Id", "bad id;drop").headers().firstValue("x-request-id"))
        .hasValueSatisfying(id -> assertThat(id).matches("[0-9a-f]{32}"));
  }

  @Test
  void doesNotForwardHopByHopHeaders() throws Exception {
    TestUpstream a = upstream("a");
    Gateway gateway = start(Route.builder("all").pathPrefix("/").upstream(upstreamOf("svc", a)).build());

    try (RawHttp raw = new RawHttp(gateway.port())) {
      raw.send("GET /echo HTTP/1.1\r\nHost: example.com\r\nConnection: keep-alive, X-Private\r\n"
          + "X-Private: secret\r\nKeep-Alive: timeout=5\r\nProxy-Authorization: Basic eA==\r\n"
          + "TE: trailers\r\nX-Kept: yes\r\n\r\n");
      RawHttp.Response response = raw.read();

      assertThat(response.status()).isEqualTo(200);
      assertThat(response.body()).contains("x-kept: yes").contains("host: example.com")
          .contains("x-forwarded-host: example.com")
          .doesNotContain("x-private").doesNotContain("keep-alive: timeout")
          .doesNotContain("proxy-authorization").doesNotContain("\nte:");
      // The connection is kept alive: a second request on the same socket works.
      raw.send("GET /echo HTTP/1.1\r\nHost: example.com\r\n\r\n");
      assertThat(raw.read().status()).isEqualTo(200);
    }
  }

  @Test
  void answersUnroutedRequestsWith404Json() throws Exception {
    TestUpstream a = upstream("a");
    Gateway gateway = start(Route.builder("api").pathPrefix("/api").upstream(upstreamOf("svc", a)).build());

    HttpResponse<String> response = get(gateway, "/apix");

    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
    String requestId = response.headers().firstValue("x-request-id").orElseThrow();
    assertThat(response.body()).isEqualTo("{\"status\":404,\"error\":\"Not Found\",\"message\":"
        + "\"no route for GET /apix\",\"requestId\":\"" + requestId + "\"}");
    assertThat(a.requests.get()).isZero();
  }

  @Test
  void answersMalformedRequestsWith400AndOversizedHeadersWith431() throws Exception {
    TestUpstream a = upstream("a");
    Gateway gateway = start(Route.builder("all").pathPrefix("/").upstream(upstreamOf("svc", a)).build());

    try (RawHttp raw = new RawHttp(gateway.port())) {
      raw.send("THIS IS NOT HTTP\r\n\r\n");
      RawHttp.Response response = raw.read();
      assertThat(response.status()).isEqualTo(400);
      assertThat(response.body()).contains("\"message\":\"malformed request\"")
          .doesNotContain("Exception").doesNotContain("at io.netty");
      assertThat(raw.closedByServer()).isTrue();
    }
    try (RawHttp raw = new RawHttp(gateway.port())) {
      raw.send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(20_000) + "\r\n\r\n");
      RawHttp.Response response = raw.read();
      assertThat(response.status()).isEqualTo(431);
      assertThat(response.body()).contains("request headers too large");
    }
    try (RawHttp raw = new RawHttp(gateway.port())) {
      raw.send("GET /" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(raw.read().status()).isEqualTo(414);
    }
    assertThat(a.requests.get()).isZero();
  }

  @Test
  void answersOversizedBodiesWith413ByLengthAndWhileStreaming() throws Exception {
    TestUpstream a = upstream("a");
    Gateway gateway = closing(Gateway.builder().bindAddress("127.0.0.1").port(0).maxBodySize(1000)
        .route(Route.builder("all").pathPrefix("/").upstream(upstreamOf("svc", a)).build())
        .build().start());

    HttpResponse<String> byLength = client.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + gateway.port() + "/upload"))
        .POST(HttpRequest.BodyPublishers.ofString("x".repeat(1001))).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(byLength.statusCode()).isEqualTo(413);
    assertThat(byLength.body()).contains("larger than 1000");

    try (RawHttp raw = new RawHttp(gateway.port())) {
      raw.send("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
          + "258\r\n" + "y".repeat(600) + "\r\n" + "258\r\n" + "y".repeat(600) + "\r\n0\r\n\r\n");
      RawHttp.Response response = raw.read();
      assertThat(response.status()).isEqualTo(413);
      assertThat(raw.closedByServer()).isTrue();
    }
    HttpResponse<String> small = client.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + gateway.port() + "/upload"))
        .POST(HttpRequest.BodyPublishers.ofString("x".repeat(1000))).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(small.statusCode()).isEqualTo(200);
    assertThat(small.body()).endsWith(" 1000");
  }

  @Test
  void answersAuthFailuresWithTheirStatusAndChallenge() throws Exception {
    TestUpstream a = upstream("a");
    Auth auth = request -> "let-me-in".equals(request.header("X-Token"))
        ? AuthResult.success(new Principal("alice", "test", java.util.Map.of()))
        : request.header("X-Token") == null
            ? AuthResult.unauthorized("Token realm=\"test\"", "missing token")
            : AuthResult.forbidden("Token error=\"insufficient_scope\"", "not allowed");
    Gateway gateway = start(Route.builder("all").pathPrefix("/").auth(auth)
        .upstream(upstreamOf("svc", a)).build());

    HttpResponse<String> missing = get(gateway, "/");
    assertThat(missing.statusCode()).isEqualTo(401);
    assertThat(missing.headers().firstValue("www-authenticate")).hasValue("Token realm=\"test\"");
    assertThat(missing.body()).contains("missing token");
    HttpResponse<String> wrong = get(gateway, "/", "X-Token", "nope");
    assertThat(wrong.statusCode()).isEqualTo(403);
    assertThat(wrong.headers().firstValue("www-authenticate")).hasValue("Token error=\"insufficient_scope\"");
    assertThat(a.requests.get()).isZero();
    assertThat(get(gateway, "/", "X-Token", "let-me-in").statusCode()).isEqualTo(200);
  }

  @Test
  void answersRateLimitedRequestsWith429AndRetryAfter() throws Exception {
    TestUpstream a = upstream("a");
    dev.layerkit.gateway.ratelimit.RateLimiter limiter = dev.layerkit.gateway.ratelimit.RateLimiters
        .inMemory(dev.layerkit.gateway.ratelimit.RateLimitPolicy.of(
            dev.layerkit.gateway.ratelimit.Limit.of(2, Duration.ofMinutes(1)))).build();
    Gateway gateway = start(Route.builder("all").pathPrefix("/")
        .rateLimit(limiter, KeyResolver.principal()).upstream(upstreamOf("svc", a)).build());

    assertThat(get(gateway, "/").statusCode()).isEqualTo(200);
    assertThat(get(gateway, "/").statusCode()).isEqualTo(200);
    HttpResponse<String> denied = get(gateway, "/");

    assertThat(denied.statusCode()).isEqualTo(429);
    long retryAfter = Long.parseLong(denied.headers().firstValue("retry-after").orElseThrow());
    assertThat(retryAfter).isBetween(1L, 30L);
    assertThat(denied.headers().firstValue("ratelimit-limit")).hasValue("2");
    assertThat(denied.headers().firstValue("ratelimit-remaining")).hasValue("0");
    assertThat(denied.headers().firstValue("ratelimit-reset")).hasValue(String.valueOf(retryAfter));
    assertThat(a.requests.get()).isEqualTo(2);
  }

  @Test
  void answersRefusedUpstreamWith502AndTimeoutWith504() throws Exception {
    TestUpstream dead = upstream("dead");
    int deadPort = dead.port();
    dead.close();
    TestUpstream slow = upstream("slow");
    Gateway gateway = start(
        Route.builder("dead").pathPrefix("/dead").maxRetries(0)
            .upstream(Upstream.builder("dead", closing(LoadBalancers.roundRobin().serviceName("dead")
                .endpointSource(EndpointSource.of(dev.layerkit.gateway.lb.Endpoint.of("127.0.0.1", deadPort)))
                .build())).noCircuitBreaker().build()).build(),
        Route.builder("slow").pathPrefix("/slow").responseTimeout(Duration.ofMillis(300))
            .upstream(upstreamOf("slow", slow)).build());

    HttpResponse<String> refused = get(gateway, "/dead");
    assertThat(refused.statusCode()).isEqualTo(502);
    assertThat(refused.body()).contains("cannot connect to upstream 'dead'");

    HttpResponse<String> timedOut = get(gateway, "/slow");
    assertThat(timedOut.statusCode()).isEqualTo(504);
    assertThat(timedOut.body()).contains("did not answer within 300 ms");
  }

  @Test
  void answersOpenCircuitsWith503() throws Exception {
    TestUpstream a = upstream("a");
    Upstream svc = upstreamOf("svc", a);
    svc.circuitBreaker(a.endpoint()).transitionToForcedOpenState();
    Gateway gateway = start(Route.builder("all").pathPrefix("/").upstream(svc).build());

    HttpResponse<String> response = get(gateway, "/");

    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(response.body()).contains("open circuit");
    assertThat(a.requests.get()).isZero();
  }

  @Test
  void cutsOffClientsThatTrickleTheirHeaders() throws Exception {
    TestUpstream a = upstream("a");
    dev.layerkit.core.time.ManualTimeSource time = new dev.layerkit.core.time.ManualTimeSource();
    Gateway gateway = closing(Gateway.builder().bindAddress("127.0.0.1").port(0).timeSource(time)
        .requestHeaderTimeout(Duration.ofMillis(300))
        .route(Route.builder("all").pathPrefix("/").upstream(upstreamOf("svc", a)).build())
        .build().start());

    try (RawHttp raw = new RawHttp(gateway.port())) {
      // The head keeps arriving a line per 100 ms of the manual clock, so a timeout counted from
      // the last byte would never fire; counted from the first byte it fires after 300 ms.
      raw.send("GET / HTTP/1.1\r\n");
      java.util.concurrent.atomic.AtomicInteger lines = new java.util.concurrent.atomic.AtomicInteger();
      await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> {
        if (raw.answerWaiting()) {
          return true;
        }
        time.advance(Duration.ofMillis(100));
        raw.send("X-Slow-" + lines.incrementAndGet() + ": 1\r\n");
        return false;
      });
      RawHttp.Response response = raw.read();
      assertThat(response.status()).isEqualTo(408);
      assertThat(raw.closedByServer()).isTrue();
    }
    assertThat(a.requests.get()).isZero();
  }


  @Test
  void refusesConnectionsOverTheLimitWith503() throws Exception {
    TestUpstream a = upstream("a");
    Gateway gateway = closing(Gateway.builder().bindAddress("127.0.0.1").port(0).maxConnections(2)
        .route(Route.builder("all").pathPrefix("/").upstream(upstreamOf("svc", a)).build())
        .build().start());

    try (RawHttp first = new RawHttp(gateway.port()); RawHttp second = new RawHttp(gateway.port())) {
      first.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(first.read().status()).isEqualTo(200);
      second.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(second.read().status()).isEqualTo(200);
      try (RawHttp third = new RawHttp(gateway.port())) {
        assertThat(third.read().status()).isEqualTo(503);
        assertThat(third.closedByServer()).isTrue();
      }
    }
  }
}
