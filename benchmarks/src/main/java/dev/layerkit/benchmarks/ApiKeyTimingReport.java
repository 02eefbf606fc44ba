package dev.layerkit.benchmarks;

import dev.layerkit.gateway.http.ApiKeyAuth;
import dev.layerkit.gateway.http.Auth;
import dev.layerkit.gateway.http.GatewayRequest;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Prints how long {@link ApiKeyAuth#authenticate} takes for the right key (stored first, stored
 * last) and for the last key with its first or last byte changed, measured <em>interleaved</em>:
 * every round times a batch of each variant in a shuffled order, and the report gives each
 * variant's median over the rounds and its ratio to the right key stored last.
 *
 * <p>Why beside {@code ApiKeyAuthBenchmark}: JMH measures one variant after the other, so on a
 * shared machine a load change between two variants shows up as a difference between them;
 * interleaving spreads any load change over every variant alike, and medians ignore the rounds a
 * burst of load hit. The same keys as the JMH benchmark.
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar
 * dev.layerkit.benchmarks.ApiKeyTimingReport [keys] [rounds]} (defaults: 1 and 100 keys, 400
 * rounds).
 */
public final class ApiKeyTimingReport {

  private static final InetSocketAddress PEER = new InetSocketAddress("192.0.2.1", 40000);
  private static final int BATCH = 2_000;
  private static final String[] NAMES =
      {"correctLastKey", "correctFirstKey", "wrongFirstByte", "wrongLastByte"};

  private static int sink;

  private ApiKeyTimingReport() {}

  /**
   * Prints the table.
   *
   * @param args optional key count (default: both 1 and 100) and rounds (default 400)
   */
  public static void main(String[] args) {
    int[] keyCounts = args.length > 0 ? new int[] {Integer.parseInt(args[0])} : new int[] {1, 100};
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 400;
    PrintStream out = System.out;
    out.printf(Locale.ROOT, "%d rounds of %d calls per variant, interleaved in shuffled order%n%n",
        rounds, BATCH);
    out.println("| keys | variant | median (ns/op) | p10 | p90 | ratio of medians to correctLastKey |");
    out.println("|---|---|---|---|---|---|");
    for (int keys : keyCounts) {
      measure(out, keys, rounds);
    }
    if (sink == 42) {
      out.println();
    }
  }

  private static void measure(PrintStream out, int keys, int rounds) {
    ApiKeyAuth.Builder builder = Auth.apiKeys();
    String first = null;
    String last = null;
    for (int i = 0; i < keys; i++) {
      String key = String.format(Locale.ROOT, "lk_%037d", 7_919L * (i + 1));
      builder.addKey("key-" + i, key);
      first = first == null ? key : first;
      last = key;
    }
    ApiKeyAuth auth = builder.build();
    GatewayRequest[] requests = {request(last), request(first),
        request("X" + last.substring(1)), request(last.substring(0, last.length() - 1) + "X")};
    long[][] samples = new long[NAMES.length][rounds];
    List<Integer> order = new ArrayList<>(List.of(0, 1, 2, 3));
    Random random = new Random(7);
    for (int round = -rounds / 4; round < rounds; round++) { // the first quarter warms up
      Collections.shuffle(order, random);
      for (int variant : order) {
        GatewayRequest request = requests[variant];
        long start = System.nanoTime();
        for (int i = 0; i < BATCH; i++) {
          sink += auth.authenticate(request).status();
        }
        long perCall = (System.nanoTime() - start) / BATCH;
        if (round >= 0) {
          samples[variant][round] = perCall;
        }
      }
    }
    long base = median(samples[0]);
    for (int variant = 0; variant < NAMES.length; variant++) {
      long[] sorted = samples[variant].clone();
      Arrays.sort(sorted);
      out.printf(Locale.ROOT, "| %d | %s | %d | %d | %d | %.2f |%n", keys, NAMES[variant],
          sorted[rounds / 2], sorted[rounds / 10], sorted[rounds * 9 / 10],
          (double) sorted[rounds / 2] / base);
    }
  }

  private static long median(long[] values) {
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  private static GatewayRequest request(String key) {
    return GatewayRequest.of("GET", "/api/orders", PEER, "Host", "api.example.com",
        "X-API-Key", key);
  }
}
