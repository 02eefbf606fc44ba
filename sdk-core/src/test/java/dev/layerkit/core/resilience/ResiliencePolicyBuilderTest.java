package dev.layerkit.core.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ResiliencePolicyBuilderTest {

  static Stream<Arguments> outOfRangeValues() {
    return Stream.of(
        arguments("maxAttempts(0)", setting(b -> b.maxAttempts(0)), "maxAttempts must be >= 1 but was 0"),
        arguments("initialBackoff(0)", setting(b -> b.initialBackoff(Duration.ZERO)),
            "initialBackoff must be >= 1ms but was PT0S"),
        arguments("initialBackoff(500us)", setting(b -> b.initialBackoff(Duration.ofNanos(500_000))),
            "initialBackoff must be >= 1ms but was PT0.0005S"),
        arguments("backoffMultiplier(0.5)", setting(b -> b.backoffMultiplier(0.5)),
            "backoffMultiplier must be >= 1 and finite but was 0.5"),
        arguments("backoffMultiplier(NaN)", setting(b -> b.backoffMultiplier(Double.NaN)),
            "backoffMultiplier must be >= 1 and finite but was NaN"),
        arguments("backoffMultiplier(inf)", setting(b -> b.backoffMultiplier(Double.POSITIVE_INFINITY)),
            "backoffMultiplier must be >= 1 and finite but was Infinity"),
        arguments("maxBackoff(-1s)", setting(b -> b.maxBackoff(Duration.ofSeconds(-1))),
            "maxBackoff must be >= 1ms but was PT-1S"),
        arguments("failureRateThreshold(0)", setting(b -> b.failureRateThreshold(0)),
            "failureRateThreshold must be > 0 and <= 100 but was 0.0"),
        arguments("failureRateThreshold(101)", setting(b -> b.failureRateThreshold(101)),
            "failureRateThreshold must be > 0 and <= 100 but was 101.0"),
        arguments("slidingWindowSize(0)", setting(b -> b.slidingWindowSize(0)),
            "slidingWindowSize must be >= 1 but was 0"),
        arguments("minimumNumberOfCalls(-3)", setting(b -> b.minimumNumberOfCalls(-3)),
            "minimumNumberOfCalls must be >= 1 but was -3"),
        arguments("waitDurationInOpenState(0)", setting(b -> b.waitDurationInOpenState(Duration.ZERO)),
            "waitDurationInOpenState must be >= 1ms but was PT0S"),
        arguments("permittedNumberOfCallsInHalfOpenState(0)",
            setting(b -> b.permittedNumberOfCallsInHalfOpenState(0)),
            "permittedNumberOfCallsInHalfOpenState must be >= 1 but was 0"),
        arguments("maxConcurrentCalls(0)", setting(b -> b.maxConcurrentCalls(0)),
            "maxConcurrentCalls must be >= 1 but was 0"),
        arguments("maxWaitDuration(-1ms)", setting(b -> b.maxWaitDuration(Duration.ofMillis(-1))),
            "maxWaitDuration must be >= 0 but was PT-0.001S"),
        arguments("timeout(0)", setting(b -> b.timeout(Duration.ZERO)), "timeout must be >= 1ms but was PT0S"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("outOfRangeValues")
  void rejectsOutOfRangeValuesNamingParameterAndValue(String label, Consumer<ResiliencePolicy.Builder> setting,
      String message) {
    assertThatThrownBy(() -> setting.accept(ResiliencePolicy.builder("orders")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
  }

  static Stream<Arguments> nullValues() {
    return Stream.of(
        arguments("initialBackoff", setting(b -> b.initialBackoff(null))),
        arguments("maxBackoff", setting(b -> b.maxBackoff(null))),
        arguments("retryOn", setting(b -> b.retryOn(null))),
        arguments("random", setting(b -> b.random(null))),
        arguments("waitDurationInOpenState", setting(b -> b.waitDurationInOpenState(null))),
        arguments("recordOn", setting(b -> b.recordOn(null))),
        arguments("maxWaitDuration", setting(b -> b.maxWaitDuration(null))),
        arguments("timeout", setting(b -> b.timeout(null))),
        arguments("syncTimeoutExecutor", setting(b -> b.syncTimeoutExecutor(null))),
        arguments("timeSource", setting(b -> b.timeSource(null))),
        arguments("sleeper", setting(b -> b.sleeper(null))),
        arguments("scheduler", setting(b -> b.scheduler(null))),
        arguments("meterRegistry", setting(b -> b.meterRegistry(null))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("nullValues")
  void rejectsNullNamingTheParameter(String parameter, Consumer<ResiliencePolicy.Builder> setting) {
    assertThatThrownBy(() -> setting.accept(ResiliencePolicy.builder("orders")))
        .isInstanceOf(NullPointerException.class)
        .hasMessage(parameter);
  }

  @Test
  void rejectsNullOrBlankName() {
    assertThatThrownBy(() -> ResiliencePolicy.builder(null)).isInstanceOf(NullPointerException.class).hasMessage("name");
    assertThatThrownBy(() -> ResiliencePolicy.builder(" "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("name must not be blank but was ' '");
  }

  @Test
  void rejectsARepeatedSettingNamingItsValue() {
    ResiliencePolicy.Builder builder = ResiliencePolicy.builder("orders").maxAttempts(2);

    assertThatThrownBy(() -> builder.maxAttempts(3))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("maxAttempts was already set to 2");
    assertThatThrownBy(() -> ResiliencePolicy.builder("orders").withRetry().withRetry())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("retry was already set to enabled");
  }

  static Stream<Arguments> everySetting() {
    return Stream.of(
        arguments("retry", setting(b -> b.withRetry())),
        arguments("maxAttempts", setting(b -> b.maxAttempts(2))),
        arguments("initialBackoff", setting(b -> b.initialBackoff(Duration.ofMillis(5)))),
        arguments("backoffMultiplier", setting(b -> b.backoffMultiplier(1.5))),
        arguments("maxBackoff", setting(b -> b.maxBackoff(Duration.ofSeconds(1)))),
        arguments("retryOn", setting(b -> b.retryOn(e -> true))),
        arguments("random", setting(b -> b.random(new java.util.Random(1)))),
        arguments("circuitBreaker", setting(b -> b.withCircuitBreaker())),
        arguments("failureRateThreshold", setting(b -> b.failureRateThreshold(40))),
        arguments("slidingWindowSize", setting(b -> b.slidingWindowSize(10))),
        arguments("minimumNumberOfCalls", setting(b -> b.minimumNumberOfCalls(5))),
        arguments("waitDurationInOpenState", setting(b -> b.waitDurationInOpenState(Duration.ofSeconds(1)))),
        arguments("permittedNumberOfCallsInHalfOpenState",
            setting(b -> b.permittedNumberOfCallsInHalfOpenState(2))),
        arguments("recordOn", setting(b -> b.recordOn(e -> true))),
        arguments("bulkhead", setting(b -> b.withBulkhead())),
        arguments("maxConcurrentCalls", setting(b -> b.maxConcurrentCalls(3))),
        arguments("maxWaitDuration", setting(b -> b.maxWaitDuration(Duration.ofMillis(1)))),
        arguments("timeout", setting(b -> b.timeout(Duration.ofSeconds(1)))),
        arguments("syncTimeoutExecutor", setting(b -> b.syncTimeoutExecutor(SHARED_EXECUTOR))),
        arguments("timeSource", setting(b -> b.timeSource(dev.layerkit.core.time.TimeSource.system()))),
        arguments("sleeper", setting(b -> b.sleeper(dev.layerkit.core.time.Sleeper.system()))),
        arguments("scheduler", setting(b -> b.scheduler(SHARED_SCHEDULER))),
        arguments("meterRegistry",
            setting(b -> b.meterRegistry(new io.micrometer.core.instrument.simple.SimpleMeterRegistry()))));
  }

  private static final java.util.concurrent.ExecutorService SHARED_EXECUTOR =
      Executors.newSingleThreadExecutor();
  private static final java.util.concurrent.ScheduledExecutorService SHARED_SCHEDULER =
      Executors.newSingleThreadScheduledExecutor();

  @ParameterizedTest(name = "{0}")
  @MethodSource("everySetting")
  void everySettingGivenTwiceIsRefusedNamingIt(String name, Consumer<ResiliencePolicy.Builder> setting) {
    ResiliencePolicy.Builder builder = ResiliencePolicy.builder("orders");
    setting.accept(builder);

    assertThatThrownBy(() -> setting.accept(builder))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith(name + " was already set to ");
  }

  @Test
  void theSmallestValidValuesAreAccepted() {
    ResiliencePolicy policy = ResiliencePolicy.builder("orders").maxAttempts(1).backoffMultiplier(1.0)
        .slidingWindowSize(1).minimumNumberOfCalls(1).permittedNumberOfCallsInHalfOpenState(1)
        .maxConcurrentCalls(1).build();

    assertThat(policy.retry()).hasValueSatisfying(r -> assertThat(r.getRetryConfig().getMaxAttempts()).isEqualTo(1));
    CircuitBreakerConfig config = policy.circuitBreaker().orElseThrow().getCircuitBreakerConfig();
    assertThat(config.getMinimumNumberOfCalls()).isEqualTo(1);
    assertThat(config.getPermittedNumberOfCallsInHalfOpenState()).isEqualTo(1);
    assertThat(config.getSlidingWindowSize()).isEqualTo(1);
  }

  @Test
  void aMinimumNumberOfCallsEqualToTheWindowIsAccepted() {
    ResiliencePolicy policy = ResiliencePolicy.builder("orders").slidingWindowSize(5)
        .minimumNumberOfCalls(5).initialBackoff(Duration.ofSeconds(10)).withRetry().build();

    assertThat(policy.circuitBreaker().orElseThrow().getCircuitBreakerConfig().getMinimumNumberOfCalls())
        .isEqualTo(5);
  }

  @Test
  void rejectsConflictingSettingsAtBuild() {
    assertThatThrownBy(() -> ResiliencePolicy.builder("orders").initialBackoff(Duration.ofSeconds(30)).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("initialBackoff (PT30S) must be <= maxBackoff (PT10S)");
    assertThatThrownBy(() -> ResiliencePolicy.builder("orders").slidingWindowSize(5).minimumNumberOfCalls(10).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("minimumNumberOfCalls (10) must be <= slidingWindowSize (5)");
    assertThatThrownBy(() -> ResiliencePolicy.builder("orders")
        .syncTimeoutExecutor(Executors.newSingleThreadExecutor()).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("syncTimeoutExecutor is set but no timeout");
  }

  @Test
  void minimumNumberOfCallsDefaultsToTheWindowSize() {
    ResiliencePolicy policy = ResiliencePolicy.builder("orders").slidingWindowSize(7).build();

    CircuitBreakerConfig config = policy.circuitBreaker().orElseThrow().getCircuitBreakerConfig();
    assertThat(config.getSlidingWindowSize()).isEqualTo(7);
    assertThat(config.getMinimumNumberOfCalls()).isEqualTo(7);
  }

  @Test
  void builderWithNothingEnabledPassesCallsThrough() {
    ResiliencePolicy policy = ResiliencePolicy.builder("orders").build();
    AtomicInteger calls = new AtomicInteger();

    assertThatThrownBy(() -> policy.execute(() -> {
      calls.incrementAndGet();
      throw new IllegalStateException("down");
    })).isInstanceOf(IllegalStateException.class);

    assertThat(calls).hasValue(1);
    assertThat(policy.retry()).isEmpty();
    assertThat(policy.circuitBreaker()).isEmpty();
    assertThat(policy.bulkhead()).isEmpty();
    assertThat(policy.timeLimiter()).isEmpty();
    Object nothing = policy.execute(() -> null);
    assertThat(nothing).isNull();
  }

  @Test
  void ofDefaultsHasRetryAndBreakerWithTheDocumentedDefaults() {
    ResiliencePolicy policy = ResiliencePolicy.ofDefaults("orders");

    assertThat(policy.name()).isEqualTo("orders");
    assertThat(policy.retry().orElseThrow().getRetryConfig().getMaxAttempts())
        .isEqualTo(ResiliencePolicy.DEFAULT_MAX_ATTEMPTS);
    CircuitBreaker breaker = policy.circuitBreaker().orElseThrow();
    assertThat(breaker.getName()).isEqualTo("orders");
    assertThat(breaker.getCircuitBreakerConfig().getFailureRateThreshold())
        .isEqualTo(ResiliencePolicy.DEFAULT_FAILURE_RATE_THRESHOLD);
    assertThat(breaker.getCircuitBreakerConfig().getSlidingWindowSize())
        .isEqualTo(ResiliencePolicy.DEFAULT_SLIDING_WINDOW_SIZE);
    assertThat(breaker.getCircuitBreakerConfig().getPermittedNumberOfCallsInHalfOpenState())
        .isEqualTo(ResiliencePolicy.DEFAULT_PERMITTED_NUMBER_OF_CALLS_IN_HALF_OPEN_STATE);
    assertThat(policy.circuitBreakerState()).isEqualTo(CircuitBreaker.State.CLOSED);
    assertThat(policy.bulkhead()).isEmpty();
    assertThat(policy.timeLimiter()).isEmpty();
  }

  @Test
  void toBuilderKeepsTheSettingsAndAllowsEachToBeSetOnceMore() {
    ResiliencePolicy original = ResiliencePolicy.builder("orders").maxAttempts(2).maxConcurrentCalls(3).build();

    ResiliencePolicy changed = original.toBuilder().maxAttempts(5).build();

    assertThat(changed.name()).isEqualTo("orders");
    assertThat(changed.retry().orElseThrow().getRetryConfig().getMaxAttempts()).isEqualTo(5);
    assertThat(changed.bulkhead().orElseThrow().getBulkheadConfig().getMaxConcurrentCalls()).isEqualTo(3);
    assertThat(original.retry().orElseThrow().getRetryConfig().getMaxAttempts()).isEqualTo(2);
    assertThat(changed.bulkhead().orElseThrow()).isNotSameAs(original.bulkhead().orElseThrow());
    assertThatThrownBy(() -> original.toBuilder().maxAttempts(5).maxAttempts(6))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void toStringDescribesTheEnabledComponents() {
    ResiliencePolicy policy = ResiliencePolicy.builder("orders").maxAttempts(2).timeout(Duration.ofSeconds(1)).build();

    assertThat(policy.toString())
        .startsWith("ResiliencePolicy{name=orders, retry={maxAttempts=2")
        .contains("timeout=PT1S")
        .doesNotContain("circuitBreaker", "bulkhead");
  }

  private static Consumer<ResiliencePolicy.Builder> setting(Consumer<ResiliencePolicy.Builder> setting) {
    return setting;
  }
}
