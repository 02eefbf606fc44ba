package dev.layerkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BuilderSettingsTest {

  @Test
  void aSettingGivenTwiceThrowsNamingItAndItsValue() {
    BuilderSettings settings = new BuilderSettings();
    settings.requireUnset("timeout", null);

    assertThatThrownBy(() -> settings.requireUnset("timeout", Duration.ofSeconds(1)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("timeout was already set to PT1S");
  }

  @Test
  void settingsAreTrackedOneByOne() {
    BuilderSettings settings = new BuilderSettings();
    settings.requireUnset("timeout", null);
    settings.requireUnset("name", null);

    assertThat(settings.isSet("timeout")).isTrue();
    assertThat(settings.isSet("name")).isTrue();
    assertThat(settings.isSet("maxAttempts")).isFalse();
  }

  @Test
  void atLeastOneMilliRejectsLessThanAMillisecondNamingTheValue() {
    assertThat(Arguments.atLeastOneMilli(Duration.ofMillis(1), "interval")).isEqualTo(Duration.ofMillis(1));
    assertThatThrownBy(() -> Arguments.atLeastOneMilli(Duration.ofNanos(999_999), "interval"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("interval must be >= 1ms but was PT0.000999999S");
  }
}
