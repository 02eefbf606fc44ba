package dev.layerkit.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.gateway.ratelimit.Limit;
import dev.layerkit.gateway.ratelimit.RateLimitPolicy;
import dev.layerkit.gateway.ratelimit.RateLimiters;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.util.ReferenceCountUtil;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * HTTP/2 with prior knowledge (h2c) on the gateway's plaintext port: the same routes, filters and
 * errors as HTTP/1.1, many streams on one connection, bodies both ways under flow control, and a
 * graceful GOAWAY when the gateway drains.
 */
class GatewayHttp2IT extends GatewayTestSupport {

  private static final long TIMEOUT_SECONDS = 60;

  private static FullHttpRequest get(String path) {
    FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path);
    request.headers().set(HttpHeaderNames.HOST, "gateway.test");
    return request;
  }

  private static String body(FullHttpResponse response) {
    try {
      return response.content().toString(StandardCharsets.UTF_8);
    } finally {
      response.release();
    }
  }

  @Test
  void servesManyConcurrentStreamsOnOneConnectionThroughTheSameRoutes() throws Exception {
    TestUpstream a = upstream("a");
    Gateway gateway = start(Route.builder("all").pathPrefix("/").upstream(upstreamOf("svc", a))
        .build());
    try (Http2TestClient h2 = new Http2TestClient(gateway.port())) {
      List<CompletableFuture<FullHttpResponse>> answers = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        answers.add(h2.send(get("/echo?n=" + i)));
      }
      for (int i = 0; i < answers.size(); i++) {
        FullHttpResponse response = answers.get(i).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        assertThat(response.status().code()).isEqualTo(200);
        assertThat(response.headers().get("x-upstream")).isEqualTo("a");
        String echoed = body(response);
        assertThat(echoed).startsWith("GET /echo?n=" + i + "\n");
        // What HTTP/2 framing implies stays at the gateway: no x-http2-* or connection headers.
        assertThat(echoed).doesNotContain("x-http2").contains("host: gateway.test")
            .contains("x-forwarded-proto: http");
      }
      assertThat(a.requests.get()).isEqualTo(50);
    }
    // HTTP/1.1 still works on the same port.
    HttpResponse<String> plain = client.send(
        java.net.http.HttpRequest.newBuilder(uri(gateway, "/id")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(plain.statusCode()).isEqualTo(200);
    assertThat(plain.body()).isEqualTo("a");
  }

  /**
   * Streams answered in one event-loop turn share one flush of the connection: a {@code
   * FlushConsolidationHandler} that also consolidates flushes made outside a read (an upstream's
   * response ends a stream from the upstream connection's read) sits in front of the HTTP/2 codec.
   */
  @Test
  void consolidatesTheFlushesOfStreamsAnsweredInOneEventLoopTurn() throws Exception {
    TestUpstream a = upstream("a");
    Gateway gateway = start(Route.builder("all").pathPrefix("/").upstream(upstreamOf("svc", a))
        .build());
    try (Http2TestClient h2 = new Http2TestClient(gateway.port())) {
      List<CompletableFuture<FullHttpResponse>> answers = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        answers.add(h2.send(get("/id")));
      }
      for (CompletableFuture<FullHttpResponse> answer : answers) {
        assertThat(body(answer.get(TIMEOUT_SECONDS, TimeUnit.SECONDS))).isEqualTo("a");
      }
      List<String> names = gateway.clients().stream()
          .filter(c -> c.pipeline().get(io.netty.handler.codec.http2.Http2FrameCodec.class) != null)
          .findFirst().orElseThrow().pipeline().names();
      assertThat(names).containsSubsequence("h2flush", "h2");
      assertThat(names.indexOf("h2")).isEqualTo(names.indexOf("h2flush") + 1);
      io.netty.handler.flush.FlushConsolidationHandler consolidation = (io.netty.handler.flush.FlushConsolidationHandler)
          gateway.clients().stream()
              .filter(c -> c.pipeline().get("h2flush") != null)
              .findFirst().orElseThrow().pipeline().get("h2flush");
      assertThat(consolidation).extracting("consolidateWhenNoReadInProgress").isEqualTo(true);
    }
  }

  /**
   * The request id, new on every response, is written as a never-indexed literal (0x10, then the
   * name): indexed (0x40), each response would insert it into the connection's HPACK table and
   * evict the entries that repeat.
   */
  @Test
  void writesTheRequestIdAsANeverIndexedLiteral() throws Exception {
    TestUpstream a = upstream("a");
    Gateway gateway = start(Route.builder("all").pathPrefix("/").upstream(upstreamOf("svc", a))
        .build());
    byte[] name = "x-request-id".getBytes(StandardCharsets.US_ASCII);
    try (RawHttp2Client h2 = new RawHttp2Client(gateway.port())) {
      for (int stream = 1; stream <= 5; stream += 2) {
        h2.headers(stream, RawHttp2Client.get("/id"), true);
        assertThat(h2.await("HEADERS " + stream + " 200", TIMEOUT_SECONDS)).isNotNull();
        byte[] block = h2.headerBlocks.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        assertThat(block).isNotNull();
        String hex = HexFormat.of().formatHex(block);
        assertThat(hex).as("response %d's header block", stream)
            .contains("100c" + HexFormat.of().formatHex(name))
            .doesNotContain("400c" + HexFormat.of().formatHex(name));
      }
    }
  }

  @Test
  void answersGatewayErrorsAsOnHttp1() throws Exception {
    TestUpstream a = upstream("a");
    Gateway gateway = start(Route.builder("limited").pathPrefix("/api")
        .upstream(upstreamOf("svc", a))
        .rateLimit(RateLimiters.inMemory(RateLimitPolicy.builder()
            .limit(Limit.perMinute(1)).build()).build())
        .build());
    try (Http2TestClient h2 = new Http2TestClient(gateway.port())) {
      FullHttpResponse missing = h2.send(get("/nowhere")).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      assertThat(missing.status().code()).isEqualTo(404);
      assertThat(missing.headers().get(HttpHeaderNames.CONTENT_TYPE)).startsWith("application/json");
      assertThat(body(missing)).contains("\"status\":404");

      FullHttpResponse first = h2.send(get("/api/id")).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      assertThat(first.status().code()).isEqualTo(200);
      assertThat(body(first)).isEqualTo("a");
      FullHttpResponse limited = h2.send(get("/api/id")).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      assertThat(limited.status().code()).isEqualTo(429);
      assertThat(limited.headers().get(HttpHeaderNames.RETRY_AFTER)).isNotNull();
      assertThat(limited.headers().get("ratelimit-remaining")).isEqualTo("0");
      body(limited);
      // The connection survives errors: another stream still works.
      FullHttpResponse again = h2.send(get("/nowhere")).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      assertThat(again.status().code()).isEqualTo(404);
      body(again);
    }
  }

  @Test
  void uploadsABodyLargerThanTheStreamWindowIntact() throws Exception {
    TestUpstream a = upstream("a");
    Gateway gateway = start(Gateway.builder()
        .http2Limits(Http2Limits.builder().initialWindowSize(65_535)
            .connectionWindowSize(65_535).build())
        .route(Route.builder("all").pathPrefix("/").upstream(upstreamOf("svc", a)).build()));
    byte[] payload = new byte[2 * 1024 * 1024 + 17];
    new java.util.Random(7).nextBytes(payload);
    String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(payload))
        + " " + payload.length;
    try (Http2TestClient h2 = new Http2TestClient(gateway.port())) {
      FullHttpRequest upload = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST,
          "/upload", Unpooled.wrappedBuffer(payload));
      upload.headers().set(HttpHeaderNames.HOST, "gateway.test");
      FullHttpResponse response = h2.send(upload).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      assertThat(response.status().code()).isEqualTo(200);
      assertThat(body(response)).isEqualTo(expected);
    }
  }

  @Test
  void aStreamWhoseReaderStallsDoesNotStallTheOthers() throws Exception {
    TestUpstream a = upstream("a");
    Gateway gateway = start(Route.builder("all").pathPrefix("/").upstream(upstreamOf("svc", a))
        .build());
    try (Http2TestClient h2 = new Http2TestClient(gateway.port())) {
      // A stream that asks for 8 MiB and never reads: its window (64 KiB) fills and stays full.
      AtomicLong stalledBytes = new AtomicLong();
      Http2StreamChannel stalled = h2.openStream(new ChannelInitializer<Http2StreamChannel>() {
        @Override
        protected void initChannel(Http2StreamChannel stream) {
          stream.config().setAutoRead(false);
          stream.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(false))
              .addLast(new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                  if (msg instanceof io.netty.handler.codec.http.HttpContent content) {
                    stalledBytes.addAndGet(content.content().readableBytes());
                  }
                  ReferenceCountUtil.release(msg);
                }
              });
        }
      }).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      stalled.writeAndFlush(get("/big")).sync();
      stalled.read(); // the response head and the first frames only
      // Meanwhile other streams on the same connection are served, big bodies included.
      for (int i = 0; i < 20; i++) {
        FullHttpResponse response = h2.send(get("/id")).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        assertThat(body(response)).isEqualTo("a");
      }
      FullHttpResponse big = h2.send(get("/big")).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      assertThat(big.content().readableBytes()).isEqualTo(TestUpstream.BIG_BODY_BYTES);
      big.release();
      // The stalled stream got at most its window's worth, not the 8 MiB.
      assertThat(stalledBytes.get()).isLessThan(TestUpstream.BIG_BODY_BYTES / 4);
      assertThat(stalled.isActive()).isTrue();
    }
  }

  @Test
  void drainingSendsGoAwayAndLetsTheOpenStreamFinish() throws Exception {
    TestUpstream a = upstream("a");
    Gateway gateway = closing(Gateway.builder().bindAddress("127.0.0.1").port(0)
        .shutdownTimeout(Duration.ofSeconds(10))
        .route(Route.builder("all").pathPrefix("/").upstream(upstreamOf("svc", a)).build())
        .build().start());
    try (Http2TestClient h2 = new Http2TestClient(gateway.port())) {
      CompletableFuture<FullHttpResponse> slow = h2.send(get("/slow"));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
      while (!a.slowRequestArrived() && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      assertThat(a.slowRequestArrived()).isTrue();
      CompletableFuture<Boolean> closed = CompletableFuture.supplyAsync(
          () -> gateway.shutdown(Duration.ofSeconds(10)));
      assertThat(h2.goAway.get(TIMEOUT_SECONDS, TimeUnit.SECONDS).errorCode())
          .isEqualTo(Http2Error.NO_ERROR.code());
      a.releaseSlow();
      FullHttpResponse response = slow.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      assertThat(response.status().code()).isEqualTo(200);
      assertThat(body(response)).isEqualTo("a");
      assertThat(closed.get(TIMEOUT_SECONDS, TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void connectionsThatSendNothingOrTrickleAPrefaceAreCutOff() throws Exception {
    TestUpstream a = upstream("a");
    Gateway gateway = start(Gateway.builder()
        .idleTimeout(Duration.ofMillis(400)).requestHeaderTimeout(Duration.ofMillis(400))
        .route(Route.builder("all").pathPrefix("/").upstream(upstreamOf("svc", a)).build()));
    try (java.net.Socket silent = new java.net.Socket("127.0.0.1", gateway.port());
        java.net.Socket trickle = new java.net.Socket("127.0.0.1", gateway.port())) {
      silent.setSoTimeout((int) TimeUnit.SECONDS.toMillis(TIMEOUT_SECONDS));
      trickle.setSoTimeout((int) TimeUnit.SECONDS.toMillis(TIMEOUT_SECONDS));
      trickle.getOutputStream().write("PRI * HTTP/2.0\r\n".getBytes(StandardCharsets.US_ASCII));
      trickle.getOutputStream().flush();
      // Both are closed by the gateway (end of stream), long before the read times out.
      assertThat(silent.getInputStream().readAllBytes()).isEmpty();
      assertThat(new String(trickle.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
          .startsWith("HTTP/1.1 408");
    }
  }

  @Test
  void cleartextHttp2CanBeTurnedOff() throws Exception {
    TestUpstream a = upstream("a");
    Gateway gateway = start(Gateway.builder().cleartextHttp2(false)
        .route(Route.builder("all").pathPrefix("/").upstream(upstreamOf("svc", a)).build()));
    try (Http2TestClient h2 = new Http2TestClient(gateway.port())) {
      // The preface is a malformed HTTP/1.1 request to a gateway that speaks only HTTP/1.1.
      CompletableFuture<FullHttpResponse> answer = h2.send(get("/id"));
      org.assertj.core.api.Assertions.assertThatThrownBy(
          () -> answer.get(TIMEOUT_SECONDS, TimeUnit.SECONDS))
          .isInstanceOf(java.util.concurrent.ExecutionException.class);
    }
    assertThat(a.requests.get()).isZero();
  }
}
