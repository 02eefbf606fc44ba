package dev.layerkit.benchmarks.state;

import java.util.concurrent.ThreadLocalRandom;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * Each benchmark thread's position in a shared array of keys, so threads walk it independently.
 * Each thread starts at a random key: threads that all started at the first key would walk the
 * array in step, meeting on the same key at the same time, so that a many-key run measured
 * contention on one key at a time.
 */
@State(Scope.Thread)
public class KeyCursor {

  private int index = -1;

  /**
   * Returns the next key, cycling.
   *
   * @param keys the keys to walk
   * @return the next key
   */
  public String next(String[] keys) {
    if (index < 0) {
      index = ThreadLocalRandom.current().nextInt(keys.length);
    }
    String key = keys[index];
    index = index + 1 == keys.length ? 0 : index + 1;
    return key;
  }
}
