package dev.layerkit.benchmarks;

import dev.layerkit.benchmarks.state.InterleavedRounds;
import dev.layerkit.gateway.http.ApiKeyAuth;
import dev.layerkit.gateway.http.Auth;
import dev.layerkit.gateway.http.GatewayRequest;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.util.Locale;

/**
 * Prints how long {@link ApiKeyAuth#authenticate} takes for the right key (stored first, stored
 * last) and for the last key with its first or last byte changed, measured <em>interleaved</em>:
 * every round times a batch of each variant in a shuffled order, and the report gives each
 * variant's median over the rounds and its ratio to the right key stored last.
 *
 * <p>Why beside {@code ApiKeyAuthBenchmark}: see {@link InterleavedRounds}. The same keys as the
 * JMH benchmark.
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
    InterleavedRounds.Call[] calls = new InterleavedRounds.Call[requests.length];
    for (int i = 0; i < requests.length; i++) {
      GatewayRequest request = requests[i];
      calls[i] = () -> auth.authenticate(request).status();
    }
    long[][] samples;
    try {
      samples = InterleavedRounds.measure(rounds, BATCH, 7, calls);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    long base = InterleavedRounds.percentiles(samples[0])[1];
    for (int variant = 0; variant < NAMES.length; variant++) {
      long[] p = InterleavedRounds.percentiles(samples[variant]);
      out.printf(Locale.ROOT, "| %d | %s | %d | %d | %d | %.2f |%n", keys, NAMES[variant], p[1], p[0], p[2],
          (double) p[1] / base);
    }
  }

  private static GatewayRequest request(String key) {
    return GatewayRequest.of("GET", "/api/orders", PEER, "Host", "api.example.com",
        "X-API-Key", key);
  }
}
