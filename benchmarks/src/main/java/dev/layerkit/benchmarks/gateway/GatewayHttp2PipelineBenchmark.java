package dev.layerkit.benchmarks.gateway;

import static dev.layerkit.benchmarks.gateway.EmbeddedConnections.API_KEY;
import static dev.layerkit.benchmarks.gateway.EmbeddedConnections.BODY;
import static dev.layerkit.benchmarks.gateway.EmbeddedConnections.RESPONSE;
import static dev.layerkit.benchmarks.gateway.EmbeddedConnections.direct;
import static dev.layerkit.benchmarks.gateway.EmbeddedConnections.drain;
import static dev.layerkit.benchmarks.gateway.EmbeddedConnections.drained;
import static dev.layerkit.benchmarks.gateway.EmbeddedConnections.text;

import dev.layerkit.benchmarks.gateway.EmbeddedConnections.ClientChannel;
import dev.layerkit.benchmarks.gateway.EmbeddedConnections.Relay;
import dev.layerkit.gateway.http.Gateway;
import dev.layerkit.gateway.http.internal.PipelineAccess;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The gateway's HTTP/2 proxy path without a network (issue 16): {@link GatewayPipelineBenchmark}
 * for a client that speaks HTTP/2 (cleartext, prior knowledge: no TLS, as there). Each operation
 * opens a stream with one HEADERS frame (h2load's {@code GET /} with the API key, ending the
 * stream), the gateway sends the upstream an HTTP/1.1 request on its pooled connection, the
 * upstream's bytes (nginx's {@code return 200}, a 100-byte body) go in, and the client's HEADERS
 * and DATA frames come out. {@code pipeline}:
 * <ul>
 *   <li>{@code gateway}: the gateway's pipelines, reached through {@link PipelineAccess};</li>
 *   <li>{@code codecs}: the least a Netty HTTP/2-to-HTTP/1.1 proxy does: Netty's frame codec and
 *       stream multiplexer, its frames-to-HTTP-objects codec on each stream, the HTTP/1.1 client
 *       codec upstream and two handlers that pass every message across unchanged;</li>
 *   <li>{@code frames}: the same proxy without a child channel per stream: one handler on the
 *       frame codec turns each HEADERS frame into an HTTP/1.1 request ({@link HttpConversionUtil})
 *       and writes the aggregated upstream response back as a HEADERS and a DATA frame of that
 *       stream. What {@code codecs} costs more than this is what {@link Http2MultiplexHandler}'s
 *       child channel (its pipeline, promises and frame-to-object conversions) costs per
 *       stream.</li>
 * </ul>
 * One stream at a time, so each operation also opens and closes a stream's child channel, as
 * every request of a real client does. The client's connection window is refilled as the
 * responses use it.
 *
 * <p>Run (after {@code ./mvnw -B -q package -pl benchmarks -am -DskipTests}): {@code java -jar
 * benchmarks/target/benchmarks.jar GatewayHttp2PipelineBenchmark -prof gc -rf json -rff
 * /tmp/gateway-h2-pipeline.json}, then {@code python3 benchmarks/jmh_table.py
 * /tmp/gateway-h2-pipeline.json codecs}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m", "-XX:+UseParallelGC",
    "-Dio.netty.leakDetection.level=disabled"})
@State(Scope.Thread)
public class GatewayHttp2PipelineBenchmark {

  private static final int HEADERS = 0x1;
  private static final int SETTINGS = 0x4;
  private static final int WINDOW_UPDATE = 0x8;
  private static final int DATA = 0x0;
  private static final int END_STREAM = 0x1;
  private static final int END_HEADERS = 0x4;
  /** Window bytes given back to the server at once, when the responses have used as many. */
  private static final int REFILL = 64 * 1024 * 1024;

  /** {@code gateway}, {@code codecs} or {@code frames} (see the class comment). */
  @Param({"gateway", "codecs", "frames"})
  public String pipeline;

  private Gateway gateway;
  private EmbeddedChannel client;
  private EmbeddedChannel upstream;
  private ByteBuf request;
  private ByteBuf response;
  private ByteBuf refill;
  /**
   * The next stream. Not 1: Netty's stream multiplexer takes a connection without a server
   * channel as parent (an {@link EmbeddedChannel}'s) for a client's, where stream 1 is the one an
   * HTTP/1.1 upgrade opened.
   */
  private int streamId = 3;
  private long windowUsed;

  /**
   * Builds the pipelines, opens the HTTP/2 connection and checks that one request goes through
   * and is answered.
   *
   * @throws Exception if the client channel cannot be registered
   */
  @Setup
  public void setUp() throws Exception {
    request = direct(frame(HEADERS, END_STREAM | END_HEADERS, 0, requestBlock()));
    response = direct(RESPONSE);
    refill = direct(frame(WINDOW_UPDATE, 0, 0, new byte[] {
        (byte) (REFILL >>> 24), (byte) (REFILL >>> 16), (byte) (REFILL >>> 8), (byte) REFILL}));
    if (pipeline.equals("gateway")) {
      EmbeddedConnections.GatewayPipelines pipelines = EmbeddedConnections.gatewayPipelines();
      gateway = pipelines.gateway();
      upstream = pipelines.upstream();
      client = new ClientChannel(pipelines.clientInitializer());
    } else if (pipeline.equals("frames")) {
      FramesToClient toClient = new FramesToClient();
      upstream = new EmbeddedChannel(new HttpClientCodec(), new HttpObjectAggregator(BODY.length()),
          toClient);
      client = new ClientChannel(Http2FrameCodecBuilder.forServer().build(),
          new FramesToUpstream(toClient, upstream));
    } else {
      Relay toClient = new Relay();
      upstream = new EmbeddedChannel(new HttpClientCodec(), toClient);
      client = new ClientChannel(Http2FrameCodecBuilder.forServer().build(),
          new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel stream) {
              stream.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(true), new Relay() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                  if (msg instanceof HttpRequest) {
                    toClient.target = ctx.channel(); // the response goes to this stream
                  }
                  super.channelRead(ctx, msg);
                }
              }.to(upstream));
            }
          }));
    }
    client.config().setAutoRead(false);
    client.register();
    byte[] preface = ByteBufUtil.getBytes(Http2CodecUtil.connectionPrefaceBuf());
    client.writeInbound(direct(concat(preface, frame(SETTINGS, 0, 0, new byte[0]))));
    drain(client, null); // the server's SETTINGS
    client.writeInbound(direct(frame(SETTINGS, 0x1, 0, new byte[0]))); // its ACK
    client.writeInbound(refill.retainedDuplicate());
    drain(client, null); // the ACK of ours
    String sent = text(upstreamRequest());
    Http2Headers head = checkResponse(drained(client));
    if (!sent.startsWith("GET / HTTP/1.1\r\n") || !"200".contentEquals(head.status())
        || (pipeline.equals("gateway") && !head.contains("x-request-id"))) {
      throw new IllegalStateException("the " + pipeline + " pipeline did not proxy the request:\n"
          + sent + "\n---\n" + head);
    }
  }

  /** Closes the channels and the gateway, and releases the buffers. */
  @TearDown
  public void tearDown() {
    EmbeddedConnections.close(client, upstream, gateway, request, response, refill);
  }

  /**
   * One stream: its request and response, through the client and the upstream connection.
   *
   * @return the bytes written to the upstream and to the client
   */
  @Benchmark
  public int roundTrip() {
    client.writeInbound(nextRequest());
    int bytes = drain(upstream, null);
    upstream.writeInbound(response.retainedDuplicate());
    windowUsed += BODY.length();
    if (windowUsed >= REFILL) {
      windowUsed = 0;
      client.writeInbound(refill.retainedDuplicate());
    }
    client.runPendingTasks(); // the gateway's consolidated flush runs as a task
    return bytes + drain(client, null);
  }

  /** The {@code frames} arm's request side: each HEADERS frame as an HTTP/1.1 request upstream. */
  private static final class FramesToUpstream extends ChannelInboundHandlerAdapter {
    private final FramesToClient toClient;
    private final EmbeddedChannel upstream;

    FramesToUpstream(FramesToClient toClient, EmbeddedChannel upstream) {
      this.toClient = toClient;
      this.upstream = upstream;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
      if (msg instanceof Http2HeadersFrame headers) {
        toClient.stream = headers.stream();
        toClient.client = ctx;
        upstream.write(HttpConversionUtil.toHttpRequest(headers.stream().id(), headers.headers(),
            true));
        upstream.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
      } else {
        ReferenceCountUtil.release(msg); // SETTINGS and WINDOW_UPDATE: the codec acted on them
      }
    }
  }

  /**
   * The {@code frames} arm's response side: the upstream's aggregated response, as the frames of
   * the stream whose request it answers (one at a time here, as in every arm).
   */
  private static final class FramesToClient extends ChannelInboundHandlerAdapter {
    private Http2FrameStream stream;
    private ChannelHandlerContext client;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
      FullHttpResponse response = (FullHttpResponse) msg;
      Http2Headers headers = HttpConversionUtil.toHttp2Headers(response, true);
      client.write(new DefaultHttp2HeadersFrame(headers).stream(stream));
      client.writeAndFlush(new DefaultHttp2DataFrame(response.content(), true).stream(stream));
    }
  }

  private ByteBuf nextRequest() {
    request.setInt(5, streamId);
    streamId += 2;
    return request.retainedDuplicate();
  }

  private ByteBuf upstreamRequest() {
    client.writeInbound(nextRequest());
    client.runPendingTasks();
    return drained(upstream);
  }

  /** The response's headers, after checking that its DATA frames end the stream with the body. */
  private Http2Headers checkResponse(ByteBuf frames) throws Exception {
    try {
      upstream.writeInbound(response.retainedDuplicate());
      client.runPendingTasks();
      ByteBuf answer = drained(client);
      frames.writeBytes(answer);
      answer.release();
      Http2Headers head = null;
      StringBuilder body = new StringBuilder();
      boolean ended = false;
      DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(true);
      while (frames.readableBytes() >= 9) {
        int length = frames.readUnsignedMedium();
        int type = frames.readUnsignedByte();
        int flags = frames.readUnsignedByte();
        frames.readInt(); // the stream
        ByteBuf payload = frames.readSlice(length);
        if (type == HEADERS) {
          head = decoder.decodeHeaders(3, payload);
        } else if (type == DATA) {
          body.append(payload.toString(StandardCharsets.US_ASCII));
          ended |= (flags & END_STREAM) != 0;
        }
      }
      if (head == null || !ended || !body.toString().equals(BODY)) {
        throw new IllegalStateException("the " + pipeline + " pipeline answered " + head
            + " with body '" + body + "', ended: " + ended);
      }
      return head;
    } finally {
      frames.release();
    }
  }

  /**
   * h2load's request as one HPACK block: {@code :method GET}, {@code :scheme http}, {@code :path
   * /} from the static table, {@code :authority} and {@code x-api-key} as literals not indexed,
   * so every stream's block is the same bytes.
   */
  private static byte[] requestBlock() {
    ByteArrayOutputStream block = new ByteArrayOutputStream();
    block.write(0x82);
    block.write(0x86);
    block.write(0x84);
    block.write(0x01); // literal without indexing, name :authority (static index 1)
    literal(block, "127.0.0.1:8080");
    block.write(0x00); // literal without indexing, new name
    literal(block, "x-api-key");
    literal(block, API_KEY);
    return block.toByteArray();
  }

  private static void literal(ByteArrayOutputStream out, String text) {
    byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
    out.write(bytes.length); // no Huffman coding, under 127 bytes
    out.writeBytes(bytes);
  }

  private static byte[] frame(int type, int flags, int stream, byte[] payload) {
    ByteArrayOutputStream frame = new ByteArrayOutputStream();
    frame.write(payload.length >>> 16);
    frame.write(payload.length >>> 8);
    frame.write(payload.length);
    frame.write(type);
    frame.write(flags);
    frame.writeBytes(new byte[] {(byte) (stream >>> 24), (byte) (stream >>> 16),
        (byte) (stream >>> 8), (byte) stream});
    frame.writeBytes(payload);
    return frame.toByteArray();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] both = new byte[a.length + b.length];
    System.arraycopy(a, 0, both, 0, a.length);
    System.arraycopy(b, 0, both, a.length, b.length);
    return both;
  }
}
