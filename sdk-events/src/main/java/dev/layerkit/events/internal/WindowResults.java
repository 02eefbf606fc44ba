package dev.layerkit.events.internal;

import dev.layerkit.events.stream.Aggregate;
import dev.layerkit.events.stream.WindowedAggregate;
import dev.layerkit.events.stream.Windows;
import java.util.Comparator;
import java.util.List;

/**
 * The result rules both windowed engines (in memory and Kafka Streams) share, so that they agree:
 * a result's window bounds, the argument check of a top-N query and its order.
 */
public final class WindowResults {

  private static final Comparator<WindowedAggregate> TOP_N =
      Comparator.comparingLong(WindowedAggregate::count).reversed()
          .thenComparing(WindowedAggregate::key);

  private WindowResults() {}

  /**
   * Returns the result of a key in the window that starts at {@code startMillis}.
   *
   * @param windows the windows, for the window's end
   * @param key the key
   * @param startMillis the window's start
   * @param aggregate the key's aggregate in it
   * @return the result
   */
  public static WindowedAggregate of(Windows windows, String key, long startMillis,
      Aggregate aggregate) {
    return WindowedAggregate.of(key, startMillis, startMillis + windows.sizeMillis(), aggregate);
  }

  /**
   * Checks the size of a top-N query.
   *
   * @param n the number of results asked for
   * @throws IllegalArgumentException if {@code n} is less than 1
   */
  public static void checkTopN(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("n must be >= 1 but was " + n);
    }
  }

  /**
   * Sorts the results of one window by count, most first, then key, and keeps {@code n}.
   *
   * @param results the results of one window
   * @param n how many to keep
   * @return the top {@code n}
   */
  public static List<WindowedAggregate> topN(List<WindowedAggregate> results, int n) {
    return results.stream().sorted(TOP_N).limit(n).toList();
  }
}
