package dev.layerkit.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.core.time.ManualTimeSource;
import dev.layerkit.gateway.lb.Endpoint;
import dev.layerkit.gateway.lb.EndpointSource;
import dev.layerkit.gateway.lb.LoadBalancers;
import java.net.URI;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Static files, the response cache and WebSocket pass-through, over real sockets. */
class GatewayContentIT extends GatewayTestSupport {

  @TempDir Path root;

  @Test
  void servesStaticFilesWithETagsAndRefusesTraversal() throws Exception {
    Files.writeString(root.resolve("index.html"), "<h1>orders</h1>");
    Files.createDirectories(root.resolve("js"));
    Files.writeString(root.resolve("js/app.js"), "console.log(1)");
    Files.writeString(root.getParent().resolve("secret.txt"), "secret");
    Gateway gateway = start(Route.builder("web").pathPrefix("/").staticFiles(StaticFiles.fromDirectory(root)).build());

    HttpResponse<String> index = get(gateway, "/");
    assertThat(index.statusCode()).isEqualTo(200);
    assertThat(index.body()).isEqualTo("<h1>orders</h1>");
    assertThat(index.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
    String etag = index.headers().firstValue("etag").orElseThrow();
    assertThat(get(gateway, "/js/app.js").headers().firstValue("content-type"))
        .hasValue("text/javascript; charset=utf-8");

    HttpResponse<String> revalidated = get(gateway, "/index.html", "If-None-Match", etag);
    assertThat(revalidated.statusCode()).isEqualTo(304);
    assertThat(revalidated.body()).isEmpty();

    Files.writeString(root.resolve("index.html"), "<h1>orders v2</h1>");
    Files.setLastModifiedTime(root.resolve("index.html"),
        java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
    HttpResponse<String> changed = get(gateway, "/index.html", "If-None-Match", etag);
    assertThat(changed.statusCode()).isEqualTo(200);
    assertThat(changed.body()).isEqualTo("<h1>orders v2</h1>");

    for (String attack : new String[] {"/../secret.txt", "/%2e%2e/secret.txt", "/js/..%2f..%2fsecret.txt",
        "/js%5c..%5c..%5csecret.txt", "/nope.txt"}) {
      try (RawHttp raw = new RawHttp(gateway.port())) {
        raw.send("GET " + attack + " HTTP/1.1\r\nHost: x\r\n\r\n");
        RawHttp.Response response = raw.read();
        assertThat(response.status()).as(attack).isEqualTo(404);
        assertThat(response.body()).doesNotContain("secret\"").doesNotContain("Exception");
      }
    }
    try (RawHttp raw = new RawHttp(gateway.port())) {
      raw.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
      RawHttp.Response response = raw.read();
      assertThat(response.status()).isEqualTo(405);
      assertThat(response.header("allow")).isEqualTo("GET, HEAD");
    }
  }

  @Test
  void servesStaticFilesFromTheClasspath() throws Exception {
    Gateway gateway = start(Route.builder("web").pathPrefix("/static").stripPrefix("/static")
        .staticFiles(StaticFiles.fromClasspath("web-test", getClass().getClassLoader())).build());

    HttpResponse<String> page = get(gateway, "/static/");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("classpath page");
    assertThat(get(gateway, "/static/missing.css").statusCode()).isEqualTo(404);
  }

  @Test
  void cachesGetResponsesByCacheControlAndAnswersIfNoneMatchWith304() throws Exception {
    TestUpstream a = upstream("a");
    ManualTimeSource time = new ManualTimeSource();
    ResponseCache cache = ResponseCache.builder().timeSource(time).build();
    Gateway gateway = start(Route.builder("catalog").pathPrefix("/").responseCache(cache)
        .upstream(upstreamOf("svc", a)).build());

    HttpResponse<String> first = get(gateway, "/cacheable");
    assertThat(first.body()).isEqualTo("v1");
    assertThat(first.headers().firstValue("x-cache")).isEmpty();
    HttpResponse<String> second = get(gateway, "/cacheable");
    assertThat(second.body()).isEqualTo("v1");
    assertThat(second.headers().firstValue("x-cache")).hasValue("HIT");
    assertThat(second.headers().firstValue("etag")).hasValue("\"v1\"");
    assertThat(a.requests.get()).isEqualTo(1);

    HttpResponse<String> notModified = get(gateway, "/cacheable", "If-None-Match", "\"v1\"");
    assertThat(notModified.statusCode()).isEqualTo(304);
    assertThat(notModified.body()).isEmpty();
    assertThat(a.requests.get()).isEqualTo(1);

    // Responses without freshness are not stored.
    get(gateway, "/echo");
    get(gateway, "/echo");
    assertThat(a.requests.get()).isEqualTo(3);

    a.setCacheableBody("v2");
    time.advance(Duration.ofSeconds(61));
    HttpResponse<String> refreshed = get(gateway, "/cacheable", "If-None-Match", "\"v1\"");
    assertThat(refreshed.statusCode()).isEqualTo(200);
    assertThat(refreshed.body()).isEqualTo("v2");
    assertThat(a.requests.get()).isEqualTo(4);
    assertThat(cache.hitCount()).isEqualTo(2);
  }

  @Test
  void passesWebSocketUpgradesThrough() throws Exception {
    WebSocketEchoServer echo = closing(new WebSocketEchoServer());
    Upstream ws = Upstream.of("ws", closing(LoadBalancers.roundRobin().serviceName("ws")
        .endpointSource(EndpointSource.of(Endpoint.of("127.0.0.1", echo.port()))).build()));
    Gateway gateway = start(Route.builder("ws").pathPrefix("/ws").upstream(ws).build());

    CompletableFuture<String> received = new CompletableFuture<>();
    WebSocket socket = client.newWebSocketBuilder()
        .buildAsync(URI.create("ws://127.0.0.1:" + gateway.port() + "/ws"), new WebSocket.Listener() {
          @Override
          public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            received.complete(data.toString());
            return null;
          }
        }).get(10, TimeUnit.SECONDS);
    socket.sendText("hello", true).get(10, TimeUnit.SECONDS);

    assertThat(received.get(10, TimeUnit.SECONDS)).isEqualTo("echo: hello");
    socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(10, TimeUnit.SECONDS);
  }
}
