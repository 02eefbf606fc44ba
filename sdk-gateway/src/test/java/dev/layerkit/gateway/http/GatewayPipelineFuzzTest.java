package dev.layerkit.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.layerkit.core.time.ManualTimeSource;
import dev.layerkit.gateway.lb.Endpoint;
import dev.layerkit.gateway.lb.EndpointSource;
import dev.layerkit.gateway.lb.LoadBalancers;
import dev.layerkit.gateway.ratelimit.Limit;
import dev.layerkit.gateway.ratelimit.RateLimitPolicy;
import dev.layerkit.gateway.ratelimit.RateLimiters;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.UnpooledHeapByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.local.LocalServerChannel;
import io.netty.util.ResourceLeakDetector;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.LoggerFactory;

/**
 * Fuzzes the gateway's server pipeline with raw bytes from a client: the cleartext protocol
 * detector, then HTTP/1.1 (codec, timeouts, expect-continue, the filter chain: routing by prefix,
 * glob, host and header, CORS, JWT and API-key authentication, rate limiting) or HTTP/2 with
 * prior knowledge (frame codec, stream multiplexer, the same handlers per stream). The pipeline
 * is the one {@link ClientChannelInitializer} builds for a running gateway, on an {@link
 * EmbeddedChannel}; routes that would forward reach an upstream whose only endpoint has an open
 * circuit, so every request is answered in the pipeline without a network.
 *
 * <p>In a normal test run Jazzer replays the committed inputs under {@code
 * GatewayPipelineFuzzTestInputs/}; RELIABILITY.md has the command for a fuzzing run.
 */
class GatewayPipelineFuzzTest {

  static {
    // Every buffer is tracked with its access records; the allocator below also counts them.
    ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
    // Exceptions that reach a connection's handler are found by its DEBUG line
    // (src/test/resources/simplelogger.properties turns it on): refuse to run without it.
    if (!LoggerFactory.getLogger(ClientHandler.class).isDebugEnabled()
        || !LoggerFactory.getLogger(Http2ConnectionGuard.class).isDebugEnabled()) {
      throw new IllegalStateException("ClientHandler and Http2ConnectionGuard must log at DEBUG");
    }
  }

  private static final Pattern STATUS_LINE = Pattern.compile("(?m)^HTTP/1\\.[01] (\\d{3}) ");
  private static final Pattern FAILURE_LOG =
      Pattern.compile("(ClientHandler - client connection .* failed|HTTP/2 connection .* failed \\(INTERNAL_ERROR\\))");
  private static final String SECRET = "0123456789abcdef0123456789abcdef-fuzz";
  private static final ManualTimeSource TIME = new ManualTimeSource();
  /** The clients' parent: HTTP/2's multiplexer takes a connection without a server channel for a client's. */
  private static final Channel SERVER = new LocalServerChannel();
  private static final Gateway GATEWAY = startGateway();
  private static final UpstreamConnector CONNECTOR =
      new UpstreamConnector(Transport.NIO, TIME, Gateway.DEFAULT_ALLOCATOR);

  private static Gateway startGateway() {
    Endpoint endpoint = Endpoint.of("127.0.0.1", 9); // never connected to: its circuit is open
    Upstream upstream = Upstream.of("fuzz", LoadBalancers.roundRobin().serviceName("fuzz")
        .endpointSource(EndpointSource.of(endpoint)).build());
    upstream.circuitBreaker(endpoint).transitionToForcedOpenState();
    JwtAuth jwt = Auth.jwt().hmacSecret(SECRET.getBytes(StandardCharsets.UTF_8))
        .issuer("https://id.example.com").audience("orders").timeSource(TIME).build();
    Gateway gateway = Gateway.builder().bindAddress("127.0.0.1").port(0).workerThreads(1)
        .timeSource(TIME).meterRegistry(new SimpleMeterRegistry()).cleartextHttp2(true)
        .maxInitialLineLength(1024).maxHeaderSize(2048).maxBodySize(256)
        .route(Route.builder("orders").pathPrefix("/orders").methods("GET", "POST")
            .auth(jwt).rateLimit(RateLimiters.inMemory(RateLimitPolicy.of(Limit.of(1_000_000,
                Duration.ofSeconds(1)))).timeSource(TIME).build())
            .cors(CorsPolicy.builder().allowedOrigins("https://shop.example.com").build())
            .upstream(upstream).build())
        .route(Route.builder("keys").pathGlob("/k/*/items/**")
            .auth(Auth.apiKeys().addKey("fuzz", "k-0123456789abcdef").build())
            .upstream(upstream).build())
        .route(Route.builder("hosted").host("*.example.com").header("X-Tenant", "a")
            .pathPrefix("/api").rewritePath("/api/{version}/{rest*}", "/{rest*}")
            .upstream(upstream).build())
        .route(Route.builder("open").pathPrefix("/").upstream(upstream).build())
        .build();
    // A connection of a gateway that is not running closes after each answer.
    return gateway.start();
  }

  /**
   * Any bytes from a client end in the gateway's own answers (a 4xx, or the 503 of the open
   * circuit), a protocol-level refusal, or a close: never an exception reaching the end of the
   * pipeline, never a 500 or a stack trace, and no buffer left unreleased once the connection is
   * closed.
   */
  @FuzzTest(maxDuration = "2m")
  void anyBytesGetAnAnswerOrACloseAndNeverAnExceptionOrALeak(byte[] input) throws Exception {
    CountingAllocator allocator = new CountingAllocator();
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    PrintStream originalErr = System.err;
    String written;
    System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
    try {
      EmbeddedClient channel =
          new EmbeddedClient(SERVER, new ClientChannelInitializer(GATEWAY, CONNECTOR));
      channel.config().setAllocator(allocator).setAutoRead(false);
      channel.register();
      // Two reads, split in the middle, so that a message cut across reads is exercised too.
      int half = input.length / 2;
      channel.writeInbound(allocator.buffer(half).writeBytes(input, 0, half));
      if (channel.isOpen()) {
        channel.writeInbound(allocator.buffer(input.length - half)
            .writeBytes(input, half, input.length - half));
      }
      channel.runPendingTasks();
      written = EmbeddedBytes.drain(channel);
      channel.checkException(); // rethrows anything that reached the pipeline's tail
      channel.finishAndReleaseAll();
      written += EmbeddedBytes.drain(channel);
    } finally {
      System.setErr(originalErr);
    }
    String printed = log.toString(StandardCharsets.UTF_8);
    assertThat(FAILURE_LOG.matcher(printed).find())
        .as("an exception reached a connection's handler:%n%s", printed).isFalse();
    assertThat(written).doesNotContain("Exception").doesNotContain("\tat ")
        .doesNotContain(".java:");
    Matcher status = STATUS_LINE.matcher(written);
    while (status.find()) {
      int code = Integer.parseInt(status.group(1));
      int headEnd = written.indexOf("\r\n\r\n", status.start());
      String head = written.substring(status.start(), headEnd < 0 ? written.length() : headEnd)
          .toLowerCase(Locale.ROOT);
      if (code == 200) {
        // A gRPC call fails with HTTP 200 and its status in grpc-status (trailers-only).
        assertThat(head).as("a 200 is only a gRPC error:%n%s", written)
            .contains("content-type: application/grpc").containsPattern("grpc-status: [1-9]");
      } else {
        assertThat(code).as("status in:%n%s", written).satisfiesAnyOf(
            c -> assertThat(c).isBetween(400, 499),
            c -> assertThat(c).isIn(100, 204, 503));
      }
    }
    assertThat(allocator.unreleased()).as("buffers not released after the connection closed")
        .isEmpty();
  }

  /**
   * Unpooled heap buffers that are all remembered, so that a test can ask which are still
   * referenced: a leak is then found at once, not at the next garbage collection.
   */
  private static final class CountingAllocator extends AbstractByteBufAllocator {
    private final List<ByteBuf> allocated = new ArrayList<>();

    CountingAllocator() {
      super(false);
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
      ByteBuf buffer = new UnpooledHeapByteBuf(this, initialCapacity, maxCapacity);
      allocated.add(buffer);
      return buffer;
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
      return newHeapBuffer(initialCapacity, maxCapacity);
    }

    @Override
    public CompositeByteBuf compositeHeapBuffer(int maxNumComponents) {
      CompositeByteBuf buffer = super.compositeHeapBuffer(maxNumComponents);
      allocated.add(buffer);
      return buffer;
    }

    @Override
    public CompositeByteBuf compositeDirectBuffer(int maxNumComponents) {
      return compositeHeapBuffer(maxNumComponents);
    }

    @Override
    public boolean isDirectBufferPooled() {
      return false;
    }

    List<ByteBuf> unreleased() {
      List<ByteBuf> live = new ArrayList<>();
      for (ByteBuf buffer : allocated) {
        if (buffer.refCnt() > 0) {
          live.add(buffer);
        }
      }
      return live;
    }
  }
}
