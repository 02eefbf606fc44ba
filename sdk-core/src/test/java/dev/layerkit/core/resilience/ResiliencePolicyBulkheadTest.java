package dev.layerkit.core.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadFullException;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ResiliencePolicyBulkheadTest {

  private static final long TIMEOUT_SECONDS = 10;

  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final CountDownLatch release = new CountDownLatch(1);

  @AfterEach
  void stopThreads() throws InterruptedException {
    release.countDown();
    threads.shutdownNow();
    assertThat(threads.awaitTermination(TIMEOUT_SECONDS, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void admitsExactlyMaxConcurrentCallsAndRejectsTheRest() throws Exception {
    int permits = 3;
    int callers = 8;
    ResiliencePolicy policy = ResiliencePolicy.builder("db").maxConcurrentCalls(permits).build();
    CountDownLatch start = new CountDownLatch(1);
    CountDownLatch entered = new CountDownLatch(permits);
    CountDownLatch rejected = new CountDownLatch(callers - permits);
    AtomicInteger admittedCalls = new AtomicInteger();
    AtomicInteger rejections = new AtomicInteger();
    List<Future<String>> results = new ArrayList<>();

    for (int i = 0; i < callers; i++) {
      results.add(threads.submit(() -> {
        start.await();
        try {
          return policy.execute(() -> {
            admittedCalls.incrementAndGet();
            entered.countDown();
            awaitRelease();
            return "done";
          });
        } catch (BulkheadFullException e) {
          rejections.incrementAndGet();
          rejected.countDown();
          return "rejected";
        }
      }));
    }
    start.countDown();

    assertThat(entered.await(TIMEOUT_SECONDS, TimeUnit.SECONDS)).isTrue();
    assertThat(rejected.await(TIMEOUT_SECONDS, TimeUnit.SECONDS)).isTrue();
    Bulkhead bulkhead = policy.bulkhead().orElseThrow();
    assertThat(bulkhead.getMetrics().getAvailableConcurrentCalls()).isZero();
    // The (n+1)th call, from this thread, is rejected too and never reaches the supplier.
    assertThatThrownBy(() -> policy.execute(admittedCalls::incrementAndGet))
        .isInstanceOf(BulkheadFullException.class);

    release.countDown();
    List<String> outcomes = new ArrayList<>();
    for (Future<String> result : results) {
      outcomes.add(result.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
    }
    assertThat(admittedCalls).hasValue(permits);
    assertThat(rejections).hasValue(callers - permits);
    assertThat(outcomes).filteredOn("done"::equals).hasSize(permits);
    assertThat(bulkhead.getMetrics().getAvailableConcurrentCalls()).isEqualTo(permits);
    assertThat(policy.execute(() -> "after")).isEqualTo("after");
  }

  @Test
  void openBreakerRejectsBeforeTheBulkheadIsAsked() throws Exception {
    ResiliencePolicy policy = ResiliencePolicy.builder("db")
        .maxConcurrentCalls(1)
        .withCircuitBreaker()
        .build();
    holdTheOnlyPermit(policy);
    policy.circuitBreaker().orElseThrow().transitionToOpenState();

    // With the bulkhead full, only a breaker checked first can answer CallNotPermitted.
    assertThatThrownBy(() -> policy.execute(() -> "never"))
        .isInstanceOf(CallNotPermittedException.class);
  }

  @Test
  void fullBulkheadDoesNotCountAgainstTheBreaker() throws Exception {
    ResiliencePolicy policy = ResiliencePolicy.builder("db")
        .maxConcurrentCalls(1)
        .slidingWindowSize(1)
        .failureRateThreshold(100)
        .build();
    holdTheOnlyPermit(policy);

    assertThatThrownBy(() -> policy.execute(() -> "never")).isInstanceOf(BulkheadFullException.class);

    CircuitBreaker breaker = policy.circuitBreaker().orElseThrow();
    assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
    assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isZero();
  }

  private void holdTheOnlyPermit(ResiliencePolicy policy) throws InterruptedException {
    CountDownLatch entered = new CountDownLatch(1);
    threads.submit(() -> policy.execute(() -> {
      entered.countDown();
      awaitRelease();
      return "held";
    }));
    assertThat(entered.await(TIMEOUT_SECONDS, TimeUnit.SECONDS)).isTrue();
  }

  private void awaitRelease() {
    try {
      if (!release.await(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        throw new IllegalStateException("test did not release the callers");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
