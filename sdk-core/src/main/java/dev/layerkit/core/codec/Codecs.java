package dev.layerkit.core.codec;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Factories for the common {@link Codec}s.
 *
 * <p>JSON codecs share one Jackson {@link ObjectMapper} configured for safety and stability:
 * no default typing (so bytes can never choose which class gets instantiated), {@code java.time}
 * values as ISO-8601 strings, {@code Optional} support, and unknown properties ignored so that a
 * reader survives a writer that added a field. Records are supported through their canonical
 * constructor.
 */
public final class Codecs {

  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .addModule(new JavaTimeModule())
      .addModule(new Jdk8Module())
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .build();

  private Codecs() {}

  /**
   * Returns a JSON codec for {@code type} on Layerkit's shared mapper.
   *
   * @param type the value class; records, beans and {@code java.time} fields are supported
   * @param <T> the value type
   * @return a thread-safe codec
   * @throws NullPointerException if {@code type} is null
   */
  public static <T> Codec<T> json(Class<T> type) {
    Objects.requireNonNull(type, "type");
    return new JsonCodec<>(MAPPER, MAPPER.constructType(type));
  }

  /**
   * Returns a JSON codec for a generic type, for example
   * {@code Codecs.json(new TypeReference<List<Order>>() {})}.
   *
   * @param type the full generic type
   * @param <T> the value type
   * @return a thread-safe codec
   * @throws NullPointerException if {@code type} is null
   */
  public static <T> Codec<T> json(TypeReference<T> type) {
    Objects.requireNonNull(type, "type");
    return new JsonCodec<>(MAPPER, MAPPER.constructType(type));
  }

  /**
   * Returns a JSON codec on a caller's own mapper, for types that need custom modules. The caller
   * is responsible for that mapper's safety settings: do not enable default typing on it for data
   * from outside.
   *
   * @param type the value class
   * @param mapper the mapper to use; it must not be reconfigured afterwards
   * @param <T> the value type
   * @return a thread-safe codec
   * @throws NullPointerException if {@code type} or {@code mapper} is null
   */
  public static <T> Codec<T> json(Class<T> type, ObjectMapper mapper) {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(mapper, "mapper");
    return new JsonCodec<>(mapper, mapper.constructType(type));
  }

  /**
   * Returns the strict UTF-8 codec for strings. Unlike {@code new String(bytes, UTF_8)} it does
   * not replace malformed input silently: invalid UTF-8 on decode, or an unpaired surrogate on
   * encode, is a {@link CodecException}.
   *
   * @return the shared, thread-safe UTF-8 codec
   */
  public static Codec<String> utf8() {
    return Utf8Codec.INSTANCE;
  }

  /**
   * Returns the identity codec for byte arrays. It does not copy: callers must not modify an array
   * after handing it over.
   *
   * @return the shared byte-array codec
   */
  public static Codec<byte[]> bytes() {
    return BytesCodec.INSTANCE;
  }

  private static final class JsonCodec<T> implements Codec<T> {
    private final ObjectMapper mapper;
    private final JavaType type;

    JsonCodec(ObjectMapper mapper, JavaType type) {
      this.mapper = mapper;
      this.type = type;
    }

    @Override
    public byte[] encode(T value) {
      Objects.requireNonNull(value, "value");
      try {
        return mapper.writerFor(type).writeValueAsBytes(value);
      } catch (IOException | RuntimeException e) {
        throw CodecException.encodeFailed(typeName(), e);
      }
    }

    @Override
    public T decode(byte[] bytes) {
      Objects.requireNonNull(bytes, "bytes");
      T value;
      try {
        value = mapper.readValue(bytes, type);
      } catch (IOException | RuntimeException e) {
        throw CodecException.decodeFailed(typeName(), bytes.length, e);
      }
      if (value == null) {
        throw CodecException.decodeFailed(typeName(), bytes.length, new IllegalArgumentException("JSON null"));
      }
      return value;
    }

    @Override
    public String typeName() {
      return type.toCanonical();
    }

    @Override
    public String toString() {
      return "Codecs.json(" + typeName() + ')';
    }
  }

  private enum Utf8Codec implements Codec<String> {
    INSTANCE;

    @Override
    public byte[] encode(String value) {
      Objects.requireNonNull(value, "value");
      try {
        ByteBuffer buffer = StandardCharsets.UTF_8.newEncoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .encode(CharBuffer.wrap(value));
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
      } catch (CharacterCodingException e) {
        throw CodecException.encodeFailed(typeName(), e);
      }
    }

    @Override
    public String decode(byte[] bytes) {
      Objects.requireNonNull(bytes, "bytes");
      try {
        return StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(ByteBuffer.wrap(bytes))
            .toString();
      } catch (CharacterCodingException e) {
        throw CodecException.decodeFailed(typeName(), bytes.length, e);
      }
    }

    @Override
    public String typeName() {
      return "java.lang.String (UTF-8)";
    }

    @Override
    public String toString() {
      return "Codecs.utf8()";
    }
  }

  private enum BytesCodec implements Codec<byte[]> {
    INSTANCE;

    @Override
    public byte[] encode(byte[] value) {
      return Objects.requireNonNull(value, "value");
    }

    @Override
    public byte[] decode(byte[] bytes) {
      return Objects.requireNonNull(bytes, "bytes");
    }

    @Override
    public String typeName() {
      return "byte[]";
    }

    @Override
    public String toString() {
      return "Codecs.bytes()";
    }
  }
}
