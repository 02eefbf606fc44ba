package dev.layerkit.gateway.lb;

import static dev.layerkit.gateway.lb.TestEndpoints.endpoints;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.layerkit.core.time.ManualTimeSource;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Least request and peak EWMA, both power of two choices. */
class LeastRequestAndPeakEwmaTest {

  private static final long MS = 1_000_000;

  private final ManualTimeSource time = new ManualTimeSource();

  @Test
  void leastRequestPrefersTheEndpointWithFewerOutstandingRequests() {
    List<Endpoint> endpoints = endpoints(2);
    LoadBalancer lb = LoadBalancers.leastRequest().endpoints(endpoints).build();
    Endpoint busy = holdUntil(lb, endpoints.get(0), 5);

    // With two endpoints both are always drawn, so every pick must take the idle one until the
    // loads are level.
    for (int i = 0; i < 5; i++) {
      assertThat(lb.pick()).isNotEqualTo(busy);
    }
    assertThat(lb.status(endpoints.get(0)).outstanding()).isEqualTo(5);
    assertThat(lb.status(endpoints.get(1)).outstanding()).isEqualTo(5);
  }

  @Test
  void leastRequestKeepsHeldLoadLevelAcrossManyEndpoints() {
    List<Endpoint> endpoints = endpoints(10);
    LoadBalancer lb = LoadBalancers.leastRequest().endpoints(endpoints).build();

    for (int i = 0; i < 1000; i++) {
      lb.pick();
    }

    // Two choices keep every load within a small additive gap of the mean (log log n): in 3,000
    // simulated runs the worst gap was 5. One random choice would spread loads with a standard
    // deviation of about 9.5, its worst of ten endpoints typically 15 to 25 from the mean.
    for (Endpoint endpoint : endpoints) {
      assertThat(lb.status(endpoint).outstanding()).isBetween(92, 108);
    }
  }

  @Test
  void peakEwmaPrefersTheLowerLatencyEndpoint() {
    List<Endpoint> endpoints = endpoints(2);
    LoadBalancer lb = LoadBalancers.peakEwma().endpoints(endpoints).timeSource(time).build();
    Endpoint slow = endpoints.get(0);
    Endpoint fast = endpoints.get(1);
    lb.onComplete(lb.pick(), 0, true);
    lb.onComplete(lb.pick(), 0, true);
    complete(lb, slow, 100 * MS);
    complete(lb, fast, 10 * MS);

    Map<Endpoint, Integer> counts = new HashMap<>();
    for (int i = 0; i < 100; i++) {
      Endpoint picked = lb.pick();
      counts.merge(picked, 1, Integer::sum);
      lb.onComplete(picked, picked.equals(slow) ? 100 * MS : 10 * MS, true);
      time.advance(Duration.ofMillis(1));
    }

    assertThat(counts.getOrDefault(fast, 0)).isEqualTo(100);
    assertThat(lb.status(slow).latencyNanos()).isGreaterThan(lb.status(fast).latencyNanos());
  }

  @Test
  void peakEwmaWeighsLoadAgainstLatency() {
    List<Endpoint> endpoints = endpoints(2);
    LoadBalancer lb = LoadBalancers.peakEwma().endpoints(endpoints).timeSource(time).build();
    Endpoint slow = endpoints.get(0);
    Endpoint fast = endpoints.get(1);
    complete(lb, slow, 35 * MS);
    complete(lb, fast, 10 * MS);

    // Costs latency x (outstanding + 1): the fast endpoint takes requests until it holds three,
    // where 10 ms x 4 = 40 ms exceeds the slow one's 35 ms x 1.
    for (int i = 0; i < 3; i++) {
      assertThat(lb.pick()).isEqualTo(fast);
    }
    assertThat(lb.pick()).isEqualTo(slow);
  }

  @Test
  void peakEwmaReactsToASlowResponseAtOnceAndForgetsItOverTime() {
    List<Endpoint> endpoints = endpoints(2);
    LoadBalancer lb = LoadBalancers.peakEwma().endpoints(endpoints).timeSource(time)
        .latencyDecay(Duration.ofSeconds(10)).build();
    Endpoint a = endpoints.get(0);
    Endpoint b = endpoints.get(1);
    complete(lb, a, 10 * MS);
    complete(lb, b, 20 * MS);
    assertThat(pickAndComplete(lb)).isEqualTo(a);

    complete(lb, a, 500 * MS);   // a peak: the estimate jumps to the sample
    assertThat(lb.status(a).latencyNanos()).isEqualTo(500.0 * MS);
    assertThat(pickAndComplete(lb, 20 * MS)).isEqualTo(b);

    // While b keeps serving at 20 ms (seen one second later as 20 ms x e^-0.1 = 18.1 ms), a's
    // idle estimate decays towards zero; a is tried again once 500 ms x e^(-t / 10 s) falls below
    // that, at t = 10 s x ln(500 / 18.1) = 33.2 s, so after 34 whole seconds.
    int seconds = 0;
    while (pickAndComplete(lb, 20 * MS).equals(b)) {
      time.advance(Duration.ofSeconds(1));
      seconds++;
      assertThat(seconds).isLessThan(60);
    }
    assertThat(seconds).isEqualTo(34);
  }

  @Test
  void peakEwmaProbesANewEndpointWithOneRequestAtATime() {
    List<Endpoint> endpoints = endpoints(2);
    MutableEndpointSource source = EndpointSource.mutable(endpoints.subList(0, 1));
    LoadBalancer lb = LoadBalancers.peakEwma().endpointSource(source).timeSource(time).build();
    complete(lb, endpoints.get(0), 10 * MS);
    source.update(endpoints);
    Endpoint fresh = endpoints.get(1);

    for (int i = 0; i < 32; i++) {  // both orders of the two choices, never a tie
      Endpoint picked = lb.pick();
      assertThat(picked).isEqualTo(fresh);
      lb.onCancel(picked);
    }
    assertThat(lb.pick()).isEqualTo(fresh);  // unknown and idle: costs nothing
    assertThat(lb.pick()).isEqualTo(endpoints.get(0));  // unknown and busy: penalised
    assertThat(lb.pick()).isEqualTo(endpoints.get(0));
  }

  @Test
  void peakEwmaDividesCostByWeight() {
    List<Endpoint> endpoints = TestEndpoints.weighted(1, 3);
    LoadBalancer lb = LoadBalancers.peakEwma().endpoints(endpoints).timeSource(time).build();
    complete(lb, endpoints.get(0), 10 * MS);
    complete(lb, endpoints.get(1), 10 * MS);
    Map<Endpoint, Integer> counts = new HashMap<>();
    for (int i = 0; i < 40; i++) {
      counts.merge(lb.pick(), 1, Integer::sum);   // held: the load builds up
    }
    // Equal latency: cost 10 ms x (outstanding + 1) / weight, so the weight-3 endpoint holds
    // three times the other's load plus one (up to one pick of ties).
    assertThat(counts.get(endpoints.get(1))).isBetween(29, 31);
  }

  @Test
  void aLowerSamplePullsTheEstimateDownByTheTimeSinceTheLastAndIdleEstimatesDecay() {
    List<Endpoint> endpoints = endpoints(2);
    LoadBalancer lb = LoadBalancers.peakEwma().endpoints(endpoints).timeSource(time)
        .latencyDecay(Duration.ofSeconds(10)).build();
    Endpoint a = endpoints.get(0);
    time.advance(Duration.ofSeconds(5));  // the first sample's time is remembered, not taken as zero
    complete(lb, a, 100 * MS);
    time.advance(Duration.ofSeconds(10));
    assertThat(lb.status(a).latencyNanos()).as("idle for one tau").isCloseTo(100 * MS * Math.exp(-1), within(1.0));
    complete(lb, a, 0);
    // Weight 1 - e^-1 on the new sample: 100 ms x e^-1 + 0 x (1 - e^-1).
    assertThat(lb.status(a).latencyNanos()).isCloseTo(100 * MS * Math.exp(-1), within(1.0));
    time.advance(Duration.ofSeconds(10));
    complete(lb, a, 50 * MS);
    assertThat(lb.status(a).latencyNanos()).as("a sample above the estimate replaces it")
        .isEqualTo(50.0 * MS);
  }

  @Test
  void peakEwmaComparesEstimatesDecayedToTheYoungerSample() {
    List<Endpoint> endpoints = endpoints(2);
    Endpoint old = endpoints.get(0);
    Endpoint recent = endpoints.get(1);
    // Short gap: the old 100 ms estimate decays to 36.8 ms after one tau, still above 10 ms.
    LoadBalancer shortGap = LoadBalancers.peakEwma().endpoints(endpoints).timeSource(time)
        .latencyDecay(Duration.ofSeconds(10)).build();
    complete(shortGap, old, 100 * MS);
    time.advance(Duration.ofSeconds(10));
    complete(shortGap, recent, 10 * MS);
    // Long gap: after six taus it is 0.25 ms, below 10 ms.
    LoadBalancer longGap = LoadBalancers.peakEwma().endpoints(endpoints).timeSource(time)
        .latencyDecay(Duration.ofSeconds(10)).build();
    complete(longGap, old, 100 * MS);
    time.advance(Duration.ofSeconds(60));
    complete(longGap, recent, 10 * MS);
    // Each pick draws both in a random order, so both orders of the comparison are exercised.
    for (int i = 0; i < 64; i++) {
      Endpoint picked = shortGap.pick();
      assertThat(picked).isEqualTo(recent);
      shortGap.onCancel(picked);
      picked = longGap.pick();
      assertThat(picked).isEqualTo(old);
      longGap.onCancel(picked);
    }
  }

  /** Picks until {@code target} holds {@code count} requests, then cancels every other pick. */
  private static Endpoint holdUntil(LoadBalancer lb, Endpoint target, int count) {
    List<Endpoint> others = new java.util.ArrayList<>();
    int held = 0;
    while (held < count) {
      Endpoint picked = lb.pick();
      if (picked.equals(target)) {
        held++;
      } else {
        others.add(picked);
      }
    }
    others.forEach(lb::onCancel);
    return target;
  }

  private void complete(LoadBalancer lb, Endpoint endpoint, long latency) {
    lb.onComplete(endpoint, latency, true);
  }

  private Endpoint pickAndComplete(LoadBalancer lb) {
    return pickAndComplete(lb, 10 * MS);
  }

  private Endpoint pickAndComplete(LoadBalancer lb, long latency) {
    Endpoint picked = lb.pick();
    lb.onComplete(picked, latency, true);
    return picked;
  }
}
