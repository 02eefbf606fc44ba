package dev.layerkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The messages are the ones the modules threw before they shared these checks. */
class ArgumentsTest {

  @Test
  void positiveNumbers() {
    assertThat(Arguments.positive(1, "threads")).isEqualTo(1);
    assertThat(Arguments.positive(Long.MAX_VALUE, "limit")).isEqualTo(Long.MAX_VALUE);
    assertThatThrownBy(() -> Arguments.positive(0, "threads"))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("threads must be > 0 but was 0");
    assertThatThrownBy(() -> Arguments.positive(-3L, "limit"))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("limit must be > 0 but was -3");
  }

  @Test
  void notNegativeNumbers() {
    assertThat(Arguments.notNegative(7, "partition")).isEqualTo(7);
    assertThat(Arguments.notNegative(7L, "offset")).isEqualTo(7L);
    assertThatThrownBy(() -> Arguments.positive(0L, "limit"))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("limit must be > 0 but was 0");
    assertThat(Arguments.notNegative(0, "partition")).isZero();
    assertThat(Arguments.notNegative(0L, "offset")).isZero();
    assertThatThrownBy(() -> Arguments.notNegative(-1, "partition"))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("partition must be >= 0 but was -1");
    assertThatThrownBy(() -> Arguments.notNegative(Long.MIN_VALUE, "offset"))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("offset must be >= 0 but was " + Long.MIN_VALUE);
  }

  @Test
  void positiveDurations() {
    Duration ttl = Duration.ofNanos(1);
    assertThat(Arguments.positive(ttl, "ttl")).isSameAs(ttl);
    assertThatThrownBy(() -> Arguments.positive((Duration) null, "ttl"))
        .isExactlyInstanceOf(NullPointerException.class)
        .hasMessage("ttl");
    assertThatThrownBy(() -> Arguments.positive(Duration.ZERO, "ttl"))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("ttl must be > 0 but was PT0S");
    assertThatThrownBy(() -> Arguments.positive(Duration.ofMillis(-5), "ttl"))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("ttl must be > 0 but was PT-0.005S");
  }

  @Test
  void notNegativeDurations() {
    assertThat(Arguments.notNegative(Duration.ZERO, "grace")).isSameAs(Duration.ZERO);
    assertThatThrownBy(() -> Arguments.notNegative((Duration) null, "grace"))
        .isExactlyInstanceOf(NullPointerException.class)
        .hasMessage("grace");
    assertThatThrownBy(() -> Arguments.notNegative(Duration.ofSeconds(-1), "grace"))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("grace must be >= 0 but was PT-1S");
  }

  @Test
  void notBlank() {
    assertThat(Arguments.notBlank(" a ", "name")).isEqualTo(" a ");
    assertThatThrownBy(() -> Arguments.notBlank(null, "name"))
        .isExactlyInstanceOf(NullPointerException.class)
        .hasMessage("name");
    assertThatThrownBy(() -> Arguments.notBlank(" \t", "name"))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("name must not be blank but was ' \t'");
  }
}
