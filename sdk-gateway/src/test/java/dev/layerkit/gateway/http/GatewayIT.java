package dev.layerkit.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

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
}
