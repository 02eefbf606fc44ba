package dev.layerkit.core.hash;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Maglev consistent hashing (Eisenbud et al., "Maglev: A Fast and Reliable Software Network Load
 * Balancer", NSDI 2016), with weights.
 *
 * <p>Each node derives a permutation of the {@code M} slots of a lookup table from its id
 * ({@code offset + j * skip mod M}, {@code M} prime so every permutation covers every slot). Nodes
 * take turns, in id order, claiming their next free preferred slot until the table is full; a node of weight
 * {@code w} takes {@code w / maxWeight} turns per round. With equal weights every node owns
 * {@code floor(M/n)} or {@code ceil(M/n)} slots, so loads are even to within one slot. A lookup is
 * one array read. When a node joins, about {@code 1/(n+1)} of the keys move to it, plus a small
 * extra disruption between other nodes that the paper measures and accepts for the evenness.
 *
 * <p>Table size: {@value #DEFAULT_TABLE_SIZE} (a prime) by default, or the smallest prime at least
 * 100 times the node count if that is larger, which keeps the slot counts within 1% of the mean.
 * The table costs 4 bytes a slot with compressed references.
 *
 * <p>Concurrency: immutable; {@link #nodeFor(long)} is lock-free, allocation-free and O(1).
 *
 * @param <N> the node type
 */
public final class MaglevHash<N> extends AbstractNodeSetHash<N> {

  /** The default lookup-table size, the prime 65,537, as in the Maglev paper. */
  public static final int DEFAULT_TABLE_SIZE = 65_537;

  /** Slots per node that the default table size keeps at least. */
  static final int MIN_SLOTS_PER_NODE = 100;

  private final Object[] table;

  private MaglevHash(NodeSet<N> nodeSet, int tableSize) {
    super(nodeSet);
    this.table = populate(nodeSet, tableSize);
  }

  /**
   * Returns Maglev hashing over equally weighted nodes identified by {@code String.valueOf(node)},
   * with the default table size.
   *
   * @param nodes the nodes
   * @param <N> the node type
   * @return the node set
   * @throws NullPointerException if {@code nodes} or a node is null
   * @throws IllegalArgumentException if {@code nodes} is empty or two nodes share an id
   */
  public static <N> MaglevHash<N> of(List<? extends N> nodes) {
    return MaglevHash.<N>builder().nodes(nodes).build();
  }

  /**
   * Returns a new builder.
   *
   * @param <N> the node type
   * @return a builder with no nodes and the default table size
   */
  public static <N> Builder<N> builder() {
    return new Builder<>();
  }

  private static <N> Object[] populate(NodeSet<N> nodeSet, int m) {
    int n = nodeSet.size();
    // Turns go in id order, not insertion order, so every process builds the same table.
    Integer[] turnOrder = new Integer[n];
    Arrays.setAll(turnOrder, i -> i);
    Arrays.sort(turnOrder, Comparator.comparing(i -> nodeSet.ids[i]));
    long[] offset = new long[n];
    long[] skip = new long[n];
    long[] next = new long[n];
    long[] credit = new long[n];
    for (int i = 0; i < n; i++) {
      long h = Hashing.hash(nodeSet.ids[i]);
      offset[i] = Long.remainderUnsigned(h, m);
      skip[i] = Long.remainderUnsigned(Hashing.hash(h), m - 1) + 1;
    }
    int maxWeight = nodeSet.maxWeight();
    int[] owner = new int[m];
    Arrays.fill(owner, -1);
    int filled = 0;
    while (true) {
      for (int i : turnOrder) {
        // Integer credits keep weighted turns exact: the heaviest node claims once per round.
        credit[i] += nodeSet.weights[i];
        while (credit[i] >= maxWeight) {
          credit[i] -= maxWeight;
          int slot;
          do {
            slot = (int) ((offset[i] + next[i] * skip[i]) % m);
            next[i]++;
          } while (owner[slot] >= 0);
          owner[slot] = i;
          if (++filled == m) {
            Object[] table = new Object[m];
            for (int s = 0; s < m; s++) {
              table[s] = nodeSet.nodes.get(owner[s]);
            }
            return table;
          }
        }
      }
    }
  }

  @Override
  @SuppressWarnings("unchecked")
  public N nodeFor(long keyHash) {
    return (N) table[(int) Long.remainderUnsigned(keyHash, table.length)];
  }

  /**
   * Returns the size of the lookup table, a prime.
   *
   * @return the number of slots
   */
  public int tableSize() {
    return table.length;
  }

  /**
   * Returns how many table slots a node owns; its share of keys is this over
   * {@link #tableSize()}.
   *
   * @param node a node of this snapshot
   * @return the node's slot count
   * @throws IllegalArgumentException if {@code node} is not in this snapshot
   */
  public int slots(N node) {
    nodeSet.weight(node);
    int count = 0;
    for (Object owner : table) {
      if (owner.equals(node)) {
        count++;
      }
    }
    return count;
  }

  @Override
  public String toString() {
    return "MaglevHash{nodes=" + nodeSet.size() + ", tableSize=" + table.length + '}';
  }

  /**
   * Builds a {@link MaglevHash}.
   *
   * @param <N> the node type
   */
  public static final class Builder<N> extends NodeSetBuilder<N, Builder<N>> {

    private int tableSize;

    private Builder() {}

    /**
     * Sets the lookup-table size. It must be a prime, so that every node's permutation visits
     * every slot, and should be at least 100 times the node count for even loads.
     *
     * @param tableSize the number of slots
     * @return this builder
     * @throws IllegalArgumentException if {@code tableSize} is not a prime greater than 2
     * @throws IllegalStateException if already set
     */
    public Builder<N> tableSize(int tableSize) {
      if (tableSize <= 2 || !BigInteger.valueOf(tableSize).isProbablePrime(64)) {
        throw new IllegalArgumentException("tableSize must be a prime > 2 but was " + tableSize);
      }
      settings.requireUnset("tableSize", this.tableSize);
      this.tableSize = tableSize;
      return this;
    }

    /**
     * Builds the table. Cost: O(M log M) on average for M slots, done once.
     *
     * @return the node set
     * @throws IllegalArgumentException if no node was added, two nodes share an id, or the table
     *     size set is smaller than the node count
     */
    @Override
    public MaglevHash<N> build() {
      NodeSet<N> nodeSet = nodeSet();
      int m = tableSize;
      if (m == 0) {
        long wanted = (long) nodeSet.size() * MIN_SLOTS_PER_NODE;
        m = wanted <= DEFAULT_TABLE_SIZE ? DEFAULT_TABLE_SIZE : nextPrime(wanted);
      } else if (m < nodeSet.size()) {
        throw new IllegalArgumentException(
            "tableSize must be >= the node count " + nodeSet.size() + " but was " + m);
      }
      return new MaglevHash<>(nodeSet, m);
    }

    private static int nextPrime(long atLeast) {
      long prime = BigInteger.valueOf(atLeast - 1).nextProbablePrime().longValueExact();
      if (prime > Integer.MAX_VALUE - 8) {
        throw new IllegalArgumentException("too many nodes for a Maglev table: " + atLeast / MIN_SLOTS_PER_NODE);
      }
      return (int) prime;
    }
  }
}
