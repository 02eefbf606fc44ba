package dev.layerkit.gateway.lb;

import dev.layerkit.core.hash.ConsistentHash;
import dev.layerkit.core.hash.HashRing;
import dev.layerkit.core.hash.MaglevHash;
import dev.layerkit.core.hash.NodeSetBuilder;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The entry point for load balancers: one factory per strategy, each returning a
 * {@link LoadBalancerBuilder} for the options every strategy shares.
 *
 * <p>Which strategy:
 *
 * <table>
 *   <caption>Strategies</caption>
 *   <tr><th>factory</th><th>picks</th><th>use when</th></tr>
 *   <tr><td>{@link #roundRobin()}</td><td>endpoints in turn, weights ignored</td>
 *       <td>identical endpoints, uniform requests</td></tr>
 *   <tr><td>{@link #weightedRoundRobin()}</td><td>nginx's smooth weighted order</td>
 *       <td>endpoints of different capacity, predictable spread</td></tr>
 *   <tr><td>{@link #random()}</td><td>at random, by weight</td>
 *       <td>many independent clients, no shared counter wanted</td></tr>
 *   <tr><td>{@link #leastRequest()}</td><td>of two random endpoints, the one with fewer requests
 *       in flight</td>
 *       <td>requests of varying cost; the usual default</td></tr>
 *   <tr><td>{@link #peakEwma()}</td><td>of two random endpoints, the cheaper by latency x load</td>
 *       <td>endpoints whose speed varies (noisy neighbours, GC, remote zones)</td></tr>
 *   <tr><td>{@link #consistentHash()}</td><td>by the request's key (Maglev: even load; a few
 *       other keys move when an endpoint leaves)</td>
 *       <td>affinity: per-user caches</td></tr>
 *   <tr><td>{@link #consistentHash(Supplier)} with a {@link HashRing}</td><td>by the request's key;
 *       only the leaving endpoint's keys move</td>
 *       <td>strict stickiness: sticky sessions, per-key state held by one endpoint</td></tr>
 * </table>
 *
 * <p>{@code leastRequest} and {@code peakEwma} both sample two endpoints (the "power of two
 * choices"); they differ in what they compare: requests in flight, or a latency estimate times
 * them.
 *
 * <p>Every strategy's {@code pick} is lock-free and allocation-free (see {@link LoadBalancer});
 * {@code benchmarks/README.md} has its cost at 10, 100 and 1,000 endpoints.
 *
 * <pre>{@code
 * LoadBalancer lb = LoadBalancers.weightedRoundRobin()
 *     .serviceName("inventory")
 *     .endpoints(List.of(Endpoint.of("10.0.0.1", 8080, 5), Endpoint.of("10.0.0.2", 8080, 1)))
 *     .build();
 * }</pre>
 */
public final class LoadBalancers {

  private LoadBalancers() {}

  /**
   * Starts a plain round-robin balancer: endpoints in turn, ignoring weights (and therefore slow
   * start).
   *
   * @return a builder
   */
  public static LoadBalancerBuilder roundRobin() {
    return new LoadBalancerBuilder(Strategy.ROUND_ROBIN);
  }

  /**
   * Starts a smooth weighted round-robin balancer, nginx's algorithm: with weights {@code 5, 1, 1}
   * the order is {@code a a b a c a a}, repeating. One period of the order is computed whenever
   * the routable set or a weight changes, so a pick is one shared counter increment and an array
   * index, where nginx updates every endpoint's current weight under a lock.
   *
   * @return a builder
   */
  public static LoadBalancerBuilder weightedRoundRobin() {
    return new LoadBalancerBuilder(Strategy.WEIGHTED_ROUND_ROBIN);
  }

  /**
   * Starts a weighted random balancer: each pick independent, with probability proportional to
   * weight.
   *
   * @return a builder
   */
  public static LoadBalancerBuilder random() {
    return new LoadBalancerBuilder(Strategy.RANDOM);
  }

  /**
   * Starts a least-request balancer: of two random endpoints (the power of two choices), the one
   * with fewer requests in flight per unit of weight wins.
   *
   * @return a builder
   */
  public static LoadBalancerBuilder leastRequest() {
    return new LoadBalancerBuilder(Strategy.LEAST_REQUEST);
  }

  /**
   * Starts a peak-EWMA balancer, latency-aware as Finagle's and Linkerd's: of two random endpoints
   * (the power of two choices), the one with the lower {@code latency * (outstanding + 1) / weight}
   * wins, where latency is a moving average that jumps up at once on a slow response and decays
   * slowly ({@link LoadBalancerBuilder#latencyDecay}).
   *
   * <p>Completions need a timestamp. With the system time source they read a clock that one
   * daemon thread caches every millisecond while it is read more than about a thousand times a
   * millisecond (a clock read costs more than the rest of the pick in a virtual machine), and the
   * clock itself otherwise; close balancers you no longer use so the thread can stop.
   *
   * @return a builder
   */
  public static LoadBalancerBuilder peakEwma() {
    return new LoadBalancerBuilder(Strategy.PEAK_EWMA);
  }

  /**
   * Starts a consistent-hash balancer on {@link MaglevHash} (O(1) lookups, even load): requests
   * are routed by {@link RequestContext#keyHash()}, which every pick must carry. Behind the HTTP
   * gateway, the route says where the key comes from ({@code Route.Builder.hashOn}).
   *
   * <p><b>Not strictly sticky.</b> When an endpoint leaves the routable set (removed, ejected or
   * failing health checks), its keys move to the others, and Maglev also moves a few keys between
   * endpoints that stayed: with five endpoints and 10,000 keys, removing one moved its own 2,000
   * or so and 6 to 12 others (about 0.1%). The same happens in reverse when it comes back. Where
   * every key must stay on its endpoint while that endpoint is routable (sticky sessions, state
   * held by one instance), use a {@link HashRing}, which moves only the leaving endpoint's keys,
   * at the cost of a binary search per pick and a less even load:
   *
   * <pre>{@code
   * LoadBalancer lb = LoadBalancers.consistentHash(() -> HashRing.<Endpoint>builder())
   *     .serviceName("sessions")
   *     .endpoints(endpoints)
   *     .build();
   * }</pre>
   *
   * @return a builder
   */
  public static LoadBalancerBuilder consistentHash() {
    return new LoadBalancerBuilder(Strategy.CONSISTENT_HASH);
  }

  /**
   * Starts a consistent-hash balancer on another sdk-core {@link ConsistentHash}, for example a
   * {@link HashRing} for strict stickiness (only a leaving endpoint's keys move; see
   * {@link #consistentHash()}), here with fewer virtual nodes:
   * {@code consistentHash(() -> HashRing.<Endpoint>builder().virtualNodes(100))}. The supplier is
   * called for each new snapshot; the balancer adds the routable endpoints with their weights and
   * sets the node id to {@link Endpoint#id()}, so the builder must not have an id function set.
   *
   * @param nodeSet supplies a fresh, empty node-set builder
   * @return a builder
   * @throws NullPointerException if {@code nodeSet} is null
   */
  public static LoadBalancerBuilder consistentHash(Supplier<? extends NodeSetBuilder<Endpoint, ?>> nodeSet) {
    return new LoadBalancerBuilder(Strategy.CONSISTENT_HASH, Objects.requireNonNull(nodeSet, "nodeSet"));
  }
}
