package dev.layerkit.gateway.lb;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * An immutable view of a balancer's endpoints at one moment: every endpoint, the ones picks choose
 * from ({@link #routable}) with their effective weights, and the strategy's pick table.
 * Published through one volatile field, so a pick reads a consistent set without locks.
 *
 * <p>{@link #find(String)} looks an endpoint's state up by id in an open-addressing table (linear
 * probing, at most half full), which is what keeps completion feedback allocation-free.
 *
 * @param <T> the strategy's pick table type (see {@link AbstractLoadBalancer})
 */
final class Snapshot<T extends @Nullable Object> {

  final List<Endpoint> endpoints;
  final EndpointState[] all;
  final EndpointState[] routable;
  /** Effective weights of {@link #routable}, index-aligned, divided by their gcd. */
  final int[] weights;
  final boolean uniformWeights;
  final boolean panic;
  final int available;
  final int ejected;
  final int unhealthy;
  /** Whether something changes by time alone (an ejection ends, a ramp steps) at {@link #nextChange}. */
  final boolean timed;
  final long nextChange;
  /** The strategy's pick table, built by {@link AbstractLoadBalancer#prepare}. */
  final T pickTable;
  private final EndpointState[] byId;
  private final int mask;

  Snapshot(List<Endpoint> endpoints, EndpointState[] all, EndpointState[] routable, int[] weights, boolean panic,
      int available, int ejected, int unhealthy, boolean timed, long nextChange, T pickTable) {
    this.endpoints = endpoints;
    this.all = all;
    this.routable = routable;
    this.weights = weights;
    this.uniformWeights = isUniform(weights);
    this.panic = panic;
    this.available = available;
    this.ejected = ejected;
    this.unhealthy = unhealthy;
    this.timed = timed;
    this.nextChange = nextChange;
    this.pickTable = pickTable;
    int capacity = Integer.highestOneBit(Math.max(2, all.length) * 2 - 1) << 1;
    this.byId = new EndpointState[capacity];
    this.mask = capacity - 1;
    for (EndpointState state : all) {
      int i = spread(state.id.hashCode()) & mask;
      while (byId[i] != null) {
        i = (i + 1) & mask;
      }
      byId[i] = state;
    }
  }

  /** Returns the state of the endpoint with this id, or null if it is not in this snapshot. */
  @Nullable EndpointState find(String id) {
    int i = spread(id.hashCode()) & mask;
    EndpointState state;
    while ((state = byId[i]) != null) {
      if (state.id == id || state.id.equals(id)) {
        return state;
      }
      i = (i + 1) & mask;
    }
    return null;
  }

  private static int spread(int h) {
    // String hashes of similar ids differ in low bits only a little; mix the high bits in.
    return h ^ (h >>> 16);
  }

  /** Returns whether all weights are equal (true for none). */
  static boolean isUniform(int[] weights) {
    for (int w : weights) {
      if (w != weights[0]) {
        return false;
      }
    }
    return true;
  }
}
