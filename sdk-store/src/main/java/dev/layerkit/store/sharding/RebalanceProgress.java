package dev.layerkit.store.sharding;

/**
 * Receives progress of {@link ShardedRepository#rebalance}, for example to drive a progress bar.
 *
 * <p>Called on the rebalancing thread after each batch of records moved, and once at the end;
 * keep it cheap. An exception thrown here aborts the rebalance where it stands, which is
 * safe: calling {@code rebalance} again with the same shards resumes it.
 */
@FunctionalInterface
public interface RebalanceProgress {

  /**
   * Reports progress.
   *
   * @param moved records copied to their new shard and deleted from the old one so far
   * @param examined records read from the old shards so far
   * @param total records the old shards held when the rebalance (or this resumption) started
   */
  void onProgress(long moved, long examined, long total);

  /**
   * Returns a listener that ignores progress.
   *
   * @return the listener
   */
  static RebalanceProgress none() {
    return (moved, examined, total) -> { };
  }
}
