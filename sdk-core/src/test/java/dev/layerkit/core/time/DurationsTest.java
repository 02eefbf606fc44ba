package dev.layerkit.core.time;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

  @ParameterizedTest
  @CsvSource({
      "7ns, PT0.000000007S", "3us, PT0.000003S", "250ms, PT0.25S", "5s, PT5S", "1m, PT1M",
      "2h, PT2H", "1d, PT24H", "' 30 s ', PT30S", "PT5S, PT5S", "p1d, PT24H", "0s, PT0S"})
  void parsesEveryUnitOfTheShortFormAndIso8601(String text, String iso) {
    assertThat(Durations.parse(text)).isEqualTo(Duration.parse(iso));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "5", "5sec", "-5s", "1.5s", "5S", "PT-5S", "P", "99999999999999999999s",
      "9223372036854775807d"})
  void rejectsTextOutsideTheGrammarNamingIt(String text) {
    assertThatThrownBy(() -> Durations.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'" + text + "'");
  }

  @ParameterizedTest
  @CsvSource({"PT0.25S, 250ms", "PT30S, 30s", "PT2M, 2m", "PT3H, 3h", "PT48H, 2d", "PT0.000001S, 1us",
      "PT0.000000001S, 1ns", "PT1M30S, 90s"})
  void formatsInTheLargestUnitThatDividesAndParsesBack(String iso, String text) {
    Duration duration = Duration.parse(iso);
    assertThat(Durations.format(duration)).isEqualTo(text);
    assertThat(Durations.parse(Durations.format(duration))).isEqualTo(duration);
  }

  @org.junit.jupiter.api.Test
  void formatsNegativeDurationsInIso8601() {
    assertThat(Durations.format(Duration.ofSeconds(-5))).isEqualTo("PT-5S");
  }
}
