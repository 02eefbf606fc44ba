package dev.layerkit.gateway.lb;

import static dev.layerkit.gateway.lb.TestEndpoints.endpoints;
import static dev.layerkit.gateway.lb.TestEndpoints.pickAndComplete;
import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.core.health.HealthStatus;
import dev.layerkit.core.time.ManualTimeSource;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class OutlierEjectionTest {

  private final ManualTimeSource time = new ManualTimeSource();

  private LoadBalancer balancer(List<Endpoint> endpoints, OutlierDetection detection) {
    return LoadBalancers.roundRobin().serviceName("orders").endpoints(endpoints).timeSource(time)
        .outlierDetection(detection).build();
  }

  @Test
  void ejectsAfterConsecutiveFailuresAndReturnsAfterTheEjectionTime() {
    List<Endpoint> endpoints = endpoints(4);
    Endpoint bad = endpoints.get(0);
    LoadBalancer lb = balancer(endpoints, OutlierDetection.builder()
        .consecutiveFailures(3).baseEjectionTime(Duration.ofSeconds(30)).maxEjectionPercent(50).build());

    fail(lb, bad, 2);
    assertThat(lb.status(bad).ejected()).isFalse();
    fail(lb, bad, 1);

    assertThat(lb.status(bad).ejected()).isTrue();
    assertThat(lb.status(bad).ejectedFor()).isEqualTo(Duration.ofSeconds(30));
    assertThat(lb.availableEndpoints()).hasSize(3).doesNotContain(bad);
    assertThat(pickAndComplete(lb, 300)).doesNotContainKey(bad);
    assertThat(lb.healthCheck().check().status()).isEqualTo(HealthStatus.DEGRADED);

    time.advance(Duration.ofSeconds(29));
    assertThat(pickAndComplete(lb, 300)).doesNotContainKey(bad);

    time.advance(Duration.ofSeconds(1));
    Map<Endpoint, Integer> after = pickAndComplete(lb, 400);
    assertThat(after).containsEntry(bad, 100);
    assertThat(lb.status(bad).ejected()).isFalse();
    assertThat(lb.healthCheck().check().status()).isEqualTo(HealthStatus.UP);
  }

  @Test
  void aSuccessResetsTheConsecutiveFailureCount() {
    List<Endpoint> endpoints = endpoints(4);
    Endpoint flaky = endpoints.get(0);
    LoadBalancer lb = balancer(endpoints, OutlierDetection.builder().consecutiveFailures(3).maxEjectionPercent(50).build());

    fail(lb, flaky, 2);
    lb.onComplete(flaky, 1, true);
    fail(lb, flaky, 2);

    assertThat(lb.status(flaky).ejected()).isFalse();
  }

  @Test
  void ejectionTimeGrowsWithEachRepeatAndIsCapped() {
    List<Endpoint> endpoints = endpoints(4);
    Endpoint bad = endpoints.get(0);
    LoadBalancer lb = balancer(endpoints, OutlierDetection.builder()
        .consecutiveFailures(1)
        .baseEjectionTime(Duration.ofSeconds(10))
        .maxEjectionTime(Duration.ofSeconds(25))
        .maxEjectionPercent(50)
        .build());

    fail(lb, bad, 1);
    assertThat(lb.status(bad).ejectedFor()).isEqualTo(Duration.ofSeconds(10));
    time.advance(Duration.ofSeconds(10));
    assertThat(lb.status(bad).ejected()).isFalse();

    fail(lb, bad, 1);
    assertThat(lb.status(bad).ejectedFor()).isEqualTo(Duration.ofSeconds(20));
    time.advance(Duration.ofSeconds(20));

    fail(lb, bad, 1);
    assertThat(lb.status(bad).ejectedFor()).isEqualTo(Duration.ofSeconds(25));  // 30 s, capped
    assertThat(lb.status(bad).timesEjected()).isEqualTo(3);
  }

  @Test
  void ejectionTimeShrinksAgainAfterTheEndpointStaysHealthy() {
    List<Endpoint> endpoints = endpoints(4);
    Endpoint bad = endpoints.get(0);
    LoadBalancer lb = balancer(endpoints, OutlierDetection.builder()
        .consecutiveFailures(1).baseEjectionTime(Duration.ofSeconds(10)).maxEjectionPercent(50).build());
    fail(lb, bad, 1);
    time.advance(Duration.ofSeconds(10));
    fail(lb, bad, 1);
    time.advance(Duration.ofSeconds(20));
    assertThat(lb.status(bad).ejected()).isFalse();

    // Back for 20 s, two base periods: the multiplier falls from 2 to 0, so the next ejection is
    // a first one again.
    time.advance(Duration.ofSeconds(20));
    fail(lb, bad, 1);

    assertThat(lb.status(bad).ejectedFor()).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void neverEjectsMoreThanMaxEjectionPercent() {
    List<Endpoint> endpoints = endpoints(10);
    LoadBalancer lb = balancer(endpoints, OutlierDetection.builder().consecutiveFailures(1).maxEjectionPercent(20).build());

    for (Endpoint endpoint : endpoints.subList(0, 5)) {
      fail(lb, endpoint, 1);
    }

    assertThat(endpoints.stream().filter(e -> lb.status(e).ejected())).hasSize(2);
    assertThat(lb.availableEndpoints()).hasSize(8);

    // Once an ejection ends, the slot is free for the next failing endpoint.
    time.advance(OutlierDetection.DEFAULT_BASE_EJECTION_TIME);
    fail(lb, endpoints.get(4), 1);
    assertThat(lb.status(endpoints.get(4)).ejected()).isTrue();
  }

  @Test
  void ejectsAtLeastOneEndpointOfASmallService() {
    List<Endpoint> endpoints = endpoints(3);
    LoadBalancer lb = balancer(endpoints, OutlierDetection.builder().consecutiveFailures(1).build());  // 10%

    fail(lb, endpoints.get(0), 1);
    fail(lb, endpoints.get(1), 1);

    assertThat(lb.status(endpoints.get(0)).ejected()).isTrue();
    assertThat(lb.status(endpoints.get(1)).ejected()).isFalse();
  }

  @Test
  void ejectsOnFailureRateOverAWindow() {
    List<Endpoint> endpoints = endpoints(4);
    Endpoint flaky = endpoints.get(0);
    LoadBalancer lb = balancer(endpoints, OutlierDetection.builder()
        .consecutiveFailures(0)
        .failureRateThreshold(50)
        .failureRateMinimumRequests(10)
        .failureRateWindow(Duration.ofSeconds(10))
        .maxEjectionPercent(50)
        .build());

    // 40% failures over 20 requests, spread so that no prefix of ten or more reaches 50%.
    for (int i = 0; i < 20; i++) {
      lb.onComplete(flaky, 1, i % 5 != 0 && i % 5 != 2);
    }
    assertThat(lb.status(flaky).ejected()).isFalse();

    // A new window: 60% failures; ejected when the tenth request completes.
    time.advance(Duration.ofSeconds(10));
    for (int i = 0; i < 10 && !lb.status(flaky).ejected(); i++) {
      lb.onComplete(flaky, 1, i % 5 >= 3);
    }
    assertThat(lb.status(flaky).ejected()).isTrue();
  }

  @Test
  void countsEjectionsAndRestoresAfterReturnWithSlowStart() {
    List<Endpoint> endpoints = endpoints(4);
    Endpoint bad = endpoints.get(0);
    LoadBalancer lb = LoadBalancers.weightedRoundRobin().endpoints(endpoints).timeSource(time)
        .outlierDetection(OutlierDetection.builder().consecutiveFailures(1).maxEjectionPercent(50).build())
        .slowStart(Duration.ofSeconds(100))
        .build();

    fail(lb, bad, 1);
    time.advance(OutlierDetection.DEFAULT_BASE_EJECTION_TIME);

    assertThat(lb.status(bad).ejected()).isFalse();
    assertThat(lb.status(bad).weightPercent()).isEqualTo(LoadBalancerBuilder.DEFAULT_SLOW_START_MIN_WEIGHT_PERCENT);
  }

  @Test
  void theFailureRateEjectsAtExactlyTheThresholdAndTheMinimumAndAWindowEndsAtItsLength() {
    List<Endpoint> endpoints = endpoints(4);
    Endpoint flaky = endpoints.get(0);
    LoadBalancer lb = balancer(endpoints, OutlierDetection.builder().consecutiveFailures(0)
        .failureRateThreshold(50).failureRateMinimumRequests(10).failureRateWindow(Duration.ofSeconds(10))
        .maxEjectionPercent(50).build());
    fail(lb, flaky, 9);
    time.advance(Duration.ofSeconds(10));  // exactly one window later: the nine are forgotten
    for (int i = 0; i < 5; i++) {
      lb.onComplete(flaky, 1, true);
    }
    fail(lb, flaky, 4);
    assertThat(lb.status(flaky).ejected()).as("4 of 9").isFalse();
    fail(lb, flaky, 1);
    assertThat(lb.status(flaky).ejected()).as("5 of 10: the threshold at the minimum").isTrue();
  }

  @Test
  void aRefusedEjectionAtTheLimitStartsTheFailureCountAfresh() {
    List<Endpoint> endpoints = endpoints(2);
    Endpoint a = endpoints.get(0);
    Endpoint b = endpoints.get(1);
    LoadBalancer lb = balancer(endpoints, OutlierDetection.builder().consecutiveFailures(2).maxEjectionPercent(50)
        .baseEjectionTime(Duration.ofSeconds(30)).build());
    fail(lb, a, 2);
    assertThat(lb.status(a).ejected()).isTrue();
    fail(lb, b, 2);
    assertThat(lb.status(b).ejected()).as("one of two is the limit").isFalse();

    time.advance(Duration.ofSeconds(30));  // a is due back: the slot is free again
    fail(lb, b, 1);
    assertThat(lb.status(b).ejected()).as("one failure since the refused ejection is not a run of two").isFalse();
    fail(lb, b, 1);
    assertThat(lb.status(b).ejected()).isTrue();
  }

  @Test
  void withTheFailureRateOffAFailureAmongManyRequestsEjectsNothing() {
    List<Endpoint> endpoints = endpoints(4);
    Endpoint flaky = endpoints.get(0);
    LoadBalancer lb = balancer(endpoints, OutlierDetection.builder().consecutiveFailures(5).maxEjectionPercent(50)
        .build());
    fail(lb, flaky, 1);
    for (int i = 0; i < 40; i++) {
      lb.onComplete(flaky, 1_000, true);
    }
    assertThat(lb.status(flaky).ejected()).isFalse();
  }

  private static void fail(LoadBalancer lb, Endpoint endpoint, int times) {
    for (int i = 0; i < times; i++) {
      lb.onComplete(endpoint, 1_000, false);
    }
  }

  @Test
  void ofTwoEjectionsTheOneEndingFirstReturnsOnTimeWhateverTheirOrder() {
    List<Endpoint> endpoints = endpoints(4);
    LoadBalancer lb = balancer(endpoints, OutlierDetection.builder()
        .consecutiveFailures(1).baseEjectionTime(Duration.ofSeconds(30)).maxEjectionPercent(50).build());
    Endpoint later = endpoints.get(0);
    Endpoint sooner = endpoints.get(1);
    fail(lb, sooner, 1);           // back at 30 s
    time.advance(Duration.ofSeconds(10));
    fail(lb, later, 1);            // back at 40 s, listed first
    time.advance(Duration.ofSeconds(20));
    assertThat(pickAndComplete(lb, 300)).as("30 s: the first ejection is over").containsKey(sooner)
        .doesNotContainKey(later);
    time.advance(Duration.ofSeconds(10));
    assertThat(pickAndComplete(lb, 400)).containsKeys(sooner, later);
  }

  @Test
  void theFailureRateCountsOnlyTheCurrentWindow() {
    List<Endpoint> endpoints = endpoints(4);
    Endpoint flaky = endpoints.get(0);
    LoadBalancer lb = balancer(endpoints, OutlierDetection.builder().consecutiveFailures(0)
        .failureRateThreshold(50).failureRateMinimumRequests(10).failureRateWindow(Duration.ofSeconds(10))
        .maxEjectionPercent(50).build());
    fail(lb, flaky, 9);             // too few requests to judge
    time.advance(Duration.ofSeconds(10));
    fail(lb, flaky, 1);             // a new window: 1 failure ...
    for (int i = 0; i < 9; i++) {
      lb.onComplete(flaky, 1, true); // ... of 10
    }
    assertThat(lb.status(flaky).ejected()).as("10% in this window; the old failures are over").isFalse();
    fail(lb, flaky, 1);
    assertThat(lb.status(flaky).ejected()).isFalse();
    time.advance(Duration.ofSeconds(10));
    fail(lb, flaky, 10);
    assertThat(lb.status(flaky).ejected()).as("100% of 10 in a window").isTrue();
  }

  @Test
  void failuresWhileEjectedDoNotCountOnceTheEndpointIsBack() {
    List<Endpoint> endpoints = endpoints(2);
    Endpoint bad = endpoints.get(0);
    // Panic mode keeps routing to the ejected endpoint (one of two is below 60%).
    LoadBalancer lb = LoadBalancers.roundRobin().endpoints(endpoints).timeSource(time).panicThreshold(60)
        .outlierDetection(OutlierDetection.builder().consecutiveFailures(3)
            .baseEjectionTime(Duration.ofSeconds(30)).maxEjectionPercent(50).build()).build();
    fail(lb, bad, 3);
    assertThat(lb.status(bad).ejected()).isTrue();
    fail(lb, bad, 2);               // in panic, while ejected
    time.advance(Duration.ofSeconds(30));
    assertThat(lb.status(bad).ejected()).isFalse();
    fail(lb, bad, 1);
    assertThat(lb.status(bad).ejected()).as("a fresh run of failures starts at the return").isFalse();
    fail(lb, bad, 2);
    assertThat(lb.status(bad).ejected()).isTrue();
  }

  @Test
  void aDegradedHealthSaysHowManyEndpointsAreUnavailable() {
    List<Endpoint> endpoints = endpoints(4);
    LoadBalancer lb = balancer(endpoints, OutlierDetection.builder().consecutiveFailures(1).maxEjectionPercent(50).build());
    fail(lb, endpoints.get(0), 1);
    assertThat(lb.healthCheck().check().details())
        .containsEntry("reason", "1 of 4 endpoints of service 'orders' are unavailable");
  }

  @Test
  void closingTheBalancerEndsItsSubscription() {
    AtomicInteger closed = new AtomicInteger();
    EndpointSource source = new EndpointSource() {
      @Override
      public List<Endpoint> endpoints() {
        return TestEndpoints.endpoints(2);
      }

      @Override
      public Subscription subscribe(java.util.function.Consumer<? super List<Endpoint>> listener) {
        listener.accept(endpoints());
        return closed::incrementAndGet;
      }
    };
    LoadBalancer lb = LoadBalancers.roundRobin().endpointSource(source).timeSource(time).build();
    lb.close();
    assertThat(closed).hasValue(1);
  }
}
