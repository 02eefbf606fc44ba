package dev.layerkit.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Response compression through a started gateway, from an upstream with chosen headers. */
class GatewayCompressionIT extends GatewayTestSupport {

  private static final String TEXT = "layerkit compresses this line well. ".repeat(200);

  private Gateway gateway;

  @BeforeEach
  void startUpstreamAndGateway() throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    server.createContext("/", exchange -> {
      String path = exchange.getRequestURI().getPath();
      byte[] body = TEXT.getBytes(StandardCharsets.UTF_8);
      String type = "text/plain; charset=utf-8";
      if (path.equals("/json")) {
        type = "application/problem+json";
      } else if (path.equals("/png")) {
        type = "image/png";
      } else if (path.equals("/small")) {
        body = "tiny".getBytes(StandardCharsets.UTF_8);
      } else if (path.equals("/no-transform")) {
        exchange.getResponseHeaders().add("Cache-Control", "public, no-transform");
      } else if (path.equals("/encoded")) {
        exchange.getResponseHeaders().add("Content-Encoding", "br");
      }
      exchange.getResponseHeaders().add("Content-Type", type);
      exchange.getRequestBody().readAllBytes();
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();
    closing(() -> server.stop(0));
    Upstream upstream = Upstream.of("svc", closing(dev.layerkit.gateway.lb.LoadBalancers.roundRobin()
        .serviceName("svc").endpointSource(dev.layerkit.gateway.lb.EndpointSource.of(List.of(
            dev.layerkit.gateway.lb.Endpoint.of("127.0.0.1", server.getAddress().getPort(), 1))))
        .build()));
    gateway = start(Gateway.builder().compression(Compression.ofDefaults())
        .route(Route.builder("r").pathPrefix("/").upstream(upstream).build()));
  }

  private HttpResponse<byte[]> fetch(String path, boolean gzip) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri(gateway, path));
    if (gzip) {
      request.header("Accept-Encoding", "gzip");
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  @Test
  void compressesTextAndJsonForClientsThatAcceptGzipWithVary() throws Exception {
    for (String path : List.of("/text", "/json")) {
      HttpResponse<byte[]> answer = fetch(path, true);
      assertThat(answer.statusCode()).isEqualTo(200);
      assertThat(answer.headers().firstValue("content-encoding")).hasValue("gzip");
      assertThat(answer.headers().allValues("vary")).anySatisfy(
          vary -> assertThat(vary).containsIgnoringCase("accept-encoding"));
      assertThat(answer.body().length).isLessThan(TEXT.length() / 5);
      String text = new String(new GZIPInputStream(new ByteArrayInputStream(answer.body()))
          .readAllBytes(), StandardCharsets.UTF_8);
      assertThat(text).isEqualTo(TEXT);
    }
    HttpResponse<byte[]> plain = fetch("/text", false);
    assertThat(plain.headers().firstValue("content-encoding")).isEmpty();
    assertThat(new String(plain.body(), StandardCharsets.UTF_8)).isEqualTo(TEXT);
    assertThat(plain.headers().allValues("vary")).anySatisfy(
        vary -> assertThat(vary).containsIgnoringCase("accept-encoding"));
  }

  @Test
  void leavesCompressedTypesSmallBodiesNoTransformAndEncodedBodiesAlone() throws Exception {
    for (String path : List.of("/png", "/small", "/no-transform", "/encoded")) {
      HttpResponse<byte[]> answer = fetch(path, true);
      assertThat(answer.statusCode()).as(path).isEqualTo(200);
      assertThat(answer.headers().firstValue("content-encoding").orElse("none")).as(path)
          .isIn("none", "br");
      assertThat(answer.body().length).as(path).isEqualTo(path.equals("/small") ? 4 : TEXT.length());
    }
  }

  @Test
  void compressionRulesMatchTypesAndValidate() {
    Compression rules = Compression.builder().contentTypes("text/*", "application/*+json").build();
    assertThat(rules.compresses("text/html; charset=utf-8")).isTrue();
    assertThat(rules.compresses("application/problem+json")).isTrue();
    assertThat(rules.compresses("application/json")).isFalse();
    assertThat(rules.compresses(null)).isFalse();
    assertThatThrownBy(() -> Compression.builder().level(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("level must be 1 to 9 but was 0");
    assertThatThrownBy(() -> Compression.builder().minSize(1).minSize(2))
        .isInstanceOf(IllegalStateException.class).hasMessage("minSize was already set to 1");
    assertThatThrownBy(() -> Compression.builder().contentTypes("*/*/*"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
