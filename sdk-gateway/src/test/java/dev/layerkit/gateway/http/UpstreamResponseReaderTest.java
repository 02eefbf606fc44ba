package dev.layerkit.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderResultProvider;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link UpstreamResponseReader} on an embedded channel: which responses pass as bytes and which
 * are decoded, every body framing, the input split anywhere, and each malformed response with the
 * failure it gets. A recorder behind the reader turns each message into an {@link Event} while it
 * is delivered, as the exchange consumes them (the raw head is the reader's reused view).
 */
class UpstreamResponseReaderTest {

  private static final String CHUNKED = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
      + "Content-Type: text/plain\r\n\r\n";
  private static final String CHUNKED_BODY = "5;name=value;flag\r\nhello\r\n"
      + "7 ; ext=\"quoted; value\"\r\n, world\r\n"
      + "0\r\nX-Checksum: abc\r\nX-Other:  two \r\n\r\n";

  private EmbeddedChannel channel;
  private final List<Event> events = new ArrayList<>();

  /** One delivered message: its kind, its bytes or status and headers, and a count. */
  record Event(String kind, String text, long count) {
    @Override
    public String toString() {
      return kind + "(" + count + ")[" + text + "]";
    }
  }

  @AfterEach
  void tearDown() {
    if (channel != null) {
      channel.finishAndReleaseAll();
    }
  }

  private UpstreamResponseReader reader(HttpMethod method, boolean passThrough) {
    UpstreamResponseReader reader = new UpstreamResponseReader();
    reader.expect(method, passThrough);
    channel = new EmbeddedChannel(reader, new Recorder());
    return reader;
  }

  private void feed(String bytes) {
    channel.writeInbound(Unpooled.copiedBuffer(bytes, StandardCharsets.ISO_8859_1));
  }

  private List<String> kinds() {
    return events.stream().map(Event::kind).collect(Collectors.toList());
  }

  /** The bytes of the raw parts, heads and bodies, in order. */
  private String rawBytes() {
    return events.stream().filter(e -> e.kind.startsWith("raw"))
        .map(Event::text).collect(Collectors.joining());
  }

  @Test
  void aContentLengthResponsePassesAsItsHeadThenASliceOfItsBody() {
    reader(HttpMethod.GET, true);
    String head = "HTTP/1.1 200 OK\r\nContent-length: 5\r\nServer: s\r\n\r\n";

    feed(head + "hello");

    assertThat(events).containsExactly(new Event("raw-head", head, 200),
        new Event("raw-last", "hello", 5));
  }

  @Test
  void theHeadViewLocatesEachHeaderLineNameAndTrimmedValue() {
    reader(HttpMethod.GET, true);
    feed("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX-A:\t spaced value \t\r\nX-Empty:\r\n\r\n");

    assertThat(events.get(0).text()).isEqualTo("HTTP/1.1 200 OK\r\n"
        + "content-length=0|x-a=spaced value|x-empty=|");
  }

  @Test
  void aBodyArrivingInPiecesPassesAsOneSlicePerReadEndingWithTheLast() {
    reader(HttpMethod.GET, true);
    feed("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhel");
    feed("lo wo");
    feed("rld");

    assertThat(kinds()).containsExactly("raw-head", "raw-content", "raw-content", "raw-last");
    assertThat(events.subList(1, 4)).extracting(Event::text).containsExactly("hel", "lo wo", "rld");
  }

  @Test
  void aChunkedBodyPassesUnchangedWithExtensionsAndTrailersAndCountsOnlyItsData() {
    reader(HttpMethod.GET, true);

    feed(CHUNKED + CHUNKED_BODY);

    assertThat(kinds()).containsExactly("raw-head", "raw-last");
    assertThat(events.get(1)).isEqualTo(new Event("raw-last", CHUNKED_BODY, 12));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
      CHUNKED + CHUNKED_BODY,
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 404 Not Found\r\n"
          + "Transfer-Encoding: chunked\r\n\r\n3\r\nnot\r\n0\r\n\r\n",
      "HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\nETag: \"x\"\r\n\r\n"
          + "HTTP/1.1 204 No Content\r\n\r\n"})
  void theSameEventsWhereverTheInputIsSplit(String response) {
    reader(HttpMethod.GET, true);
    feed(response);
    String whole = rawBytes();
    List<String> wholeHeads = events.stream().filter(e -> e.kind.equals("raw-head"))
        .map(Event::toString).toList();
    long wholeLasts = events.stream().filter(e -> e.kind.equals("raw-last")).count();
    long wholeData = events.stream().filter(e -> !e.kind.equals("raw-head"))
        .mapToLong(Event::count).sum();
    assertThat(wholeLasts).isGreaterThanOrEqualTo(1);
    channel.finishAndReleaseAll();

    for (int split = 1; split < response.length(); split++) {
      events.clear();
      reader(HttpMethod.GET, true);
      feed(response.substring(0, split));
      feed(response.substring(split));
      assertThat(rawBytes()).as("split at %d", split).isEqualTo(whole);
      assertThat(events.stream().filter(e -> e.kind.equals("raw-head")).map(Event::toString))
          .as("split at %d", split).containsExactlyElementsOf(wholeHeads);
      assertThat(events.stream().filter(e -> e.kind.equals("raw-last")).count())
          .as("split at %d", split).isEqualTo(wholeLasts);
      assertThat(events.stream().filter(e -> !e.kind.equals("raw-head")).mapToLong(Event::count)
          .sum()).as("split at %d", split).isEqualTo(wholeData);
      channel.finishAndReleaseAll();
    }

    // And one byte at a time.
    events.clear();
    reader(HttpMethod.GET, true);
    for (int i = 0; i < response.length(); i++) {
      feed(response.substring(i, i + 1));
    }
    assertThat(rawBytes()).isEqualTo(whole);
    assertThat(events.stream().filter(e -> e.kind.equals("raw-last")).count())
        .isEqualTo(wholeLasts);
  }

  @Test
  void twoResponsesBackToBackInOneReadEachPassWhole() {
    reader(HttpMethod.GET, true);
    String first = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n";
    String second = "HTTP/1.1 201 Created\r\nContent-Length: 3\r\nConnection: close\r\n\r\n";

    feed(first + "ok" + second + "new");

    assertThat(events).containsExactly(new Event("raw-head", first, 200),
        new Event("raw-last", "ok", 2), new Event("raw-head", second, 201),
        new Event("raw-last", "new", 3));
    assertThat(keepAlive).containsExactly(true, false);
  }

  @Test
  void aHeadResponseHasNoBodyWhateverItsHeadersSay() {
    reader(HttpMethod.HEAD, true);
    String head = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n";

    feed(head + "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx");

    // The second response answers the next request, a GET: it has its body.
    assertThat(events).containsExactly(new Event("raw-head", head, 200),
        new Event("raw-last", "", 0), new Event("raw-head",
            "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n", 200), new Event("raw-last", "x", 1));
  }

  @Test
  void aHeadResponseDecodedHasNoBodyEither() {
    reader(HttpMethod.HEAD, false);

    feed("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n");

    assertThat(kinds()).containsExactly("decoded-head", "decoded-last");
  }

  @Test
  void a204WithoutFramingAndA304PassWithoutBodies() {
    reader(HttpMethod.GET, true);
    String noContent = "HTTP/1.1 204 No Content\r\nX-B: 1\r\n\r\n";
    String notModified = "HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\nContent-Length: 42\r\n\r\n";

    feed(noContent);
    feed(notModified);

    assertThat(events).containsExactly(new Event("raw-head", noContent, 204),
        new Event("raw-last", "", 0), new Event("raw-head", notModified, 304),
        new Event("raw-last", "", 0));
  }

  @Test
  void a204WithFramingHeadersIsDecodedSoThatTheEncoderDropsThem() {
    reader(HttpMethod.GET, true);

    feed("HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n");

    assertThat(kinds()).containsExactly("decoded-head", "decoded-last");
  }

  @Test
  void interimResponsesAreDecodedAndTheFinalOnePassesAsBytes() {
    reader(HttpMethod.GET, true);
    String last = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n";

    feed("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n" + last
        + "ok");

    assertThat(kinds()).containsExactly("decoded-head", "decoded-last", "decoded-head",
        "decoded-last", "raw-head", "raw-last");
    assertThat(events.get(0).count()).isEqualTo(100);
    assertThat(events.get(2).count()).isEqualTo(103);
    assertThat(events.get(4)).isEqualTo(new Event("raw-head", last, 200));
  }

  @Test
  void aBodyDelimitedByTheConnectionsCloseIsDecodedAndEndsAtTheClose() {
    reader(HttpMethod.GET, true);

    feed("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil ");
    feed("close");
    channel.finish();

    assertThat(kinds()).containsExactly("decoded-head", "decoded-content", "decoded-content",
        "decoded-last");
    assertThat(events.get(1).text() + events.get(2).text()).isEqualTo("until close");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok",
      "HTTP/1.1 200 OK\r\nX-Folded: a\r\n b\r\nContent-Length: 2\r\n\r\nok",
      "HTTP/1.1 200 OK\r\nX-Spaced : a\r\nContent-Length: 2\r\n\r\nok",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
      "HTTP/1.1 200 OK\r\nConnection: Content-Length\r\nContent-Length: 2\r\n\r\nok",
      "HTTP/1.1 205 Reset Content\r\nContent-Length: 0\r\n\r\n"})
  void unusualButValidResponsesAreDecoded(String response) {
    reader(HttpMethod.GET, true);

    feed(response);

    assertThat(kinds()).first().isEqualTo("decoded-head");
    assertThat(kinds()).last().isEqualTo("decoded-last");
    assertThat(kinds()).doesNotContain("raw-head", "failure");
  }

  /**
   * Handed to Netty's decoder, as all responses were before, which refuses them as before: a bad
   * status line, bare LF line ends, Transfer-Encoding with Content-Length.
   */
  @ParameterizedTest
  @ValueSource(strings = {
      "GARBAGE\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.1 200 OK\nContent-Length: 2\n\nok",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 9\r\n\r\n"
          + "2\r\nok\r\n0\r\n\r\n"})
  void unusualResponsesThatNettysDecoderRefusesFailAsBefore(String response) {
    reader(HttpMethod.GET, true);

    feed(response);

    assertThat(kinds()).containsExactly("failure-head");
  }

  @Test
  void withoutPassThroughEveryResponseIsDecodedWithItsHeadersAndTrailers() {
    reader(HttpMethod.GET, false);

    feed(CHUNKED + CHUNKED_BODY);

    assertThat(kinds()).containsExactly("decoded-head", "decoded-content", "decoded-content",
        "decoded-last");
    assertThat(events.get(0).text()).contains("transfer-encoding=chunked");
    assertThat(events.get(1).text() + events.get(2).text()).isEqualTo("hello, world");
    assertThat(events.get(3).text()).isEqualTo("x-checksum=abc|x-other=two|");
  }

  @Test
  void after101TheRestOfTheInputIsBytesForTheRelay() {
    reader(HttpMethod.GET, true);

    feed("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"
        + "\u0081\u0002hi");
    feed("HTTP/1.1 200 OK\r\n\r\n");

    assertThat(kinds()).containsExactly("decoded-head", "decoded-last", "bytes", "bytes");
    assertThat(events.get(2).text()).isEqualTo("\u0081\u0002hi");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "HTTP/1.1 200 OK\r\nX-A: a\u0000b\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.1 200 OK\r\nX-A: a\rInjected: yes\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.1 200 O\rK\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.1 200 OK\r\nno colon here\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.1 200 OK\r\n: empty name\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 1,1\r\n\r\nx",
      "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx",
      "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxy",
      "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n"})
  void aMalformedHeadFailsAsABadResponseAndTheRestIsDropped(String response) {
    for (boolean passThrough : new boolean[] {true, false}) {
      events.clear();
      reader(HttpMethod.GET, passThrough);

      feed(response);
      feed("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");

      assertThat(kinds()).as("pass-through %s", passThrough).containsExactly("failure-head");
      channel.finishAndReleaseAll();
    }
  }

  @Test
  void aStatusLineOrHeaderSectionOverTheLimitsFails() {
    reader(HttpMethod.GET, true);
    feed("HTTP/1.1 200 " + "x".repeat(UpstreamResponseReader.MAX_STATUS_LINE));
    assertThat(kinds()).containsExactly("failure-head");
    assertThat(failures.get(0)).isInstanceOf(BadResponseException.class)
        .hasCauseInstanceOf(TooLongHttpLineException.class);
    channel.finishAndReleaseAll();

    events.clear();
    failures.clear();
    reader(HttpMethod.GET, true);
    feed("HTTP/1.1 200 OK\r\n");
    for (int i = 0; i < 200; i++) {
      feed("X-Header-" + i + ": " + "v".repeat(90) + "\r\n");
    }
    assertThat(kinds()).containsExactly("failure-head");
    assertThat(failures.get(0)).hasCauseInstanceOf(TooLongHttpHeaderException.class);
  }

  @Test
  void aHeadJustUnderTheLimitPasses() {
    reader(HttpMethod.GET, true);
    String line = "X-Filler: " + "v".repeat(98) + "\r\n"; // 110 bytes
    String head = "HTTP/1.1 200 OK\r\n" + line.repeat(148) + "Content-Length: 0\r\n\r\n";

    feed(head);

    assertThat(events).containsExactly(new Event("raw-head", null, 200),
        new Event("raw-last", "", 0));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "zz\r\nhello\r\n0\r\n\r\n",
      "\r\nhello\r\n0\r\n\r\n",
      "5\r\nhelloXY0\r\n\r\n",
      "5\nhello\r\n0\r\n\r\n",
      "5;ext=\u0001\r\nhello\r\n0\r\n\r\n",
      "5 x\r\nhello\r\n0\r\n\r\n",
      "fffffffffffffffff\r\n",
      "5\r\nhello\r\n0\r\nbad trailer\r\n\r\n",
      "5\r\nhello\r\n0\r\nX-T: a\u0000b\r\n\r\n"})
  void aMalformedChunkedBodyFailsAfterItsHeadAndTheRestIsDropped(String body) {
    reader(HttpMethod.GET, true);

    feed(CHUNKED + body);
    feed("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");

    assertThat(kinds()).first().isEqualTo("raw-head");
    assertThat(kinds()).last().isEqualTo("failure-last");
    assertThat(kinds()).containsOnlyOnce("raw-head").doesNotContain("raw-last");
  }

  @Test
  void aChunkLineLongerThanTheLimitFails() {
    reader(HttpMethod.GET, true);

    feed(CHUNKED + "5;" + "x".repeat(UpstreamResponseReader.MAX_CHUNK_LINE));

    assertThat(kinds()).containsExactly("raw-head", "failure-last");
  }

  @Test
  void aConnectionClosedAfterTheStatusLineFailsAsNettysDecoderReportsIt() {
    reader(HttpMethod.GET, true);

    feed("HTTP/1.1 200 OK\r\nContent-Le");
    channel.finish();

    assertThat(kinds()).containsExactly("failure-head");
    assertThat(failures.get(0)).isInstanceOf(PrematureChannelClosureException.class);
  }

  @Test
  void aConnectionClosedInARawBodyEmitsNoEndSoTheExchangeSeesTheClose() {
    reader(HttpMethod.GET, true);

    feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf");
    channel.finish();

    assertThat(kinds()).containsExactly("raw-head", "raw-content");
  }

  @Test
  void keepAliveFollowsTheConnectionHeaderTokens() {
    reader(HttpMethod.GET, true);

    feed("HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n");
    feed("HTTP/1.1 200 OK\r\nConnection: X-Foo, Close\r\nContent-Length: 0\r\n\r\n");

    assertThat(keepAlive).containsExactly(true, false);
    assertThat(connectionNamesHeaders).containsExactly(false, true);
  }

  private final List<Boolean> keepAlive = new ArrayList<>();
  private final List<Boolean> connectionNamesHeaders = new ArrayList<>();
  private final List<Throwable> failures = new ArrayList<>();

  /** Records each message while it is delivered, then releases it. */
  private final class Recorder extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        events.add(event(msg));
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    private Event event(Object msg) {
      if (msg instanceof UpstreamResponseHead head) {
        keepAlive.add(head.keepAlive());
        connectionNamesHeaders.add(head.connectionNamesHeaders);
        String text = new String(head.bytes, 0, head.length, StandardCharsets.ISO_8859_1);
        if (text.contains("X-A:") || text.contains("X-Empty")) {
          // Show the line table instead: name=value per line.
          StringBuilder lines = new StringBuilder(new String(head.bytes, 0, head.statusLineEnd,
              StandardCharsets.ISO_8859_1));
          for (int i = 0; i < head.lineCount(); i++) {
            lines.append(new String(head.bytes, head.lineStart(i),
                head.nameEnd(i) - head.lineStart(i), StandardCharsets.ISO_8859_1)
                .toLowerCase(java.util.Locale.ROOT)).append('=')
                .append(new String(head.bytes, head.valueStart(i),
                    head.valueEnd(i) - head.valueStart(i), StandardCharsets.ISO_8859_1))
                .append('|');
          }
          text = lines.toString();
        }
        if (text.startsWith("HTTP/1.1 200 OK\r\nX-Filler")) {
          text = null; // long: compared by status only
        }
        return new Event("raw-head", text, head.status());
      }
      if (msg instanceof RawResponseBytes bytes) {
        return new Event(bytes.isLast() ? "raw-last" : "raw-content",
            bytes.content().toString(StandardCharsets.ISO_8859_1), bytes.bodyBytes());
      }
      if (msg instanceof DecoderResultProvider provider && provider.decoderResult().isFailure()) {
        failures.add(provider.decoderResult().cause());
        return new Event(msg instanceof HttpResponse ? "failure-head" : "failure-last",
            provider.decoderResult().cause().getMessage(), 0);
      }
      if (msg instanceof HttpResponse response) {
        return new Event("decoded-head", headers(response.headers()), response.status().code());
      }
      if (msg instanceof LastHttpContent last) {
        return new Event("decoded-last", headers(last.trailingHeaders()),
            last.content().readableBytes());
      }
      if (msg instanceof HttpContent content) {
        return new Event("decoded-content", content.content().toString(StandardCharsets.ISO_8859_1),
            content.content().readableBytes());
      }
      if (msg instanceof ByteBuf bytes) {
        return new Event("bytes", bytes.toString(StandardCharsets.ISO_8859_1),
            bytes.readableBytes());
      }
      return new Event("other:" + msg.getClass().getSimpleName(), msg.toString(), 0);
    }

    private String headers(io.netty.handler.codec.http.HttpHeaders headers) {
      StringBuilder text = new StringBuilder();
      for (Map.Entry<String, String> header : headers) {
        text.append(header.getKey().toLowerCase(java.util.Locale.ROOT)).append('=')
            .append(header.getValue()).append('|');
      }
      return text.toString();
    }
  }
}
