package dev.layerkit.store.sharding;

import java.util.Collection;
import java.util.concurrent.locks.StampedLock;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Holds the {@link TopologyState} and the locks that keep reads, writes and a rebalance apart.
 *
 * <p><b>Concurrency.</b> The state is an immutable snapshot in a volatile field behind a
 * {@link StampedLock}. Reads run under an optimistic stamp (no write to shared memory) and run
 * again under the read lock if a rebalance switched the state meanwhile
 * ({@link #readOptimistically}); writes hold the read lock for their whole duration
 * ({@link #underReadLock}); only the start and the end of a rebalance take the write lock
 * ({@link #replace}), so a switch waits for writes in flight and a write never straddles two
 * states. During a rebalance, writers of one id and the mover of that id
 * also serialise on one of {@value #STRIPES} striped locks; the mover takes a batch's stripes in
 * ascending order and a writer holds at most one, so they cannot deadlock.
 *
 * <p>That is the whole story without a shard map ({@link LocalCoordination}). With one
 * ({@link SharedShardMap}), writes do not take these locks: the map's version fence and key locks
 * in the {@link ShardMapStore} order them against moves and map changes in every instance, and the
 * state here is this instance's cache of the map, replaced (under the write lock, so that
 * optimistic reads notice) whenever a newer version is adopted.
 *
 * @param <ID> the id type
 * @param <T> the entity type
 */
final class Topologies<ID, T> {

  static final int STRIPES = 256;

  private final StampedLock lock = new StampedLock();
  private final StripedLocks stripes = new StripedLocks(STRIPES);
  private volatile TopologyState<ID, T> state;

  Topologies(TopologyState<ID, T> initial) {
    this.state = initial;
  }

  /** The state now, without locking: for callers that tolerate a concurrent switch. */
  TopologyState<ID, T> state() {
    return state;
  }

  /** Runs a read optimistically, and again under the read lock if the state changed meanwhile. */
  <R> R readOptimistically(Function<TopologyState<ID, T>, R> read) {
    long stamp = lock.tryOptimisticRead();
    if (stamp != 0) {
      R result = read.apply(state);
      if (lock.validate(stamp)) {
        return result;
      }
    }
    return underReadLock(read);
  }

  /** Runs {@code action} with the state held still (under the read lock). */
  <R> R underReadLock(Function<TopologyState<ID, T>, R> action) {
    long stamp = lock.readLock();
    try {
      return action.apply(state);
    } finally {
      lock.unlockRead(stamp);
    }
  }

  /** Switches to a new state once every write in flight has finished. */
  void replace(TopologyState<ID, T> next) {
    long stamp = lock.writeLock();
    try {
      state = next;
    } finally {
      lock.unlockWrite(stamp);
    }
  }

  /** Optimistic-read support for the allocation-free {@code findById} path. */
  long tryOptimisticRead() {
    return lock.tryOptimisticRead();
  }

  boolean validate(long stamp) {
    return lock.validate(stamp);
  }

  /** Runs {@code action} holding the stripe of one id key. */
  <R> R withStripe(String idKey, Supplier<R> action) {
    return stripes.withStripe(idKey, action);
  }

  /** Runs {@code action} holding the stripes of every id key, taken in ascending order. */
  <R> R withStripes(Collection<String> idKeys, Supplier<R> action) {
    return stripes.withStripes(idKeys, action);
  }
}
