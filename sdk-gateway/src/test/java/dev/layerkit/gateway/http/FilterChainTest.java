package dev.layerkit.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.core.time.ManualTimeSource;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The connection's filter chain on an embedded channel: filters that complete after they
 * return (as an asynchronous rate limiter will), the order they run in, and what the connection
 * does with the bytes it reads meanwhile.
 */
class FilterChainTest {

  // Started, since a connection of a gateway that is not running closes after each answer.
  private final Gateway gateway = Gateway.builder().bindAddress("127.0.0.1").port(0)
      .workerThreads(1).timeSource(new ManualTimeSource()).build().start();
  private final List<String> ran = new ArrayList<>();
  private final List<CompletableFuture<Void>> waiting = new ArrayList<>();
  private EmbeddedChannel channel;

  @AfterEach
  void close() {
    if (channel != null) {
      channel.finishAndReleaseAll();
    }
    gateway.close();
  }

  /** Records its name, then passes the request on once its future completes. */
  private GatewayFilter waitsFor(String name) {
    return request -> {
      ran.add(name + " " + request.view.path());
      CompletableFuture<Void> later = new CompletableFuture<>();
      waiting.add(later);
      later.thenRun(request::proceed);
    };
  }

  private GatewayFilter answers(int status) {
    return request -> {
      ran.add("answer " + request.view.path());
      request.fail(status, "answered by the test filter");
    };
  }

  private void start(GatewayFilter... filters) {
    ClientTimeouts timeouts = new ClientTimeouts(new ManualTimeSource(), Long.MAX_VALUE,
        Long.MAX_VALUE);
    channel = new EmbeddedChannel(new HttpServerCodec(),
        new ClientHandler(gateway, new UpstreamConnector(Transport.NIO,
            new ManualTimeSource(), Gateway.DEFAULT_ALLOCATOR), timeouts, List.of(filters))) {
      @Override
      protected SocketAddress remoteAddress0() {
        return new InetSocketAddress("192.0.2.1", 40_000); // the handler reads a client address
      }
    };
  }

  private void send(String text) {
    channel.writeInbound(Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1));
  }

  private String written() {
    StringBuilder out = new StringBuilder();
    Object msg;
    while ((msg = channel.readOutbound()) != null) {
      ByteBuf bytes = (ByteBuf) msg;
      out.append(bytes.toString(StandardCharsets.ISO_8859_1));
      bytes.release();
    }
    return out.toString();
  }

  @Test
  void aFilterThatCompletesLaterHoldsPipelinedRequestsUntilTheFirstIsAnswered() {
    start(waitsFor("limiter"), answers(418));

    send("GET /one HTTP/1.1\r\nHost: x\r\n\r\nGET /two HTTP/1.1\r\nHost: x\r\n\r\n");

    assertThat(ran).containsExactly("limiter /one");
    assertThat(written()).isEmpty();

    waiting.get(0).complete(null);

    // /one is answered, then /two (held while /one was in the filters) starts its own chain.
    assertThat(ran).containsExactly("limiter /one", "answer /one", "limiter /two");
    assertThat(written()).startsWith("HTTP/1.1 418").contains("answered by the test filter");

    waiting.get(1).complete(null);

    assertThat(ran).endsWith("answer /two");
    assertThat(written()).startsWith("HTTP/1.1 418");
    assertThat(channel.isActive()).isTrue();
  }

  @Test
  void filtersRunInTheirOrderAndTheFirstAnswerEndsTheChain() {
    start(waitsFor("first"), waitsFor("second"), answers(403), answers(500));

    send("GET /x HTTP/1.1\r\nHost: x\r\n\r\n");
    waiting.get(0).complete(null);
    waiting.get(1).complete(null);

    assertThat(ran).containsExactly("first /x", "second /x", "answer /x");
    assertThat(written()).startsWith("HTTP/1.1 403");
  }

  @Test
  void aBodyReadWhileTheFiltersWaitIsDroppedAfterTheAnswerAndTheConnectionCloses() {
    start(waitsFor("auth"), answers(401));

    send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
    assertThat(written()).isEmpty();
    waiting.get(0).complete(null);

    // An unread body cannot be skipped safely on a kept connection: the answer closes it.
    assertThat(written()).startsWith("HTTP/1.1 401").containsIgnoringCase("connection: close");
    channel.runPendingTasks();
    assertThat(channel.isActive()).isFalse();
  }

  @Test
  void aFilterWhoseConnectionClosedMeanwhileIsNotAnswered() {
    start(waitsFor("slow"), answers(200));

    send("GET /gone HTTP/1.1\r\nHost: x\r\n\r\n");
    channel.close();
    waiting.get(0).complete(null);

    assertThat(ran).containsExactly("slow /gone");
  }

  @Test
  void aFilterThatThrowsIsA500() {
    start(request -> {
      throw new IllegalStateException("bug");
    });

    send("GET /x HTTP/1.1\r\nHost: x\r\n\r\n");

    assertThat(written()).startsWith("HTTP/1.1 500").contains("gateway filter failed");
  }

  @Test
  void aFilterThatThrowsAfterAnsweringClosesTheConnectionInsteadOfAnsweringTwice() {
    start(request -> {
      request.fail(409, "answered first");
      throw new IllegalStateException("bug after the answer");
    });

    send("GET /x HTTP/1.1\r\nHost: x\r\n\r\n");
    channel.runPendingTasks();

    assertThat(written()).startsWith("HTTP/1.1 409").doesNotContain("HTTP/1.1 500");
    assertThat(channel.isActive()).isFalse();
  }
}
