package dev.layerkit.gateway.lb;

import static dev.layerkit.gateway.lb.TestEndpoints.endpoints;
import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.core.health.HealthCheck;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** {@link LoadBalancer#pick(RequestContext, Endpoint)}: a retry's pick avoids the failed endpoint. */
class RetryPickTest {

  static List<Arguments> strategies() {
    return List.of(
        Arguments.of("roundRobin", (Supplier<LoadBalancerBuilder>) LoadBalancers::roundRobin),
        Arguments.of("weightedRoundRobin",
            (Supplier<LoadBalancerBuilder>) LoadBalancers::weightedRoundRobin),
        Arguments.of("random", (Supplier<LoadBalancerBuilder>) LoadBalancers::random),
        Arguments.of("leastRequest", (Supplier<LoadBalancerBuilder>) LoadBalancers::leastRequest),
        Arguments.of("peakEwma", (Supplier<LoadBalancerBuilder>) LoadBalancers::peakEwma));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("strategies")
  void aRetryNeverGoesBackToTheEndpointToAvoid(String name, Supplier<LoadBalancerBuilder> strategy) {
    for (int n : new int[] {2, 3, 5}) {
      List<Endpoint> endpoints = endpoints(n);
      LoadBalancer lb = strategy.get().endpoints(endpoints).build();
      Endpoint failed = endpoints.get(0);
      Map<Endpoint, Integer> counts = new HashMap<>();
      for (int i = 0; i < 1_000; i++) {
        Endpoint picked = lb.pick(RequestContext.empty(), failed);
        counts.merge(picked, 1, Integer::sum);
        // The failed endpoint failing fast keeps it the idlest: least request prefers it most.
        lb.onComplete(picked, 1_000_000, true);
      }
      assertThat(counts).as("%s over %d endpoints", name, n).doesNotContainKey(failed);
      assertThat(counts.keySet()).as("%s over %d endpoints", name, n)
          .containsExactlyInAnyOrderElementsOf(endpoints.subList(1, n));
    }
  }

  @Test
  void leastRequestWithTwoEndpointsSendsEveryRetryToTheOtherOneThoughItIsBusier() {
    List<Endpoint> endpoints = endpoints(2);
    LoadBalancer lb = LoadBalancers.leastRequest().endpoints(endpoints).build();
    Endpoint failed = endpoints.get(0);
    Endpoint busy = endpoints.get(1);
    for (int i = 0; i < 10; i++) {
      lb.pick(RequestContext.empty(), failed); // held: the other one gets busier and busier
    }
    assertThat(lb.status(busy).outstanding()).isEqualTo(10);
    assertThat(lb.status(failed).outstanding()).isZero();
    // Without the endpoint to avoid, the idle one is the choice.
    assertThat(lb.pick()).isEqualTo(failed);
  }

  @Test
  void theEndpointToAvoidComesBackWhenItIsTheOnlyOne() {
    List<Endpoint> endpoints = endpoints(1);
    LoadBalancer lb = LoadBalancers.leastRequest().endpoints(endpoints).build();
    assertThat(lb.pick(RequestContext.empty(), endpoints.get(0))).isEqualTo(endpoints.get(0));
    assertThat(lb.status(endpoints.get(0)).outstanding()).isEqualTo(1);
  }

  @Test
  void anEndpointToAvoidThatIsNotInTheSetChangesNothing() {
    List<Endpoint> endpoints = endpoints(2);
    LoadBalancer lb = LoadBalancers.roundRobin().endpoints(endpoints).build();
    Endpoint stranger = Endpoint.of("10.9.9.9", 8080);
    Set<Endpoint> picked = new HashSet<>();
    for (int i = 0; i < 4; i++) {
      picked.add(lb.pick(RequestContext.empty(), stranger));
    }
    assertThat(picked).containsExactlyInAnyOrderElementsOf(endpoints);
  }

  @Test
  void aKeyFailsOverToOneEndpointAndTheKeysOfOneEndpointSpreadOverTheOthers() {
    List<Endpoint> endpoints = endpoints(5);
    LoadBalancer lb = LoadBalancers.consistentHash().endpoints(endpoints).build();
    Map<Endpoint, Set<Endpoint>> failoversByPrimary = new HashMap<>();
    for (int k = 0; k < 1_000; k++) {
      RequestContext key = RequestContext.ofKey("user-" + k);
      Endpoint primary = lb.pick(key);
      lb.onCancel(primary);
      Endpoint failover = lb.pick(key, primary);
      lb.onCancel(failover);
      assertThat(failover).isNotEqualTo(primary);
      for (int again = 0; again < 3; again++) {
        Endpoint same = lb.pick(key, primary);
        lb.onCancel(same);
        assertThat(same).as("key user-%d", k).isEqualTo(failover);
      }
      failoversByPrimary.computeIfAbsent(primary, p -> new HashSet<>()).add(failover);
    }
    assertThat(failoversByPrimary).hasSize(5);
    failoversByPrimary.forEach((primary, failovers) ->
        assertThat(failovers).as("failovers of %s", primary).hasSize(4));
    for (Endpoint endpoint : endpoints) {
      assertThat(lb.status(endpoint).outstanding()).isZero();
    }
  }

  @Test
  void theDefaultImplementationPicksAgainAndCancelsThePicksItDoesNotReturn() {
    List<Endpoint> endpoints = endpoints(2);
    LoadBalancer real = LoadBalancers.roundRobin().endpoints(endpoints).build();
    LoadBalancer plain = new Delegating(real);
    Endpoint failed = endpoints.get(0);
    Endpoint picked = plain.pick(RequestContext.empty(), failed);
    // Round robin over two: if the first pick is the endpoint to avoid, one re-pick, with the
    // first pick cancelled, reaches the other.
    assertThat(picked).isEqualTo(endpoints.get(1));
    assertThat(real.status(failed).outstanding()).isZero();
    assertThat(real.status(picked).outstanding()).isEqualTo(1);
  }

  /** A balancer that does not override the retry pick: its default is what runs. */
  private record Delegating(LoadBalancer real) implements LoadBalancer {
    @Override
    public Endpoint pick(RequestContext context) {
      return real.pick(context);
    }

    @Override
    public void onComplete(Endpoint endpoint, long latencyNanos, boolean success) {
      real.onComplete(endpoint, latencyNanos, success);
    }

    @Override
    public void onCancel(Endpoint endpoint) {
      real.onCancel(endpoint);
    }

    @Override
    public String serviceName() {
      return real.serviceName();
    }

    @Override
    public List<Endpoint> endpoints() {
      return real.endpoints();
    }

    @Override
    public List<Endpoint> availableEndpoints() {
      return real.availableEndpoints();
    }

    @Override
    public EndpointStatus status(Endpoint endpoint) {
      return real.status(endpoint);
    }

    @Override
    public HealthCheck healthCheck() {
      return real.healthCheck();
    }

    @Override
    public void close() {
      real.close();
    }
  }
}
