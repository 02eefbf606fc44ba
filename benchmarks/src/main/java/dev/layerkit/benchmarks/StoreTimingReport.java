package dev.layerkit.benchmarks;

import dev.layerkit.benchmarks.state.KeyCursor;
import java.io.PrintStream;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Prints the store's {@code findById} ratios measured <em>interleaved</em>, beside
 * {@link ShardedRepositoryBenchmark} and {@link StoreDriverBenchmark}: every round times a batch of
 * the anchor and of Layerkit's call in a shuffled order, and the report gives each one's median
 * over the rounds and the ratio of the medians.
 *
 * <p>Why: JMH measures one method after the other, so on a shared machine a load change between
 * the two shows up as a difference between them; interleaving spreads load changes over both
 * alike, and medians ignore the rounds a burst of load hit. Same data and setup as the JMH
 * benchmarks (it reuses their state classes).
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar
 * dev.layerkit.benchmarks.StoreTimingReport [rounds]} (default 200; PostgreSQL as for
 * {@link StoreDriverBenchmark}).
 */
public final class StoreTimingReport {

  private static long sink;

  private StoreTimingReport() {}

  private interface Call {
    Object run() throws SQLException;
  }

  /**
   * Prints the table.
   *
   * @param args optional number of rounds (default 200)
   * @throws SQLException if PostgreSQL fails
   */
  public static void main(String[] args) throws SQLException {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    PrintStream out = System.out;
    out.printf(Locale.ROOT, "%d rounds per pair after %d warm-up rounds, the two calls interleaved in shuffled order%n%n",
        rounds, rounds / 4);
    out.println("| pair | call | batch | median (ns/op) | p10 | p90 | ratio of medians to the anchor |");
    out.println("|---|---|---|---|---|---|---|");

    ShardedRepositoryBenchmark.Stores stores = new ShardedRepositoryBenchmark.Stores();
    stores.fill();
    ShardedRepositoryBenchmark sharded = new ShardedRepositoryBenchmark();
    KeyCursor a = new KeyCursor();
    KeyCursor b = new KeyCursor();
    ShardedRepositoryBenchmark.Single single = new ShardedRepositoryBenchmark.Single();
    single.single = stores.single;
    single.ids = stores.ids;
    ShardedRepositoryBenchmark.Sharded four = new ShardedRepositoryBenchmark.Sharded();
    four.sharded = stores.sharded;
    four.ids = stores.ids;
    measure(out, "in-memory, 4 shards", rounds, 2_000, "inMemoryFindById", () -> sharded.inMemoryFindById(single, a),
        "shardedFindById", () -> sharded.shardedFindById(four, b));
    stores.close();

    StoreDriverBenchmark driver = new StoreDriverBenchmark();
    for (String backend : List.of("postgres", "mongo")) {
      StoreDriverBenchmark.Backend state = new StoreDriverBenchmark.Backend();
      state.backend = backend;
      state.start();
      try {
        KeyCursor c = new KeyCursor();
        KeyCursor d = new KeyCursor();
        measure(out, backend, rounds, 100, "rawDriverFindById", () -> driver.rawDriverFindById(state, c),
            "layerkitFindById", () -> driver.layerkitFindById(state, d));
      } finally {
        state.stop();
      }
    }
    if (sink == 42) {
      out.println();
    }
  }

  private static void measure(PrintStream out, String pair, int rounds, int batch, String anchorName, Call anchor,
      String oursName, Call ours) throws SQLException {
    Call[] calls = {anchor, ours};
    long[][] samples = new long[2][rounds];
    List<Integer> order = new ArrayList<>(List.of(0, 1));
    Random random = new Random(11);
    for (int round = -rounds / 4; round < rounds; round++) { // the first quarter warms up
      Collections.shuffle(order, random);
      for (int variant : order) {
        Call call = calls[variant];
        long start = System.nanoTime();
        for (int i = 0; i < batch; i++) {
          sink += call.run().hashCode();
        }
        long perCall = (System.nanoTime() - start) / batch;
        if (round >= 0) {
          samples[variant][round] = perCall;
        }
      }
    }
    long[] anchorSorted = samples[0].clone();
    Arrays.sort(anchorSorted);
    long base = anchorSorted[rounds / 2];
    String[] names = {anchorName, oursName};
    for (int variant = 0; variant < 2; variant++) {
      long[] sorted = samples[variant].clone();
      Arrays.sort(sorted);
      out.printf(Locale.ROOT, "| %s | %s | %d | %d | %d | %d | %.2f |%n", pair, names[variant], batch, sorted[rounds / 2],
          sorted[rounds / 10], sorted[rounds * 9 / 10], (double) sorted[rounds / 2] / base);
    }
  }
}
