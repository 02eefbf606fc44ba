package dev.layerkit.core.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ResiliencePolicyAsyncTest {

  private static final long AWAIT_SECONDS = 10;
  private static final Duration SHORT_TIMEOUT = Duration.ofMillis(50);

  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private final ExecutorService syncExecutor = Executors.newSingleThreadExecutor();
  private final AtomicInteger attempts = new AtomicInteger();

  @AfterEach
  void stopExecutors() throws InterruptedException {
    scheduler.shutdownNow();
    syncExecutor.shutdownNow();
    assertThat(scheduler.awaitTermination(AWAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
    assertThat(syncExecutor.awaitTermination(AWAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void retriesAFailedStageOnTheSharedDefaultScheduler() throws Exception {
    ResiliencePolicy policy = ResiliencePolicy.builder("orders")
        .maxAttempts(3)
        .initialBackoff(Duration.ofMillis(1))
        .build();

    CompletionStage<String> result = policy.executeAsync(() -> attempts.incrementAndGet() < 3
        ? CompletableFuture.failedFuture(new IllegalStateException("attempt " + attempts.get()))
        : CompletableFuture.completedFuture("created"));

    assertThat(result.toCompletableFuture().get(AWAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo("created");
    assertThat(attempts).hasValue(3);
  }

  @Test
  void exhaustedAsyncRetriesFailWithTheLastException() {
    ResiliencePolicy policy = ResiliencePolicy.builder("orders")
        .maxAttempts(3)
        .initialBackoff(Duration.ofMillis(1))
        .scheduler(scheduler)
        .build();
    AtomicReference<Exception> last = new AtomicReference<>();

    CompletionStage<String> result = policy.executeAsync(() -> {
      IllegalStateException e = new IllegalStateException("attempt " + attempts.incrementAndGet());
      last.set(e);
      return CompletableFuture.failedFuture(e);
    });

    ExecutionException e = catchThrowableOfType(ExecutionException.class,
        () -> result.toCompletableFuture().get(AWAIT_SECONDS, TimeUnit.SECONDS));
    assertThat(e).hasCause(last.get());
    assertThat(attempts).hasValue(3);
  }

  @Test
  void aSupplierThatThrowsCountsAsAFailedAttempt() throws Exception {
    ResiliencePolicy policy = ResiliencePolicy.builder("orders")
        .maxAttempts(3)
        .initialBackoff(Duration.ofMillis(1))
        .scheduler(scheduler)
        .build();

    CompletionStage<String> result = policy.executeAsync(() -> {
      if (attempts.incrementAndGet() < 3) {
        throw new IllegalStateException("could not even start");
      }
      return CompletableFuture.completedFuture("created");
    });

    assertThat(result.toCompletableFuture().get(AWAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo("created");
    assertThat(attempts).hasValue(3);
  }

  @Test
  void timesOutANeverCompletingStage() {
    ResiliencePolicy policy = ResiliencePolicy.builder("orders")
        .timeout(SHORT_TIMEOUT)
        .scheduler(scheduler)
        .build();

    CompletionStage<String> result = policy.executeAsync(() -> {
      attempts.incrementAndGet();
      return new CompletableFuture<>();
    });

    ExecutionException e = catchThrowableOfType(ExecutionException.class,
        () -> result.toCompletableFuture().get(AWAIT_SECONDS, TimeUnit.SECONDS));
    assertThat(e).cause().isInstanceOf(TimeoutException.class).hasMessageContaining("orders");
    assertThat(attempts).hasValue(1);
  }

  @Test
  void theTimeoutAppliesToEachAttempt() {
    ResiliencePolicy policy = ResiliencePolicy.builder("orders")
        .maxAttempts(2)
        .initialBackoff(Duration.ofMillis(1))
        .timeout(SHORT_TIMEOUT)
        .scheduler(scheduler)
        .build();

    CompletionStage<String> result = policy.executeAsync(() -> {
      attempts.incrementAndGet();
      return new CompletableFuture<>();
    });

    ExecutionException e = catchThrowableOfType(ExecutionException.class,
        () -> result.toCompletableFuture().get(AWAIT_SECONDS, TimeUnit.SECONDS));
    assertThat(e).cause().isInstanceOf(TimeoutException.class);
    assertThat(attempts).hasValue(2);
  }

  @Test
  void openBreakerFailsTheStageWithoutStartingTheCall() {
    ResiliencePolicy policy = ResiliencePolicy.builder("orders")
        .withRetry()
        .withCircuitBreaker()
        .scheduler(scheduler)
        .build();
    policy.circuitBreaker().orElseThrow().transitionToOpenState();

    CompletionStage<String> result = policy.executeAsync(() -> {
      attempts.incrementAndGet();
      return CompletableFuture.completedFuture("never");
    });

    assertThat(result.toCompletableFuture()).isCompletedExceptionally();
    assertThatThrownBy(() -> result.toCompletableFuture().get(AWAIT_SECONDS, TimeUnit.SECONDS))
        .hasCauseInstanceOf(CallNotPermittedException.class);
    assertThat(attempts).hasValue(0);
  }

  // ---- synchronous timeout ----

  @Test
  void syncTimeoutWithoutAnExecutorIsRefusedRatherThanIgnored() {
    ResiliencePolicy policy = ResiliencePolicy.builder("orders").timeout(SHORT_TIMEOUT).build();

    assertThatThrownBy(() -> policy.execute(attempts::incrementAndGet))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("'orders'")
        .hasMessageContaining("syncTimeoutExecutor");
    assertThat(attempts).hasValue(0);
  }

  @Test
  void syncTimeoutInterruptsTheAttemptAndThrowsResilienceException() throws InterruptedException {
    ResiliencePolicy policy = ResiliencePolicy.builder("orders")
        .timeout(SHORT_TIMEOUT)
        .syncTimeoutExecutor(syncExecutor)
        .build();
    CountDownLatch interrupted = new CountDownLatch(1);

    ResilienceException e = catchThrowableOfType(ResilienceException.class, () -> policy.execute(() -> {
      attempts.incrementAndGet();
      try {
        new CountDownLatch(1).await(); // never counted down: only the timeout ends this
      } catch (InterruptedException cancelled) {
        interrupted.countDown();
      }
      return "late";
    }));

    assertThat(e.reason()).isEqualTo(ResilienceException.Reason.TIMEOUT);
    assertThat(e.policyName()).isEqualTo("orders");
    assertThat(e).hasMessageContaining(SHORT_TIMEOUT.toString()).hasCauseInstanceOf(TimeoutException.class);
    assertThat(interrupted.await(AWAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
    assertThat(attempts).hasValue(1);
  }

  @Test
  void syncAttemptsRunOnTheExecutorWhenATimeoutIsSet() {
    ResiliencePolicy policy = ResiliencePolicy.builder("orders")
        .timeout(Duration.ofSeconds(AWAIT_SECONDS))
        .syncTimeoutExecutor(syncExecutor)
        .build();
    Thread caller = Thread.currentThread();

    Thread ran = policy.execute(Thread::currentThread);

    assertThat(ran).isNotSameAs(caller);
  }
}
