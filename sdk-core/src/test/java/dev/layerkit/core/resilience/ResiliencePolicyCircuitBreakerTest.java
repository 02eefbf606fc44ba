package dev.layerkit.core.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.layerkit.core.time.ManualTimeSource;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ResiliencePolicyCircuitBreakerTest {

  private static final Duration WAIT = Duration.ofSeconds(10);

  private final ManualTimeSource time = new ManualTimeSource();
  private final AtomicInteger calls = new AtomicInteger();

  /** Window 4, threshold 50%, minimum 4 calls, 10 s open, 2 trial calls; no retry. */
  private ResiliencePolicy breakerOnly() {
    return ResiliencePolicy.builder("payments")
        .slidingWindowSize(4)
        .failureRateThreshold(50)
        .minimumNumberOfCalls(4)
        .waitDurationInOpenState(WAIT)
        .permittedNumberOfCallsInHalfOpenState(2)
        .timeSource(time)
        .build();
  }

  @Test
  void opensAtTheFailureRateOnceTheMinimumNumberOfCallsIsReached() {
    ResiliencePolicy policy = breakerOnly();

    succeed(policy);
    succeed(policy);
    fail(policy);
    assertThat(policy.circuitBreakerState()).isEqualTo(State.CLOSED); // 3 calls < minimum of 4
    fail(policy); // 2 of 4 failed: 50%

    assertThat(policy.circuitBreakerState()).isEqualTo(State.OPEN);
    assertThat(calls).hasValue(4);
  }

  @Test
  void openBreakerRejectsWithoutCallingTheSupplier() {
    ResiliencePolicy policy = openedBreaker();

    CallNotPermittedException rejected =
        catchThrowableOfType(CallNotPermittedException.class, () -> succeed(policy));

    assertThat(rejected.getCausingCircuitBreakerName()).isEqualTo("payments");
    assertThat(calls).hasValue(4);
    assertThat(policy.circuitBreaker().orElseThrow().getMetrics().getNumberOfNotPermittedCalls()).isEqualTo(1);
  }

  @Test
  void goesHalfOpenAfterTheWaitOnTheManualClockAndClosesOnSuccesses() {
    ResiliencePolicy policy = openedBreaker();

    time.advance(WAIT.minusMillis(1));
    assertThatThrownBy(() -> succeed(policy)).isInstanceOf(CallNotPermittedException.class);

    time.advance(Duration.ofMillis(2));
    succeed(policy);
    assertThat(policy.circuitBreakerState()).isEqualTo(State.HALF_OPEN);
    succeed(policy);

    assertThat(policy.circuitBreakerState()).isEqualTo(State.CLOSED);
    assertThat(calls).hasValue(6);
  }

  @Test
  void reopensWhenTheTrialCallsFail() {
    ResiliencePolicy policy = openedBreaker();
    time.advance(WAIT.plusMillis(1));

    fail(policy);
    fail(policy);

    assertThat(policy.circuitBreakerState()).isEqualTo(State.OPEN);
    assertThatThrownBy(() -> succeed(policy)).isInstanceOf(CallNotPermittedException.class);
  }

  @Test
  void recordOnPredicateDecidesWhichFailuresCount() {
    ResiliencePolicy policy = ResiliencePolicy.builder("payments")
        .slidingWindowSize(2)
        .failureRateThreshold(50)
        .recordOn(failure -> !(failure instanceof IllegalArgumentException))
        .timeSource(time)
        .build();

    for (int i = 0; i < 4; i++) {
      assertThatThrownBy(() -> policy.execute(() -> {
        throw new IllegalArgumentException("caller's mistake");
      })).isInstanceOf(IllegalArgumentException.class);
    }

    assertThat(policy.circuitBreakerState()).isEqualTo(State.CLOSED);
    assertThat(policy.circuitBreaker().orElseThrow().getMetrics().getNumberOfFailedCalls()).isZero();
  }

  @Test
  void stateIsDisabledWithoutABreaker() {
    ResiliencePolicy policy = ResiliencePolicy.builder("payments").maxAttempts(2).build();

    assertThat(policy.circuitBreakerState()).isEqualTo(State.DISABLED);
    assertThat(policy.circuitBreaker()).isEmpty();
  }

  // ---- order: Retry(CircuitBreaker(...)) ----

  @Test
  void everyRetryAttemptIsACallForTheBreaker() {
    ResiliencePolicy policy = ResiliencePolicy.builder("payments")
        .maxAttempts(4)
        .sleeper(time.sleeper())
        .slidingWindowSize(4)
        .failureRateThreshold(50)
        .timeSource(time)
        .build();

    fail(policy); // one call to execute, four attempts

    assertThat(calls).hasValue(4);
    CircuitBreaker breaker = policy.circuitBreaker().orElseThrow();
    assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isEqualTo(4);
    assertThat(breaker.getState()).isEqualTo(State.OPEN);
  }

  @Test
  void retrySeesTheOpenBreakerAndDoesNotRetryItByDefault() {
    AtomicInteger backoffs = new AtomicInteger();
    ResiliencePolicy policy = ResiliencePolicy.builder("payments")
        .maxAttempts(5)
        .sleeper(duration -> backoffs.incrementAndGet())
        .withCircuitBreaker()
        .timeSource(time)
        .build();
    policy.circuitBreaker().orElseThrow().transitionToOpenState();

    assertThatThrownBy(() -> succeed(policy)).isInstanceOf(CallNotPermittedException.class);

    assertThat(calls).hasValue(0);
    assertThat(backoffs).hasValue(0);
    assertThat(policy.retry().orElseThrow().getMetrics().getNumberOfFailedCallsWithoutRetryAttempt()).isEqualTo(1);
  }

  private ResiliencePolicy openedBreaker() {
    ResiliencePolicy policy = breakerOnly();
    for (int i = 0; i < 4; i++) {
      fail(policy);
    }
    assertThat(policy.circuitBreakerState()).isEqualTo(State.OPEN);
    return policy;
  }

  private void succeed(ResiliencePolicy policy) {
    assertThat(policy.execute(() -> "ok-" + calls.incrementAndGet())).startsWith("ok-");
  }

  private void fail(ResiliencePolicy policy) {
    assertThatThrownBy(() -> policy.execute(() -> {
      calls.incrementAndGet();
      throw new IllegalStateException("payment service down");
    })).isInstanceOf(IllegalStateException.class);
  }
}
