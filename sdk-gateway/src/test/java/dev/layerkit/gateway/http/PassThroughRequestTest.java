package dev.layerkit.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.gateway.http.internal.PipelineAccess;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Request heads written from the client's bytes ({@link RequestHeadScanner}, {@link
 * RequestHeadWriter}), on the gateway's real pipelines over embedded channels ({@link
 * PipelineAccess}): the exact bytes the upstream gets, the same head as the decoded path gives
 * (forced by an observation registry with a handler, under which the head is encoded from the
 * request), and the cases that keep the decoded path. A spy in front of the upstream codec tells
 * which path a request took.
 */
class PassThroughRequestTest {

  private EmbeddedGateway pipes;
  private EmbeddedChannel upstream;
  private EmbeddedChannel client;
  private final List<String> written = new ArrayList<>();

  @AfterEach
  void tearDown() {
    if (pipes != null) {
      pipes.close();
      pipes = null;
    }
  }

  private void start(UnaryOperator<Route.Builder> route, UnaryOperator<Gateway.Builder> settings)
      throws Exception {
    pipes = EmbeddedGateway.start(route, settings, new EmbeddedClient());
    upstream = pipes.upstream;
    client = pipes.client;
    upstream.pipeline().addAfter("http", "spy", new Spy());
  }

  private void start() throws Exception {
    start(route -> route, settings -> settings);
  }

  /** Sends a request, returns what the upstream got, answers it and drains the client. */
  private String forward(String request) {
    client.writeInbound(EmbeddedBytes.bytes(request));
    String sent = EmbeddedBytes.drain(upstream);
    upstream.writeInbound(EmbeddedBytes.bytes("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
    String answer = EmbeddedBytes.drain(client);
    assertThat(answer).startsWith("HTTP/1.1 200 OK\r\n");
    if (!request.startsWith("HEAD ")) {
      assertThat(answer).endsWith("\r\n\r\nok");
    }
    return sent;
  }

  @Test
  void theUpstreamGetsTheClientsLinesLessHopByHopOnesWithTheGatewaysForwardedLinesAndId()
      throws Exception {
    start();

    String sent = forward("GET /a?x=1 HTTP/1.1\r\nHost: shop.example:8080\r\n"
        + "Connection: keep-alive\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\n"
        + "Proxy-Authorization: Basic eA==\r\nX-Forwarded-For: 10.0.0.1\r\nx-forwarded-for: 10.0.0.2\r\n"
        + "X-Forwarded-Proto: ftp\r\nX-Forwarded-Host: evil\r\nX-Request-Id: client-1\r\n"
        + "Accept:  */*  \r\n\r\n");

    assertThat(sent).isEqualTo("GET /a?x=1 HTTP/1.1\r\nHost: shop.example:8080\r\n"
        + "Accept:  */*  \r\nx-forwarded-for: 10.0.0.1, 192.0.2.1\r\n"
        + "x-forwarded-proto: http\r\nx-forwarded-host: shop.example:8080\r\n"
        + "X-Request-Id: client-1\r\n\r\n");
    assertThat(written).containsExactly("raw head");
  }

  @Test
  void aClientXForwardedHostStaysWithoutAHostAsOnTheDecodedPath() throws Exception {
    start();

    String sent = forward("GET / HTTP/1.1\r\nX-Forwarded-Host: kept\r\n\r\n");

    assertThat(sent).startsWith("GET / HTTP/1.1\r\nX-Forwarded-Host: kept\r\n"
        + "x-forwarded-for: 192.0.2.1\r\nx-forwarded-proto: http\r\nX-Request-Id: ")
        .doesNotContain("x-forwarded-host");
  }

  @Test
  void keepAliveRequestsAlternateBetweenTheRawAndTheDecodedPathOnOneConnection()
      throws Exception {
    start();

    forward("GET /1 HTTP/1.1\r\nHost: h\r\n\r\n");
    String post = forward("POST /2 HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc");
    String get = forward("GET /3 HTTP/1.1\r\nHost: h\r\n\r\n");

    assertThat(post).startsWith("POST /2 HTTP/1.1\r\n").endsWith("\r\n\r\nabc");
    assertThat(get).startsWith("GET /3 HTTP/1.1\r\nHost: h\r\n").endsWith("\r\n\r\n");
    assertThat(written).containsExactly("raw head", "DefaultHttpRequest", "DefaultLastHttpContent",
        "raw head");
  }

  @Test
  void aRequestWithTracingOnKeepsTheDecodedPath() throws Exception {
    start(route -> route, settings -> settings.observationRegistry(observing()));

    forward("GET / HTTP/1.1\r\nHost: h\r\n\r\n");

    assertThat(written).containsExactly("DefaultFullHttpRequest");
  }

  /**
   * On the decoded path a body-less request goes to the encoder as one message, its head and its
   * end, and so to the upstream connection as one buffer (a head and an empty last content were
   * two writes); a request with a body still goes as a head and its contents.
   */
  @Test
  void aBodyLessRequestOnTheDecodedPathIsOneWriteOfOneBuffer() throws Exception {
    start(route -> route, settings -> settings.observationRegistry(observing()));

    client.writeInbound(EmbeddedBytes.bytes("DELETE /x HTTP/1.1\r\nHost: h\r\n\r\n"));

    assertThat(written).containsExactly("DefaultFullHttpRequest");
    assertThat(upstream.outboundMessages()).hasSize(1);
    String sent = EmbeddedBytes.drain(upstream);
    assertThat(sent).startsWith("DELETE /x HTTP/1.1\r\nHost: h\r\n").endsWith("\r\n\r\n")
        .containsOnlyOnce("\r\n\r\n");
    upstream.writeInbound(EmbeddedBytes.bytes("HTTP/1.1 204 No Content\r\n\r\n"));
    assertThat(EmbeddedBytes.drain(client)).startsWith("HTTP/1.1 204 No Content\r\n");

    written.clear();
    String post = forward("POST /y HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc");
    assertThat(post).startsWith("POST /y HTTP/1.1\r\n").endsWith("\r\n\r\nabc");
    assertThat(written).containsExactly("DefaultHttpRequest", "DefaultLastHttpContent");
  }

  /**
   * The raw path and the decoded path (forced by an observation registry with a handler that
   * propagates nothing) give the same head modulo order, case and the white space around values.
   */
  @ParameterizedTest
  @ValueSource(strings = {
      "GET /api/orders/7?x=1 HTTP/1.1\r\nHost: h\r\nX-Env: dev\r\nX-Env: qa\r\nCookie: a=1\r\n"
          + "X-Forwarded-For: 10.1.1.1\r\nConnection: close\r\nX-Served-By: client\r\n"
          + "Upgrade-Insecure-Requests: 1\r\nTE: gzip\r\n\r\n",
      "DELETE /api/x HTTP/1.1\r\nhost:  a.example \r\nx-request-id: bad id\r\n"
          + "Proxy-Connection: keep-alive\r\nTrailer: X\r\nAccept: *\r\n\r\n",
      "HEAD /api HTTP/1.1\r\nX-Forwarded-Host: fh\r\nX-Forwarded-Proto: https\r\n\r\n",
      "OPTIONS /api/o HTTP/1.1\r\nHost: h\r\nX-Request-Id: ok-1\r\n\r\n"})
  void theHeadIsTheDecodedPathsModuloOrderCaseAndWhiteSpace(String request) throws Exception {
    UnaryOperator<Route.Builder> route = builder -> builder.stripPrefix("/api")
        .requestHeaders(HeaderRewrite.builder().remove("Cookie").set("X-Env", "prod")
            .add("X-Served-By", "gw").build());

    start(route, settings -> settings);
    String raw = forward(request);
    assertThat(written).containsExactly("raw head");
    tearDown();
    written.clear();
    start(route, settings -> settings.observationRegistry(observing()));
    String decoded = forward(request);
    assertThat(written).containsExactly("DefaultFullHttpRequest");

    assertThat(raw.substring(0, raw.indexOf("\r\n")))
        .isEqualTo(decoded.substring(0, decoded.indexOf("\r\n")));
    List<String> rawLines = headLines(raw);
    assertThat(rawLines).isEqualTo(headLines(decoded)).doesNotContain("cookie: a=1")
        .contains("x-env: prod");
    assertThat(raw).endsWith("\r\n\r\n");
  }

  @Test
  void theRewriteMayRemoveOrSetTheForwardedLinesAsOnTheDecodedPath() throws Exception {
    start(route -> route.requestHeaders(HeaderRewrite.builder().remove("X-Forwarded-For")
        .set("x-forwarded-proto", "https").add("X-Forwarded-Host", "extra").build()),
        settings -> settings);

    String sent = forward("GET / HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 1.2.3.4\r\n\r\n");

    assertThat(sent).startsWith("GET / HTTP/1.1\r\nHost: h\r\nx-forwarded-host: h\r\n"
        + "x-forwarded-proto: https\r\nX-Forwarded-Host: extra\r\nX-Request-Id: ")
        .doesNotContainIgnoringCase("x-forwarded-for");
    assertThat(written).containsExactly("raw head");
  }

  private static ObservationRegistry observing() {
    ObservationRegistry registry = ObservationRegistry.create();
    registry.observationConfig().observationHandler(new ObservationHandler<>() {
      @Override
      public boolean supportsContext(Observation.Context context) {
        return true;
      }
    });
    return registry;
  }

  /** The head's header lines, lower case, trimmed around the colon and sorted. */
  private static List<String> headLines(String request) {
    String head = request.substring(request.indexOf("\r\n") + 2, request.indexOf("\r\n\r\n"));
    List<String> lines = new ArrayList<>();
    for (String line : head.split("\r\n")) {
      int colon = line.indexOf(':');
      String name = line.substring(0, colon).toLowerCase(Locale.ROOT);
      String value = line.substring(colon + 1).trim();
      lines.add(name + ": " + (name.equals("x-request-id") ? "<id>" : value));
    }
    lines.sort(null);
    return lines;
  }

  /** Records what the exchange writes into the upstream codec: a raw head, or HTTP objects. */
  private final class Spy extends ChannelOutboundHandlerAdapter {
    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
      if (msg instanceof RawRequestHead) {
        written.add("raw head");
      } else if (msg instanceof HttpObject) {
        written.add(msg.getClass().getSimpleName());
      }
      ctx.write(msg, promise);
    }
  }
}
