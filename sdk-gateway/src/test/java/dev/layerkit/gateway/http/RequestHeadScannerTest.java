package dev.layerkit.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The client connection's request decoding with the {@link RequestHeadScanner} in front of Netty's
 * decoder ({@link GatewayServerCodec}) against Netty's {@link HttpRequestDecoder} alone, with the
 * same limits: for every input, split at every byte, both give the same messages (method, target,
 * version, headers in order, body parts, failures), so the scanner changes how a head is read and
 * never what it means, including for the inputs a request smuggler sends.
 */
class RequestHeadScannerTest {

  private static final int MAX_LINE = 256;
  private static final int MAX_HEADERS = 512;

  @ParameterizedTest
  @ValueSource(strings = {
      // plain, read by the scanner
      "GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nX-API-Key: k\r\n\r\n",
      "GET /a/b?c=d&e=%20 HTTP/1.1\r\nHost: h\r\nAccept:*/*\r\nX-Empty:\r\nX-Pad: \t v \t\r\n\r\n",
      "HEAD /h HTTP/1.1\r\nhost: h\r\nConnection: keep-alive, close\r\n\r\n",
      "DELETE /x HTTP/1.1\r\nHost: h\r\nX-A: 1\r\nx-a: 2\r\n\r\n",
      "OPTIONS /o HTTP/1.1\r\nHost: h\r\nOrigin: https://a.example\r\n\r\n",
      "GET / HTTP/1.1\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
      "GET /%00?a=%0d%0a HTTP/1.1\r\nX-Tab:\ta\tb\t\r\nConnection: ,, close ,\r\n\r\n",
      "GET / HTTP/1.1\r\nX_Under~score!: 1\r\n\r\n",
      // pipelined: two plain ones, a plain one and one with a body, then a plain one
      "GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n",
      "GET /1 HTTP/1.1\r\nHost: h\r\n\r\nPOST /2 HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcGET /3 HTTP/1.1\r\n\r\n",
      "POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nGET /n HTTP/1.1\r\n\r\n",
      // left to the decoder: bodies, framing, upgrades, unusual syntax
      "GET / HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
      "GET / HTTP/1.1\r\ncontent-LENGTH: 3\r\n\r\nabcGET / HTTP/1.1\r\n\r\n",
      "GET / HTTP/1.1\r\ntransfer-encoding: CHUNKED\r\n\r\n1\r\na\r\n0\r\n\r\n",
      "GET / HTTP/1.1\r\nConnection: keep-alive, Upgrade\r\nUpgrade: h2c\r\n\r\n",
      "GET / HTTP/1.1\r\nConnection: keep-alive, Content-Length\r\n\r\n",
      "GET / HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi",
      "POST / HTTP/1.1\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
      "POST / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc",
      "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      "GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
      "GET / HTTP/1.1\r\nExpect: 100-continue\r\n\r\n",
      "GET / HTTP/1.1\r\nConnection: X-Secret\r\nX-Secret: 1\r\n\r\n",
      "GET / HTTP/1.1\r\nX-Folded: a\r\n b\r\n\r\n",
      "GET / HTTP/1.1\nHost: h\n\n",
      "GET / HTTP/1.1\r\nHost: h\n\r\n",
      "GET / HTTP/1.1\r\nX-A: a\rb\r\n\r\n",
      "GET / HTTP/1.1\r\nX-A: a\u0000b\r\n\r\n",
      "GET / HTTP/1.1\r\nX-A: caf\u00e9\r\n\r\n",
      "GET / HTTP/1.1\r\nX-A : 1\r\n\r\n",
      "GET / HTTP/1.1\r\n: 1\r\n\r\n",
      "GET / HTTP/1.1\r\nNoColon\r\n\r\n",
      "GET / HTTP/1.0\r\nHost: h\r\n\r\n",
      "GET / HTTP/2.0\r\n\r\n",
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
      "GET http://h/a HTTP/1.1\r\nHost: h\r\n\r\n",
      "GET  / HTTP/1.1\r\n\r\n",
      "get / HTTP/1.1\r\n\r\n",
      "GET /a\u0001b HTTP/1.1\r\n\r\n",
      "\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n",
      "GARBAGE\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: h\r\n",
  })
  void everyInputSplitAtEveryByteGivesTheDecodersMessages(String input) {
    byte[] bytes = input.getBytes(StandardCharsets.ISO_8859_1);
    for (int split = 1; split <= bytes.length; split++) {
      List<String> expected = decode(new EmbeddedChannel(nettyDecoder()), bytes, split);
      List<String> actual = decode(new EmbeddedChannel(gatewayCodec()), bytes, split);
      assertThat(actual).as("pieces of %d bytes of %s", split, input).isEqualTo(expected);
    }
  }

  @Test
  void limitsAreTheDecodersAtAndAroundTheirEdges() {
    for (int length = MAX_LINE - 8; length <= MAX_LINE + 2; length++) {
      String target = "/" + "a".repeat(length - "GET / HTTP/1.1".length());
      String input = "GET " + target + " HTTP/1.1\r\nHost: h\r\n\r\n";
      assertSame(input);
    }
    for (int length = MAX_HEADERS - 8; length <= MAX_HEADERS + 2; length++) {
      String input = "GET / HTTP/1.1\r\nX-Long: " + "v".repeat(length - "X-Long: ".length())
          + "\r\n\r\n";
      assertSame(input);
    }
  }

  @Test
  void aPlainHeadIsReadByTheScannerAndItsHeadersAnswerAsDecodedOnes() {
    EmbeddedChannel channel = new EmbeddedChannel(gatewayCodec());
    channel.writeInbound(EmbeddedBytes.bytes("GET /p?q HTTP/1.1\r\nHost:  h:1 \r\n"
        + "Connection: Keep-Alive\r\nX-List: a, b\r\nx-list: c\r\nX-Num: 42\r\n\r\n"));
    HttpRequest request = channel.readInbound();
    assertThat(request.headers()).isInstanceOf(ScannedRequestHeaders.class);
    ScannedRequestHeaders headers = (ScannedRequestHeaders) request.headers();
    HttpHeaders decoded = DefaultHttpHeadersFactory.headersFactory().newHeaders()
        .add("Host", "h:1").add("Connection", "Keep-Alive").add("X-List", "a, b")
        .add("x-list", "c").add("X-Num", "42");

    for (String name : List.of("host", "HOST", "x-list", "connection", "x-missing", "X-Num")) {
      assertThat(headers.get(name)).as(name).isEqualTo(decoded.get(name));
      assertThat(headers.get(new io.netty.util.AsciiString(name))).isEqualTo(decoded.get(name));
      assertThat(headers.getAll(name)).as(name).isEqualTo(decoded.getAll(name));
      assertThat(headers.contains(name)).as(name).isEqualTo(decoded.contains(name));
    }
    for (String value : List.of("b", "B", "a", "c", "a, b", "keep-alive", "x")) {
      for (boolean ignoreCase : new boolean[] {true, false}) {
        assertThat(headers.containsValue("X-List", value, ignoreCase))
            .isEqualTo(decoded.containsValue("X-List", value, ignoreCase));
        assertThat(headers.contains("x-list", value, ignoreCase))
            .isEqualTo(decoded.contains("x-list", value, ignoreCase));
        assertThat(headers.containsValue(HttpHeaderNames.CONNECTION, value, ignoreCase))
            .isEqualTo(decoded.containsValue(HttpHeaderNames.CONNECTION, value, ignoreCase));
      }
    }
    assertThat(headers.size()).isEqualTo(decoded.size());
    assertThat(headers.untouched()).isTrue();

    assertThat(headers.getInt("X-Num")).isEqualTo(42);
    assertThat(headers.untouched()).as("a typed read decodes").isFalse();
    headers.set("X-Num", "7").remove("x-list");
    decoded.set("X-Num", "7").remove("x-list");
    assertThat(headers.entries()).hasToString(decoded.entries().toString());
    assertThat(request.uri()).isEqualTo("/p?q");
    channel.finishAndReleaseAll();
  }

  private static void assertSame(String input) {
    byte[] bytes = input.getBytes(StandardCharsets.ISO_8859_1);
    assertThat(decode(new EmbeddedChannel(gatewayCodec()), bytes, bytes.length))
        .as("%d bytes", bytes.length)
        .isEqualTo(decode(new EmbeddedChannel(nettyDecoder()), bytes, bytes.length));
  }

  private static HttpRequestDecoder nettyDecoder() {
    return new HttpRequestDecoder(new HttpDecoderConfig().setMaxInitialLineLength(MAX_LINE)
        .setMaxHeaderSize(MAX_HEADERS).setMaxChunkSize(64 * 1024));
  }

  private static GatewayServerCodec gatewayCodec() {
    return new GatewayServerCodec(MAX_LINE, MAX_HEADERS, 64 * 1024);
  }

  /** Writes the bytes in pieces of {@code split}, then closes; returns each message as text. */
  private static List<String> decode(EmbeddedChannel channel, byte[] bytes, int split) {
    List<String> messages = new ArrayList<>();
    for (int from = 0; from < bytes.length; from += split) {
      ByteBuf piece = io.netty.buffer.Unpooled.copiedBuffer(bytes, from,
          Math.min(split, bytes.length - from));
      channel.writeInbound(piece);
      drain(channel, messages);
    }
    channel.finish();
    drain(channel, messages);
    return messages;
  }

  private static void drain(EmbeddedChannel channel, List<String> messages) {
    Object message;
    while ((message = channel.readInbound()) != null) {
      messages.add(describe((HttpObject) message));
      ReferenceCountUtil.release(message);
    }
  }

  private static String describe(HttpObject message) {
    StringBuilder text = new StringBuilder();
    if (message instanceof HttpRequest request) {
      text.append(request.method()).append(' ').append(request.uri()).append(' ')
          .append(request.protocolVersion());
      for (Map.Entry<String, String> header : request.headers()) {
        text.append(" [").append(header.getKey()).append('=').append(header.getValue())
            .append(']');
      }
    }
    if (message instanceof HttpContent content) {
      text.append(content instanceof LastHttpContent ? " last:" : " content:")
          .append(content.content().toString(StandardCharsets.ISO_8859_1));
      if (content instanceof LastHttpContent last) {
        text.append(" trailers=").append(last.trailingHeaders().entries());
      }
    }
    text.append(" result=").append(message.decoderResult().isSuccess() ? "ok"
        : message.decoderResult().cause().getClass().getSimpleName());
    return text.toString();
  }
}
