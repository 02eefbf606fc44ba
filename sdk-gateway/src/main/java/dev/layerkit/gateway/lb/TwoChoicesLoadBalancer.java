package dev.layerkit.gateway.lb;

import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/**
 * The power of two choices (Mitzenmacher), shared by least request and peak EWMA: draw two
 * distinct routable endpoints at random and keep the one the strategy {@linkplain #prefersFirst
 * prefers}. Two samples give exponentially better balance than one and, unlike a scan for the
 * global minimum, cost O(1) and do not send every concurrent pick to the same momentarily idle
 * endpoint.
 *
 * <p>No pick table: the comparison reads only the two endpoints' own counters, so a snapshot needs
 * nothing precomputed. A pick is two {@link ThreadLocalRandom} draws and the comparison; no lock,
 * no allocation.
 */
abstract class TwoChoicesLoadBalancer extends AbstractLoadBalancer<@Nullable Void> {

  TwoChoicesLoadBalancer(LoadBalancerBuilder builder) {
    super(builder);
  }

  @Override
  final @Nullable Void prepare(EndpointState[] routable, int[] weights, boolean uniform) {
    return null;
  }

  @Override
  final EndpointState choose(Snapshot<@Nullable Void> snapshot, RequestContext context) {
    EndpointState[] routable = snapshot.routable;
    int n = routable.length;
    if (n == 1) {
      return routable[0];
    }
    ThreadLocalRandom random = ThreadLocalRandom.current();
    int i = random.nextInt(n);
    int j = random.nextInt(n - 1);
    if (j >= i) {
      j++;
    }
    return prefersFirst(snapshot, i, j) ? routable[i] : routable[j];
  }

  /**
   * Returns whether the first of two drawn endpoints should take the request; on a tie, the first
   * (itself random). Must not allocate or lock.
   *
   * @param snapshot the snapshot drawn from
   * @param i the first endpoint's index in {@code snapshot.routable} and {@code snapshot.weights}
   * @param j the second's, distinct from {@code i}
   */
  abstract boolean prefersFirst(Snapshot<@Nullable Void> snapshot, int i, int j);
}
