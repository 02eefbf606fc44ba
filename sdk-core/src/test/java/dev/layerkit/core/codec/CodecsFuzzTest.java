package dev.layerkit.core.codec;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Fuzzes {@link Codecs#json(Class)} and {@link Codecs#utf8()} with arbitrary bytes. In a normal
 * test run Jazzer replays the committed inputs under {@code CodecsFuzzTestInputs/}; RELIABILITY.md
 * has the command for a fuzzing run.
 */
class CodecsFuzzTest {

  /** A value with the shapes entities have: text, numbers, a list, a map, a nested record, time. */
  record Sample(String name, long count, double ratio, boolean flag, List<String> tags, Map<String, Long> totals,
      Nested nested, Instant at) {}

  record Nested(String label, List<Long> values) {}

  private static final Codec<Sample> JSON = Codecs.json(Sample.class);
  private static final Codec<String> UTF8 = Codecs.utf8();

  /**
   * Bytes either fail to decode with {@link CodecException} (never another exception, however
   * deep, long or malformed the JSON), or decode to a value that encodes and decodes back to an
   * equal value.
   */
  @FuzzTest(maxDuration = "2m")
  void jsonDecodeFailsWithCodecExceptionOrRoundTrips(byte[] input) {
    Sample value;
    try {
      value = JSON.decode(input);
    } catch (CodecException e) {
      return;
    }
    assertThat(JSON.decode(JSON.encode(value))).isEqualTo(value);
  }

  /**
   * Bytes decode if and only if they are well-formed UTF-8 (the JDK's strict decoder is the
   * oracle), and then encode back to the same bytes; malformed input is a {@link CodecException},
   * never a replacement character.
   */
  @FuzzTest(maxDuration = "2m")
  void utf8DecodesExactlyTheWellFormedInputsAndRoundTrips(byte[] input) {
    boolean wellFormed = isWellFormedUtf8(input);
    String text;
    try {
      text = UTF8.decode(input);
    } catch (CodecException e) {
      assertThat(wellFormed).as("refused well-formed UTF-8").isFalse();
      return;
    }
    assertThat(wellFormed).as("accepted malformed UTF-8").isTrue();
    assertThat(UTF8.encode(text)).isEqualTo(input);
  }

  /**
   * Text (here any sequence of UTF-16 units, lone surrogates included) encodes if and only if it
   * has no unpaired surrogate, and then decodes back to itself.
   */
  @FuzzTest(maxDuration = "2m")
  void utf8EncodesExactlyTheTextWithoutLoneSurrogatesAndRoundTrips(byte[] input) {
    char[] units = new char[input.length / 2];
    for (int i = 0; i < units.length; i++) {
      units[i] = (char) (((input[2 * i] & 0xff) << 8) | (input[2 * i + 1] & 0xff));
    }
    String text = new String(units);
    boolean paired = hasNoLoneSurrogate(text);
    byte[] bytes;
    try {
      bytes = UTF8.encode(text);
    } catch (CodecException e) {
      assertThat(paired).as("refused text without lone surrogates").isFalse();
      return;
    }
    assertThat(paired).as("encoded a lone surrogate").isTrue();
    assertThat(UTF8.decode(bytes)).isEqualTo(text);
  }

  private static boolean isWellFormedUtf8(byte[] input) {
    try {
      StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(input));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }

  private static boolean hasNoLoneSurrogate(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 >= text.length() || !Character.isLowSurrogate(text.charAt(i + 1))) {
          return false;
        }
        i++;
      } else if (Character.isLowSurrogate(c)) {
        return false;
      }
    }
    return true;
  }
}
