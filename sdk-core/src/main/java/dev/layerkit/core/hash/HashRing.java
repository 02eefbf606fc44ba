package dev.layerkit.core.hash;

import dev.layerkit.core.internal.Arguments;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * A consistent-hash ring with virtual nodes (Karger et al. 1997; the ketama layout).
 *
 * <p>Each node is placed on a 64-bit ring at {@code weight * virtualNodes} points, the hashes of
 * {@code id + "#" + i}; a key belongs to the first point at or after its hash, wrapping around.
 * When a node joins, it takes about {@code 1/(n+1)} of the keys, all from other nodes' arcs; when
 * it leaves, only its keys move. More virtual nodes give more even loads at the cost of memory
 * (12 bytes a point) and a slightly deeper binary search: with the default 160, the heaviest of
 * 100 nodes carries about 1.17 times the mean load and the lightest 0.87 (1M keys; see
 * {@code benchmarks/README.md}).
 *
 * <p>Concurrency: an instance is immutable; {@link #nodeFor(long)} is a binary search over a
 * sorted {@code long[]}, lock-free and allocation-free, O(log(n * virtualNodes)).
 *
 * @param <N> the node type
 */
public final class HashRing<N> extends AbstractNodeSetHash<N> {

  /** Virtual nodes per unit of weight unless {@link Builder#virtualNodes(int)} says otherwise. */
  public static final int DEFAULT_VIRTUAL_NODES = 160;

  private final int virtualNodes;
  private final long[] points;
  private final Object[] owners;

  private HashRing(NodeSet<N> nodeSet, int virtualNodes) {
    super(nodeSet);
    this.virtualNodes = virtualNodes;
    long total = 0;
    for (int weight : nodeSet.weights) {
      total += (long) weight * virtualNodes;
    }
    if (total > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("weights times virtualNodes must be < 2^31 points but was " + total);
    }
    int size = (int) total;
    long[] hashes = new long[size];
    int[] nodeOf = new int[size];
    int p = 0;
    for (int i = 0; i < nodeSet.size(); i++) {
      int count = nodeSet.weights[i] * virtualNodes;
      for (int v = 0; v < count; v++) {
        hashes[p] = Hashing.hash(nodeSet.ids[i] + '#' + v);
        nodeOf[p] = i;
        p++;
      }
    }
    // Sort points; on a (vanishingly rare) hash tie the smaller id wins, so the layout does not
    // depend on the order nodes were added in.
    Integer[] order = new Integer[size];
    Arrays.setAll(order, i -> i);
    Arrays.sort(order, Comparator.<Integer>comparingLong(i -> hashes[i])
        .thenComparing(i -> nodeSet.ids[nodeOf[i]]));
    this.points = new long[size];
    this.owners = new Object[size];
    for (int i = 0; i < size; i++) {
      points[i] = hashes[order[i]];
      owners[i] = nodeSet.nodes.get(nodeOf[order[i]]);
    }
  }

  /**
   * Returns a ring of equally weighted nodes with {@value #DEFAULT_VIRTUAL_NODES} virtual nodes
   * each, identified by {@code String.valueOf(node)}.
   *
   * @param nodes the nodes
   * @param <N> the node type
   * @return the ring
   * @throws NullPointerException if {@code nodes} or a node is null
   * @throws IllegalArgumentException if {@code nodes} is empty or two nodes share an id
   */
  public static <N> HashRing<N> of(List<? extends N> nodes) {
    return HashRing.<N>builder().nodes(nodes).build();
  }

  /**
   * Returns a new builder.
   *
   * @param <N> the node type
   * @return a builder with no nodes and {@value #DEFAULT_VIRTUAL_NODES} virtual nodes
   */
  public static <N> Builder<N> builder() {
    return new Builder<>();
  }

  @Override
  @SuppressWarnings("unchecked")
  public N nodeFor(long keyHash) {
    int i = Arrays.binarySearch(points, keyHash);
    if (i < 0) {
      i = -i - 1;
      if (i == points.length) {
        i = 0;
      }
    }
    return (N) owners[i];
  }

  /**
   * Returns the number of virtual nodes per unit of weight.
   *
   * @return the virtual nodes per weight
   */
  public int virtualNodes() {
    return virtualNodes;
  }

  @Override
  public String toString() {
    return "HashRing{nodes=" + nodeSet.size() + ", virtualNodes=" + virtualNodes + ", points=" + points.length + '}';
  }

  /**
   * Builds a {@link HashRing}.
   *
   * @param <N> the node type
   */
  public static final class Builder<N> extends NodeSetBuilder<N, Builder<N>> {

    private int virtualNodes = DEFAULT_VIRTUAL_NODES;

    private Builder() {}

    /**
     * Sets the number of points each unit of weight puts on the ring.
     *
     * @param virtualNodes points per unit of weight
     * @return this builder
     * @throws IllegalArgumentException if {@code virtualNodes} is not positive
     * @throws IllegalStateException if already set
     */
    public Builder<N> virtualNodes(int virtualNodes) {
      Arguments.positive(virtualNodes, "virtualNodes");
      settings.requireUnset("virtualNodes", this.virtualNodes);
      this.virtualNodes = virtualNodes;
      return this;
    }

    /**
     * Builds the ring. Cost: O(p log p) for p points, done once.
     *
     * @return the ring
     * @throws IllegalArgumentException if no node was added, two nodes share an id, or the ring
     *     would have 2^31 points or more
     */
    @Override
    public HashRing<N> build() {
      return new HashRing<>(nodeSet(), virtualNodes);
    }
  }
}
