package dev.layerkit.gateway.lb;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** Endpoint lists and pick loops shared by the balancer tests. */
final class TestEndpoints {

  private TestEndpoints() {}

  /** Returns {@code n} endpoints {@code 10.0.0.1:8080 ...}, each of weight 1. */
  static List<Endpoint> endpoints(int n) {
    List<Endpoint> list = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      list.add(Endpoint.of("10.0.0." + (i + 1), 8080));
    }
    return list;
  }

  /** Returns endpoints {@code 10.0.0.1:8080 ...} with the given weights. */
  static List<Endpoint> weighted(int... weights) {
    List<Endpoint> list = new ArrayList<>();
    for (int i = 0; i < weights.length; i++) {
      list.add(Endpoint.of("10.0.0." + (i + 1), 8080, weights[i]));
    }
    return list;
  }

  /** Picks {@code picks} times, completing each at once with success, and counts picks per endpoint. */
  static Map<Endpoint, Integer> pickAndComplete(LoadBalancer lb, int picks) {
    return pickAndComplete(lb, picks, RequestContext::empty);
  }

  static Map<Endpoint, Integer> pickAndComplete(LoadBalancer lb, int picks, Supplier<RequestContext> context) {
    Map<Endpoint, Integer> counts = new HashMap<>();
    for (int i = 0; i < picks; i++) {
      Endpoint endpoint = lb.pick(context.get());
      lb.onComplete(endpoint, 1_000_000, true);
      counts.merge(endpoint, 1, Integer::sum);
    }
    return counts;
  }
}
