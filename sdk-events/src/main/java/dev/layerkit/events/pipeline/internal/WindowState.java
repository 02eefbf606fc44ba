package dev.layerkit.events.pipeline.internal;

import dev.layerkit.events.stream.Aggregate;
import dev.layerkit.events.stream.WindowedAggregate;
import dev.layerkit.events.stream.Windows;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The open windows of a pipeline's aggregation, with the rules of {@code
 * InMemoryWindowedAggregator} (and so of Kafka Streams): stream time is the largest event time
 * seen; an event joins each of its windows whose {@code end + grace} is after stream time, or is
 * dropped as late if there is none; windows whose {@code end + grace} stream time has reached are
 * emitted, by start then key. Unlike that aggregator, the state can be written to a checkpoint and
 * read back exactly (doubles bit for bit), which makes a resumed job equal an uninterrupted one.
 *
 * <p>Not thread-safe: one engine thread owns it.
 */
public final class WindowState {

  private final Windows windows;
  private final TreeMap<Long, Map<String, Aggregate>> open = new TreeMap<>();
  private long streamTime = Long.MIN_VALUE;
  private long dropped;

  /**
   * Creates an empty state.
   *
   * @param windows the windows
   */
  public WindowState(Windows windows) {
    this.windows = windows;
  }

  /**
   * Adds one event and emits the windows it closes.
   *
   * @param key the key
   * @param value the value
   * @param ts the event time, epoch millis, not negative
   * @param out receives the closed windows' results
   * @return false if the event was dropped as late
   */
  public boolean add(String key, double value, long ts, List<WindowedAggregate> out) {
    streamTime = Math.max(streamTime, ts);
    boolean accepted = !windows.isLate(ts, streamTime);
    if (accepted) {
      for (long start = windows.firstWindowStart(ts); start <= ts;
          start += windows.advanceMillis()) {
        if (start + windows.sizeMillis() + windows.graceMillis() > streamTime) {
          open.computeIfAbsent(start, s -> new HashMap<>())
              .merge(key, Aggregate.empty().add(value), (old, one) -> old.add(value));
        }
      }
    } else {
      dropped++;
    }
    while (!open.isEmpty()
        && open.firstKey() + windows.sizeMillis() + windows.graceMillis() <= streamTime) {
      Map.Entry<Long, Map<String, Aggregate>> window = open.pollFirstEntry();
      emit(window.getKey(), window.getValue(), out);
    }
    return accepted;
  }

  /**
   * Emits every open window, as at the end of a bounded source.
   *
   * @param out receives the results
   */
  public void closeAll(List<WindowedAggregate> out) {
    while (!open.isEmpty()) {
      Map.Entry<Long, Map<String, Aggregate>> window = open.pollFirstEntry();
      emit(window.getKey(), window.getValue(), out);
    }
  }

  private void emit(long start, Map<String, Aggregate> aggregates, List<WindowedAggregate> out) {
    List<String> keys = new ArrayList<>(aggregates.keySet());
    keys.sort(null);
    for (String key : keys) {
      out.add(WindowedAggregate.of(key, start, start + windows.sizeMillis(), aggregates.get(key)));
    }
  }

  /**
   * Returns how many events were dropped as late.
   *
   * @return the count
   */
  public long dropped() {
    return dropped;
  }

  /**
   * Writes the state.
   *
   * @param out the output
   * @throws IOException if writing fails
   */
  public void writeTo(DataOutput out) throws IOException {
    out.writeLong(streamTime);
    out.writeLong(dropped);
    out.writeInt(open.size());
    for (Map.Entry<Long, Map<String, Aggregate>> window : open.entrySet()) {
      out.writeLong(window.getKey());
      out.writeInt(window.getValue().size());
      for (Map.Entry<String, Aggregate> e : window.getValue().entrySet()) {
        out.writeUTF(e.getKey());
        Aggregate a = e.getValue();
        out.writeLong(a.count());
        out.writeDouble(a.sum());
        out.writeDouble(a.min());
        out.writeDouble(a.max());
      }
    }
  }

  /**
   * Replaces the state by one {@link #writeTo written} before.
   *
   * @param in the input
   * @throws IOException if reading fails
   */
  public void readFrom(DataInput in) throws IOException {
    open.clear();
    streamTime = in.readLong();
    dropped = in.readLong();
    int windowCount = in.readInt();
    for (int w = 0; w < windowCount; w++) {
      long start = in.readLong();
      int keys = in.readInt();
      Map<String, Aggregate> aggregates = new HashMap<>();
      for (int k = 0; k < keys; k++) {
        aggregates.put(in.readUTF(),
            new Aggregate(in.readLong(), in.readDouble(), in.readDouble(), in.readDouble()));
      }
      open.put(start, aggregates);
    }
  }
}
