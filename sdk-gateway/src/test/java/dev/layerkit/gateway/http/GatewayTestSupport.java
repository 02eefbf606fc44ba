package dev.layerkit.gateway.http;

import dev.layerkit.gateway.lb.Endpoint;
import dev.layerkit.gateway.lb.EndpointSource;
import dev.layerkit.gateway.lb.LoadBalancer;
import dev.layerkit.gateway.lb.LoadBalancers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;

/** Shared setup of the gateway's socket tests: upstreams, gateways and a client, closed after each. */
abstract class GatewayTestSupport {

  final List<AutoCloseable> closeables = new ArrayList<>();
  final HttpClient client = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  <T extends AutoCloseable> T closing(T closeable) {
    closeables.add(closeable);
    return closeable;
  }

  TestUpstream upstream(String name) throws Exception {
    return closing(new TestUpstream(name));
  }

  LoadBalancer roundRobin(String name, TestUpstream... servers) {
    List<Endpoint> endpoints = new ArrayList<>();
    for (TestUpstream server : servers) {
      endpoints.add(server.endpoint());
    }
    return closing(LoadBalancers.roundRobin().serviceName(name)
        .endpointSource(EndpointSource.of(endpoints)).build());
  }

  Upstream upstreamOf(String name, TestUpstream... servers) {
    return Upstream.of(name, roundRobin(name, servers));
  }

  Gateway start(Gateway.Builder builder) {
    return closing(builder.bindAddress("127.0.0.1").port(0).shutdownTimeout(Duration.ofSeconds(2))
        .build().start());
  }

  Gateway start(Route... routes) {
    return start(Gateway.builder().routes(List.of(routes)));
  }

  URI uri(Gateway gateway, String path) {
    return URI.create("http://127.0.0.1:" + gateway.port() + path);
  }

  /** A call that may throw, for {@link #onThreads}. */
  interface Call<T> {
    T call(int index) throws Exception;
  }

  /**
   * Runs {@code calls} calls on {@code threads} threads and returns their results in call order;
   * the first failure is rethrown.
   */
  static <T> List<T> onThreads(int calls, int threads, Call<T> call) {
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(threads);
    try {
      List<java.util.concurrent.CompletableFuture<T>> answers = new ArrayList<>(calls);
      for (int i = 0; i < calls; i++) {
        int index = i;
        answers.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> {
          try {
            return call.call(index);
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }, pool));
      }
      List<T> results = new ArrayList<>(calls);
      for (java.util.concurrent.CompletableFuture<T> answer : answers) {
        results.add(answer.join());
      }
      return results;
    } finally {
      pool.shutdownNow();
    }
  }

  HttpResponse<String> get(Gateway gateway, String path, String... headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri(gateway, path))
        .timeout(Duration.ofSeconds(10));
    if (headers.length > 0) {
      request.headers(headers);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
