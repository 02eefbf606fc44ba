package dev.layerkit.store.sharding;

/** Where a {@link ShardedRepository} read may go when a shard has read replicas. */
public enum ReadConsistency {
  /**
   * A replica, unless this instance wrote to the shard within the read-your-writes window, in
   * which case the primary. The default.
   */
  REPLICA_OK,
  /** Always the shard's primary: sees every write acknowledged before the read. */
  READ_YOUR_WRITES
}
