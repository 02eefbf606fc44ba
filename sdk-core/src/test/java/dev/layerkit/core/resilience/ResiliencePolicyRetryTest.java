package dev.layerkit.core.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.layerkit.core.time.ManualTimeSource;
import dev.layerkit.core.time.Sleeper;
import io.github.resilience4j.retry.Retry;
import java.io.IOException;
import java.lang.reflect.UndeclaredThrowableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ResiliencePolicyRetryTest {

  private final ManualTimeSource time = new ManualTimeSource();
  private final List<Duration> waits = new CopyOnWriteArrayList<>();
  /** Records each backoff and advances the manual clock by it instead of blocking. */
  private final Sleeper recordingSleeper = duration -> {
    waits.add(duration);
    time.sleeper().sleep(duration);
  };

  @AfterEach
  void clearInterruptFlag() {
    Thread.interrupted();
  }

  @Test
  void manualTimeDrivesFullJitterBackoffWithinExponentialBoundsWithoutSleeping() {
    long seed = 20260101L;
    ResiliencePolicy policy = ResiliencePolicy.builder("inventory")
        .maxAttempts(7)
        .initialBackoff(Duration.ofMillis(100))
        .backoffMultiplier(2.0)
        .maxBackoff(Duration.ofMillis(1_000))
        .random(new Random(seed))
        .timeSource(time)
        .sleeper(recordingSleeper)
        .build();
    long start = time.nanoTime();

    assertThatThrownBy(() -> policy.execute(ResiliencePolicyRetryTest::alwaysFail))
        .isInstanceOf(IllegalStateException.class);

    long[] ceilings = {100, 200, 400, 800, 1_000, 1_000};
    Random replay = new Random(seed);
    assertThat(waits).hasSize(ceilings.length);
    for (int i = 0; i < ceilings.length; i++) {
      long waited = waits.get(i).toMillis();
      assertThat(waited).as("wait %d", i + 1).isBetween(0L, ceilings[i]);
      assertThat(waited).as("wait %d", i + 1).isEqualTo(replay.nextLong(ceilings[i] + 1));
    }
    long totalNanos = waits.stream().mapToLong(Duration::toNanos).sum();
    assertThat(time.nanoTime() - start).isEqualTo(totalNanos);
  }

  @Test
  void backoffUpperBoundsDoubleUntilTheCap() {
    RandomGenerator alwaysTheTop = new RandomGenerator() {
      @Override
      public long nextLong() {
        throw new UnsupportedOperationException("only bounded draws are expected");
      }

      @Override
      public long nextLong(long bound) {
        return bound - 1;
      }
    };
    ResiliencePolicy policy = ResiliencePolicy.builder("inventory")
        .maxAttempts(7)
        .initialBackoff(Duration.ofMillis(100))
        .maxBackoff(Duration.ofMillis(1_000))
        .random(alwaysTheTop)
        .sleeper(recordingSleeper)
        .build();

    assertThatThrownBy(() -> policy.execute(ResiliencePolicyRetryTest::alwaysFail))
        .isInstanceOf(IllegalStateException.class);

    assertThat(waits).extracting(Duration::toMillis).containsExactly(100L, 200L, 400L, 800L, 1_000L, 1_000L);
    assertThat(time.nanoTime()).isEqualTo(Duration.ofMillis(3_500).toNanos());
  }

  @Test
  void stopsAtMaxAttemptsAndRethrowsTheLastExceptionUnchanged() {
    ResiliencePolicy policy = ResiliencePolicy.builder("inventory")
        .maxAttempts(4)
        .sleeper(recordingSleeper)
        .build();
    List<RuntimeException> thrown = new ArrayList<>();

    Throwable failure = catchThrowableOfType(IllegalStateException.class, () -> policy.execute(() -> {
      RuntimeException e = new IllegalStateException("attempt " + (thrown.size() + 1));
      thrown.add(e);
      throw e;
    }));

    assertThat(thrown).hasSize(4);
    assertThat(failure).isSameAs(thrown.get(3)).hasNoSuppressedExceptions();
    assertThat(waits).hasSize(3);
    Retry.Metrics metrics = policy.retry().orElseThrow().getMetrics();
    assertThat(metrics.getNumberOfFailedCallsWithRetryAttempt()).isEqualTo(1);
  }

  @Test
  void returnsTheFirstSuccessAndPublishesResilience4jRetryEvents() {
    ResiliencePolicy policy = ResiliencePolicy.builder("inventory")
        .maxAttempts(5)
        .sleeper(recordingSleeper)
        .build();
    Retry retry = policy.retry().orElseThrow();
    List<Duration> eventWaits = new ArrayList<>();
    retry.getEventPublisher().onRetry(event -> eventWaits.add(event.getWaitInterval()));
    AtomicInteger calls = new AtomicInteger();

    String result = policy.execute(() -> {
      if (calls.incrementAndGet() < 3) {
        throw new IllegalStateException("not yet");
      }
      return "stock=7";
    });

    assertThat(result).isEqualTo("stock=7");
    assertThat(calls).hasValue(3);
    assertThat(eventWaits).isEqualTo(waits).hasSize(2);
    assertThat(retry.getMetrics().getNumberOfSuccessfulCallsWithRetryAttempt()).isEqualTo(1);
    assertThat(retry.getMetrics().getNumberOfSuccessfulCallsWithoutRetryAttempt()).isZero();
  }

  @Test
  void retryOnPredicateLetsOtherFailuresPropagateAtOnce() {
    ResiliencePolicy policy = ResiliencePolicy.builder("inventory")
        .maxAttempts(5)
        .retryOn(failure -> failure instanceof TransientException)
        .sleeper(recordingSleeper)
        .build();
    AtomicInteger calls = new AtomicInteger();
    IllegalArgumentException permanent = new IllegalArgumentException("bad sku");

    assertThatThrownBy(() -> policy.execute(() -> {
      calls.incrementAndGet();
      throw permanent;
    })).isSameAs(permanent);

    assertThat(calls).hasValue(1);
    assertThat(waits).isEmpty();
    assertThat(policy.retry().orElseThrow().getMetrics().getNumberOfFailedCallsWithoutRetryAttempt()).isEqualTo(1);
  }

  @Test
  void retryOnPredicateRetriesMatchingFailures() {
    ResiliencePolicy policy = ResiliencePolicy.builder("inventory")
        .maxAttempts(3)
        .retryOn(failure -> failure instanceof TransientException)
        .sleeper(recordingSleeper)
        .build();
    AtomicInteger calls = new AtomicInteger();

    assertThatThrownBy(() -> policy.execute(() -> {
      calls.incrementAndGet();
      throw new TransientException();
    })).isInstanceOf(TransientException.class);

    assertThat(calls).hasValue(3);
  }

  @Test
  void errorsAreNotRetriedByDefault() {
    ResiliencePolicy policy = ResiliencePolicy.builder("inventory").withRetry().sleeper(recordingSleeper).build();
    AtomicInteger calls = new AtomicInteger();
    AssertionError error = new AssertionError("broken invariant");

    assertThatThrownBy(() -> policy.execute(() -> {
      calls.incrementAndGet();
      throw error;
    })).isSameAs(error);

    assertThat(calls).hasValue(1);
  }

  @Test
  void interruptDuringBackoffRestoresTheFlagAndThrowsResilienceException() {
    ResiliencePolicy policy = ResiliencePolicy.builder("inventory")
        .maxAttempts(3)
        .sleeper(duration -> {
          throw new InterruptedException("shutting down");
        })
        .build();
    AtomicInteger calls = new AtomicInteger();
    IllegalStateException firstFailure = new IllegalStateException("first");

    ResilienceException e = catchThrowableOfType(ResilienceException.class, () -> policy.execute(() -> {
      calls.incrementAndGet();
      throw firstFailure;
    }));

    assertThat(Thread.currentThread().isInterrupted()).isTrue();
    assertThat(e.reason()).isEqualTo(ResilienceException.Reason.INTERRUPTED);
    assertThat(e.policyName()).isEqualTo("inventory");
    assertThat(e).hasMessageContaining("'inventory'").hasCauseInstanceOf(InterruptedException.class);
    assertThat(e.getSuppressed()).containsExactly(firstFailure);
    assertThat(calls).hasValue(1);
  }

  @Test
  void interruptedThreadStopsAtTheFirstBackoffWithTheSystemSleeper() {
    ResiliencePolicy policy = ResiliencePolicy.builder("inventory").maxAttempts(3).build();
    AtomicInteger calls = new AtomicInteger();
    Thread.currentThread().interrupt(); // Thread.sleep throws at once: nothing actually sleeps

    assertThatThrownBy(() -> policy.execute(() -> {
      calls.incrementAndGet();
      throw new IllegalStateException("down");
    })).isInstanceOf(ResilienceException.class);

    assertThat(Thread.currentThread().isInterrupted()).isTrue();
    assertThat(calls).hasValue(1);
  }

  @Test
  void sneakilyThrownCheckedExceptionArrivesAsUndeclaredThrowable() {
    ResiliencePolicy policy = ResiliencePolicy.builder("inventory")
        .maxAttempts(2)
        .sleeper(recordingSleeper)
        .build();
    IOException io = new IOException("disk");

    assertThatThrownBy(() -> policy.execute(() -> sneakyThrow(io)))
        .isInstanceOf(UndeclaredThrowableException.class)
        .hasCause(io);
    assertThat(waits).hasSize(1); // the default predicate retried it once
  }

  @Test
  void runExecutesARunnableUnderThePolicy() {
    ResiliencePolicy policy = ResiliencePolicy.builder("inventory")
        .maxAttempts(2)
        .sleeper(recordingSleeper)
        .build();
    AtomicInteger calls = new AtomicInteger();

    policy.run(() -> {
      if (calls.incrementAndGet() == 1) {
        throw new TransientException();
      }
    });

    assertThat(calls).hasValue(2);
  }

  private static String alwaysFail() {
    throw new IllegalStateException("down");
  }

  @SuppressWarnings("unchecked")
  private static <T extends Throwable, R> R sneakyThrow(Throwable t) throws T {
    throw (T) t;
  }

  private static final class TransientException extends RuntimeException {
    TransientException() {
      super("transient");
    }
  }
}
