package dev.layerkit.store.sharding;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

/**
 * Fuzzes {@link ConsistencyToken#parse}, which reads tokens that arrive from other processes (for
 * example in a header). In a normal test run Jazzer replays the committed inputs under
 * {@code ConsistencyTokenFuzzTestInputs/}.
 */
class ConsistencyTokenFuzzTest {

  /** Any text is refused with an {@link IllegalArgumentException} quoting it, or is a token that formats and parses back to itself. */
  @FuzzTest(maxDuration = "2m")
  void parseRefusesWithTheTextOrRoundTrips(byte[] input) {
    String text = new String(input, StandardCharsets.UTF_8);
    ConsistencyToken token;
    try {
      token = ConsistencyToken.parse(text);
    } catch (IllegalArgumentException e) {
      assertThat(e.getMessage()).contains("'" + text + "'");
      return;
    }
    assertThat(token.version()).isPositive();
    assertThat(token.shardMapVersion()).isNotNegative();
    assertThat(ConsistencyToken.parse(token.format())).isEqualTo(token);
  }
}
