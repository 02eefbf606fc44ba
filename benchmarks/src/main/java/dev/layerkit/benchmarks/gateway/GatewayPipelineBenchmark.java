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
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpServerCodec;
import java.util.Locale;
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
 * The gateway's HTTP/1.1 proxy path without a network (issue 23): one keep-alive request through
 * the pipelines a running gateway builds, on Netty's {@link EmbeddedChannel}s, on one thread.
 * Raw request bytes go into the client connection, the upstream request's bytes come out of the
 * pooled upstream connection, the upstream's response bytes go into it and the client's response
 * bytes come out. The request is {@code run.sh}'s (wrk's {@code GET /} with a {@code Host} and the
 * API key), the response nginx's {@code return 200} with its 100-byte body; the gateway is {@link
 * GatewayBenchServer}'s (API-key auth, a rate limit that never denies, round robin over one
 * endpoint). {@code pipeline}:
 * <ul>
 *   <li>{@code gateway}: the gateway's pipelines, reached through {@link PipelineAccess};</li>
 *   <li>{@code codecs}: the baseline, the least a Netty HTTP/1.1 proxy does: the same server and
 *       client codecs and two handlers that pass every message across unchanged. The difference is
 *       the gateway's own work (filters, header rewriting, request id, exchange, metrics).</li>
 * </ul>
 * No syscalls, no event-loop wake-ups, no TLS: what is left is the Java work a request costs, and
 * with {@code -prof gc} what it allocates.
 *
 * <p>Run (after {@code ./mvnw -B -q package -pl benchmarks -am -DskipTests}): {@code java -jar
 * benchmarks/target/benchmarks.jar GatewayPipelineBenchmark -prof gc -rf json -rff
 * /tmp/gateway-pipeline.json}, then {@code python3 benchmarks/jmh_table.py
 * /tmp/gateway-pipeline.json codecs}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m", "-XX:+UseParallelGC",
    "-Dio.netty.leakDetection.level=disabled"})
@State(Scope.Thread)
public class GatewayPipelineBenchmark {

  /** What wrk sends in {@code run.sh}. */
  private static final String REQUEST = "GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"
      + "X-API-Key: " + API_KEY + "\r\n\r\n";

  /** {@code gateway} or {@code codecs} (see the class comment). */
  @Param({"gateway", "codecs"})
  public String pipeline;

  private Gateway gateway;
  private EmbeddedChannel client;
  private EmbeddedChannel upstream;
  private ByteBuf request;
  private ByteBuf response;

  /**
   * Builds the pipelines and checks that one request goes through and is answered.
   *
   * @throws Exception if the client channel cannot be registered
   */
  @Setup
  public void setUp() throws Exception {
    request = direct(REQUEST);
    response = direct(RESPONSE);
    if (pipeline.equals("gateway")) {
      EmbeddedConnections.GatewayPipelines pipelines = EmbeddedConnections.gatewayPipelines();
      gateway = pipelines.gateway();
      upstream = pipelines.upstream();
      client = new ClientChannel(pipelines.clientInitializer());
    } else {
      Relay toUpstream = new Relay();
      Relay toClient = new Relay();
      upstream = new EmbeddedChannel(new HttpClientCodec(), toClient);
      client = new ClientChannel(new HttpServerCodec(), toUpstream);
      toUpstream.target = upstream;
      toClient.target = client;
    }
    client.config().setAutoRead(false);
    client.register();
    String sent = text(upstreamRequest());
    String answered = text(clientResponse());
    if (!sent.startsWith("GET / HTTP/1.1\r\n") || !answered.startsWith("HTTP/1.1 200 OK\r\n")
        || !answered.endsWith(BODY)
        || (pipeline.equals("gateway") && !answered.toLowerCase(Locale.ROOT).contains("x-request-id: "))) {
      throw new IllegalStateException("the " + pipeline + " pipeline did not proxy the request:\n"
          + sent + "\n---\n" + answered);
    }
  }

  /** Closes the channels and the gateway, and releases the buffers. */
  @TearDown
  public void tearDown() {
    EmbeddedConnections.close(client, upstream, gateway, request, response);
  }

  /**
   * One request and its response, through the client and the upstream connection.
   *
   * @return the bytes written to the upstream and to the client
   */
  @Benchmark
  public int roundTrip() {
    client.writeInbound(request.retainedDuplicate());
    int bytes = drain(upstream, null);
    upstream.writeInbound(response.retainedDuplicate());
    return bytes + drain(client, null);
  }

  private ByteBuf upstreamRequest() {
    client.writeInbound(request.retainedDuplicate());
    return drained(upstream);
  }

  private ByteBuf clientResponse() {
    upstream.writeInbound(response.retainedDuplicate());
    return drained(client);
  }
}
