package dev.layerkit.cache;

import java.util.Objects;
import java.util.function.Function;

/**
 * Maps cache keys to the strings a remote cache stores them under, and back.
 *
 * <p>For every key {@code k}, {@code decode(encode(k))} equals {@code k}: the tiered cache decodes
 * the keys of invalidation messages from other instances. Implementations must be thread-safe and
 * cheap; {@link #encode(Object)} runs on every remote call.
 *
 * <pre>{@code
 * KeyCodec<UUID> ids = KeyCodec.of(UUID::toString, UUID::fromString);
 * }</pre>
 *
 * @param <K> the key type
 */
public interface KeyCodec<K> {

  /**
   * Returns the string form of a key.
   *
   * @param key the key
   * @return its string form, never null
   */
  String encode(K key);

  /**
   * Returns the key of a string form made by {@link #encode(Object)}.
   *
   * @param encoded the string form
   * @return the key
   * @throws IllegalArgumentException if {@code encoded} is not a valid string form
   */
  K decode(String encoded);

  /**
   * Returns the identity codec for string keys.
   *
   * @return the shared string codec
   */
  static KeyCodec<String> strings() {
    return of(Function.identity(), Function.identity());
  }

  /**
   * Returns the codec for {@code long} keys in decimal.
   *
   * @return the shared long codec
   */
  static KeyCodec<Long> longs() {
    return of(key -> Long.toString(key), Long::valueOf);
  }

  /**
   * Returns a codec from a pair of functions.
   *
   * @param encoder maps a key to its string form
   * @param decoder maps a string form back to its key
   * @param <K> the key type
   * @return the codec
   * @throws NullPointerException if {@code encoder} or {@code decoder} is null
   */
  static <K> KeyCodec<K> of(Function<? super K, String> encoder, Function<String, ? extends K> decoder) {
    Objects.requireNonNull(encoder, "encoder");
    Objects.requireNonNull(decoder, "decoder");
    return new KeyCodec<>() {
      @Override
      public String encode(K key) {
        return encoder.apply(key);
      }

      @Override
      public K decode(String encoded) {
        return decoder.apply(encoded);
      }
    };
  }
}
