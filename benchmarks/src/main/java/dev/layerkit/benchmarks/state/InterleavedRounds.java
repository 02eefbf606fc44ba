package dev.layerkit.benchmarks.state;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Times several calls <em>interleaved</em>, for the timing reports that sit beside the JMH
 * benchmarks: every round times a batch of each call in a shuffled order, after a quarter as many
 * warm-up rounds, and the result is each call's time per call in every round.
 *
 * <p>Why: JMH measures one method after the other, so on a shared machine a load change between
 * two of them shows up as a difference between them; interleaving spreads load changes over every
 * call alike, and medians over the rounds ignore the rounds a burst of load hit.
 */
public final class InterleavedRounds {

  private static long sink;

  private InterleavedRounds() {}

  /** One timed call; its result is folded into a sink so the JIT cannot drop the work. */
  @FunctionalInterface
  public interface Call {
    /**
     * Runs the call once.
     *
     * @return any value derived from the call's result
     * @throws Exception if the call fails, which ends the measurement
     */
    long run() throws Exception;
  }

  /**
   * Times the calls.
   *
   * @param rounds measured rounds
   * @param batch calls per call per round
   * @param seed seed of the shuffles, so a rerun uses the same orders
   * @param calls the calls
   * @return per call (in the given order), the nanoseconds per call of each measured round
   * @throws Exception if a call throws
   */
  public static long[][] measure(int rounds, int batch, long seed, Call... calls) throws Exception {
    long[][] samples = new long[calls.length][rounds];
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < calls.length; i++) {
      order.add(i);
    }
    Random random = new Random(seed);
    for (int round = -rounds / 4; round < rounds; round++) { // the first quarter warms up
      Collections.shuffle(order, random);
      for (int variant : order) {
        Call call = calls[variant];
        long start = System.nanoTime();
        for (int i = 0; i < batch; i++) {
          sink += call.run();
        }
        long perCall = (System.nanoTime() - start) / batch;
        if (round >= 0) {
          samples[variant][round] = perCall;
        }
      }
    }
    if (sink == 42) {
      System.out.println(); // keeps sink observable
    }
    return samples;
  }

  /**
   * The 10th, 50th and 90th percentiles of one call's samples.
   *
   * @param samples the samples of one call
   * @return {@code {p10, median, p90}}
   */
  public static long[] percentiles(long[] samples) {
    long[] sorted = samples.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return new long[] {sorted[n / 10], sorted[n / 2], sorted[n * 9 / 10]};
  }
}
