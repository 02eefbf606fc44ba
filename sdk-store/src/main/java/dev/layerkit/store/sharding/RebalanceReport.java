package dev.layerkit.store.sharding;

import java.time.Duration;
import java.util.Objects;

/**
 * What a completed {@link ShardedRepository#rebalance} did.
 *
 * @param fromShards the shard count before
 * @param toShards the shard count after
 * @param examined the records read from the old shards
 * @param moved the records copied to a new shard and deleted from the old one
 * @param duration how long it took, on the repository's time source
 */
public record RebalanceReport(int fromShards, int toShards, long examined, long moved, Duration duration) {

  /**
   * Creates a report.
   *
   * @param fromShards the shard count before
   * @param toShards the shard count after
   * @param examined the records read
   * @param moved the records moved
   * @param duration how long it took
   * @throws NullPointerException if {@code duration} is null
   */
  public RebalanceReport {
    Objects.requireNonNull(duration, "duration");
  }

  /**
   * Returns the moved records per second, 0 if no time passed.
   *
   * @return the throughput
   */
  public double movedPerSecond() {
    long nanos = duration.toNanos();
    return nanos == 0 ? 0 : moved * 1e9 / nanos;
  }
}
