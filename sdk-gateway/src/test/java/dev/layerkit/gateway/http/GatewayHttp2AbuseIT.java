package dev.layerkit.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The HTTP/2 abuses the protocol is known for, provoked with Netty's frame writer as the attacker:
 * each is bounded by an {@link Http2Limits} setting and answered with the protocol's own error,
 * and the gateway counts it without logging above DEBUG.
 */
class GatewayHttp2AbuseIT extends GatewayTestSupport {

  private static final long TIMEOUT_SECONDS = 30;

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  private Gateway gateway(Http2Limits limits) throws Exception {
    TestUpstream a = upstream("a");
    return start(Gateway.builder().meterRegistry(registry).http2Limits(limits)
        .route(Route.builder("all").pathPrefix("/").upstream(upstreamOf("svc", a)).build()));
  }

  private double errors(Http2Error code) {
    Counter counter = registry.find("layerkit.gateway.http2.errors").tag("code", code.name())
        .counter();
    return counter == null ? 0 : counter.count();
  }

  @Test
  void rapidResetEndsTheConnectionWithEnhanceYourCalm() throws Exception {
    Gateway gateway = gateway(Http2Limits.builder()
        .maxResetFrames(50, Duration.ofSeconds(30)).build());
    try (RawHttp2Client attacker = new RawHttp2Client(gateway.port())) {
      for (int i = 0; i < 200 && attacker.isOpen(); i++) {
        int stream = 1 + 2 * i;
        attacker.headers(stream, RawHttp2Client.get("/slow"), false);
        attacker.reset(stream, Http2Error.CANCEL);
      }
      // The gateway answers GOAWAY(ENHANCE_YOUR_CALM) and closes; the attacker may not get to
      // read it (its unread resets make the kernel reset the connection), so the gateway's count
      // by error code is the witness, and the GOAWAY, when it arrives, must carry that code.
      attacker.closed.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      assertThat(attacker.events).filteredOn(e -> e.startsWith("GOAWAY"))
          .allMatch(e -> e.equals("GOAWAY ENHANCE_YOUR_CALM"));
    }
    assertThat(errors(Http2Error.ENHANCE_YOUR_CALM)).isEqualTo(1);
  }

  @Test
  void aStreamBeyondTheConcurrentLimitIsRefusedAndTheOthersGoOn() throws Exception {
    Gateway gateway = gateway(Http2Limits.builder().maxConcurrentStreams(5).build());
    try (RawHttp2Client attacker = new RawHttp2Client(gateway.port())) {
      String settings = attacker.await("SETTINGS", TIMEOUT_SECONDS);
      assertThat(settings).contains("MAX_CONCURRENT_STREAMS=5");
      // Six streams whose request bodies never end: five are open at once, the sixth is one too
      // many.
      for (int i = 0; i < 6; i++) {
        attacker.headers(1 + 2 * i, RawHttp2Client.get("/echo"), false);
      }
      assertThat(attacker.await("RST", TIMEOUT_SECONDS)).isEqualTo("RST 11 REFUSED_STREAM");
      // The connection is still usable: a stream after the refused one is served.
      attacker.reset(1, Http2Error.CANCEL);
      attacker.headers(13, RawHttp2Client.get("/id"), true);
      assertThat(attacker.await("HEADERS 13", TIMEOUT_SECONDS)).isEqualTo("HEADERS 13 200");
      assertThat(attacker.isOpen()).isTrue();
    }
  }

  @Test
  void headersOverTheListSizeAreRefusedWith431AndFarOverItEndTheConnection() throws Exception {
    Gateway gateway = gateway(Http2Limits.builder().maxHeaderListSize(8 * 1024).build());
    try (RawHttp2Client attacker = new RawHttp2Client(gateway.port())) {
      attacker.await("SETTINGS", TIMEOUT_SECONDS);
      Http2Headers slightlyTooBig = RawHttp2Client.get("/id").add("x-big", "b".repeat(9 * 1024));
      attacker.headers(1, slightlyTooBig, true);
      assertThat(attacker.await("HEADERS 1", TIMEOUT_SECONDS)).as("after %s", attacker.seen)
          .isEqualTo("HEADERS 1 431");
      attacker.headers(3, RawHttp2Client.get("/id"), true);
      assertThat(attacker.await("HEADERS 3", TIMEOUT_SECONDS)).isEqualTo("HEADERS 3 200");
      // An HPACK block many times the limit (split over CONTINUATION frames by the writer).
      Http2Headers bomb = RawHttp2Client.get("/id");
      for (int i = 0; i < 16; i++) {
        bomb.add("x-bomb-" + i, "b".repeat(4 * 1024));
      }
      attacker.headers(5, bomb, true);
      // The gateway answers GOAWAY and closes; the attacker may not get to read the GOAWAY (the
      // gateway closes with the rest of the block unread, and the kernel then resets the
      // connection), so the gateway's own count is the witness.
      attacker.closed.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }
    assertThat(totalErrors()).isEqualTo(1);
  }

  private double totalErrors() {
    return registry.find("layerkit.gateway.http2.errors").counters().stream()
        .mapToDouble(Counter::count).sum();
  }

  @Test
  void aContinuationFloodEndsTheConnectionLongBeforeItEnds() throws Exception {
    Gateway gateway = gateway(Http2Limits.ofDefaults());
    try (RawHttp2Client attacker = new RawHttp2Client(gateway.port())) {
      attacker.await("SETTINGS", TIMEOUT_SECONDS);
      // HEADERS without END_HEADERS, then CONTINUATION frames that never end the block: 10,000
      // of 1,000 bytes would be 10 MB of header block held by a naive server.
      attacker.raw(frame(0x1, 0x0, 1, 10));
      int sent = 0;
      for (; sent < 10_000 && attacker.isOpen(); sent++) {
        attacker.raw(frame(0x9, 0x0, 1, 1000));
        if (attacker.closed.isDone()) {
          break;
        }
      }
      attacker.closed.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      assertThat(sent).isLessThan(10_000);
    }
    // The gateway answered with GOAWAY (which the attacker may not get to read: the gateway
    // closes with the flood's bytes unread, and the kernel then resets the connection) and
    // counted the connection error.
    assertThat(totalErrors()).isEqualTo(1);
  }

  @Test
  void protocolErrorsAreNotLoggedAsWarningsOrErrors() throws Exception {
    // slf4j-simple, the tests' logger, writes WARN and ERROR lines to System.err as it finds it.
    java.io.PrintStream original = System.err;
    java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
    System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
    try {
      Gateway gateway = gateway(Http2Limits.builder()
          .maxResetFrames(5, Duration.ofSeconds(30)).build());
      for (int round = 0; round < 20; round++) {
        try (RawHttp2Client attacker = new RawHttp2Client(gateway.port())) {
          for (int i = 0; i < 10 && attacker.isOpen(); i++) {
            attacker.headers(1 + 2 * i, RawHttp2Client.get("/id"), false);
            attacker.reset(1 + 2 * i, Http2Error.CANCEL);
          }
          attacker.closed.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }
      }
      assertThat(errors(Http2Error.ENHANCE_YOUR_CALM)).isEqualTo(20);
    } finally {
      System.setErr(original);
    }
    String log = captured.toString(java.nio.charset.StandardCharsets.UTF_8);
    assertThat(log).doesNotContain("WARN").doesNotContain("ERROR");
  }

  /** A frame of {@code length} zero bytes of payload; the payload is garbage to HPACK. */
  private static ByteBuf frame(int type, int flags, int streamId, int length) {
    ByteBuf frame = Unpooled.buffer(9 + length);
    frame.writeMedium(length).writeByte(type).writeByte(flags).writeInt(streamId);
    frame.writeZero(length);
    return frame;
  }
}
