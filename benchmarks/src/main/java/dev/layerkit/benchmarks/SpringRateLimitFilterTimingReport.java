package dev.layerkit.benchmarks;

import dev.layerkit.benchmarks.SpringRateLimitFilterBenchmark.App;
import dev.layerkit.benchmarks.SpringRateLimitFilterBenchmark.Bucket4jApp;
import dev.layerkit.benchmarks.SpringRateLimitFilterBenchmark.Bucket4jCoreApp;
import dev.layerkit.benchmarks.SpringRateLimitFilterBenchmark.Call;
import dev.layerkit.benchmarks.SpringRateLimitFilterBenchmark.LayerkitApp;
import dev.layerkit.benchmarks.SpringRateLimitFilterBenchmark.NoFilterApp;
import dev.layerkit.benchmarks.state.InterleavedRounds;
import java.io.PrintStream;
import java.util.Locale;

/**
 * The calls of {@link SpringRateLimitFilterBenchmark}, timed <em>interleaved</em> in one JVM: the
 * four applications run side by side, and every round times a batch of each in a shuffled order
 * (see {@link InterleavedRounds} for why). Prints, per way of calling, each variant's median over
 * the rounds, its 10th and 90th percentiles, and its ratio of medians to the Bucket4j starter's.
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar
 * dev.layerkit.benchmarks.SpringRateLimitFilterTimingReport [rounds]} (default 100 rounds, after 5,000
 * calls of each variant).
 */
public final class SpringRateLimitFilterTimingReport {

  private static final int BATCH = 100;
  private static final int WARM_UP_CALLS = 5_000;
  private static final String[] NAMES = {"bucket4j", "bucket4jCoreByHand", "layerkit", "noFilter"};

  private SpringRateLimitFilterTimingReport() {}

  /**
   * Prints the table.
   *
   * @param args optional number of measured rounds (default 100)
   * @throws Exception if an application fails to start or a call fails
   */
  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 100;
    App[] apps = {new Bucket4jApp(), new Bucket4jCoreApp(), new LayerkitApp(), new NoFilterApp()};
    PrintStream out = System.out;
    try {
      for (App app : apps) {
        app.call = Call.filter;
        app.start();
      }
      out.printf(Locale.ROOT, "%d rounds of %d calls per variant, interleaved in shuffled order%n%n",
          rounds, BATCH);
      out.println("| call | variant | median (ns/op) | p10 | p90 | ratio of medians to bucket4j |");
      out.println("|---|---|---|---|---|---|");
      for (Call call : Call.values()) {
        InterleavedRounds.Call[] calls = new InterleavedRounds.Call[apps.length];
        for (int i = 0; i < apps.length; i++) {
          App app = apps[i];
          app.call = call;
          calls[i] = app::call;
        }
        // Compiled code before the first round: Spring MVC's path is deep.
        for (InterleavedRounds.Call c : calls) {
          for (int i = 0; i < WARM_UP_CALLS; i++) {
            c.run();
          }
        }
        long[][] samples = InterleavedRounds.measure(rounds, BATCH, 19, calls);
        long base = InterleavedRounds.percentiles(samples[0])[1];
        for (int i = 0; i < apps.length; i++) {
          long[] p = InterleavedRounds.percentiles(samples[i]);
          out.printf(Locale.ROOT, "| %s | %s | %d | %d | %d | %.3f |%n", call, NAMES[i], p[1], p[0], p[2],
              (double) p[1] / base);
        }
      }
    } finally {
      for (App app : apps) {
        if (app.context != null) {
          app.stop();
        }
      }
    }
  }
}
