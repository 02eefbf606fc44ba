package dev.layerkit.events.stream;

import dev.layerkit.core.internal.BuilderSettings;
import dev.layerkit.events.Event;
import dev.layerkit.events.EventHandler;
import dev.layerkit.events.internal.WindowResults;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The in-memory engine of a {@link WindowedAggregation}, built with {@link
 * WindowedAggregator#inMemory(WindowedAggregation)} and fed as an {@link EventHandler} (subscribe
 * it to a topic) or through {@link #accept(String, Object, Instant)}.
 *
 * <p>Design: open windows in a sorted map from window start to the aggregates of their keys;
 * stream time is the largest event time seen. Each event first advances stream time, is added to
 * each of its windows that still accepts events ({@code end + grace > streamTime}) or, if none
 * does, counted as dropped, and then every window that no longer accepts events is emitted to the
 * sink (ordered by start, then key) and forgotten. These are Kafka Streams' rules, so that both
 * engines agree.
 *
 * <p>Thread-safe: one lock guards the state; the sink is called under it, on the thread whose
 * event closed the window, so it must be quick. Memory: the open windows' keys.
 *
 * @param <T> the payload type
 */
public final class InMemoryWindowedAggregator<T> implements WindowedAggregator<T>, EventHandler<T> {

  private final WindowedAggregation<T> aggregation;
  private final Windows windows;
  private final Consumer<WindowedAggregate> sink;
  private final TreeMap<Long, Map<String, Aggregate>> open = new TreeMap<>();
  private long streamTime = Long.MIN_VALUE;
  private long dropped;
  private boolean closed;

  InMemoryWindowedAggregator(WindowedAggregation<T> aggregation, Consumer<WindowedAggregate> sink) {
    this.aggregation = aggregation;
    this.windows = aggregation.windows();
    this.sink = sink;
  }

  /**
   * Aggregates an event by its key, payload and event time.
   *
   * @param event the event
   * @throws IllegalStateException if the aggregator is closed
   */
  @Override
  public void handle(Event<T> event) {
    accept(event.key(), event.payload(), event.timestamp());
  }

  /**
   * Aggregates one event.
   *
   * @param key the key
   * @param payload the payload
   * @param timestamp the event time, not before the epoch
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code timestamp} is before the epoch
   * @throws IllegalStateException if the aggregator is closed
   */
  public void accept(String key, T payload, Instant timestamp) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(payload, "payload");
    long ts = Objects.requireNonNull(timestamp, "timestamp").toEpochMilli();
    if (ts < 0) {
      throw new IllegalArgumentException("timestamp must not be before the epoch but was "
          + timestamp);
    }
    double value = aggregation.valueOf(payload);
    synchronized (this) {
      if (closed) {
        throw new IllegalStateException("the aggregator is closed");
      }
      streamTime = Math.max(streamTime, ts);
      if (windows.isLate(ts, streamTime)) {
        dropped++;
      } else {
        for (long start = windows.firstWindowStart(ts); start <= ts;
            start += windows.advanceMillis()) {
          if (start + windows.sizeMillis() + windows.graceMillis() > streamTime) {
            open.computeIfAbsent(start, s -> new HashMap<>())
                .merge(key, Aggregate.empty().add(value), (old, one) -> old.add(value));
          }
        }
      }
      while (!open.isEmpty()
          && open.firstKey() + windows.sizeMillis() + windows.graceMillis() <= streamTime) {
        Map.Entry<Long, Map<String, Aggregate>> window = open.pollFirstEntry();
        emit(window.getKey(), window.getValue());
      }
    }
  }

  private void emit(long start, Map<String, Aggregate> aggregates) {
    results(start, aggregates).forEach(sink);
  }

  /** Returns the results of one window, ordered by key. */
  private List<WindowedAggregate> results(long start, Map<String, Aggregate> aggregates) {
    return aggregates.entrySet().stream().sorted(Map.Entry.comparingByKey())
        .map(e -> WindowResults.of(windows, e.getKey(), start, e.getValue()))
        .toList();
  }

  @Override
  public synchronized Optional<WindowedAggregate> get(String key, Instant windowStart) {
    Objects.requireNonNull(key, "key");
    long start = Objects.requireNonNull(windowStart, "windowStart").toEpochMilli();
    Map<String, Aggregate> window = open.get(start);
    Aggregate aggregate = window == null ? null : window.get(key);
    return aggregate == null ? Optional.empty()
        : Optional.of(WindowResults.of(windows, key, start, aggregate));
  }

  @Override
  public synchronized List<WindowedAggregate> openWindows() {
    List<WindowedAggregate> all = new ArrayList<>();
    open.forEach((start, aggregates) -> all.addAll(results(start, aggregates)));
    return all;
  }

  @Override
  public List<WindowedAggregate> topN(Instant windowStart, int n) {
    Objects.requireNonNull(windowStart, "windowStart");
    WindowResults.checkTopN(n);
    List<WindowedAggregate> window;
    synchronized (this) {
      long start = windowStart.toEpochMilli();
      Map<String, Aggregate> aggregates = open.get(start);
      window = aggregates == null ? List.of() : results(start, aggregates);
    }
    return WindowResults.topN(window, n);
  }

  /**
   * Sorts results by count, most first, then key, and keeps {@code n}: the top-N rule of both
   * engines (kept for callers; both engines use the same rule internally).
   *
   * @param results the results of one window
   * @param n how many to keep
   * @return the top {@code n}
   */
  public static List<WindowedAggregate> topN(List<WindowedAggregate> results, int n) {
    return WindowResults.topN(results, n);
  }

  @Override
  public synchronized long droppedLateEvents() {
    return dropped;
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    while (!open.isEmpty()) {
      Map.Entry<Long, Map<String, Aggregate>> window = open.pollFirstEntry();
      emit(window.getKey(), window.getValue());
    }
  }

  @Override
  public String toString() {
    return "InMemoryWindowedAggregator{" + windows + '}';
  }

  /**
   * Builds an {@link InMemoryWindowedAggregator}; start from {@link
   * WindowedAggregator#inMemory(WindowedAggregation)}. Each setting may be given once. Not
   * thread-safe.
   *
   * @param <T> the payload type
   */
  public static final class Builder<T> {

    private final BuilderSettings settings = new BuilderSettings();
    private final WindowedAggregation<T> aggregation;
    private @Nullable Consumer<WindowedAggregate> sink;

    Builder(WindowedAggregation<T> aggregation) {
      this.aggregation = aggregation;
    }

    /**
     * Sets what receives each window's results when it closes, on the thread whose event closed
     * it (or that called {@link InMemoryWindowedAggregator#close()}), under the aggregator's lock:
     * keep it quick. Required.
     *
     * @param sink the sink
     * @return this builder
     * @throws NullPointerException if {@code sink} is null
     * @throws IllegalStateException if already set
     */
    public Builder<T> sink(Consumer<WindowedAggregate> sink) {
      settings.requireUnset("sink", this.sink);
      this.sink = Objects.requireNonNull(sink, "sink");
      return this;
    }

    /**
     * Builds the aggregator. The builder can be used again afterwards.
     *
     * @return a new aggregator, thread-safe
     * @throws IllegalStateException if no {@link #sink(Consumer)} was set
     */
    public InMemoryWindowedAggregator<T> build() {
      Consumer<WindowedAggregate> s = sink;
      if (s == null) {
        throw new IllegalStateException(
            "sink is not set: give the aggregator a sink(...) for the windows it closes");
      }
      return new InMemoryWindowedAggregator<>(aggregation, s);
    }
  }
}
