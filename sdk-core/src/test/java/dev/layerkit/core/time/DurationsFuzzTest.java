package dev.layerkit.core.time;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Fuzzes {@link Durations#parse} with arbitrary text. In a normal test run Jazzer replays the
 * committed inputs under {@code DurationsFuzzTestInputs/}; RELIABILITY.md has the command for a
 * fuzzing run.
 */
class DurationsFuzzTest {

  /**
   * Any text is either refused with an {@link IllegalArgumentException} that quotes it, or parsed
   * to a duration that is not negative and that {@link Durations#format} writes back to text
   * parsing to the same duration. Nothing else may escape.
   */
  @FuzzTest(maxDuration = "2m")
  void parseRefusesWithTheTextOrRoundTripsThroughFormat(byte[] input) {
    String text = new String(input, StandardCharsets.UTF_8);
    Duration parsed;
    try {
      parsed = Durations.parse(text);
    } catch (IllegalArgumentException e) {
      assertThat(e.getMessage()).contains("'" + text + "'");
      return;
    }
    assertThat(parsed.isNegative()).as(text).isFalse();
    assertThat(Durations.parse(Durations.format(parsed))).as(text).isEqualTo(parsed);
  }
}
