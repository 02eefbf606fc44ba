package dev.layerkit.events.pipeline;

import dev.layerkit.events.stream.WindowedAggregate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * An {@link AnalyticsSink} in a sorted map, built with {@link AnalyticsSinks#inMemory(String)}.
 * Thread-safe: one lock guards the map. Memory: one entry per window and key.
 */
public final class InMemoryAnalyticsSink implements AnalyticsSink {

  private record RowKey(long windowStart, String key) implements Comparable<RowKey> {
    @Override
    public int compareTo(RowKey o) {
      int c = Long.compare(windowStart, o.windowStart);
      return c != 0 ? c : key.compareTo(o.key);
    }
  }

  private final String table;
  private final TreeMap<RowKey, WindowedAggregate> rows = new TreeMap<>();

  private InMemoryAnalyticsSink(String table) {
    this.table = table;
  }

  @Override
  public String table() {
    return table;
  }

  @Override
  public void upsert(List<WindowedAggregate> rows) {
    Objects.requireNonNull(rows, "rows");
    Map<RowKey, WindowedAggregate> batch = new TreeMap<>();
    for (WindowedAggregate row : rows) {
      Objects.requireNonNull(row, "rows contains null");
      batch.put(new RowKey(row.windowStart().toEpochMilli(), row.key()), row);
    }
    synchronized (this) {
      this.rows.putAll(batch);
    }
  }

  @Override
  public synchronized List<WindowedAggregate> rows() {
    return new ArrayList<>(rows.values());
  }

  @Override
  public void close() {}

  @Override
  public String toString() {
    return "InMemoryAnalyticsSink{" + table + '}';
  }

  /** Builds an {@link InMemoryAnalyticsSink}. Not thread-safe. */
  public static final class Builder {

    private final String table;

    Builder(String table) {
      this.table = table;
    }

    /**
     * Builds the sink.
     *
     * @return a new, empty sink
     */
    public InMemoryAnalyticsSink build() {
      return new InMemoryAnalyticsSink(table);
    }
  }
}
