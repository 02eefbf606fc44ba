package dev.layerkit.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.layerkit.core.resilience.ResiliencePolicy;
import dev.layerkit.core.time.ManualTimeSource;
import dev.layerkit.gateway.lb.Endpoint;
import dev.layerkit.gateway.lb.EndpointSource;
import dev.layerkit.gateway.lb.LoadBalancer;
import dev.layerkit.gateway.lb.LoadBalancers;
import dev.layerkit.gateway.lb.MutableEndpointSource;
import dev.layerkit.gateway.lb.OutlierDetection;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What the gateway does when endpoints really fail, with nothing forced: the per-endpoint circuit
 * breaker opens on the endpoint's own 5xx answers, the connect timeout cuts off an endpoint that
 * never accepts, and the retry budget caps the retries in flight during an outage.
 */
class GatewayUpstreamFaultsIT extends GatewayTestSupport {

  private LoadBalancer balancer(String name, Endpoint... endpoints) {
    return closing(LoadBalancers.roundRobin().serviceName(name)
        .endpointSource(EndpointSource.of(List.of(endpoints))).build());
  }

  @Test
  void theDefaultBreakerOpensAfterTenFailingAnswersAndThenSparesTheEndpoint() throws Exception {
    TestUpstream failing = upstream("failing");
    Upstream svc = Upstream.of("svc", balancer("svc", failing.endpoint()));
    Gateway gateway = start(Route.builder("all").pathPrefix("/").maxRetries(0).upstream(svc).build());

    // The default breaker: at least 10 calls, 50% failing. Nine 500s leave it closed.
    for (int i = 0; i < 9; i++) {
      assertThat(get(gateway, "/fail").statusCode()).isEqualTo(500);
    }
    assertThat(svc.circuitBreaker(failing.endpoint()).getState()).isEqualTo(CircuitBreaker.State.CLOSED);
    assertThat(get(gateway, "/fail").statusCode()).isEqualTo(500);
    // The answer may reach the client a moment before the exchange reports it to the breaker.
    CircuitBreaker breaker = svc.circuitBreaker(failing.endpoint());
    await().atMost(Duration.ofSeconds(10)).until(() -> breaker.getState() == CircuitBreaker.State.OPEN);

    HttpResponse<String> spared = get(gateway, "/fail");

    assertThat(spared.statusCode()).isEqualTo(503);
    assertThat(spared.body()).contains("every endpoint of upstream 'svc' has an open circuit");
    assertThat(failing.requests.get()).as("requests that reached the endpoint").isEqualTo(10);
    assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.OPEN);
  }

  @Test
  void aBreakerOpenedByFailuresLetsATrialThroughAfterItsWaitAndClosesOnSuccess() throws Exception {
    ManualTimeSource time = new ManualTimeSource();
    TestUpstream endpoint = upstream("flaky");
    Upstream svc = Upstream.builder("svc", balancer("svc", endpoint.endpoint()))
        .circuitBreaker(e -> ResiliencePolicy.builder("svc@" + e.id()).withCircuitBreaker()
            .slidingWindowSize(4).minimumNumberOfCalls(4).failureRateThreshold(50)
            .waitDurationInOpenState(Duration.ofMinutes(1)).permittedNumberOfCallsInHalfOpenState(1)
            .timeSource(time).build())
        .build();
    Gateway gateway = start(Route.builder("all").pathPrefix("/").maxRetries(0).upstream(svc).build());

    // Two successes and two failures: 50% of 4 calls, the threshold.
    assertThat(get(gateway, "/id").statusCode()).isEqualTo(200);
    assertThat(get(gateway, "/fail").statusCode()).isEqualTo(500);
    assertThat(get(gateway, "/id").statusCode()).isEqualTo(200);
    assertThat(get(gateway, "/fail").statusCode()).isEqualTo(500);
    CircuitBreaker breaker = svc.circuitBreaker(endpoint.endpoint());
    await().atMost(Duration.ofSeconds(10)).until(() -> breaker.getState() == CircuitBreaker.State.OPEN);

    assertThat(get(gateway, "/id").statusCode()).as("open: not even a good request goes").isEqualTo(503);
    time.advance(Duration.ofSeconds(59));
    assertThat(get(gateway, "/id").statusCode()).isEqualTo(503);
    assertThat(endpoint.requests.get()).isEqualTo(4);

    time.advance(Duration.ofSeconds(2));
    assertThat(get(gateway, "/id").statusCode()).as("the half-open trial").isEqualTo(200);
    await().atMost(Duration.ofSeconds(10)).until(() -> breaker.getState() == CircuitBreaker.State.CLOSED);
    assertThat(get(gateway, "/id").statusCode()).isEqualTo(200);
    assertThat(endpoint.requests.get()).isEqualTo(6);
  }

  @Test
  void aDeadEndpointWhoseCircuitOpensBetweenEjectionsIsEjectedByItsRefusalsInsteadOfTakingEveryPick()
      throws Exception {
    // The order system's gateway in its chaos run: least request over two instances, outlier
    // detection (3 failures in a row eject for 10 s, then 20 s, 30 s, ...) and each instance behind
    // the default breaker (10 calls, 50%, 10 s open). One instance died and stayed down; the other
    // is busy (a request in flight), so least request prefers the dead, idle one.
    ManualTimeSource time = new ManualTimeSource();
    TestUpstream healthy = upstream("healthy");
    Endpoint dead;
    try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      dead = Endpoint.builder("127.0.0.1", closed.getLocalPort()).id("dead").build();
    }
    MutableEndpointSource source = EndpointSource.mutable(List.of(healthy.endpoint()));
    LoadBalancer balancer = closing(LoadBalancers.leastRequest().serviceName("svc").endpointSource(source)
        .timeSource(time)
        .outlierDetection(OutlierDetection.builder().consecutiveFailures(3)
            .baseEjectionTime(Duration.ofSeconds(10)).build())
        .build());
    Upstream svc = Upstream.builder("svc", balancer)
        .circuitBreaker(e -> ResiliencePolicy.builder("svc@" + e.id()).withCircuitBreaker()
            .slidingWindowSize(20).minimumNumberOfCalls(10).failureRateThreshold(50)
            .waitDurationInOpenState(Duration.ofSeconds(10)).permittedNumberOfCallsInHalfOpenState(3)
            .timeSource(time).build())
        .build();
    Gateway gateway = start(Route.builder("all").pathPrefix("/").maxRetries(0).upstream(svc).build());
    CompletableFuture<HttpResponse<String>> busy = client.sendAsync(HttpRequest.newBuilder(uri(gateway, "/slow"))
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    await().atMost(Duration.ofSeconds(10)).until(healthy::slowRequestArrived);
    source.update(List.of(healthy.endpoint(), dead));
    CircuitBreaker breaker = svc.circuitBreaker(dead);

    // Each time its ejection ends, three requests find it refusing connections and eject it again.
    for (Duration ejection : List.of(Duration.ofSeconds(10), Duration.ofSeconds(20), Duration.ofSeconds(30))) {
      for (int i = 0; i < 3; i++) {
        assertThat(get(gateway, "/id").statusCode()).isEqualTo(502);
      }
      assertThat(balancer.status(dead).ejected()).isTrue();
      assertThat(get(gateway, "/id").body()).as("meanwhile the healthy one serves").isEqualTo("healthy");
      time.advance(ejection);
    }
    // Its tenth failing call opens its circuit, one failure into a run of three: open, not ejected.
    assertThat(get(gateway, "/id").statusCode()).isEqualTo(502);
    await().atMost(Duration.ofSeconds(10)).until(() -> breaker.getState() == CircuitBreaker.State.OPEN);
    assertThat(balancer.status(dead).ejected()).isFalse();

    // Were its refusals only cancelled, it would still look idle, least request would pick it four
    // times per request, and every request would get a 503 ("every endpoint ... has an open
    // circuit") until the circuit's wait ended: the chaos run's burst. Refusals are failures for
    // the balancer: the second ejects it, and the healthy endpoint serves.
    List<Integer> statuses = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      statuses.add(get(gateway, "/id").statusCode());
    }

    assertThat(statuses).containsOnly(200);
    assertThat(balancer.status(dead).ejected()).as("ejected by its refusals").isTrue();
    assertThat(balancer.status(dead).outstanding()).as("every refused pick given back").isZero();
    healthy.releaseSlow();
    assertThat(busy.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
  }

  @Test
  void aHalfOpenCircuitWhoseTrialsAreTakenRefusesWithoutCountingAFailure() throws Exception {
    TestUpstream endpoint = upstream("recovering");
    LoadBalancer balancer = closing(LoadBalancers.leastRequest().serviceName("svc")
        .endpointSource(EndpointSource.of(List.of(endpoint.endpoint())))
        .outlierDetection(OutlierDetection.builder().consecutiveFailures(1)
            .baseEjectionTime(Duration.ofSeconds(10)).build())
        .panicThreshold(0)
        .build());
    Upstream svc = Upstream.builder("svc", balancer)
        .circuitBreaker(e -> ResiliencePolicy.builder("svc@" + e.id()).withCircuitBreaker()
            .slidingWindowSize(4).minimumNumberOfCalls(4).failureRateThreshold(50)
            .permittedNumberOfCallsInHalfOpenState(1).build())
        .build();
    Gateway gateway = start(Route.builder("all").pathPrefix("/").maxRetries(0).upstream(svc).build());
    CircuitBreaker breaker = svc.circuitBreaker(endpoint.endpoint());
    breaker.transitionToOpenState();
    breaker.transitionToHalfOpenState();
    // The one trial call, held by the endpoint.
    CompletableFuture<HttpResponse<String>> trial = client.sendAsync(HttpRequest.newBuilder(uri(gateway, "/slow"))
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    await().atMost(Duration.ofSeconds(10)).until(endpoint::slowRequestArrived);

    HttpResponse<String> refused = get(gateway, "/id");

    assertThat(refused.statusCode()).isEqualTo(503);
    assertThat(refused.body()).contains("has an open circuit");
    assertThat(balancer.status(endpoint.endpoint()).ejected())
        .as("a refusal for want of a trial slot is no failure: one failure would eject").isFalse();
    endpoint.releaseSlow();
    assertThat(trial.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
  }

  @Test
  void anEndpointThatNeverAcceptsIsCutOffAtTheConnectTimeoutWith504() throws Exception {
    Blackhole blackhole = closing(new Blackhole());
    Upstream svc = Upstream.builder("hole", balancer("hole", blackhole.endpoint()))
        .noCircuitBreaker().build();
    Gateway gateway = start(Route.builder("all").pathPrefix("/").maxRetries(0)
        .connectTimeout(Duration.ofMillis(300)).responseTimeout(Duration.ofSeconds(60))
        .upstream(svc).build());

    long start = System.nanoTime();
    // Without a connect timeout the connection would wait for the kernel's SYN retries (minutes):
    // the client gives up after 20 s, which fails the test.
    HttpResponse<String> response = client.send(HttpRequest.newBuilder(uri(gateway, "/"))
        .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    Duration took = Duration.ofNanos(System.nanoTime() - start);

    assertThat(response.statusCode()).isEqualTo(504);
    assertThat(response.body()).contains("connect to upstream 'hole' timed out after 300 ms");
    assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(300)).isLessThan(Duration.ofSeconds(15));
  }

  @Test
  void duringAnOutageRetriesInFlightStopAtTheBudgetAndTheRestFailFast() throws Exception {
    GatewayRetryIT.DroppingServer dropping = closing(new GatewayRetryIT.DroppingServer());
    HangingEndpoint hanging = closing(new HangingEndpoint());
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    // Budget: no share of the load, two retries in flight at most.
    Upstream svc = Upstream.builder("svc", balancer("svc", dropping.endpoint(), hanging.endpoint()))
        .noCircuitBreaker().retryBudget(0, 2).build();
    Gateway gateway = start(Gateway.builder().meterRegistry(registry).route(Route.builder("all")
        .pathPrefix("/").maxRetries(1).responseTimeout(Duration.ofSeconds(60)).upstream(svc).build()));

    int calls = 12;
    List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
    for (int i = 0; i < calls; i++) {
      answers.add(client.sendAsync(HttpRequest.newBuilder(uri(gateway, "/" + i))
          .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString()));
    }
    // Every request ends up either answered (a dropped one the budget did not retry) or held by
    // the hanging endpoint (a first attempt, or a retry of a dropped one).
    await().atMost(Duration.ofSeconds(30)).until(() ->
        answers.stream().filter(CompletableFuture::isDone).count() + hanging.held.size() == calls);

    int dropped = dropping.requests.get();
    long retries = (long) registry.get("layerkit.gateway.retries").counter().count();
    assertThat(dropped).as("first attempts the dropping endpoint got").isGreaterThanOrEqualTo(3);
    assertThat(retries).as("retries in flight are capped by the budget").isEqualTo(2);
    assertThat(hanging.held).hasSize(calls - dropped + 2);
    List<HttpResponse<String>> failedFast = answers.stream().filter(CompletableFuture::isDone)
        .map(CompletableFuture::join).toList();
    assertThat(failedFast).hasSize(dropped - 2).allSatisfy(response -> {
      assertThat(response.statusCode()).isEqualTo(502);
      assertThat(response.body()).contains("closed the connection before answering");
    });

    hanging.close(); // the held requests end too (502), and give their budget back
    for (CompletableFuture<HttpResponse<String>> answer : answers) {
      assertThat(answer.get().statusCode()).isEqualTo(502);
    }
    // Nothing in flight: the budget has room again, and a failed request is retried once more.
    double before = registry.get("layerkit.gateway.retries").counter().count();
    assertThat(get(gateway, "/again").statusCode()).isEqualTo(502);
    assertThat(registry.get("layerkit.gateway.retries").counter().count()).isEqualTo(before + 1);
  }

  /** Accepts connections, reads the request head and never answers until closed. */
  static final class HangingEndpoint implements AutoCloseable {
    final List<Socket> held = new CopyOnWriteArrayList<>();
    private final ServerSocket socket;

    HangingEndpoint() throws IOException {
      socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      Thread thread = new Thread(() -> {
        while (!socket.isClosed()) {
          try {
            Socket client = socket.accept();
            InputStream in = client.getInputStream();
            int matched = 0;
            int b;
            while (matched < 4 && (b = in.read()) >= 0) {
              matched = (b == '\r' || b == '\n') ? matched + 1 : 0;
            }
            held.add(client);
          } catch (IOException e) {
            return;
          }
        }
      }, "hanging-endpoint");
      thread.setDaemon(true);
      thread.start();
    }

    Endpoint endpoint() {
      return Endpoint.builder("127.0.0.1", socket.getLocalPort()).id("hanging").build();
    }

    @Override
    public void close() throws IOException {
      socket.close();
      for (Socket client : held) {
        client.close();
      }
    }
  }

  /**
   * A listening socket that never accepts, with its accept queue filled: the kernel drops further
   * SYNs, so a connect to it neither succeeds nor is refused.
   */
  static final class Blackhole implements AutoCloseable {
    private final ServerSocket socket;
    private final List<Socket> fillers = new ArrayList<>();

    Blackhole() throws IOException {
      socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
      // Linux completes backlog + 1 handshakes; fill until a connect hangs (bounded).
      for (int i = 0; i < 64; i++) {
        Socket filler = new Socket();
        try {
          filler.connect(socket.getLocalSocketAddress(), 200);
          fillers.add(filler);
        } catch (SocketTimeoutException e) {
          filler.close();
          return;
        }
      }
      close();
      throw new IllegalStateException("the accept queue of " + socket + " never filled up");
    }

    Endpoint endpoint() {
      InetSocketAddress address = (InetSocketAddress) socket.getLocalSocketAddress();
      return Endpoint.builder("127.0.0.1", address.getPort()).id("blackhole").build();
    }

    @Override
    public void close() throws IOException {
      for (Socket filler : fillers) {
        filler.close();
      }
      socket.close();
    }
  }
}
