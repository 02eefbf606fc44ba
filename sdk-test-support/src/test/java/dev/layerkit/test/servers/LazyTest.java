package dev.layerkit.test.servers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.test.Concurrently;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LazyTest {

  @Test
  void computesOnceForManyConcurrentCallers() throws Exception {
    AtomicInteger computations = new AtomicInteger();
    Lazy<Object> lazy = new Lazy<>(() -> {
      computations.incrementAndGet();
      return new Object();
    });
    int callers = 8;
    Queue<Object> results = new ConcurrentLinkedQueue<>();
    Concurrently.run(callers, () -> results.add(lazy.get()));
    Object first = results.peek();
    assertThat(results).hasSize(callers).allSatisfy(result -> assertThat(result).isSameAs(first));
    assertThat(computations).hasValue(1);
  }

  @Test
  void remembersAFailureAndRepeatsItsMessageWithoutRecomputing() {
    AtomicInteger computations = new AtomicInteger();
    IllegalStateException failure = new IllegalStateException("No Redis server for tests. Tried ...");
    Lazy<String> lazy = new Lazy<>(() -> {
      computations.incrementAndGet();
      throw failure;
    });

    for (int i = 0; i < 3; i++) {
      assertThatThrownBy(lazy::get)
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("No Redis server for tests. Tried ...")
          .hasCause(failure);
    }
    assertThat(computations).hasValue(1);
  }
}
