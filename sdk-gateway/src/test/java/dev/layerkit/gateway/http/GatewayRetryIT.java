package dev.layerkit.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.layerkit.gateway.lb.Endpoint;
import dev.layerkit.gateway.lb.EndpointSource;
import dev.layerkit.gateway.lb.LoadBalancer;
import dev.layerkit.gateway.lb.LoadBalancers;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Retries go to another endpoint, only when repeating cannot do harm: idempotent requests after
 * the endpoint dropped the connection, any body-less request when nothing was sent.
 */
class GatewayRetryIT extends GatewayTestSupport {

  /** Reads a request head and closes the connection without answering. */
  static final class DroppingServer implements AutoCloseable {
    final ServerSocket socket;
    final AtomicInteger requests = new AtomicInteger();
    private final Thread thread;

    DroppingServer() throws IOException {
      socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      thread = new Thread(() -> {
        while (!socket.isClosed()) {
          try (Socket client = socket.accept()) {
            InputStream in = client.getInputStream();
            int matched = 0;
            int b;
            while (matched < 4 && (b = in.read()) >= 0) {
              matched = (b == '\r' || b == '\n') ? matched + 1 : 0;
            }
            requests.incrementAndGet();
          } catch (IOException e) {
            return;
          }
        }
      });
      thread.setDaemon(true);
      thread.start();
    }

    Endpoint endpoint() {
      return Endpoint.builder("127.0.0.1", socket.getLocalPort()).id("dropping").build();
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  private Gateway gatewayOver(SimpleMeterRegistry registry, Endpoint... endpoints) {
    LoadBalancer lb = closing(LoadBalancers.roundRobin().serviceName("svc")
        .endpointSource(EndpointSource.of(List.of(endpoints))).build());
    return start(Gateway.builder().meterRegistry(registry).route(Route.builder("all").pathPrefix("/")
        .maxRetries(1).upstream(Upstream.builder("svc", lb).noCircuitBreaker().build()).build()));
  }

  @Test
  void retriesAnIdempotentRequestOnAnotherEndpointAfterTheConnectionDropped() throws Exception {
    DroppingServer dropping = closing(new DroppingServer());
    TestUpstream good = upstream("good");
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Gateway gateway = gatewayOver(registry, dropping.endpoint(), good.endpoint());

    for (int i = 0; i < 4; i++) {
      HttpResponse<String> response = get(gateway, "/");
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).isEqualTo("good");
    }
    // Round robin sends each first attempt to the next endpoint in turn, and each retry moves on.
    int dropped = dropping.requests.get();
    assertThat(dropped).isBetween(2, 4);
    assertThat(registry.get("layerkit.gateway.retries").counter().count()).isEqualTo(dropped);
    assertThat(good.requests.get()).isEqualTo(4);
  }

  @Test
  void underLeastRequestARetryGoesToTheBusyEndpointNotBackToTheIdleOneThatFailed()
      throws Exception {
    DroppingServer dropping = closing(new DroppingServer());
    TestUpstream good = upstream("good");
    LoadBalancer lb = closing(LoadBalancers.leastRequest().serviceName("svc")
        .endpointSource(EndpointSource.of(List.of(dropping.endpoint(), good.endpoint()))).build());
    Gateway gateway = start(Gateway.builder().route(Route.builder("all").pathPrefix("/")
        .maxRetries(1).upstream(Upstream.builder("svc", lb).noCircuitBreaker().build()).build()));

    // Two requests held by the good endpoint keep it the busier one; each gets there at the latest
    // on its retry.
    List<CompletableFuture<HttpResponse<String>>> held = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      held.add(client.sendAsync(HttpRequest.newBuilder(uri(gateway, "/slow")).build(),
          HttpResponse.BodyHandlers.ofString()));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> good.requests.get() == 2);

    // Now least request's first attempt goes to the idle endpoint, which drops it; the retry must
    // go to the busy one, although the one that failed is idle again at once.
    int droppedBefore = dropping.requests.get();
    for (int i = 0; i < 10; i++) {
      HttpResponse<String> response = get(gateway, "/");
      assertThat(response.statusCode()).as("request %d", i).isEqualTo(200);
      assertThat(response.body()).isEqualTo("good");
    }
    assertThat(dropping.requests.get() - droppedBefore).isEqualTo(10);
    good.releaseSlow();
    for (CompletableFuture<HttpResponse<String>> slow : held) {
      assertThat(slow.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void doesNotRetryAPostThatReachedTheEndpoint() throws Exception {
    DroppingServer dropping = closing(new DroppingServer());
    TestUpstream good = upstream("good");
    Gateway gateway = gatewayOver(new SimpleMeterRegistry(), dropping.endpoint(), good.endpoint());

    int badGateway = 0;
    for (int i = 0; i < 4; i++) {
      HttpResponse<String> response = client.send(HttpRequest.newBuilder(uri(gateway, "/"))
          .POST(HttpRequest.BodyPublishers.ofString("order")).build(), HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() == 502) {
        badGateway++;
        assertThat(response.body()).contains("closed the connection before answering");
      } else {
        assertThat(response.statusCode()).isEqualTo(200);
      }
    }
    assertThat(badGateway).isEqualTo(2);
    assertThat(dropping.requests.get()).isEqualTo(2);
    assertThat(good.requests.get()).isEqualTo(2);
  }
}
