package dev.layerkit.core.hash;

import java.util.List;

/**
 * Weighted rendezvous hashing, also called highest random weight (Thaler and Ravishankar 1998;
 * the weighted form of Schindelhauer and Schomaker 2005).
 *
 * <p>Every node scores every key, {@code weight / -ln(u)} where {@code u} in (0, 1) is the hash
 * of the key combined with the node's id, and the highest score wins. This gives each node a
 * share of keys exactly proportional to its weight (in expectation), needs no memory beyond the
 * node list, and moves only the keys of a node that leaves or the {@code 1/(n+1)} share a joining
 * node takes. When all weights are equal the logarithm is skipped.
 *
 * <p>Cost: O(n) per lookup, so it suits tens of nodes, not thousands; prefer {@link MaglevHash}
 * for large node sets. Concurrency: immutable; lookups are lock-free and allocation-free.
 *
 * @param <N> the node type
 */
public final class RendezvousHash<N> extends AbstractNodeSetHash<N> {

  private static final double TWO_POW_MINUS_53 = 0x1.0p-53;

  private final Object[] nodes;
  private final long[] seeds;
  private final double[] weights;
  private final boolean equalWeights;

  private RendezvousHash(NodeSet<N> nodeSet) {
    super(nodeSet);
    int n = nodeSet.size();
    this.nodes = nodeSet.nodes.toArray();
    this.seeds = new long[n];
    this.weights = new double[n];
    boolean equal = true;
    for (int i = 0; i < n; i++) {
      seeds[i] = Hashing.hash(nodeSet.ids[i]);
      weights[i] = nodeSet.weights[i];
      equal &= nodeSet.weights[i] == nodeSet.weights[0];
    }
    this.equalWeights = equal;
  }

  /**
   * Returns rendezvous hashing over equally weighted nodes identified by
   * {@code String.valueOf(node)}.
   *
   * @param nodes the nodes
   * @param <N> the node type
   * @return the node set
   * @throws NullPointerException if {@code nodes} or a node is null
   * @throws IllegalArgumentException if {@code nodes} is empty or two nodes share an id
   */
  public static <N> RendezvousHash<N> of(List<? extends N> nodes) {
    return RendezvousHash.<N>builder().nodes(nodes).build();
  }

  /**
   * Returns a new builder.
   *
   * @param <N> the node type
   * @return a builder with no nodes
   */
  public static <N> Builder<N> builder() {
    return new Builder<>();
  }

  @Override
  @SuppressWarnings("unchecked")
  public N nodeFor(long keyHash) {
    int best = 0;
    if (equalWeights) {
      long bestScore = Hashing.hash(keyHash ^ seeds[0]);
      for (int i = 1; i < seeds.length; i++) {
        long score = Hashing.hash(keyHash ^ seeds[i]);
        if (Long.compareUnsigned(score, bestScore) > 0) {
          bestScore = score;
          best = i;
        }
      }
    } else {
      double bestScore = Double.NEGATIVE_INFINITY;
      for (int i = 0; i < seeds.length; i++) {
        // u in (0, 1): the top 53 bits plus one half, so ln(u) is finite and negative.
        double u = ((Hashing.hash(keyHash ^ seeds[i]) >>> 11) + 0.5) * TWO_POW_MINUS_53;
        double score = weights[i] / -Math.log(u);
        if (score > bestScore) {
          bestScore = score;
          best = i;
        }
      }
    }
    return (N) nodes[best];
  }

  @Override
  public String toString() {
    return "RendezvousHash{nodes=" + nodeSet.size() + ", equalWeights=" + equalWeights + '}';
  }

  /**
   * Builds a {@link RendezvousHash}.
   *
   * @param <N> the node type
   */
  public static final class Builder<N> extends NodeSetBuilder<N, Builder<N>> {

    private Builder() {}

    /**
     * Builds the node set. Cost: O(n).
     *
     * @return the node set
     * @throws IllegalArgumentException if no node was added or two nodes share an id
     */
    @Override
    public RendezvousHash<N> build() {
      return new RendezvousHash<>(nodeSet());
    }
  }
}
