package dev.layerkit.events.stream;

import dev.layerkit.core.codec.Codecs;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A fixed event sequence with late events, and the results every windowed-aggregation engine must
 * produce for it. Payloads are decimal strings ({@link Codecs#utf8()}); the value is the number.
 */
public final class WindowFixture {

  private WindowFixture() {}

  /**
   * One input event.
   *
   * @param key the key
   * @param value the value
   * @param atSeconds the event time, seconds after the epoch
   */
  public record Input(String key, double value, long atSeconds) {

    /**
     * Returns the event time.
     *
     * @return the time
     */
    public Instant timestamp() {
      return Instant.ofEpochSecond(atSeconds);
    }

    /**
     * Returns the payload.
     *
     * @return the value as a decimal string
     */
    public String payload() {
      return Double.toString(value);
    }
  }

  /** Tumbling windows of 10 s with 5 s grace. */
  public static final Windows TUMBLING = Windows.tumbling(Duration.ofSeconds(10))
      .grace(Duration.ofSeconds(5));

  /** The aggregation: the payload's number is the value. */
  public static final WindowedAggregation<String> AGGREGATION =
      WindowedAggregation.<String>builder(TUMBLING).value(Double::parseDouble).build();

  /** The sequence: in order, in grace, and two too late (b@3 after 21, c@14 after 26). */
  public static final List<Input> SEQUENCE = List.of(
      new Input("a", 1, 0), new Input("b", 2, 1), new Input("a", 3, 4), new Input("a", 5, 9),
      new Input("b", 1, 12), new Input("c", 7, 13),
      new Input("a", 2, 8),   // late, within grace: window [0,10) closes at 15
      new Input("c", 1, 21),  // closes [0,10)
      new Input("b", 4, 3),   // too late: dropped
      new Input("a", 1, 22), new Input("b", 3, 26),  // 26 closes [10,20)
      new Input("c", 9, 14),  // too late: dropped
      new Input("a", 4, 29));

  /** Late events in {@link #SEQUENCE}. */
  public static final long DROPPED = 2;

  /** Results emitted while the sequence is processed, in order. */
  public static final List<WindowedAggregate> EMITTED_WHILE_RUNNING = List.of(
      result("a", 0, 4, 11, 1, 5), result("b", 0, 1, 2, 2, 2),
      result("b", 10, 1, 1, 1, 1), result("c", 10, 1, 7, 7, 7));

  /** Results of the windows still open at the end, emitted on close, in order. */
  public static final List<WindowedAggregate> EMITTED_ON_CLOSE = List.of(
      result("a", 20, 2, 5, 1, 4), result("b", 20, 1, 3, 3, 3), result("c", 20, 1, 1, 1, 1));

  /**
   * Returns every result, running and on close.
   *
   * @return the results in emission order
   */
  public static List<WindowedAggregate> allEmitted() {
    List<WindowedAggregate> all = new ArrayList<>(EMITTED_WHILE_RUNNING);
    all.addAll(EMITTED_ON_CLOSE);
    return all;
  }

  static WindowedAggregate result(String key, long startSeconds, long count, double sum,
      double min, double max) {
    return new WindowedAggregate(key, Instant.ofEpochSecond(startSeconds),
        Instant.ofEpochSecond(startSeconds + 10), count, sum, min, max);
  }
}
