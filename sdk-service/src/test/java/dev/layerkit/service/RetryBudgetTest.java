package dev.layerkit.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.core.time.ManualTimeSource;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryBudgetTest {

  private final ManualTimeSource time = new ManualTimeSource();

  @Test
  void allowsTheConfiguredShareOfCallsAndNoMore() {
    RetryBudget budget = RetryBudget.builder().percent(20).minRetriesPerSecond(0).timeSource(time).build();
    for (int i = 0; i < 100; i++) {
      budget.recordCall();
    }
    int allowed = 0;
    while (budget.tryAcquireRetry()) {
      allowed++;
    }
    assertThat(allowed).isEqualTo(20);
    assertThat(budget.available()).isZero();
  }

  @Test
  void callsOlderThanTheWindowNoLongerPayForRetries() {
    RetryBudget budget = RetryBudget.builder().percent(50).minRetriesPerSecond(0)
        .window(Duration.ofSeconds(10)).timeSource(time).build();
    for (int i = 0; i < 10; i++) {
      budget.recordCall();
    }
    assertThat(budget.available()).isEqualTo(5);
    time.advance(Duration.ofSeconds(9));
    assertThat(budget.available()).isEqualTo(5);
    time.advance(Duration.ofSeconds(2));
    assertThat(budget.available()).isZero();
    assertThat(budget.tryAcquireRetry()).isFalse();
  }

  @Test
  void minimumRatePerSecondAllowsRetriesWithoutCalls() {
    RetryBudget budget = RetryBudget.builder().percent(0).minRetriesPerSecond(2)
        .window(Duration.ofSeconds(5)).timeSource(time).build();
    int allowed = 0;
    while (budget.tryAcquireRetry()) {
      allowed++;
    }
    assertThat(allowed).isEqualTo(10);
    time.advance(Duration.ofSeconds(1));
    assertThat(budget.tryAcquireRetry()).as("the oldest second's retries left the window").isFalse();
    time.advance(Duration.ofSeconds(5));
    assertThat(budget.available()).isEqualTo(10);
  }

  @Test
  void rejectsBadSettingsNamingTheValue() {
    assertThatThrownBy(() -> RetryBudget.builder().percent(-1))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("percent must be in [0, 1000] but was -1.0");
    assertThatThrownBy(() -> RetryBudget.builder().percent(10).percent(20))
        .isInstanceOf(IllegalStateException.class).hasMessage("percent was already set to 10.0");
    assertThatThrownBy(() -> RetryBudget.builder().window(Duration.ofMillis(10)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("window must be in [1s, 1h]");
  }
}
