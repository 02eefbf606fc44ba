package dev.layerkit.core.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LazyTest {

  @Test
  void computesOnceForManyConcurrentCallers() throws Exception {
    AtomicInteger computations = new AtomicInteger();
    CountDownLatch start = new CountDownLatch(1);
    Lazy<Object> lazy = new Lazy<>(() -> {
      computations.incrementAndGet();
      return new Object();
    });
    int callers = 8;
    ExecutorService pool = Executors.newFixedThreadPool(callers);
    try {
      List<Future<Object>> results = new ArrayList<>();
      for (int i = 0; i < callers; i++) {
        results.add(pool.submit(() -> {
          start.await();
          return lazy.get();
        }));
      }
      start.countDown();
      Object first = results.get(0).get(10, TimeUnit.SECONDS);
      for (Future<Object> result : results) {
        assertThat(result.get(10, TimeUnit.SECONDS)).isSameAs(first);
      }
    } finally {
      pool.shutdownNow();
    }
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
