package dev.layerkit.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.layerkit.core.time.ManualTimeSource;
import dev.layerkit.gateway.lb.EndpointSource;
import dev.layerkit.gateway.lb.LoadBalancer;
import dev.layerkit.gateway.lb.LoadBalancers;
import dev.layerkit.gateway.lb.OutlierDetection;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** One of three upstreams dies under a steady GET load: retries and ejection hide it from clients. */
class GatewayFailoverIT extends GatewayTestSupport {

  @Test
  void killingOneOfThreeUpstreamsCausesNoClientErrorsAndItRejoinsAfterRecovery() throws Exception {
    TestUpstream a = upstream("a");
    TestUpstream b = upstream("b");
    TestUpstream c = upstream("c");
    int cPort = c.port();
    ManualTimeSource time = new ManualTimeSource();
    LoadBalancer lb = closing(LoadBalancers.roundRobin().serviceName("svc")
        .endpointSource(EndpointSource.of(List.of(a.endpoint(), b.endpoint(), c.endpoint())))
        .outlierDetection(OutlierDetection.builder().consecutiveFailures(3)
            .baseEjectionTime(Duration.ofSeconds(30)).build())
        .timeSource(time)
        .build());
    Gateway gateway = start(Route.builder("all").pathPrefix("/").maxRetries(2)
        .upstream(Upstream.builder("svc", lb).noCircuitBreaker().build()).build());

    AtomicBoolean running = new AtomicBoolean(true);
    AtomicInteger ok = new AtomicInteger();
    ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
    ExecutorService clients = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> load = new java.util.ArrayList<>();
      for (int i = 0; i < 4; i++) {
        load.add(clients.submit(() -> {
          while (running.get()) {
            try {
              HttpResponse<String> response = get(gateway, "/");
              if (response.statusCode() == 200) {
                ok.incrementAndGet();
              } else {
                errors.add(response.statusCode() + " " + response.body());
              }
            } catch (Exception e) {
              errors.add(e.toString());
            }
          }
          return null;
        }));
      }
      waitFor(() -> ok.get() >= 300);
      c.closeBetweenResponses();
      int atKill = ok.get();
      waitFor(() -> ok.get() >= atKill + 600);
      running.set(false);
      for (Future<?> future : load) {
        future.get();
      }
    } finally {
      running.set(false);
      clients.shutdownNow();
    }

    assertThat(errors).as("client-visible errors").isEmpty();
    assertThat(lb.status(c.endpoint()).ejected()).isTrue();
    assertThat(lb.availableEndpoints()).containsExactlyInAnyOrder(a.endpoint(), b.endpoint());

    TestUpstream revived = closing(new TestUpstream("c", cPort));
    time.advance(Duration.ofSeconds(31));
    for (int i = 0; i < 200 && revived.requests.get() == 0; i++) {
      assertThat(get(gateway, "/").statusCode()).isEqualTo(200);
    }
    assertThat(revived.requests.get()).as("requests to the revived endpoint").isPositive();
    assertThat(lb.status(c.endpoint()).ejected()).isFalse();
  }

  private static void waitFor(java.util.function.BooleanSupplier condition) {
    await().atMost(Duration.ofSeconds(60)).until(condition::getAsBoolean);
  }

}
