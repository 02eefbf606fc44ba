package dev.layerkit.store.sharding;

import dev.layerkit.core.hash.HashRing;
import dev.layerkit.core.hash.Hashing;
import dev.layerkit.core.hash.JumpHash;
import dev.layerkit.core.internal.Arguments;
import dev.layerkit.store.internal.JsonDocs;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The built-in {@link ShardingStrategy}s. All are thread-safe; the hashing ones hash the key with
 * {@link Hashing#hash(String)} (XXH3, stable across JVMs and releases).
 *
 * <table>
 *   <caption>Which strategy to choose</caption>
 *   <tr><th>strategy</th><th>keys moved when growing n to n+1</th><th>cost per lookup</th></tr>
 *   <tr><td>{@link #jumpHash()}</td><td>1/(n+1), the minimum</td><td>O(log n), no memory</td></tr>
 *   <tr><td>{@link #ring(int)}</td><td>about 1/(n+1), less evenly</td><td>binary search over n * vnodes points</td></tr>
 *   <tr><td>{@link #modulo()}</td><td>about n/(n+1): nearly all</td><td>O(1)</td></tr>
 *   <tr><td>{@link #range(String...)}</td><td>what the new split points say</td><td>binary search over the split points</td></tr>
 * </table>
 */
public final class ShardingStrategies {

  private ShardingStrategies() {}

  /**
   * Returns jump consistent hashing ({@link JumpHash}): the best default for numbered shards.
   * Growing from n to n+1 shards moves only the 1/(n+1) of keys that belong on the new shard.
   *
   * @return the strategy
   */
  public static ShardingStrategy jumpHash() {
    return JumpHashStrategy.INSTANCE;
  }

  /**
   * Returns a consistent-hash ring ({@link HashRing}) over the shard indices with
   * {@code virtualNodes} points per shard. A ring per shard count is built on first use and kept.
   *
   * @param virtualNodes points per shard; 100 to 200 give loads within about 20% of the mean
   * @return the strategy
   * @throws IllegalArgumentException if {@code virtualNodes} is not positive
   */
  public static ShardingStrategy ring(int virtualNodes) {
    Arguments.positive(virtualNodes, "virtualNodes");
    return new RingStrategy(virtualNodes);
  }

  /**
   * Returns {@code hash mod n}. Even, cheap, and moves almost every key when n changes: use it
   * only for a fixed shard count.
   *
   * @return the strategy
   */
  public static ShardingStrategy modulo() {
    return ModuloStrategy.INSTANCE;
  }

  /**
   * Returns ranges of the key's text in code-point order: shard 0 holds keys below
   * {@code splitPoints[0]}, shard i keys from {@code splitPoints[i-1]} (inclusive) to
   * {@code splitPoints[i]} (exclusive), the last shard the rest. It needs exactly
   * {@code splitPoints.length + 1} shards, so a rebalance to another count needs a sharded
   * repository built with new split points.
   *
   * @param splitPoints strictly increasing split points
   * @return the strategy
   * @throws NullPointerException if {@code splitPoints} or one of them is null
   * @throws IllegalArgumentException if there are none or they are not strictly increasing
   */
  public static ShardingStrategy range(String... splitPoints) {
    Objects.requireNonNull(splitPoints, "splitPoints");
    if (splitPoints.length == 0) {
      throw new IllegalArgumentException("splitPoints must not be empty");
    }
    List<String> points = new ArrayList<>();
    for (String point : splitPoints) {
      Objects.requireNonNull(point, "splitPoint");
      if (!points.isEmpty() && JsonDocs.compareCodePoints(points.get(points.size() - 1), point) >= 0) {
        throw new IllegalArgumentException("splitPoints must be strictly increasing but were " + Arrays.toString(splitPoints));
      }
      points.add(point);
    }
    return new RangeStrategy(points.toArray(new String[0]));
  }

  private enum JumpHashStrategy implements ShardingStrategy {
    INSTANCE;

    @Override
    public int shardFor(String shardKey, int shardCount) {
      return JumpHash.bucket(Hashing.hash(shardKey), shardCount);
    }

    @Override
    public String toString() {
      return "jumpHash";
    }
  }

  private enum ModuloStrategy implements ShardingStrategy {
    INSTANCE;

    @Override
    public int shardFor(String shardKey, int shardCount) {
      return (int) Long.remainderUnsigned(Hashing.hash(shardKey), shardCount);
    }

    @Override
    public String toString() {
      return "modulo";
    }
  }

  private static final class RingStrategy implements ShardingStrategy {
    private final int virtualNodes;
    private volatile HashRing<Integer> ring;

    RingStrategy(int virtualNodes) {
      this.virtualNodes = virtualNodes;
      this.ring = build(1);
    }

    private HashRing<Integer> build(int shards) {
      List<Integer> nodes = new ArrayList<>(shards);
      for (int i = 0; i < shards; i++) {
        nodes.add(i);
      }
      return HashRing.<Integer>builder().nodeId(i -> "shard-" + i).nodes(nodes).virtualNodes(virtualNodes).build();
    }

    @Override
    public int shardFor(String shardKey, int shardCount) {
      HashRing<Integer> current = ring;
      if (current.nodes().size() != shardCount) {
        // A new count (a rebalance, or a second repository): build once and keep the latest.
        current = build(shardCount);
        ring = current;
      }
      return current.nodeFor(Hashing.hash(shardKey));
    }

    @Override
    public String toString() {
      return "ring(" + virtualNodes + ")";
    }
  }

  private static final class RangeStrategy implements ShardingStrategy {
    private final String[] splitPoints;

    RangeStrategy(String[] splitPoints) {
      this.splitPoints = splitPoints;
    }

    @Override
    public int shardFor(String shardKey, int shardCount) {
      int low = 0;
      int high = splitPoints.length;
      while (low < high) {
        int mid = (low + high) >>> 1;
        if (JsonDocs.compareCodePoints(shardKey, splitPoints[mid]) < 0) {
          high = mid;
        } else {
          low = mid + 1;
        }
      }
      return low;
    }

    @Override
    public void checkShardCount(int shardCount) {
      if (shardCount != splitPoints.length + 1) {
        throw new IllegalArgumentException("shardCount must be " + (splitPoints.length + 1) + " for split points "
            + Arrays.toString(splitPoints) + " but was " + shardCount);
      }
    }

    @Override
    public String toString() {
      return "range" + Arrays.toString(splitPoints);
    }
  }
}
