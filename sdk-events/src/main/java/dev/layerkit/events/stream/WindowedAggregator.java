package dev.layerkit.events.stream;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A running windowed aggregation: results are emitted to a sink when their window closes, can be
 * queried while it is open (for a live dashboard), and the rest are emitted on {@link #close()}.
 *
 * <p>Engines: {@link #inMemory(WindowedAggregation)} for one process and tests, fed with events as an {@link
 * dev.layerkit.events.EventHandler}; {@code dev.layerkit.events.kafka.KafkaStreamsAggregator}, a
 * Kafka Streams topology that scales out with the topic's partitions. For the same events in the
 * same order (per partition) both emit the same results and count the same late events.
 *
 * <p>Implementations are thread-safe.
 *
 * @param <T> the payload type
 */
public interface WindowedAggregator<T> extends AutoCloseable {

  /**
   * Returns the aggregate of a key in the window starting at {@code windowStart}, if that window
   * is open and has events of the key.
   *
   * @param key the key
   * @param windowStart the window's start
   * @return the aggregate, or empty
   * @throws NullPointerException if an argument is null
   */
  Optional<WindowedAggregate> get(String key, Instant windowStart);

  /**
   * Returns the aggregates of every open window, ordered by window start, then key.
   *
   * @return a snapshot
   */
  List<WindowedAggregate> openWindows();

  /**
   * Returns the {@code n} keys with the most events in the open window starting at {@code
   * windowStart}, most first (ties by key).
   *
   * @param windowStart the window's start
   * @param n at least 1
   * @return at most {@code n} aggregates
   * @throws NullPointerException if {@code windowStart} is null
   * @throws IllegalArgumentException if {@code n} is less than 1
   */
  List<WindowedAggregate> topN(Instant windowStart, int n);

  /**
   * Returns how many events came too late for every window they belong to (after the grace) and
   * were dropped.
   *
   * @return the dropped events
   */
  long droppedLateEvents();

  /** Emits the results of every still-open window to the sink, then stops. Idempotent. */
  @Override
  void close();

  /**
   * Returns a builder of an in-memory aggregator; give it the {@linkplain
   * InMemoryWindowedAggregator.Builder#sink sink} of closed windows.
   *
   * <pre>{@code
   * InMemoryWindowedAggregator<Order> perMinute = WindowedAggregator.inMemory(revenue)
   *     .sink(dashboard::windowClosed)
   *     .build();
   * }</pre>
   *
   * @param aggregation what to aggregate
   * @param <T> the payload type
   * @return a new builder
   * @throws NullPointerException if {@code aggregation} is null
   */
  static <T> InMemoryWindowedAggregator.Builder<T> inMemory(WindowedAggregation<T> aggregation) {
    return new InMemoryWindowedAggregator.Builder<>(
        Objects.requireNonNull(aggregation, "aggregation"));
  }
}
