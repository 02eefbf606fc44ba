package dev.layerkit.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Headers;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Responses to an HTTP/2 client from an HTTP/1.1 upstream, on the gateway's real pipelines over
 * embedded channels: a response of known length (or none) goes out as a HEADERS frame made from
 * the upstream's head and DATA frames of its bytes, never decoded into HTTP objects; it carries the
 * same headers and body as the decoded path gives (forced by a compressor), and a chunked one is
 * decoded, since DATA frames must not carry chunk lines. A spy behind the upstream codec tells
 * which path a response took.
 */
class Http2PassThroughResponseTest {

  private static final int HEADERS = 0x1;
  private static final int DATA = 0x0;

  private EmbeddedGateway pipes;
  private EmbeddedChannel upstream;
  private EmbeddedChannel client;
  private final List<String> read = new ArrayList<>();

  @AfterEach
  void tearDown() {
    if (pipes != null) {
      pipes.close();
      pipes = null;
    }
  }

  private void start(UnaryOperator<Gateway.Builder> settings) throws Exception {
    pipes = EmbeddedGateway.start(route -> route
        .responseHeaders(HeaderRewrite.builder().remove("Server").set("X-Env", "prod")
            .add("X-Served-By", "gw").build())
        .cors(CorsPolicy.builder().allowedOrigins("https://shop.example.com").build()),
        settings, new EmbeddedClient());
    upstream = pipes.upstream;
    client = pipes.client;
    upstream.pipeline().addAfter("http", "spy", new ChannelInboundHandlerAdapter() {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        read.add(msg.getClass().getSimpleName());
        ctx.fireChannelRead(msg);
      }
    });
    ByteBuf open = Unpooled.buffer().writeBytes(Http2CodecUtil.connectionPrefaceBuf());
    frame(open, 0x4, 0, 0, Unpooled.EMPTY_BUFFER); // SETTINGS
    frame(open, 0x4, 0x1, 0, Unpooled.EMPTY_BUFFER); // the ACK of the server's
    client.writeInbound(open);
    client.runPendingTasks();
    EmbeddedBytes.drain(client);
  }

  /** Opens stream 3 with a GET, answers it with {@code response}: the client's headers and body. */
  private Map.Entry<List<String>, String> exchange(String response) throws Exception {
    Http2Headers request = new DefaultHttp2Headers().method("GET").scheme("http").path("/")
        .authority("h").add("x-request-id", "id-1").add("origin", "https://shop.example.com");
    ByteBuf block = Unpooled.buffer();
    new DefaultHttp2HeadersEncoder().encodeHeaders(3, request, block);
    ByteBuf headersFrame = Unpooled.buffer();
    frame(headersFrame, HEADERS, 0x5, 3, block); // END_STREAM | END_HEADERS
    client.writeInbound(headersFrame);
    client.runPendingTasks();
    EmbeddedBytes.drain(upstream);
    upstream.writeInbound(EmbeddedBytes.bytes(response));
    client.runPendingTasks();
    ByteBuf frames = Unpooled.copiedBuffer(EmbeddedBytes.drain(client), StandardCharsets.ISO_8859_1);
    List<String> headers = new ArrayList<>();
    StringBuilder body = new StringBuilder();
    DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(true);
    while (frames.readableBytes() >= 9) {
      int length = frames.readUnsignedMedium();
      int type = frames.readUnsignedByte();
      frames.readUnsignedByte(); // flags
      int stream = frames.readInt();
      ByteBuf payload = frames.readSlice(length);
      if (type == HEADERS && stream == 3) {
        decoder.decodeHeaders(3, payload).forEach(h -> headers.add(h.getKey() + ": " + h.getValue()));
      } else if (type == DATA && stream == 3) {
        body.append(payload.toString(StandardCharsets.ISO_8859_1));
      }
    }
    headers.sort(null);
    return Map.entry(headers, body.toString());
  }

  private static void frame(ByteBuf out, int type, int flags, int stream, ByteBuf payload) {
    out.writeMedium(payload.readableBytes()).writeByte(type).writeByte(flags).writeInt(stream)
        .writeBytes(payload);
  }

  static Stream<Arguments> responses() {
    return Stream.of(
        Arguments.of("HTTP/1.1 200 OK\r\nServer: s\r\nConnection: keep-alive, X-Hop, x-other\r\n"
            + "X-Hop: 1\r\nX-Other: 2\r\nKeep-Alive: timeout=5\r\nX-Request-Id: up\r\n"
            + "Vary: Accept\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nX-Env: dev\r\nX-Env: qa\r\n"
            + "Content-Type: text/x\r\nContent-Length: 2\r\n\r\nok", true),
        Arguments.of("HTTP/1.1 204 No Content\r\nX-A: 1\r\nProxy-Connection: close\r\n"
            + "Host: up\r\n\r\n", true),
        Arguments.of("HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\nTrailer: X-T\r\n"
            + "Upgrade: x\r\nTE: trailers\r\nProxy-Authenticate: Basic\r\n"
            + "X-Served-By: upstream\r\n\r\n2\r\nno\r\n0\r\n\r\n", false));
  }

  @ParameterizedTest
  @MethodSource("responses")
  void aResponseOfKnownLengthIsFramedFromItsHeadWithTheDecodedPathsHeadersAndBody(String response,
      boolean passedThrough) throws Exception {
    start(settings -> settings);
    Map.Entry<List<String>, String> framed = exchange(response);
    List<String> framedPath = List.copyOf(read);
    tearDown();
    read.clear();
    start(settings -> settings.compression(Compression.builder().build()));
    Map.Entry<List<String>, String> decoded = exchange(response);

    assertThat(framedPath).as("what the upstream codec emitted")
        .first().isEqualTo(passedThrough ? "UpstreamResponseHead" : "DefaultHttpResponse");
    assertThat(read).first().isEqualTo("DefaultHttpResponse");
    assertThat(framed.getKey()).isEqualTo(decoded.getKey()).contains("x-request-id: id-1")
        .noneMatch(h -> h.startsWith("server:") || h.startsWith("connection")
            || h.startsWith("x-hop") || h.startsWith("keep-alive") || h.startsWith("host"));
    assertThat(framed.getValue()).isEqualTo(decoded.getValue());
  }
}
