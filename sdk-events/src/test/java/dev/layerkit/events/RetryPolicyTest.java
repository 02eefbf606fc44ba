package dev.layerkit.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

  @Test
  void waitsAreFullJitterDrawnFromZeroUpToTheExponentialCeiling() {
    RetryPolicy policy = RetryPolicy.builder().initialBackoff(Duration.ofMillis(100))
        .backoffMultiplier(3).maxBackoff(Duration.ofSeconds(1)).random(new Random(42)).build();
    TreeSet<Duration> third = new TreeSet<>();
    for (int i = 0; i < 2_000; i++) {
      third.add(policy.backoff(3));
    }
    assertThat(third.first()).isGreaterThanOrEqualTo(Duration.ZERO)
        .isLessThan(Duration.ofMillis(50));
    assertThat(third.last()).isLessThanOrEqualTo(Duration.ofMillis(900))
        .isGreaterThan(Duration.ofMillis(850));
    assertThat(third).as("spread, not one value").hasSizeGreaterThan(500);
  }

  @Test
  void zeroBackoffRetriesAtOnce() {
    RetryPolicy policy = RetryPolicy.builder().initialBackoff(Duration.ZERO)
        .maxBackoff(Duration.ZERO).build();
    assertThat(policy.backoff(1)).isZero();
    assertThat(policy.backoff(5)).isZero();
  }

  @Test
  void aSettingGivenTwiceThrowsButOneInheritedThroughToBuilderMayBeSetAgain() {
    assertThatThrownBy(() -> RetryPolicy.builder().maxAttempts(2).maxAttempts(3))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("maxAttempts was already set to 2");
    assertThatThrownBy(() -> RetryPolicy.builder().backoffMultiplier(2).backoffMultiplier(3))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("backoffMultiplier was already set to 2.0");
    RetryPolicy five = RetryPolicy.builder().maxAttempts(5).build();
    assertThat(five.toBuilder().maxAttempts(7).build().maxAttempts()).isEqualTo(7);
  }

  @Test
  void badValuesNameTheSettingAndTheValue() {
    assertThatThrownBy(() -> RetryPolicy.builder().backoffMultiplier(Double.NaN))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("backoffMultiplier must be >= 1 and finite but was NaN");
    assertThatThrownBy(() -> RetryPolicy.builder().initialBackoff(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("initialBackoff must be >= 0 but was PT-0.001S");
    assertThatThrownBy(() -> RetryPolicy.builder().random(null))
        .isInstanceOf(NullPointerException.class).hasMessage("random");
    assertThatThrownBy(() -> RetryPolicy.ofDefaults().backoff(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("attempt must be >= 1 but was 0");
  }
}
