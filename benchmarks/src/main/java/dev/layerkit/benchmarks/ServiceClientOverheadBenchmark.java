package dev.layerkit.benchmarks;

import dev.layerkit.benchmarks.ServiceClientBenchmark.Stock;
import dev.layerkit.core.codec.Codec;
import dev.layerkit.core.codec.Codecs;
import dev.layerkit.gateway.lb.Endpoint;
import dev.layerkit.gateway.lb.EndpointSource;
import dev.layerkit.service.ServiceClient;
import java.io.IOException;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
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
 * What {@link ServiceClient} itself costs per call, without the network: both sides send through
 * the same stub {@link HttpClient} whose {@code send} answers at once, feeding the same 40-byte
 * JSON body through the request's body handler as the JDK's client does, and both decode with the
 * same codec. {@code rawHttpClient} sends a request built once (as {@link ServiceClientBenchmark}'s
 * anchor does); {@code rawHttpClientBuildingRequest} builds it per call from the endpoint and path,
 * as a caller with more than one path must. {@code serviceClient} is a blocking
 * {@code ServiceClient.get}: balancer pick and feedback (peak EWMA with outlier detection, the
 * default), retry policy, budget, deadline header and response checks. The loopback pair in
 * {@link ServiceClientBenchmark} adds a real exchange of about 100 to 150 us to both sides; the
 * difference here is what the client adds to it, measured on one thread's CPU time and so far
 * less sensitive to other load on the machine. Run with {@code -prof gc} for bytes per call.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ServiceClientOverheadBenchmark {

  private static final byte[] BODY = "{\"sku\":\"A-100\",\"available\":42,\"version\":7}"
      .getBytes(StandardCharsets.UTF_8);
  private static final int PORT = 8080;

  private final Codec<Stock> codec = Codecs.json(Stock.class);
  private StubHttpClient http;
  private HttpRequest rawRequest;
  private ServiceClient client;

  /** Builds the stub transport and both clients; not measured. */
  @Setup
  public void setUp() {
    http = new StubHttpClient();
    rawRequest = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + PORT + "/stock/A-100"))
        .timeout(Duration.ofSeconds(2))
        .header("Accept", "application/json")
        .GET()
        .build();
    client = ServiceClient.builder("inventory")
        .endpointSource(EndpointSource.of(Endpoint.of("127.0.0.1", PORT)))
        .httpClient(http)
        .build();
  }

  /** Closes the client. */
  @TearDown
  public void tearDown() {
    client.close();
  }

  /**
   * The anchor: a request built once, sent, checked and decoded.
   *
   * @return the decoded answer
   * @throws Exception if the stub fails
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
   * The raw call with its request built per call, from the endpoint and the path.
   *
   * @return the decoded answer
   * @throws Exception if the stub fails
   */
  @Benchmark
  public Stock rawHttpClientBuildingRequest() throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + PORT + "/stock/A-100"))
        .timeout(Duration.ofSeconds(2))
        .header("Accept", "application/json")
        .GET()
        .build();
    HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
    if (response.statusCode() != 200) {
      throw new IllegalStateException("status " + response.statusCode());
    }
    return codec.decode(response.body());
  }

  /**
   * The same call through {@link ServiceClient#get}.
   *
   * @return the decoded answer
   */
  @Benchmark
  public Stock serviceClient() {
    return client.get("/stock/A-100", codec);
  }

  /**
   * The raw asynchronous call, joined; the stub's future is complete when returned, so this and
   * {@link #serviceClientAsync()} measure the work of the future chains without a thread hop.
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
   * The same call through {@link ServiceClient#getAsync}, joined.
   *
   * @return the decoded answer
   */
  @Benchmark
  public Stock serviceClientAsync() {
    return client.getAsync("/stock/A-100", codec).join();
  }

  /** An {@link HttpClient} that answers every request at once with {@link #BODY}. */
  static final class StubHttpClient extends HttpClient {
    private static final HttpHeaders HEADERS = HttpHeaders.of(
        Map.of("Content-Type", List.of("application/json"),
            "Content-Length", List.of(Integer.toString(BODY.length))),
        (name, value) -> true);

    @Override
    public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
        throws IOException {
      HttpResponse.BodySubscriber<T> subscriber = handler.apply(new Info());
      subscriber.onSubscribe(new Flow.Subscription() {
        @Override
        public void request(long n) {}

        @Override
        public void cancel() {}
      });
      subscriber.onNext(List.of(ByteBuffer.wrap(BODY)));
      subscriber.onComplete();
      T body = subscriber.getBody().toCompletableFuture().join();
      return new Response<>(request, body);
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request,
        HttpResponse.BodyHandler<T> handler) {
      try {
        return CompletableFuture.completedFuture(send(request, handler));
      } catch (IOException e) {
        return CompletableFuture.failedFuture(e);
      }
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request,
        HttpResponse.BodyHandler<T> handler, HttpResponse.PushPromiseHandler<T> push) {
      return sendAsync(request, handler);
    }

    @Override
    public Optional<CookieHandler> cookieHandler() {
      return Optional.empty();
    }

    @Override
    public Optional<Duration> connectTimeout() {
      return Optional.empty();
    }

    @Override
    public Redirect followRedirects() {
      return Redirect.NEVER;
    }

    @Override
    public Optional<ProxySelector> proxy() {
      return Optional.empty();
    }

    @Override
    public SSLContext sslContext() {
      throw new UnsupportedOperationException("no TLS in the stub");
    }

    @Override
    public SSLParameters sslParameters() {
      throw new UnsupportedOperationException("no TLS in the stub");
    }

    @Override
    public Optional<Authenticator> authenticator() {
      return Optional.empty();
    }

    @Override
    public Version version() {
      return Version.HTTP_1_1;
    }

    @Override
    public Optional<Executor> executor() {
      return Optional.empty();
    }

    private static final class Info implements HttpResponse.ResponseInfo {
      @Override
      public int statusCode() {
        return 200;
      }

      @Override
      public HttpHeaders headers() {
        return HEADERS;
      }

      @Override
      public Version version() {
        return Version.HTTP_1_1;
      }
    }

    private record Response<T>(HttpRequest request, T body) implements HttpResponse<T> {
      @Override
      public int statusCode() {
        return 200;
      }

      @Override
      public Optional<HttpResponse<T>> previousResponse() {
        return Optional.empty();
      }

      @Override
      public HttpHeaders headers() {
        return HEADERS;
      }

      @Override
      public Optional<SSLSession> sslSession() {
        return Optional.empty();
      }

      @Override
      public URI uri() {
        return request.uri();
      }

      @Override
      public Version version() {
        return Version.HTTP_1_1;
      }
    }
  }
}
