package dev.layerkit.cache.internal;

import dev.layerkit.cache.CacheBuilder;
import dev.layerkit.core.codec.Codec;
import dev.layerkit.core.codec.CodecException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What {@code CacheAside} stores in its backend for one key: the loaded value or a marker that the
 * value is absent, when it stops being fresh, and how long it took to load. Not API: users never
 * name it; {@code CacheAside} has its backend built for it through
 * {@link CacheBuilder#buildWrapped(CacheBuilder.Wrapping)} with {@link #wrapping()}.
 *
 * <p>The freshness deadline is wall-clock time (epoch milliseconds from the {@code TimeSource}),
 * because a remote entry is shared by processes whose monotonic clocks are unrelated. The backend
 * keeps the entry longer than that (the stale-while-revalidate window); the load time is the
 * {@code delta} of probabilistic early refresh.
 *
 * <p>Immutable and thread-safe. Backends that store bytes use {@link #codec(Codec)}.
 *
 * @param <V> the value type
 */
public final class CachedValue<V> {

  private static final byte PRESENT = 0;
  private static final byte NULL = 1;
  private static final byte EMPTY_OPTIONAL = 2;
  private static final byte FORMAT = 1;
  private static final int HEADER_BYTES = 2 + Long.BYTES * 2;

  private final @Nullable V value;
  private final byte kind;
  private final long freshUntilMillis;
  private final long loadNanos;

  private CachedValue(@Nullable V value, byte kind, long freshUntilMillis, long loadNanos) {
    this.value = value;
    this.kind = kind;
    this.freshUntilMillis = freshUntilMillis;
    this.loadNanos = loadNanos;
  }

  /**
   * Returns an entry for a loaded value; an empty {@link Optional} or null is stored as absent.
   *
   * @param value the loaded value, or null
   * @param freshUntilMillis the epoch millisecond at which the entry stops being fresh
   * @param loadNanos how long the load took, in nanoseconds; negative values count as zero
   * @param <V> the value type
   * @return the entry
   */
  public static <V> CachedValue<V> of(@Nullable V value, long freshUntilMillis, long loadNanos) {
    byte kind = value == null ? NULL : value instanceof Optional<?> o && o.isEmpty() ? EMPTY_OPTIONAL : PRESENT;
    return new CachedValue<>(kind == PRESENT ? value : null, kind, freshUntilMillis, Math.max(0, loadNanos));
  }

  /**
   * Returns whether the loader found nothing (it returned null or an empty {@code Optional}).
   *
   * @return true for a negative entry
   */
  public boolean isAbsent() {
    return kind != PRESENT;
  }

  /**
   * Returns the value as the loader returned it: the value, null, or an empty {@code Optional}.
   *
   * @return the value
   */
  @SuppressWarnings("unchecked")
  public @Nullable V value() {
    return kind == EMPTY_OPTIONAL ? (V) Optional.empty() : value;
  }

  /**
   * Returns the epoch millisecond at which the entry stops being fresh.
   *
   * @return the deadline
   */
  public long freshUntilMillis() {
    return freshUntilMillis;
  }

  /**
   * Returns how long the load that produced this entry took.
   *
   * @return nanoseconds, at least 0
   */
  public long loadNanos() {
    return loadNanos;
  }

  /**
   * Returns how a backend built for {@code CacheAside} stores entries of values of type {@code V}:
   * encoded by {@link #codec(Codec)}, weighed by their value (an absent entry weighs 1).
   *
   * @param <V> the value type
   * @return the wrapping
   */
  public static <V> CacheBuilder.Wrapping<V, CachedValue<V>> wrapping() {
    return new CacheBuilder.Wrapping<>() {
      @Override
      public Codec<CachedValue<V>> codec(Codec<V> valueCodec) {
        return CachedValue.codec(valueCodec);
      }

      @Override
      public @Nullable V unwrap(CachedValue<V> entry) {
        return entry.kind == PRESENT ? entry.value : null;
      }
    };
  }

  /**
   * Returns a codec for entries whose values {@code valueCodec} encodes: an 18-byte header (format,
   * kind, freshness deadline, load time) followed by the value's bytes.
   *
   * @param valueCodec the codec of present values
   * @param <V> the value type
   * @return a thread-safe codec
   * @throws NullPointerException if {@code valueCodec} is null
   */
  public static <V> Codec<CachedValue<V>> codec(Codec<V> valueCodec) {
    Objects.requireNonNull(valueCodec, "valueCodec");
    return new Codec<>() {
      @Override
      public byte[] encode(CachedValue<V> entry) {
        Objects.requireNonNull(entry, "value");
        byte[] body = entry.kind == PRESENT ? valueCodec.encode(Objects.requireNonNull(entry.value)) : new byte[0];
        ByteBuffer out = ByteBuffer.allocate(HEADER_BYTES + body.length);
        out.put(FORMAT).put(entry.kind).putLong(entry.freshUntilMillis).putLong(entry.loadNanos).put(body);
        return out.array();
      }

      @Override
      public CachedValue<V> decode(byte[] bytes) {
        Objects.requireNonNull(bytes, "bytes");
        if (bytes.length < HEADER_BYTES || bytes[0] != FORMAT || bytes[1] < PRESENT || bytes[1] > EMPTY_OPTIONAL) {
          throw CodecException.decodeFailed(typeName(), bytes.length,
              new IllegalArgumentException("not a cache entry of format " + FORMAT));
        }
        ByteBuffer in = ByteBuffer.wrap(bytes);
        byte kind = bytes[1];
        in.position(2);
        long freshUntil = in.getLong();
        long load = in.getLong();
        V value = kind == PRESENT ? valueCodec.decode(Arrays.copyOfRange(bytes, HEADER_BYTES, bytes.length)) : null;
        return new CachedValue<>(value, kind, freshUntil, load);
      }

      @Override
      public String typeName() {
        return "CachedValue<" + valueCodec.typeName() + '>';
      }
    };
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof CachedValue<?> other && kind == other.kind && freshUntilMillis == other.freshUntilMillis
        && loadNanos == other.loadNanos && Objects.equals(value, other.value);
  }

  @Override
  public int hashCode() {
    return Objects.hash(value, kind, freshUntilMillis, loadNanos);
  }

  @Override
  public String toString() {
    return "CachedValue{" + (isAbsent() ? "absent" : String.valueOf(value)) + ", freshUntil=" + freshUntilMillis
        + ", loadNanos=" + loadNanos + '}';
  }
}
