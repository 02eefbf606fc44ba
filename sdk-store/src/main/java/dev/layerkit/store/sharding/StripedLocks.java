package dev.layerkit.store.sharding;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * A fixed array of locks that keys map to by hash. Several keys are locked in ascending stripe
 * order, so that two lockers of several keys cannot deadlock; keys that share a stripe only wait
 * for each other. Thread-safe.
 */
final class StripedLocks {

  private final ReentrantLock[] stripes;

  StripedLocks(int count) {
    stripes = new ReentrantLock[count];
    for (int i = 0; i < count; i++) {
      stripes[i] = new ReentrantLock();
    }
  }

  /** Runs {@code action} holding the stripe of one key. */
  <R> R withStripe(String key, Supplier<R> action) {
    ReentrantLock stripe = stripes[index(key)];
    stripe.lock();
    try {
      return action.get();
    } finally {
      stripe.unlock();
    }
  }

  /** Runs {@code action} holding the stripes of every key, taken in ascending order. */
  <R> R withStripes(Collection<String> keys, Supplier<R> action) {
    TreeSet<Integer> indices = new TreeSet<>();
    for (String key : keys) {
      indices.add(index(key));
    }
    List<ReentrantLock> held = new ArrayList<>(indices.size());
    try {
      for (int index : indices) {
        ReentrantLock stripe = stripes[index];
        stripe.lock();
        held.add(stripe);
      }
      return action.get();
    } finally {
      for (int i = held.size() - 1; i >= 0; i--) {
        held.get(i).unlock();
      }
    }
  }

  private int index(String key) {
    return (key.hashCode() & 0x7fffffff) % stripes.length;
  }
}
