package dev.layerkit.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.core.codec.Codec;
import dev.layerkit.core.codec.Codecs;
import dev.layerkit.core.resilience.ResiliencePolicy;
import dev.layerkit.core.time.ManualTimeSource;
import dev.layerkit.gateway.lb.Endpoint;
import dev.layerkit.gateway.lb.EndpointSource;
import dev.layerkit.gateway.lb.LoadBalancer;
import dev.layerkit.gateway.lb.LoadBalancers;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link ServiceClient} against real HTTP servers (the JDK's) on loopback ports. */
class ServiceClientIT {

  record Payload(int n) {}

  private static final Codec<Payload> PAYLOAD = Codecs.json(Payload.class);

  private final List<AutoCloseable> resources = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = resources.size() - 1; i >= 0; i--) {
      resources.get(i).close();
    }
  }

  private Upstream upstream(com.sun.net.httpserver.HttpHandler handler) throws IOException {
    Upstream upstream = Upstream.start(handler);
    resources.add(upstream);
    return upstream;
  }

  private ServiceClient client(ServiceClientBuilder builder) {
    ServiceClient client = builder.build();
    resources.add(client);
    return client;
  }

  private static EndpointSource sourceOf(Upstream... upstreams) {
    List<Endpoint> endpoints = new ArrayList<>();
    for (Upstream u : upstreams) {
      endpoints.add(u.endpoint());
    }
    return EndpointSource.of(endpoints);
  }

  @Test
  void instanceKilledMidLoadFailsNoIdempotentCallAndIsEjected() throws Exception {
    Upstream[] upstreams = new Upstream[3];
    for (int i = 0; i < 3; i++) {
      upstreams[i] = upstream(Upstream.answer(200, "application/json", "{\"n\":" + i + "}"));
    }
    ServiceClient client = client(ServiceClient.builder("orders")
        .endpointSource(sourceOf(upstreams))
        .deadline(Duration.ofSeconds(5))
        .perTryTimeout(Duration.ofSeconds(1)));
    Upstream victim = upstreams[1];

    int calls = 600;
    Semaphore window = new Semaphore(16);
    AtomicInteger done = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    AtomicReference<Throwable> firstFailure = new AtomicReference<>();
    CountDownLatch all = new CountDownLatch(calls);
    int requestsBeforeKill = -1;
    for (int i = 0; i < calls; i++) {
      window.acquire();
      if (i == 150) {
        requestsBeforeKill = victim.requests();
        victim.kill();
      }
      client.getAsync("/orders/" + i, PAYLOAD).whenComplete((value, error) -> {
        if (error != null) {
          failed.incrementAndGet();
          firstFailure.compareAndSet(null, error);
        }
        done.incrementAndGet();
        window.release();
        all.countDown();
      });
    }
    assertThat(all.await(60, TimeUnit.SECONDS)).isTrue();

    assertThat(failed.get()).as("failed idempotent calls, first: %s", firstFailure.get()).isZero();
    assertThat(requestsBeforeKill).as("the victim served traffic before it died").isPositive();
    LoadBalancer lb = client.loadBalancer();
    assertThat(lb.status(victim.endpoint()).ejected()).as("the dead instance is ejected").isTrue();
    assertThat(lb.availableEndpoints()).containsExactlyInAnyOrder(upstreams[0].endpoint(), upstreams[2].endpoint());
  }

  @Test
  void clientErrorIsNotRetriedAndCarriesTheBody() throws Exception {
    Upstream upstream = upstream(Upstream.answer(409, "application/problem+json", "{\"title\":\"version conflict\"}"));
    ServiceClient client = client(ServiceClient.builder("orders").endpointSource(sourceOf(upstream)));

    assertThatThrownBy(() -> client.get("/orders/1", PAYLOAD))
        .isInstanceOfSatisfying(ClientErrorException.class, e -> {
          assertThat(e.status()).isEqualTo(409);
          assertThat(e.bodyAsString()).isEqualTo("{\"title\":\"version conflict\"}");
          assertThat(e.serviceName()).isEqualTo("orders");
          assertThat(e.endpoint()).isEqualTo(upstream.endpoint());
        });
    assertThat(upstream.requests()).isEqualTo(1);
    assertThat(client.loadBalancer().status(upstream.endpoint()).ejected()).isFalse();
  }

  @Test
  void garbageBodyIsAnInvalidResponseNamingServiceAndEndpointNeverRetried() throws Exception {
    Upstream upstream = upstream(Upstream.answer(200, "application/json", "<html>proxy error</html>"));
    ServiceClient client = client(ServiceClient.builder("orders").endpointSource(sourceOf(upstream)));

    assertThatThrownBy(() -> client.get("/orders/1", PAYLOAD))
        .isInstanceOfSatisfying(InvalidResponseException.class, e -> {
          assertThat(e.problem()).isEqualTo(InvalidResponseException.Problem.UNDECODABLE_BODY);
          assertThat(e.isTransient()).isFalse();
        })
        .hasMessageContaining("service 'orders'")
        .hasMessageContaining("endpoint " + upstream.endpoint().id())
        .hasMessageContaining("could not be decoded")
        .hasMessageContaining("<html>proxy error");
    assertThat(upstream.requests()).isEqualTo(1);
  }

  @Test
  void wrongContentTypeIsAnInvalidResponseNeverRetried() throws Exception {
    Upstream upstream = upstream(Upstream.answer(200, "text/html; charset=utf-8", "{\"n\":1}"));
    ServiceClient client = client(ServiceClient.builder("orders").endpointSource(sourceOf(upstream)));

    assertThatThrownBy(() -> client.get("/orders/1", PAYLOAD))
        .isInstanceOfSatisfying(InvalidResponseException.class,
            e -> assertThat(e.problem()).isEqualTo(InvalidResponseException.Problem.WRONG_CONTENT_TYPE))
        .hasMessageContaining("service 'orders' endpoint " + upstream.endpoint().id())
        .hasMessageContaining("'text/html; charset=utf-8', expected 'application/json'");
    assertThat(upstream.requests()).isEqualTo(1);
  }

  /**
   * A body the connection cuts short is a truncated response, not a timeout. It is transient (an
   * instance dying mid-answer): a GET is retried, a POST without an idempotency key is not.
   */
  @Test
  void bodyCutShortByTheConnectionIsATruncatedResponseNotATimeoutRetriedOnlyIfRetryable() throws Exception {
    RawServer raw = new RawServer("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"n\":");
    resources.add(raw);
    ServiceClient client = client(ServiceClient.builder("orders")
        .endpointSource(EndpointSource.of(raw.endpoint())));

    assertThatThrownBy(() -> client.call(ServiceRequest.post("/orders", new Payload(7), PAYLOAD).build(), PAYLOAD))
        .isInstanceOfSatisfying(InvalidResponseException.class, e -> {
          assertThat(e.problem()).isEqualTo(InvalidResponseException.Problem.TRUNCATED_BODY);
          assertThat(e.isTransient()).isTrue();
        })
        .hasMessageContaining("service 'orders' endpoint " + raw.endpoint().id())
        .hasMessageContaining("before the whole body arrived");
    assertThat(raw.connections.get()).as("a POST is not retried").isEqualTo(1);

    assertThatThrownBy(() -> client.get("/orders/1", PAYLOAD))
        .isInstanceOfSatisfying(InvalidResponseException.class,
            e -> assertThat(e.problem()).isEqualTo(InvalidResponseException.Problem.TRUNCATED_BODY));
    assertThat(raw.connections.get()).as("a GET is retried, up to the attempts")
        .isEqualTo(1 + ServiceClientBuilder.DEFAULT_MAX_ATTEMPTS);
  }

  @Test
  void jsonCutShortInsideAFullBodyIsUndecodable() throws Exception {
    RawServer raw = new RawServer("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\n{\"n\":");
    resources.add(raw);
    ServiceClient client = client(ServiceClient.builder("orders").endpointSource(EndpointSource.of(raw.endpoint())));

    assertThatThrownBy(() -> client.get("/orders/1", PAYLOAD))
        .isInstanceOfSatisfying(InvalidResponseException.class,
            e -> assertThat(e.problem()).isEqualTo(InvalidResponseException.Problem.UNDECODABLE_BODY))
        .hasMessageContaining("5-byte body");
    assertThat(raw.connections.get()).isEqualTo(1);
  }

  @Test
  void everyEndpointDownFailsFastWithNoAvailableEndpoint() throws Exception {
    List<Endpoint> dead = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Upstream u = Upstream.start(Upstream.answer(200, "application/json", "{}"));
      dead.add(u.endpoint());
      u.close();
    }
    ServiceClient client = client(ServiceClient.builder("orders")
        .endpointSource(EndpointSource.of(dead))
        .deadline(Duration.ofSeconds(10)));

    long start = System.nanoTime();
    assertThatThrownBy(() -> client.get("/orders/1", PAYLOAD))
        .isInstanceOf(ServiceUnavailableException.class)
        .hasMessageContaining("service 'orders' GET /orders/1: no available endpoint")
        .hasMessageContaining("failed to connect");
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .as("fails on the refused connections, long before the 10 s deadline")
        .isLessThan(Duration.ofSeconds(3));
  }

  @Test
  void asynchronousCallsFailWithTheSameTypedErrors() throws Exception {
    Upstream conflict = upstream(Upstream.answer(409, "application/json", "{\"title\":\"conflict\"}"));
    Upstream garbage = upstream(Upstream.answer(200, "application/json", "not json"));
    Upstream html = upstream(Upstream.answer(200, "text/html", "<p>"));
    Upstream gone = Upstream.start(Upstream.answer(200, "application/json", "{}"));
    gone.close();
    Map<Upstream, Class<? extends ServiceCallException>> expected = Map.of(
        conflict, ClientErrorException.class, garbage, InvalidResponseException.class,
        html, InvalidResponseException.class, gone, ServiceUnavailableException.class);
    for (Map.Entry<Upstream, Class<? extends ServiceCallException>> e : expected.entrySet()) {
      ServiceClient client = client(ServiceClient.builder("orders").endpointSource(sourceOf(e.getKey())));
      assertThatThrownBy(() -> client.getAsync("/orders/1", PAYLOAD).join())
          .hasCauseInstanceOf(e.getValue());
    }
    assertThat(conflict.requests() + garbage.requests() + html.requests()).as("none retried").isEqualTo(3);
  }

  @Test
  void emptyEndpointSetFailsAtOnceWithNoAvailableEndpoint() {
    ServiceClient client = client(ServiceClient.builder("orders")
        .endpointSource(EndpointSource.mutable(List.of())));

    assertThatThrownBy(() -> client.get("/orders/1", PAYLOAD))
        .isInstanceOf(ServiceUnavailableException.class)
        .hasMessageContaining("no available endpoint");
  }

  @Test
  void retryBudgetCapsRetriesDuringAnOutage() throws Exception {
    Upstream[] upstreams = new Upstream[3];
    for (int i = 0; i < 3; i++) {
      upstreams[i] = upstream(Upstream.answer(503, "text/plain", "overloaded"));
    }
    // The budget's window never moves: exactly 20% of the calls may be retried.
    RetryBudget budget = RetryBudget.builder()
        .percent(20).minRetriesPerSecond(0).timeSource(new ManualTimeSource()).build();
    ServiceClient client = client(ServiceClient.builder("orders")
        .endpointSource(sourceOf(upstreams))
        .retryBudget(budget));

    int calls = 100;
    for (int i = 0; i < calls; i++) {
      assertThatThrownBy(() -> client.get("/orders/1", PAYLOAD)).isInstanceOf(ServerErrorException.class);
    }
    int served = upstreams[0].requests() + upstreams[1].requests() + upstreams[2].requests();
    assertThat(served - calls).as("retries the servers saw").isBetween(15, 20);
    assertThat(served).as("without the budget: 3 attempts per call = 300").isLessThanOrEqualTo(120);
  }

  @Test
  void underLeastRequestARetryGoesToTheOtherEndpointNotBackToTheIdleOneThatFailed()
      throws Exception {
    Upstream failing = upstream(Upstream.answer(503, "text/plain", "overloaded"));
    Upstream good = upstream(Upstream.answer(200, "application/json", "{\"n\":1}"));
    LoadBalancer lb = LoadBalancers.leastRequest().serviceName("orders")
        .endpointSource(sourceOf(failing, good)).build();
    resources.add(lb);
    // Two attempts and a budget that never refuses: a call fails exactly when its retry goes back
    // to the failing endpoint, which, done at once, is as idle as the other one.
    ServiceClient client = client(ServiceClient.builder("orders").loadBalancer(lb)
        .resiliencePolicy(ResiliencePolicy.builder("orders").maxAttempts(2)
            .initialBackoff(Duration.ofMillis(1)).build())
        .retryBudget(RetryBudget.builder().percent(100).minRetriesPerSecond(100)
            .timeSource(new ManualTimeSource()).build()));

    for (int i = 0; i < 40; i++) {
      assertThat(client.get("/orders/1", PAYLOAD)).as("call %d", i).isEqualTo(new Payload(1));
    }
    assertThat(good.requests()).isEqualTo(40);
    assertThat(failing.requests()).as("first attempts that went to the failing one").isPositive();
  }

  @Test
  void postIsNotRetriedButAPostWithAnIdempotencyKeyIs() throws Exception {
    AtomicInteger seen = new AtomicInteger();
    com.sun.net.httpserver.HttpHandler firstFails = exchange -> {
      if (seen.getAndIncrement() % 2 == 0) {
        Upstream.respond(exchange, 503, "text/plain", "busy");
      } else {
        Upstream.respond(exchange, 201, "application/json", "{\"n\":7}");
      }
    };
    Upstream a = upstream(firstFails);
    Upstream b = upstream(firstFails);
    ServiceClient client = client(ServiceClient.builder("orders").endpointSource(sourceOf(a, b)));

    assertThatThrownBy(() -> client.call(ServiceRequest.post("/orders", new Payload(7), PAYLOAD).build(), PAYLOAD))
        .isInstanceOf(ServerErrorException.class);
    assertThat(seen.get()).as("a plain POST is sent once").isEqualTo(1);

    seen.set(0);
    Payload created = client.call(ServiceRequest.post("/orders", new Payload(7), PAYLOAD)
        .idempotencyKey("order-7").build(), PAYLOAD);
    assertThat(created).isEqualTo(new Payload(7));
    assertThat(seen.get()).as("a POST with an Idempotency-Key is retried").isEqualTo(2);
  }

  @Test
  void deadlineHeaderArrivesAndAnExpiredOneIsRejected() throws Exception {
    Map<String, String> seenHeader = new ConcurrentHashMap<>();
    Map<String, Long> seenRemaining = new ConcurrentHashMap<>();
    Upstream upstream = upstream(Upstream.answer(404, "text/plain", "not here"));
    // The filter goes in front of the handler on a context of its own.
    upstream.server().createContext("/guarded", exchange -> {
      ServerDeadline.of(exchange).ifPresent(d -> seenRemaining.put("r", d.remaining().toMillis()));
      seenHeader.put("h", String.valueOf(exchange.getRequestHeaders().getFirst(ServerDeadline.HEADER)));
      Upstream.respond(exchange, 200, "application/json", "{\"n\":1}");
    }).getFilters().add(ServerDeadline.filter());
    ServiceClient client = client(ServiceClient.builder("orders")
        .endpointSource(sourceOf(upstream))
        .deadline(Duration.ofMillis(800))
        .perTryTimeout(Duration.ofMillis(800)));

    assertThat(client.get("/guarded", PAYLOAD)).isEqualTo(new Payload(1));
    assertThat(seenHeader.get("h")).matches("\\d+ms");
    long sent = Long.parseLong(seenHeader.get("h").replace("ms", ""));
    assertThat(sent).isBetween(1L, 800L);
    assertThat(seenRemaining.get("r")).isBetween(0L, sent);

    // A caller whose time is up gets 504 and the handler never runs.
    seenHeader.clear();
    HttpResponse<String> expired = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://" + upstream.endpoint().id() + "/guarded"))
            .header(ServerDeadline.HEADER, "0ms").build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(expired.statusCode()).isEqualTo(504);
    assertThat(seenHeader).isEmpty();
  }

  @Test
  void callThatOutlivesItsDeadlineFailsAtTheDeadline() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    resources.add(release::countDown);
    Upstream slow = upstream(exchange -> {
      try {
        release.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      Upstream.respond(exchange, 200, "application/json", "{\"n\":1}");
    });
    ServiceClient client = client(ServiceClient.builder("orders")
        .endpointSource(sourceOf(slow))
        .deadline(Duration.ofMillis(300))
        .perTryTimeout(Duration.ofMillis(300)));

    long start = System.nanoTime();
    assertThatThrownBy(() -> client.get("/orders/1", PAYLOAD))
        .isInstanceOfAny(DeadlineExceededException.class, TransportException.class)
        .hasMessageContaining("service 'orders'");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
  }

  @Test
  void deadlineRunsOnTheInjectedClockAndFailsTheCallWhenItPasses() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    resources.add(release::countDown);
    CountDownLatch arrived = new CountDownLatch(1);
    Map<String, String> header = new ConcurrentHashMap<>();
    Upstream stuck = upstream(exchange -> {
      header.put("h", String.valueOf(exchange.getRequestHeaders().getFirst(ServerDeadline.HEADER)));
      arrived.countDown();
      try {
        release.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      Upstream.respond(exchange, 200, "application/json", "{\"n\":1}");
    });
    ManualTimeSource time = new ManualTimeSource();
    ServiceClient client = client(ServiceClient.builder("orders")
        .endpointSource(sourceOf(stuck))
        .deadline(Duration.ofSeconds(30))
        .perTryTimeout(Duration.ofSeconds(30))
        .timeSource(time));

    var call = client.getAsync("/orders/1", PAYLOAD);
    assertThat(arrived.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(header.get("h")).isEqualTo("30000ms");
    assertThat(call).isNotDone();

    time.advance(Duration.ofSeconds(31));
    assertThatThrownBy(() -> call.get(5, TimeUnit.SECONDS))
        .hasCauseInstanceOf(DeadlineExceededException.class)
        .hasMessageContaining("deadline of 30000 ms exceeded after 1 attempt(s)");
  }

  @Test
  void slowAttemptIsHedgedToAnotherEndpoint() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    resources.add(release::countDown);
    Upstream slow = upstream(exchange -> {
      try {
        release.await(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      Upstream.respond(exchange, 200, "application/json", "{\"n\":0}");
    });
    Upstream fast = upstream(Upstream.answer(200, "application/json", "{\"n\":1}"));
    LoadBalancer roundRobin = LoadBalancers.roundRobin().serviceName("orders")
        .endpoints(List.of(slow.endpoint(), fast.endpoint())).build();
    resources.add(roundRobin);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    ServiceClient client = client(ServiceClient.builder("orders")
        .loadBalancer(roundRobin)
        .hedging(95, Duration.ofMillis(50))
        .meterRegistry(registry));

    long start = System.nanoTime();
    assertThat(client.get("/orders/1", PAYLOAD)).isEqualTo(new Payload(1));
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
    assertThat(slow.requests()).isEqualTo(1);
    assertThat(fast.requests()).isEqualTo(1);
    assertThat(registry.get("layerkit.service.client.attempts").tags("name", "orders", "kind", "hedge")
        .counter().count()).isEqualTo(1.0);
    assertThat(registry.get("layerkit.service.client.calls").tags("name", "orders", "outcome", "success")
        .timer().count()).isEqualTo(1);
  }

  /** A socket server that answers every connection with fixed bytes and closes it. */
  static final class RawServer implements AutoCloseable {
    final ServerSocket socket;
    final AtomicInteger connections = new AtomicInteger();
    final Thread thread;

    RawServer(String response) throws IOException {
      socket = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
      thread = new Thread(() -> {
        while (!socket.isClosed()) {
          try (Socket s = socket.accept()) {
            connections.incrementAndGet();
            InputStream in = s.getInputStream();
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
              int c = in.read();
              if (c < 0) {
                break;
              }
              head.append((char) c);
            }
            OutputStream out = s.getOutputStream();
            out.write(response.getBytes(StandardCharsets.UTF_8));
            out.flush();
          } catch (IOException e) {
            // closed
          }
        }
      }, "raw-server");
      thread.setDaemon(true);
      thread.start();
    }

    Endpoint endpoint() {
      return Endpoint.of(socket.getInetAddress().getHostAddress(), socket.getLocalPort());
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
