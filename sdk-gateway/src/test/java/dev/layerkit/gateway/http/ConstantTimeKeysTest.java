package dev.layerkit.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ConstantTimeKeysTest {

  private static List<byte[]> hashes(int count) {
    List<byte[]> hashes = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      hashes.add(HexFormat.of().parseHex(ApiKeyAuth.sha256Hex("key-" + i)));
    }
    return hashes;
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 7, 100})
  void findsEveryKeyAfterComparingWithEveryStoredHash(int count) {
    AtomicInteger comparisons = new AtomicInteger();
    ConstantTimeKeys keys = new ConstantTimeKeys(hashes(count), (a, b) -> {
      comparisons.incrementAndGet();
      return MessageDigest.isEqual(a, b);
    });

    for (int i = 0; i < count; i++) {
      comparisons.set(0);
      byte[] presented = HexFormat.of().parseHex(ApiKeyAuth.sha256Hex("key-" + i));

      assertThat(keys.indexOf(presented)).isEqualTo(i);
      assertThat(comparisons).as("comparisons for key %d of %d", i, count).hasValue(count);
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 7, 100})
  void comparesWithEveryStoredHashWhenNothingMatches(int count) {
    AtomicInteger comparisons = new AtomicInteger();
    ConstantTimeKeys keys = new ConstantTimeKeys(hashes(count), (a, b) -> {
      comparisons.incrementAndGet();
      return MessageDigest.isEqual(a, b);
    });
    byte[] firstByteDiffers = HexFormat.of().parseHex(ApiKeyAuth.sha256Hex("key-0"));
    firstByteDiffers[0] ^= 1;
    byte[] lastByteDiffers = HexFormat.of().parseHex(ApiKeyAuth.sha256Hex("key-0"));
    lastByteDiffers[31] ^= 1;

    assertThat(keys.indexOf(firstByteDiffers)).isEqualTo(ConstantTimeKeys.NO_MATCH);
    assertThat(keys.indexOf(lastByteDiffers)).isEqualTo(ConstantTimeKeys.NO_MATCH);
    assertThat(comparisons).hasValue(2 * count);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 3})
  void usesTheConstantTimeJdkComparisonByDefault(int count) {
    ConstantTimeKeys keys = new ConstantTimeKeys(hashes(count));

    assertThat(keys.size()).isEqualTo(count);
    assertThat(keys.indexOf(hashes(count).get(count - 1))).isEqualTo(count - 1);
    assertThat(keys.indexOf(new byte[32])).isEqualTo(ConstantTimeKeys.NO_MATCH);
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 31, 33})
  void rejectsAStoredHashOfTheWrongLength(int length) {
    assertThatThrownBy(() -> new ConstantTimeKeys(List.of(new byte[length])))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("hash must be 32 bytes but was " + length);
  }
}
