package dev.layerkit.cache.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.cache.CacheBuilder;
import dev.layerkit.core.codec.Codec;
import dev.layerkit.core.codec.CodecException;
import dev.layerkit.core.codec.Codecs;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * What {@code CacheAside} stores for a key, and its byte form in a remote backend: every kind of
 * value survives the round trip with its freshness deadline and load time, and bytes that are not
 * such an entry are refused as a codec error (which a remote backend treats as a miss).
 */
class CachedValueTest {

  private final Codec<CachedValue<String>> codec = CachedValue.codec(Codecs.utf8());

  @Test
  void aPresentValueRoundTripsWithItsDeadlineAndLoadTimeAfterAnEighteenByteHeader() {
    CachedValue<String> entry = CachedValue.of("héllo", 1_700_000_000_123L, 42_000);
    byte[] bytes = codec.encode(entry);
    byte[] body = "héllo".getBytes(StandardCharsets.UTF_8);
    assertThat(bytes).hasSize(18 + body.length);
    ByteBuffer header = ByteBuffer.wrap(bytes);
    assertThat(header.get()).as("format").isEqualTo((byte) 1);
    assertThat(header.get()).as("kind: present").isEqualTo((byte) 0);
    assertThat(header.getLong()).isEqualTo(1_700_000_000_123L);
    assertThat(header.getLong()).isEqualTo(42_000L);

    CachedValue<String> decoded = codec.decode(bytes);
    assertThat(decoded).isEqualTo(entry).hasSameHashCodeAs(entry);
    assertThat(decoded.value()).isEqualTo("héllo");
    assertThat(decoded.isAbsent()).isFalse();
    assertThat(decoded.freshUntilMillis()).isEqualTo(1_700_000_000_123L);
    assertThat(decoded.loadNanos()).isEqualTo(42_000L);
  }

  @Test
  void nullAndAnEmptyOptionalAreAbsentAndComeBackAsTheLoaderReturnedThem() {
    CachedValue<String> none = CachedValue.of(null, 5, 6);
    assertThat(none.isAbsent()).isTrue();
    assertThat(none.value()).isNull();
    assertThat(codec.encode(none)).hasSize(18);
    CachedValue<String> decodedNone = codec.decode(codec.encode(none));
    assertThat(decodedNone).isEqualTo(none);
    assertThat(decodedNone.isAbsent()).isTrue();
    assertThat(decodedNone.value()).isNull();

    Codec<CachedValue<Optional<String>>> optionals = CachedValue.codec(new Codec<Optional<String>>() {
      @Override
      public byte[] encode(Optional<String> value) {
        return value.orElseThrow().getBytes(StandardCharsets.UTF_8);
      }

      @Override
      public Optional<String> decode(byte[] bytes) {
        return Optional.of(new String(bytes, StandardCharsets.UTF_8));
      }

      @Override
      public String typeName() {
        return "Optional<String>";
      }
    });
    CachedValue<Optional<String>> empty = CachedValue.of(Optional.empty(), 5, 6);
    assertThat(empty.isAbsent()).isTrue();
    assertThat(empty.value()).isEqualTo(Optional.empty());
    CachedValue<Optional<String>> decodedEmpty = optionals.decode(optionals.encode(empty));
    assertThat(decodedEmpty.isAbsent()).isTrue();
    assertThat(decodedEmpty.value()).isEqualTo(Optional.empty());
    assertThat(decodedEmpty).isEqualTo(empty).isNotEqualTo(CachedValue.of(null, 5, 6));
    CachedValue<Optional<String>> present = optionals.decode(optionals.encode(CachedValue.of(Optional.of("x"), 5, 6)));
    assertThat(present.isAbsent()).isFalse();
    assertThat(present.value()).contains("x");
    assertThat(optionals.typeName()).isEqualTo("CachedValue<Optional<String>>");
  }

  @Test
  void aNegativeLoadTimeCountsAsZero() {
    assertThat(CachedValue.of("v", 1, -5).loadNanos()).isZero();
    assertThat(CachedValue.of("v", 1, 0).loadNanos()).isZero();
    assertThat(CachedValue.of("v", 1, 1).loadNanos()).isEqualTo(1);
  }

  @Test
  void entriesAreEqualOnlyWithTheSameValueKindDeadlineAndLoadTime() {
    CachedValue<String> entry = CachedValue.of("v", 10, 20);
    assertThat(entry).isEqualTo(CachedValue.of("v", 10, 20)).hasSameHashCodeAs(CachedValue.of("v", 10, 20));
    assertThat(entry).isNotEqualTo(CachedValue.of("w", 10, 20));
    assertThat(entry).isNotEqualTo(CachedValue.of("v", 11, 20));
    assertThat(entry).isNotEqualTo(CachedValue.of("v", 10, 21));
    assertThat(entry).isNotEqualTo(CachedValue.of(null, 10, 20));
    assertThat(entry).isNotEqualTo("v");
  }

  @Test
  void bytesThatAreNotAnEntryOfThisFormatAreACodecError() {
    byte[] good = codec.encode(CachedValue.of("v", 1, 2));
    assertThat(codec.decode(good).value()).isEqualTo("v");

    byte[] shortHeader = new byte[17];
    shortHeader[0] = 1;
    assertThatThrownBy(() -> codec.decode(shortHeader)).isInstanceOf(CodecException.class)
        .hasMessageContaining("CachedValue<java.lang.String (UTF-8)>");
    byte[] otherFormat = good.clone();
    otherFormat[0] = 2;
    assertThatThrownBy(() -> codec.decode(otherFormat)).isInstanceOf(CodecException.class);
    byte[] formatZero = good.clone();
    formatZero[0] = 0;
    assertThatThrownBy(() -> codec.decode(formatZero)).isInstanceOf(CodecException.class);
    byte[] unknownKind = good.clone();
    unknownKind[1] = 3;
    assertThatThrownBy(() -> codec.decode(unknownKind)).isInstanceOf(CodecException.class);
    byte[] negativeKind = good.clone();
    negativeKind[1] = -1;
    assertThatThrownBy(() -> codec.decode(negativeKind)).isInstanceOf(CodecException.class);
    assertThatThrownBy(() -> codec.decode(null)).isInstanceOf(NullPointerException.class).hasMessage("bytes");
    assertThatThrownBy(() -> codec.encode(null)).isInstanceOf(NullPointerException.class).hasMessage("value");
    assertThatThrownBy(() -> CachedValue.codec(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("valueCodec");

    // The edges of the accepted range: exactly a header, and the last known kind.
    byte[] headerOnly = codec.encode(CachedValue.of(null, 7, 8));
    assertThat(codec.decode(headerOnly).freshUntilMillis()).isEqualTo(7);
    byte[] emptyOptionalKind = headerOnly.clone();
    emptyOptionalKind[1] = 2;
    assertThat(codec.decode(emptyOptionalKind).isAbsent()).isTrue();
  }

  @Test
  void theWrappingEncodesWithTheEntryCodecAndUnwrapsOnlyPresentValues() {
    CacheBuilder.Wrapping<String, CachedValue<String>> wrapping = CachedValue.wrapping();
    Codec<CachedValue<String>> wrapped = wrapping.codec(Codecs.utf8());
    CachedValue<String> entry = CachedValue.of("v", 3, 4);
    assertThat(wrapped.decode(wrapped.encode(entry))).isEqualTo(entry);
    assertThat(wrapping.unwrap(entry)).isEqualTo("v");
    assertThat(wrapping.unwrap(CachedValue.of(null, 3, 4))).isNull();
  }
}
