package dev.layerkit.benchmarks.state;

import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/** Each benchmark thread's position in a shared array of keys, so threads walk it independently. */
@State(Scope.Thread)
public class KeyCursor {

  private int index;

  /**
   * Returns the next key, cycling.
   *
   * @param keys the keys to walk
   * @return the next key
   */
  public String next(String[] keys) {
    String key = keys[index];
    index = index + 1 == keys.length ? 0 : index + 1;
    return key;
  }
}
