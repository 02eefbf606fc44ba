package dev.layerkit.benchmarks;

import com.sun.net.httpserver.HttpServer;
import dev.layerkit.core.codec.Codec;
import dev.layerkit.core.codec.Codecs;
import dev.layerkit.gateway.lb.Endpoint;
import dev.layerkit.gateway.lb.EndpointSource;
import dev.layerkit.service.ServiceClient;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One JSON GET through {@link ServiceClient} against the bare {@code java.net.http.HttpClient} call
 * it is built on, blocking ({@code send}) and asynchronous ({@code sendAsync}) pairs, to the same upstream (a JDK {@code HttpServer} on a loopback port answering a
 * 40-byte JSON object) in the same run: the difference is what the balancer pick and feedback,
 * the retry policy, the budget, the deadline timer, the deadline header and the typed-error
 * checks cost per call. The upstream runs with {@code -Dsun.net.httpserver.nodelay=true}. Both use the same {@code HttpClient} (HTTP/1.1, as the upstream speaks)
 * and decode with the same sdk-core JSON codec.
 *
 * <p>On a machine with two or fewer cores the asynchronous pair is slow for a reason of the JDK's:
 * {@code sendAsync} completes its future through {@code CompletableFuture}'s default executor,
 * which there is a new thread per task; add
 * {@code -jvmArgsAppend "-Dsun.net.httpserver.nodelay=true -Djava.util.concurrent.ForkJoinPool.common.parallelism=2"}
 * to see the pair without it.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar ServiceClientBenchmark -prof gc}
 * (after {@code ./mvnw -B -q package -pl benchmarks -am -DskipTests}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
// The JDK server writes headers and body apart; without TCP_NODELAY, Nagle and delayed ACKs add
// 40 ms to every call and hide everything measured here.
@Fork(value = 1, jvmArgsAppend = "-Dsun.net.httpserver.nodelay=true")
public class ServiceClientBenchmark {

  /** The upstream's answer. */
  public record Stock(String sku, int available, long version) {}

  private static final byte[] BODY = "{\"sku\":\"A-100\",\"available\":42,\"version\":7}"
      .getBytes(StandardCharsets.UTF_8);

  private final Codec<Stock> codec = Codecs.json(Stock.class);
  private HttpServer upstream;
  private ExecutorService upstreamThreads;
  private HttpClient http;
  private HttpRequest rawRequest;
  private ServiceClient client;

  /** Starts the upstream and both clients; not measured. */
  @Setup
  public void setUp() throws IOException {
    upstreamThreads = Executors.newFixedThreadPool(4);
    upstream = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
    upstream.createContext("/", exchange -> {
      exchange.getRequestBody().readAllBytes();
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, BODY.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(BODY);
      }
    });
    upstream.setExecutor(upstreamThreads);
    upstream.start();
    int port = upstream.getAddress().getPort();
    http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(1)).build();
    rawRequest = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/stock/A-100"))
        .timeout(Duration.ofSeconds(2))
        .header("Accept", "application/json")
        .GET()
        .build();
    client = ServiceClient.builder("inventory")
        .endpointSource(EndpointSource.of(Endpoint.of("127.0.0.1", port)))
        .httpClient(http)
        .build();
  }

  /** Stops the upstream and closes the client. */
  @TearDown
  public void tearDown() {
    client.close();
    upstream.stop(0);
    upstreamThreads.shutdownNow();
  }

  /**
   * The anchor: the bare JDK client call and the same JSON decode.
   *
   * @return the decoded answer
   * @throws Exception if the call fails
   */
  @Benchmark
  public Stock rawHttpClient() throws Exception {
    HttpResponse<byte[]> response = http.send(rawRequest, HttpResponse.BodyHandlers.ofByteArray());
    if (response.statusCode() != 200) {
      throw new IllegalStateException("status " + response.statusCode());
    }
    return codec.decode(response.body());
  }

  /**
   * The bare JDK client's asynchronous call, joined: what {@link ServiceClient} is built on.
   *
   * @return the decoded answer
   */
  @Benchmark
  public Stock rawHttpClientAsync() {
    HttpResponse<byte[]> response = http.sendAsync(rawRequest, HttpResponse.BodyHandlers.ofByteArray()).join();
    if (response.statusCode() != 200) {
      throw new IllegalStateException("status " + response.statusCode());
    }
    return codec.decode(response.body());
  }

  /**
   * The same call through {@link ServiceClient}.
   *
   * @return the decoded answer
   */
  @Benchmark
  public Stock serviceClient() {
    return client.get("/stock/A-100", codec);
  }

  /**
   * The same call through {@link ServiceClient#getAsync}, joined: beside
   * {@link #rawHttpClientAsync()}.
   *
   * @return the decoded answer
   */
  @Benchmark
  public Stock serviceClientAsync() {
    return client.getAsync("/stock/A-100", codec).join();
  }
}
