package dev.layerkit.store.sharding;

import java.util.Collection;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;

/**
 * A {@link ShardMapStore} in this JVM's heap, shared by the repositories built with it.
 *
 * <p><b>Concurrency.</b> Per repository: the map in a volatile field; a
 * {@link ReentrantReadWriteLock} whose read lock a fenced write holds and whose write lock
 * {@link #compareAndSet} takes, so that a change waits for the writes in flight; and
 * {@value #STRIPES} striped key locks, taken in ascending stripe order by both fenced writes and
 * moves, so that two lockers of several keys cannot deadlock. A fenced write checks the version
 * under the read lock before it takes any key lock.
 */
final class InMemoryShardMapStore implements ShardMapStore {

  static final int STRIPES = 1024;

  private static final class Entry {
    final ReentrantReadWriteLock mapLock = new ReentrantReadWriteLock();
    final StripedLocks keyLocks = new StripedLocks(STRIPES);
    volatile ShardMap map;

    Entry(ShardMap map) {
      this.map = map;
    }
  }

  private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();

  @Override
  public ShardMap loadOrCreate(ShardMap initial) {
    Objects.requireNonNull(initial, "initial");
    return entries.computeIfAbsent(initial.repository(), r -> new Entry(initial)).map;
  }

  @Override
  public Optional<ShardMap> load(String repository) {
    Objects.requireNonNull(repository, "repository");
    Entry entry = entries.get(repository);
    return entry == null ? Optional.empty() : Optional.of(entry.map);
  }

  @Override
  public <R> R fenced(String repository, long version, Collection<String> keys, Supplier<R> write) {
    Objects.requireNonNull(keys, "keys");
    Objects.requireNonNull(write, "write");
    Entry entry = entry(repository);
    entry.mapLock.readLock().lock();
    try {
      ShardMap current = entry.map;
      if (current.version() != version) {
        throw StaleShardMapException.of(version, current);
      }
      return locked(entry, keys, write);
    } finally {
      entry.mapLock.readLock().unlock();
    }
  }

  @Override
  public <R> R withKeysLocked(String repository, Collection<String> keys, Supplier<R> action) {
    Objects.requireNonNull(keys, "keys");
    Objects.requireNonNull(action, "action");
    return locked(entry(repository), keys, action);
  }

  @Override
  public boolean compareAndSet(ShardMap expected, ShardMap next) {
    ShardMapStore.checkSuccessor(expected, next);
    Entry entry = entry(expected.repository());
    entry.mapLock.writeLock().lock();
    try {
      if (entry.map.version() != expected.version()) {
        return false;
      }
      entry.map = next;
      return true;
    } finally {
      entry.mapLock.writeLock().unlock();
    }
  }

  private Entry entry(String repository) {
    Objects.requireNonNull(repository, "repository");
    Entry entry = entries.get(repository);
    if (entry == null) {
      throw new IllegalStateException("no shard map is stored for repository " + repository);
    }
    return entry;
  }

  private static <R> R locked(Entry entry, Collection<String> keys, Supplier<R> action) {
    return keys.isEmpty() ? action.get() : entry.keyLocks.withStripes(keys, action);
  }

  @Override
  public String toString() {
    return "InMemoryShardMapStore" + entries.keySet();
  }
}
