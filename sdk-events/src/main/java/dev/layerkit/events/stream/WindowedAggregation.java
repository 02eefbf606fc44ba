package dev.layerkit.events.stream;

import dev.layerkit.core.internal.BuilderSettings;
import java.util.Objects;
import java.util.function.ToDoubleFunction;
import org.jspecify.annotations.Nullable;

/**
 * What to aggregate: the windows, and the value of each event for sum, min and max. Events are
 * grouped by their key. One definition runs on both engines ({@link WindowedAggregator#inMemory}
 * and {@code KafkaStreamsAggregator}). Immutable and thread-safe if the value function is.
 *
 * <pre>{@code
 * WindowedAggregation<Order> revenue = WindowedAggregation
 *     .<Order>builder(Windows.tumbling(Duration.ofMinutes(1)).grace(Duration.ofSeconds(10)))
 *     .value(Order::amount)
 *     .build();
 * }</pre>
 *
 * @param <T> the payload type
 */
public final class WindowedAggregation<T> {

  private final Windows windows;
  private final ToDoubleFunction<? super T> value;

  private WindowedAggregation(Windows windows, ToDoubleFunction<? super T> value) {
    this.windows = windows;
    this.value = value;
  }

  /**
   * Returns a builder.
   *
   * @param windows the windows
   * @param <T> the payload type
   * @return a builder; without {@link Builder#value} every event has the value 1
   * @throws NullPointerException if {@code windows} is null
   */
  public static <T> Builder<T> builder(Windows windows) {
    return new Builder<>(Objects.requireNonNull(windows, "windows"));
  }

  /**
   * Returns the windows.
   *
   * @return the windows
   */
  public Windows windows() {
    return windows;
  }

  /**
   * Returns the value of a payload for sum, min and max.
   *
   * @param payload the payload
   * @return its value
   */
  public double valueOf(T payload) {
    return value.applyAsDouble(payload);
  }

  /**
   * Builds a {@link WindowedAggregation}. Each setting may be given once. Not thread-safe.
   *
   * @param <T> the payload type
   */
  public static final class Builder<T> {

    private final BuilderSettings settings = new BuilderSettings();
    private final Windows windows;
    private @Nullable ToDoubleFunction<? super T> value;

    private Builder(Windows windows) {
      this.windows = windows;
    }

    /**
     * Sets the value of each event for sum, min and max.
     *
     * @param value the function, called once per event
     * @return this builder
     * @throws NullPointerException if {@code value} is null
     * @throws IllegalStateException if already set
     */
    public Builder<T> value(ToDoubleFunction<? super T> value) {
      settings.requireUnset("value", this.value);
      this.value = Objects.requireNonNull(value, "value");
      return this;
    }

    /**
     * Builds the definition.
     *
     * @return the definition
     */
    public WindowedAggregation<T> build() {
      ToDoubleFunction<? super T> v = value;
      return new WindowedAggregation<>(windows, v != null ? v : payload -> 1.0);
    }
  }
}
