package dev.layerkit.core.hash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HashingTest {

  /**
   * Key placement depends on these values: a change here moves every key of every user, so it
   * must never happen silently.
   */
  @Test
  void valuesAreStableAcrossReleases() {
    assertThat(Hashing.hash("layerkit")).isEqualTo(GOLDEN_STRING);
    assertThat(Hashing.hash("layerkit".getBytes(StandardCharsets.UTF_8))).isEqualTo(GOLDEN_BYTES);
    assertThat(Hashing.hash(42L)).isEqualTo(GOLDEN_LONG);
  }

  @Test
  void stringHashIsTheHashOfItsUtf16LittleEndianCodeUnitsWhateverTheInternalEncoding() {
    for (String s : new String[] {"", "a", "latin1 only", "caf\u00e9", "\u65e5\u672c\u8a9e", "mixed \u00e9 \ud83d\ude00"}) {
      ByteBuffer utf16le = ByteBuffer.allocate(s.length() * 2).order(ByteOrder.LITTLE_ENDIAN);
      s.chars().forEach(c -> utf16le.putChar((char) c));
      assertThat(Hashing.hash(s)).as(s).isEqualTo(Hashing.hash(utf16le.array()));
    }
  }

  @Test
  void sliceHashEqualsHashOfTheCopiedSlice() {
    byte[] bytes = "0123456789".getBytes(StandardCharsets.US_ASCII);
    assertThat(Hashing.hash(bytes, 2, 5)).isEqualTo(Hashing.hash("23456".getBytes(StandardCharsets.US_ASCII)));
    assertThatThrownBy(() -> Hashing.hash(bytes, 8, 5)).isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Test
  void sequentialIdsGetDistinctWellSpreadHashes() {
    Set<Long> seen = new HashSet<>();
    int[] topBits = new int[16];
    int n = 160_000;
    for (long id = 0; id < n; id++) {
      long h = Hashing.hash(id);
      assertThat(seen.add(h)).isTrue();
      topBits[(int) (h >>> 60)]++;
    }
    for (int count : topBits) {
      assertThat(count).isBetween(n / 16 * 95 / 100, n / 16 * 105 / 100);
    }
  }

  @Test
  void nullKeysAreRejectedByName() {
    assertThatThrownBy(() -> Hashing.hash((String) null)).isInstanceOf(NullPointerException.class).hasMessage("key");
    assertThatThrownBy(() -> Hashing.hash((byte[]) null)).isInstanceOf(NullPointerException.class).hasMessage("key");
  }

  private static final long GOLDEN_STRING = 4220590683369288301L;
  private static final long GOLDEN_BYTES = -6149362959441253153L;
  private static final long GOLDEN_LONG = -3051478158665635896L;
}
