package dev.layerkit.core.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.type.TypeReference;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CodecsTest {

  record Order(String id, long cents, Instant placedAt, Optional<String> note) {}

  @Test
  void recordsRoundTripWithIsoInstantsAndOptionals() {
    Codec<Order> codec = Codecs.json(Order.class);
    Order order = new Order("o-1", 1250, Instant.parse("2026-03-01T10:15:30Z"), Optional.of("gift"));
    byte[] bytes = codec.encode(order);
    assertThat(new String(bytes, StandardCharsets.UTF_8))
        .isEqualTo("{\"id\":\"o-1\",\"cents\":1250,\"placedAt\":\"2026-03-01T10:15:30Z\",\"note\":\"gift\"}");
    assertThat(codec.decode(bytes)).isEqualTo(order);
  }

  @Test
  void unknownPropertiesAreIgnoredSoOldReadersSurviveNewWriters() {
    Codec<Order> codec = Codecs.json(Order.class);
    String json = "{\"id\":\"o-2\",\"cents\":5,\"placedAt\":\"2026-03-01T10:15:30Z\",\"note\":null,\"newField\":true}";
    assertThat(codec.decode(json.getBytes(StandardCharsets.UTF_8)).id()).isEqualTo("o-2");
  }

  @Test
  void genericTypesRoundTrip() {
    Codec<Map<String, List<Integer>>> codec = Codecs.json(new TypeReference<>() {});
    Map<String, List<Integer>> value = Map.of("a", List.of(1, 2));
    assertThat(codec.decode(codec.encode(value))).isEqualTo(value);
    assertThat(codec.typeName()).isEqualTo("java.util.Map<java.lang.String,java.util.List<java.lang.Integer>>");
  }

  @Test
  void malformedJsonNamesTheTypeAndKeepsTheCause() {
    Codec<Order> codec = Codecs.json(Order.class);
    assertThatThrownBy(() -> codec.decode("{\"id\":".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(CodecException.class)
        .hasMessageStartingWith("cannot decode 6 bytes as dev.layerkit.core.codec.CodecsTest$Order")
        .hasCauseInstanceOf(com.fasterxml.jackson.core.JsonProcessingException.class)
        .satisfies(e -> assertThat(((CodecException) e).typeName()).contains("CodecsTest$Order"));
  }

  @Test
  void missingPrimitiveAndJsonNullAreErrorsNotDefaults() {
    Codec<Order> codec = Codecs.json(Order.class);
    assertThatThrownBy(() -> codec.decode("{\"id\":\"x\",\"cents\":null}".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(CodecException.class);
    assertThatThrownBy(() -> codec.decode("null".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(CodecException.class)
        .hasMessageContaining("JSON null");
  }

  /** A payload naming a class must not make the codec instantiate it: no default typing. */
  @Test
  void polymorphicTypeHintsInInputAreNotHonoured() {
    Codec<Object> codec = Codecs.json(Object.class);
    Object decoded = codec.decode("[\"java.net.URL\",\"http://example.invalid\"]".getBytes(StandardCharsets.UTF_8));
    assertThat(decoded).isInstanceOf(List.class);
  }

  @Test
  void utf8RoundTripsAndRejectsMalformedBytesAndLoneSurrogates() {
    Codec<String> utf8 = Codecs.utf8();
    String text = "caf\u00e9 \u65e5\u672c \ud83d\ude00";
    assertThat(utf8.encode(text)).isEqualTo(text.getBytes(StandardCharsets.UTF_8));
    assertThat(utf8.decode(utf8.encode(text))).isEqualTo(text);
    assertThatThrownBy(() -> utf8.decode(new byte[] {(byte) 0xC3, (byte) 0x28}))
        .isInstanceOf(CodecException.class)
        .hasMessageStartingWith("cannot decode 2 bytes as java.lang.String (UTF-8)");
    assertThatThrownBy(() -> utf8.encode("bad \ud800"))
        .isInstanceOf(CodecException.class)
        .hasMessageStartingWith("cannot encode java.lang.String (UTF-8)");
  }

  @Test
  void nullsAreRejectedByName() {
    assertThatThrownBy(() -> Codecs.json((Class<?>) null)).isInstanceOf(NullPointerException.class).hasMessage("type");
    assertThatThrownBy(() -> Codecs.json(Order.class).encode(null)).isInstanceOf(NullPointerException.class).hasMessage("value");
    assertThatThrownBy(() -> Codecs.utf8().decode(null)).isInstanceOf(NullPointerException.class).hasMessage("bytes");
  }

  @Test
  void bytesCodecIsTheIdentity() {
    byte[] raw = {1, 2, 3};
    assertThat(Codecs.bytes().encode(raw)).isSameAs(raw);
    assertThat(Codecs.bytes().decode(raw)).isSameAs(raw);
  }
}
