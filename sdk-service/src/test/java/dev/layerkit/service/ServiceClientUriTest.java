package dev.layerkit.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.core.codec.Codecs;
import dev.layerkit.gateway.lb.Endpoint;
import dev.layerkit.gateway.lb.EndpointSource;
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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.Test;

/**
 * The URI a call is sent to is the one parsing {@code http://host:port} + path would give, though
 * the client parses each endpoint once and resolves paths against it; a path that starts with
 * {@code //} stays a path on the endpoint and never names another host.
 */
class ServiceClientUriTest {

  record Answer(int n) {}

  @Test
  void everyPathIsSentToTheUriParsingEndpointPlusPathGives() {
    for (String host : List.of("127.0.0.1", "::1", "inventory.internal")) {
      CapturingHttpClient http = new CapturingHttpClient();
      try (ServiceClient client = ServiceClient.builder("inventory")
          .endpointSource(EndpointSource.of(Endpoint.of(host, 8080)))
          .httpClient(http)
          .build()) {
        String base = "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":8080";
        for (String path : List.of("/stock/A-100", "/a/b?x=1&y=%20z", "/a/../b/./c", "/a%2Fb?q=%E2%82%AC",
            "/search?q=a+b&sort=-price", "/", "//evil.example/x", "//evil.example:9/x?y")) {
          assertThat(client.get(path, Codecs.json(Answer.class)).n()).isEqualTo(1);
          URI sent = http.requests.get(http.requests.size() - 1).uri();
          assertThat(sent).as("%s on %s", path, host).isEqualTo(URI.create(base + path));
          assertThat(sent.toString()).isEqualTo(base + path);
          assertThat(sent.getHost()).isEqualTo(host.contains(":") ? "[" + host + "]" : host);
          assertThat(sent.getPort()).isEqualTo(8080);
          assertThat(sent.getRawPath() + (sent.getRawQuery() == null ? "" : "?" + sent.getRawQuery()))
              .isEqualTo(path);
        }
      }
    }
  }

  /** Answers every request with {@code {"n":1}} at once and keeps the requests. */
  private static final class CapturingHttpClient extends HttpClient {
    private static final byte[] BODY = "{\"n\":1}".getBytes(StandardCharsets.UTF_8);
    private static final HttpHeaders HEADERS = HttpHeaders.of(
        Map.of("Content-Type", List.of("application/json")), (name, value) -> true);

    final List<HttpRequest> requests = new CopyOnWriteArrayList<>();

    @Override
    public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
        throws IOException {
      requests.add(request);
      HttpResponse.BodySubscriber<T> subscriber = handler.apply(new HttpResponse.ResponseInfo() {
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
      });
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
      throw new UnsupportedOperationException("no TLS here");
    }

    @Override
    public SSLParameters sslParameters() {
      throw new UnsupportedOperationException("no TLS here");
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
      return CapturingHttpClient.HEADERS;
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
    public HttpClient.Version version() {
      return HttpClient.Version.HTTP_1_1;
    }
  }
}
