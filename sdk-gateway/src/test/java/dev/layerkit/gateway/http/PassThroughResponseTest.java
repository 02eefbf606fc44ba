package dev.layerkit.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.gateway.http.internal.PipelineAccess;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Responses passed through as bytes, on the gateway's real pipelines over embedded channels
 * ({@link PipelineAccess}): the exact bytes a client gets (hop-by-hop lines gone, the request id
 * replaced, the route's rewrite applied, {@code Connection: close} when due), HEAD and 304 on a
 * kept-alive connection, the same head as the decoded path gives, malformed responses, and
 * back-pressure towards a slow client. A spy behind the client codec tells which path a response
 * took.
 */
class PassThroughResponseTest {

  private EmbeddedGateway pipes;
  private EmbeddedChannel upstream;
  private ClientChannel client;
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
    client = new ClientChannel();
    pipes = EmbeddedGateway.start(route, settings, client);
    upstream = pipes.upstream;
  }

  /**
   * Sends request bytes; the first ones make the cleartext protocol detector build the HTTP/1.1
   * pipeline, behind whose codec the spy then goes.
   */
  private void request(String request) {
    client.writeInbound(EmbeddedBytes.bytes(request));
    if (client.pipeline().get("spy") == null) {
      client.pipeline().addAfter("http", "spy", new Spy());
    }
  }

  private void start() throws Exception {
    start(route -> route, settings -> settings);
  }

  /** Sends a request, answers it with {@code response}, returns what the client got. */
  private String exchange(String request, String response) {
    request(request);
    EmbeddedBytes.drain(upstream);
    upstream.writeInbound(EmbeddedBytes.bytes(response));
    return EmbeddedBytes.drain(client);
  }

  @Test
  void theClientGetsTheUpstreamsHeadLessHopByHopLinesWithTheGatewaysRequestIdAndRewrite()
      throws Exception {
    start(route -> route.responseHeaders(HeaderRewrite.builder().remove("Server")
        .set("X-Env", "prod").add("X-Served-By", "gw").build()), settings -> settings);

    String answer = exchange("GET / HTTP/1.1\r\nHost: h\r\nX-Request-Id: client-id-1\r\n\r\n",
        "HTTP/1.1 200 OK\r\nServer: s\r\nConnection: keep-alive, X-Hop\r\n"
            + "Keep-Alive: timeout=5\r\nX-Hop: 1\r\nContent-Type: text/plain\r\n"
            + "X-Request-Id: upstream-id\r\nProxy-Connection: keep-alive\r\nTrailer: X-T\r\n"
            + "Upgrade: h2c\r\nTE: trailers\r\nX-Env: dev\r\nContent-Length: 2\r\n\r\nok");

    assertThat(answer).isEqualTo("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
        + "Content-Length: 2\r\nX-Env: prod\r\nX-Served-By: gw\r\nX-Request-Id: client-id-1\r\n"
        + "\r\nok");
    assertThat(written).containsExactly("raw HEAD", "raw LAST");
  }

  @Test
  void aClientThatAsksToCloseGetsConnectionCloseAndTheConnectionCloses() throws Exception {
    start();

    String answer = exchange("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");

    assertThat(answer).startsWith("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Request-Id: ")
        .endsWith("\r\nconnection: close\r\n\r\nok");
    client.runPendingTasks();
    assertThat(client.isOpen()).isFalse();
  }

  @Test
  void anUpstreamThatClosesDoesNotCloseTheClientsConnection() throws Exception {
    start();

    String answer = exchange("GET /a HTTP/1.1\r\nHost: h\r\n\r\n",
        "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok");

    assertThat(answer).doesNotContainIgnoringCase("connection:").endsWith("ok");
    assertThat(client.isOpen()).isTrue();
    assertThat(upstream.isOpen()).as("not pooled: it said close").isFalse();
  }

  @Test
  void aHeadResponsePassesWithoutABodyAndTheNextResponseIsFramedAsAGets() throws Exception {
    start();

    String head = exchange("HEAD /h HTTP/1.1\r\nHost: h\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n");
    String get = exchange("GET /g HTTP/1.1\r\nHost: h\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nget");

    assertThat(head).startsWith("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n").endsWith("\r\n\r\n");
    assertThat(get).startsWith("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n").endsWith("\r\n\r\nget");
    assertThat(written).containsExactly("raw HEAD", "raw LAST", "raw HEAD", "raw LAST");
  }

  @Test
  void aNotModifiedResponsePassesWithoutABodyOnAKeptConnection() throws Exception {
    start();

    String notModified = exchange("GET /c HTTP/1.1\r\nHost: h\r\nIf-None-Match: \"v1\"\r\n\r\n",
        "HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\nCache-Control: max-age=60\r\n\r\n");
    String next = exchange("GET /d HTTP/1.1\r\nHost: h\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext");

    assertThat(notModified).startsWith("HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\n"
        + "Cache-Control: max-age=60\r\nX-Request-Id: ").endsWith("\r\n\r\n");
    assertThat(next).endsWith("\r\n\r\nnext");
    assertThat(written).containsExactly("raw HEAD", "raw LAST", "raw HEAD", "raw LAST");
  }

  @Test
  void aChunkedResponsePassesWithItsFramingAndTrailersUnchanged() throws Exception {
    start();
    String body = "5;ext=1\r\nhello\r\n0\r\nX-Checksum: abc\r\n\r\n";

    String answer = exchange("GET / HTTP/1.1\r\nHost: h\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n" + body);

    assertThat(answer).startsWith("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Request-Id: ")
        .endsWith("\r\n\r\n" + body).doesNotContain("Trailer:");
  }

  @Test
  void compressionOnTheClientConnectionKeepsTheDecodedPath() throws Exception {
    start(route -> route, settings -> settings.compression(Compression.builder().build()));

    String answer = exchange("GET / HTTP/1.1\r\nHost: h\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");

    assertThat(answer).endsWith("ok");
    assertThat(written).doesNotContain("raw HEAD").contains("DefaultHttpResponse");
  }

  @Test
  void anHttp10ClientKeepsTheDecodedPath() throws Exception {
    start();

    exchange("GET / HTTP/1.0\r\nHost: h\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");

    assertThat(written).doesNotContain("raw HEAD").contains("DefaultHttpResponse");
  }

  /**
   * The decoded path, forced by a compressor that compresses nothing here (no content type), gives
   * the same head modulo the order and case of its lines.
   */
  @ParameterizedTest
  @ValueSource(strings = {
      "HTTP/1.1 200 OK\r\nServer: s\r\nConnection: keep-alive, X-Hop, x-other\r\nX-Hop: 1\r\n"
          + "X-Other: 2\r\nKeep-Alive: timeout=5\r\nX-Request-Id: up\r\nVary: Accept\r\n"
          + "Set-Cookie: a=1\r\nX-Env: dev\r\nX-Env: qa\r\nContent-Length: 2\r\n\r\nok",
      "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\nTrailer: X-T\r\nUpgrade: x\r\n"
          + "TE: trailers\r\nProxy-Authenticate: Basic\r\nX-Served-By: upstream\r\n\r\n"
          + "2\r\nno\r\n0\r\nX-T: 1\r\n\r\n",
      "HTTP/1.1 204 No Content\r\nX-A: 1\r\nProxy-Connection: close\r\n\r\n"})
  void theHeadIsTheDecodedPathsModuloOrderAndCase(String response) throws Exception {
    UnaryOperator<Route.Builder> route = builder -> builder
        .responseHeaders(HeaderRewrite.builder().remove("Server").set("X-Env", "prod")
            .add("X-Served-By", "gw").build())
        .cors(CorsPolicy.builder().allowedOrigins("https://shop.example.com").build());
    String request = "GET / HTTP/1.1\r\nHost: h\r\nX-Request-Id: id-1\r\n"
        + "Origin: https://shop.example.com\r\n\r\n";

    start(route, settings -> settings);
    String raw = exchange(request, response);
    assertThat(written).startsWith("raw HEAD");
    tearDown();
    written.clear();
    start(route, settings -> settings.compression(Compression.builder().build()));
    String decoded = exchange(request, response);
    assertThat(written).doesNotContain("raw HEAD");

    assertThat(headLines(raw)).isEqualTo(headLines(decoded)).contains("x-request-id: id-1")
        .doesNotContain("server: s");
    assertThat(body(raw)).isEqualTo(body(decoded));
  }

  @Test
  void aMalformedHeadIsA502AndTheConnectionIsKept() throws Exception {
    start();

    String answer = exchange("GET / HTTP/1.1\r\nHost: h\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX-A: a\rb\r\nContent-Length: 0\r\n\r\n");

    assertThat(answer).startsWith("HTTP/1.1 502 Bad Gateway\r\n").contains("invalid response");
    assertThat(client.isOpen()).isTrue();
    assertThat(upstream.isOpen()).isFalse();
  }

  @Test
  void aMalformedChunkAfterTheHeadClosesTheClientConnection() throws Exception {
    start();

    String answer = exchange("GET / HTTP/1.1\r\nHost: h\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\nzz\r\n");

    assertThat(answer).startsWith("HTTP/1.1 200 OK\r\n").endsWith("2\r\nok\r\n");
    client.runPendingTasks();
    assertThat(client.isOpen()).isFalse();
    assertThat(upstream.isOpen()).isFalse();
  }

  @Test
  void aSlowClientStopsTheUpstreamsReadsUntilItTakesMore() throws Exception {
    start();
    client.config().setWriteBufferWaterMark(new WriteBufferWaterMark(8 * 1024, 16 * 1024));
    client.paused = true;
    byte[] chunk = new byte[4096];
    Arrays.fill(chunk, (byte) 'x');
    String chunkBytes = Integer.toHexString(chunk.length) + "\r\n"
        + new String(chunk, StandardCharsets.ISO_8859_1) + "\r\n";

    request("GET /big HTTP/1.1\r\nHost: h\r\n\r\n");
    EmbeddedBytes.drain(upstream);
    upstream.writeInbound(EmbeddedBytes.bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"));
    int sent = 0;
    while (upstream.config().isAutoRead() && sent < 64) {
      upstream.writeInbound(EmbeddedBytes.bytes(chunkBytes));
      sent++;
    }
    assertThat(upstream.config().isAutoRead()).as("reads stopped while the client is not writable")
        .isFalse();
    assertThat(sent).isLessThan(16);

    client.paused = false;
    client.flush(); // the client takes what is queued: it becomes writable again
    client.runPendingTasks();
    assertThat(upstream.config().isAutoRead()).isTrue();
    upstream.writeInbound(EmbeddedBytes.bytes(chunkBytes + "0\r\n\r\n"));
    String answer = EmbeddedBytes.drain(client);
    assertThat(answer).endsWith("\r\n\r\n" + chunkBytes.repeat(sent + 1) + "0\r\n\r\n");
    assertThat(written).first().isEqualTo("raw HEAD");
  }

  private static List<String> headLines(String response) {
    String head = response.substring(0, response.indexOf("\r\n\r\n"));
    List<String> lines = new ArrayList<>();
    for (String line : head.split("\r\n")) {
      lines.add(line.toLowerCase(Locale.ROOT));
    }
    lines.sort(null);
    return lines;
  }

  private static String body(String response) {
    return response.substring(response.indexOf("\r\n\r\n") + 4);
  }

  /** Records what the client handler writes into the codec: raw parts, or HTTP objects. */
  private final class Spy extends ChannelOutboundHandlerAdapter {
    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
      if (msg instanceof RawResponseBytes raw) {
        written.add("raw " + raw.part());
      } else if (msg instanceof HttpObject) {
        written.add(msg.getClass().getSimpleName());
      }
      ctx.write(msg, promise);
    }
  }

  /**
   * A client connection whose peer can stop taking bytes ({@link #paused}): what is written then
   * stays queued, as behind a slow reader.
   */
  private static final class ClientChannel extends EmbeddedClient {
    boolean paused;

    @Override
    protected void doWrite(ChannelOutboundBuffer in) throws Exception {
      if (!paused) {
        super.doWrite(in);
      }
    }
  }
}
