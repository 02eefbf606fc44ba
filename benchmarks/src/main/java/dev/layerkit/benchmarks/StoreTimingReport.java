package dev.layerkit.benchmarks;

import dev.layerkit.benchmarks.state.InterleavedRounds;
import dev.layerkit.benchmarks.state.KeyCursor;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/**
 * Prints the store's {@code findById} ratios measured <em>interleaved</em>, beside
 * {@link ShardedRepositoryBenchmark} and {@link StoreDriverBenchmark}: every round times a batch of
 * the anchor and of Layerkit's call in a shuffled order, and the report gives each one's median
 * over the rounds and the ratio of the medians.
 *
 * <p>Why interleaved: see {@link InterleavedRounds}. Same data and setup as the JMH benchmarks (it
 * reuses their state classes).
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar
 * dev.layerkit.benchmarks.StoreTimingReport [rounds]} (default 200; PostgreSQL as for
 * {@link StoreDriverBenchmark}).
 */
public final class StoreTimingReport {

  private StoreTimingReport() {}

  /**
   * Prints the table.
   *
   * @param args optional number of rounds (default 200)
   * @throws Exception if PostgreSQL or MongoDB fails
   */
  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    PrintStream out = System.out;
    out.printf(Locale.ROOT, "%d rounds per pair after %d warm-up rounds, the two calls interleaved in shuffled order%n%n",
        rounds, rounds / 4);
    out.println("| pair | call | batch | median (ns/op) | p10 | p90 | ratio of medians to the anchor |");
    out.println("|---|---|---|---|---|---|---|");

    ShardedRepositoryBenchmark.Stores stores = new ShardedRepositoryBenchmark.Stores();
    stores.fill();
    KeyCursor a = new KeyCursor();
    KeyCursor b = new KeyCursor();
    measure(out, "in-memory, 4 shards", rounds, 2_000, "inMemoryFindById",
        () -> stores.single.findById(a.next(stores.walk)).hashCode(),
        "shardedFindById", () -> stores.sharded.findById(b.next(stores.walk)).hashCode());
    stores.close();

    StoreDriverBenchmark driver = new StoreDriverBenchmark();
    for (String backend : List.of("postgres", "mongo")) {
      StoreDriverBenchmark.Backend state = new StoreDriverBenchmark.Backend();
      state.backend = backend;
      state.start();
      try {
        KeyCursor c = new KeyCursor();
        KeyCursor d = new KeyCursor();
        measure(out, backend, rounds, 100, "rawDriverFindById", () -> driver.rawDriverFindById(state, c).hashCode(),
            "layerkitFindById", () -> driver.layerkitFindById(state, d).hashCode());
      } finally {
        state.stop();
      }
    }
  }

  private static void measure(PrintStream out, String pair, int rounds, int batch, String anchorName,
      InterleavedRounds.Call anchor, String oursName, InterleavedRounds.Call ours) throws Exception {
    long[][] samples = InterleavedRounds.measure(rounds, batch, 11, anchor, ours);
    long base = InterleavedRounds.percentiles(samples[0])[1];
    String[] names = {anchorName, oursName};
    for (int variant = 0; variant < 2; variant++) {
      long[] p = InterleavedRounds.percentiles(samples[variant]);
      out.printf(Locale.ROOT, "| %s | %s | %d | %d | %d | %d | %.2f |%n", pair, names[variant], batch, p[1], p[0], p[2],
          (double) p[1] / base);
    }
  }
}
