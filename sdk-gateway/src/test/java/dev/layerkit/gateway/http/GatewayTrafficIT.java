package dev.layerkit.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Weighted splits, pins and mirroring through a started gateway with real upstreams. */
class GatewayTrafficIT extends GatewayTestSupport {

  private static String splitFile(TestUpstream stable, TestUpstream canary, int stableWeight,
      int canaryWeight) {
    return """
        upstreams:
          stable: { endpoints: ["127.0.0.1:%d"] }
          canary: { endpoints: ["127.0.0.1:%d"] }
        routes:
          - id: orders
            pathPrefix: /
            split:
              weights: { stable: %d, canary: %d }
              pins:
                - { header: X-Canary, value: "1", upstream: canary }
                - { cookie: canary, value: "yes", upstream: canary }
        """.formatted(stable.port(), canary.port(), stableWeight, canaryWeight);
  }

  @Test
  void aNinetyFiveFiveSplitSendsFivePercentToTheCanaryAndAReloadMovesIt() throws Exception {
    TestUpstream stable = upstream("stable");
    TestUpstream canary = upstream("canary");
    RoutesFile first = closing(RoutesFile.parse(splitFile(stable, canary, 95, 5), true, "r.yaml"));
    Gateway gateway = start(Gateway.builder().routes(first.routes()));

    List<String> bodies = load(gateway, 10_000, 4);
    long toCanary = bodies.stream().filter("canary"::equals).count();
    assertThat(toCanary).isBetween(450L, 550L);
    // The servers saw those requests (a few more if a pooled connection closed under a request
    // and the gateway retried it, which is the gateway's business, not the split's).
    assertThat(canary.requests.get()).isBetween((int) toCanary, (int) toCanary + 10);
    assertThat(stable.requests.get()).isBetween(10_000 - (int) toCanary, 10_010 - (int) toCanary);

    RoutesFile second = closing(RoutesFile.parse(splitFile(stable, canary, 50, 50), true, "r.yaml"));
    gateway.reload(second.routes());
    long after = load(gateway, 2_000, 4).stream().filter("canary"::equals).count();
    assertThat(after).isBetween(950L, 1050L);
  }

  private List<String> load(Gateway gateway, int requests, int threads) {
    return onThreads(requests, threads, i -> {
      HttpResponse<String> answer = get(gateway, "/");
      assertThat(answer.statusCode()).isEqualTo(200);
      return answer.body();
    });
  }

  @Test
  void aPinnedHeaderOrCookieAlwaysReachesTheCanary() throws Exception {
    TestUpstream stable = upstream("stable");
    TestUpstream canary = upstream("canary");
    RoutesFile file = closing(RoutesFile.parse(splitFile(stable, canary, 100, 0), true, "r.yaml"));
    Gateway gateway = start(Gateway.builder().routes(file.routes()));

    for (int i = 0; i < 200; i++) {
      assertThat(get(gateway, "/", "X-Canary", "1").body()).isEqualTo("canary");
      assertThat(get(gateway, "/", "Cookie", "session=abc; canary=yes").body()).isEqualTo("canary");
      assertThat(get(gateway, "/", "X-Canary", "0").body()).isEqualTo("stable");
    }
    // Every answer above came from the pinned or weighted upstream; the servers' counts may be a
    // little higher only by the gateway's retries of a request whose pooled connection closed.
    assertThat(canary.requests.get()).isBetween(400, 405);
    assertThat(stable.requests.get()).isBetween(200, 205);
  }

  @Test
  void aMirrorAnswering500ChangesNothingTheClientSeesAndGetsTheCopies() throws Exception {
    TestUpstream main = upstream("main");
    AtomicInteger copies = new AtomicInteger();
    AtomicInteger marked = new AtomicInteger();
    HttpServer failing = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    failing.createContext("/", exchange -> {
      copies.incrementAndGet();
      if ("true".equals(exchange.getRequestHeaders().getFirst(Mirror.MIRRORED_HEADER))) {
        marked.incrementAndGet();
      }
      exchange.getRequestBody().readAllBytes();
      byte[] body = "shadow broke".getBytes();
      exchange.sendResponseHeaders(500, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    failing.start();
    closing(() -> failing.stop(0));
    Upstream shadow = atPort("shadow", failing.getAddress().getPort());
    Gateway gateway = start(Route.builder("orders").pathPrefix("/").upstream(upstreamOf("main", main))
        .mirror(Mirror.builder(shadow).build()).build());

    for (int i = 0; i < 50; i++) {
      HttpResponse<String> answer = get(gateway, "/");
      assertThat(answer.statusCode()).isEqualTo(200);
      assertThat(answer.body()).isEqualTo("main");
    }
    // A request with a body is not mirrored (bodies stream and are not kept for a copy).
    HttpResponse<String> post = client.send(HttpRequest.newBuilder(uri(gateway, "/upload"))
        .POST(HttpRequest.BodyPublishers.ofString("hello")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(200);
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(copies).hasValue(50));
    assertThat(marked).hasValue(50);
    assertThat(main.requests.get()).isBetween(51, 55);
  }

  @Test
  void aMirrorThatHangsDoesNotDelayTheClientAndItsCopiesAreBounded() throws Exception {
    TestUpstream main = upstream("main");
    ServerSocket hanging = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
    List<Socket> held = new ArrayList<>();
    AtomicInteger accepted = new AtomicInteger();
    Thread acceptor = new Thread(() -> {
      try {
        while (true) {
          Socket socket = hanging.accept(); // reads nothing, answers nothing
          accepted.incrementAndGet();
          synchronized (held) {
            held.add(socket);
          }
        }
      } catch (Exception e) {
        // closed
      }
    });
    acceptor.setDaemon(true);
    acceptor.start();
    closing(() -> {
      hanging.close();
      synchronized (held) {
        for (Socket socket : held) {
          socket.close();
        }
      }
    });
    Upstream shadow = atPort("shadow", hanging.getLocalPort());
    Gateway gateway = start(Route.builder("orders").pathPrefix("/").upstream(upstreamOf("main", main))
        .mirror(Mirror.builder(shadow).timeout(Duration.ofSeconds(60)).maxInFlight(20).build())
        .build());

    for (int i = 0; i < 40; i++) {
      long start = System.nanoTime();
      HttpResponse<String> answer = get(gateway, "/");
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertThat(answer.statusCode()).isEqualTo(200);
      assertThat(answer.body()).isEqualTo("main");
      assertThat(millis).as("request %d took %d ms", i, millis).isLessThan(2_000);
    }
    // At most maxInFlight copies hang at once; the rest were skipped.
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(accepted).hasValue(20));
    assertThat(accepted).hasValue(20);
  }

  /** An upstream at the port of a server that is not a {@link TestUpstream}. */
  private Upstream atPort(String name, int port) {
    return Upstream.of(name, closing(dev.layerkit.gateway.lb.LoadBalancers.roundRobin()
        .serviceName(name).endpointSource(dev.layerkit.gateway.lb.EndpointSource.of(
            List.of(dev.layerkit.gateway.lb.Endpoint.of("127.0.0.1", port, 1)))).build()));
  }
}
