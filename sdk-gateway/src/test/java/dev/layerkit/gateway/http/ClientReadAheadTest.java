package dev.layerkit.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.gateway.http.internal.PipelineAccess;
import dev.layerkit.gateway.lb.Endpoint;
import dev.layerkit.gateway.lb.EndpointSource;
import dev.layerkit.gateway.lb.LoadBalancers;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A client connection's reads while its request is proxied, on the gateway's real pipelines
 * ({@link PipelineAccess}, the benchmarks' harness) over embedded channels: once a request is all
 * read the connection asks for its next read at once, so that the native transport's read
 * interest stays registered (no epoll_ctl per request), and what that read brings early is held
 * and answered in order.
 */
class ClientReadAheadTest {

  private static final String OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

  private Gateway gateway;
  private EmbeddedChannel upstream;
  private EmbeddedClient client;
  private ReadCounter reads;

  @BeforeEach
  void setUp() throws Exception {
    Endpoint endpoint = Endpoint.of("127.0.0.1", 9); // never connected to: the pool has a channel
    Upstream target = Upstream.of("svc", LoadBalancers.roundRobin().serviceName("svc")
        .endpointSource(EndpointSource.of(endpoint)).build());
    gateway = Gateway.builder().bindAddress("127.0.0.1").port(0).workerThreads(1)
        .meterRegistry(new SimpleMeterRegistry())
        .route(Route.builder("all").pathPrefix("/").upstream(target).build())
        .build().start();
    PipelineAccess.Harness harness = PipelineAccess.harness(gateway);
    upstream = new EmbeddedChannel();
    harness.addIdleUpstreamConnection(target, endpoint, upstream);
    reads = new ReadCounter();
    client = new EmbeddedClient();
    client.pipeline().addLast(reads, harness.clientInitializer());
    client.config().setAutoRead(false);
    client.register();
  }

  @AfterEach
  void tearDown() {
    client.finishAndReleaseAll();
    upstream.finishAndReleaseAll();
    gateway.close();
  }

  @Test
  void asksForTheNextReadAsSoonAsTheRequestIsAllReadNotAfterTheResponse() {
    client.writeInbound(EmbeddedBytes.bytes("GET /a HTTP/1.1\r\nHost: h\r\n\r\n"));
    EmbeddedBytes.drain(upstream);
    upstream.writeInbound(EmbeddedBytes.bytes(OK));
    assertThat(EmbeddedBytes.drain(client)).startsWith("HTTP/1.1 200 OK\r\n");
    int readsBefore = reads.count; // the connection is waiting for its next request

    client.writeInbound(EmbeddedBytes.bytes("GET /b HTTP/1.1\r\nHost: h\r\n\r\n")); // a request head, all read
    assertThat(requestLines(EmbeddedBytes.drain(upstream))).containsExactly("GET /b HTTP/1.1");

    // No response yet: the next read is already asked for.
    assertThat(reads.count).isGreaterThan(readsBefore);
  }

  @Test
  void aRequestReadWhileTheFirstIsProxiedIsHeldAndAnsweredAfterIt() {
    client.writeInbound(EmbeddedBytes.bytes("GET /first HTTP/1.1\r\nHost: h\r\n\r\n"));
    assertThat(requestLines(EmbeddedBytes.drain(upstream))).containsExactly("GET /first HTTP/1.1");

    // What the read asked for early brings: the client's next request, pipelined.
    client.writeInbound(EmbeddedBytes.bytes("GET /second HTTP/1.1\r\nHost: h\r\n\r\n"));
    assertThat(EmbeddedBytes.drain(upstream)).as("held until the first response is done").isEmpty();
    assertThat(EmbeddedBytes.drain(client)).isEmpty();

    upstream.writeInbound(EmbeddedBytes.bytes(OK));
    String first = EmbeddedBytes.drain(client);
    assertThat(first).startsWith("HTTP/1.1 200 OK\r\n").endsWith("ok");
    assertThat(requestLines(EmbeddedBytes.drain(upstream))).containsExactly("GET /second HTTP/1.1");

    upstream.writeInbound(EmbeddedBytes.bytes(OK));
    assertThat(EmbeddedBytes.drain(client)).startsWith("HTTP/1.1 200 OK\r\n").endsWith("ok");
  }

  @Test
  void twoRequestsInOneReadAreProxiedOneAfterTheOther() {
    client.writeInbound(EmbeddedBytes.bytes("GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n"));
    assertThat(requestLines(EmbeddedBytes.drain(upstream))).containsExactly("GET /1 HTTP/1.1");

    upstream.writeInbound(EmbeddedBytes.bytes(OK));
    assertThat(EmbeddedBytes.drain(client)).startsWith("HTTP/1.1 200 OK\r\n");
    assertThat(requestLines(EmbeddedBytes.drain(upstream))).containsExactly("GET /2 HTTP/1.1");
    upstream.writeInbound(EmbeddedBytes.bytes(OK));
    assertThat(EmbeddedBytes.drain(client)).startsWith("HTTP/1.1 200 OK\r\n");
  }

  private static java.util.List<String> requestLines(String bytes) {
    Matcher line = Pattern.compile("(?m)^(GET \\S+ HTTP/1\\.1)$").matcher(bytes);
    java.util.List<String> lines = new java.util.ArrayList<>();
    while (line.find()) {
      lines.add(line.group(1));
    }
    return lines;
  }

  /** Counts the reads the pipeline asks the channel for. */
  private static final class ReadCounter extends ChannelOutboundHandlerAdapter {
    int count;

    @Override
    public void read(ChannelHandlerContext ctx) {
      count++;
      ctx.read();
    }
  }
}
