package dev.layerkit.benchmarks.state;

import dev.layerkit.gateway.lb.RequestContext;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * A ring of keyed {@link RequestContext}s that each benchmark thread walks, as a gateway would keep
 * one context per request: the key is hashed when the context is made, here in setup, so a
 * benchmark measures the pick and not the hashing. 4,096 keys, as in {@link KeyHashesState}.
 */
@State(Scope.Thread)
public class RequestContextsState {

  private static final int SIZE = 4096;
  private static final int MASK = SIZE - 1;

  private final RequestContext[] contexts = new RequestContext[SIZE];
  private int index;

  /** Makes contexts keyed {@code user:0} to {@code user:4095}. */
  @Setup
  public void setUp() {
    for (int i = 0; i < SIZE; i++) {
      contexts[i] = RequestContext.ofKey("user:" + i);
    }
  }

  /**
   * Returns the next context, cycling.
   *
   * @return a keyed context
   */
  public RequestContext next() {
    return contexts[index++ & MASK];
  }
}
