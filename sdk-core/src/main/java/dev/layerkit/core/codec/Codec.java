package dev.layerkit.core.codec;

/**
 * Converts values of one type to bytes and back.
 *
 * <p>For every value {@code v} a codec accepts, {@code decode(encode(v))} equals {@code v}.
 * Implementations must be thread-safe and should be stateless; they are shared by every caller of
 * a cache, repository or publisher.
 *
 * <pre>{@code
 * record Order(String id, long cents) {}
 * Codec<Order> codec = Codecs.json(Order.class);
 * byte[] bytes = codec.encode(new Order("o-1", 1250));   // {"id":"o-1","cents":1250}
 * Order order = codec.decode(bytes);
 * }</pre>
 *
 * @param <T> the value type
 */
public interface Codec<T> {

  /**
   * Encodes a value.
   *
   * @param value the value
   * @return its bytes, a new array the caller may keep
   * @throws NullPointerException if {@code value} is null
   * @throws CodecException if the value cannot be encoded
   */
  byte[] encode(T value);

  /**
   * Decodes a value.
   *
   * @param bytes bytes produced by {@link #encode(Object)} (of this codec or a compatible one)
   * @return the value, never null
   * @throws NullPointerException if {@code bytes} is null
   * @throws CodecException if the bytes are not a valid encoding of a {@code T}
   */
  T decode(byte[] bytes);

  /**
   * Returns a description of the type this codec handles, used in error messages.
   *
   * @return the type's name, for example {@code "com.example.Order"}
   */
  String typeName();
}
