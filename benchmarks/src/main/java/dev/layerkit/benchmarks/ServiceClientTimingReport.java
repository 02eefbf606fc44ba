package dev.layerkit.benchmarks;

import dev.layerkit.benchmarks.state.InterleavedRounds;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.Locale;

/**
 * Prints {@link ServiceClientBenchmark}'s and {@link GrpcBalancerBenchmark}'s ratios measured
 * <em>interleaved</em>: every round times a batch of the anchor and of Layerkit's call in a
 * shuffled order (see {@link InterleavedRounds}), so that load from anything else on the machine
 * falls on both alike. For each pair it gives each call's median over the rounds, the ratio of
 * the medians, and the median, 10th and 90th percentile of the per-round ratios. Same upstreams
 * and clients as the JMH benchmarks (it reuses their setup).
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar
 * dev.layerkit.benchmarks.ServiceClientTimingReport [rounds]} (default 100).
 */
public final class ServiceClientTimingReport {

  private ServiceClientTimingReport() {}

  /**
   * Prints the table.
   *
   * @param args optional number of rounds (default 100)
   * @throws Exception if a call fails
   */
  public static void main(String[] args) throws Exception {
    // As ServiceClientBenchmark's fork sets it: the JDK server's headers and body in one segment.
    System.setProperty("sun.net.httpserver.nodelay", "true");
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 100;
    PrintStream out = System.out;
    out.printf(Locale.ROOT, "%d rounds per pair after %d warm-up rounds, the calls interleaved in shuffled order%n%n",
        rounds, rounds / 4);
    out.println("| pair | call | batch | median (us/op) | p10 | p90 | ratio of medians | per-round ratio: median (p10-p90) |");
    out.println("|---|---|---|---|---|---|---|---|");

    ServiceClientBenchmark http = new ServiceClientBenchmark();
    http.setUp();
    try {
      measure(out, "HTTP blocking", rounds, 200,
          new String[] {"HttpClient.send + decode", "ServiceClient.get"},
          () -> http.rawHttpClient().available(), () -> http.serviceClient().available());
      measure(out, "HTTP async", rounds, 100,
          new String[] {"sendAsync().join() + decode", "getAsync().join()"},
          () -> http.rawHttpClientAsync().available(), () -> http.serviceClientAsync().available());
    } finally {
      http.tearDown();
    }

    String[] policies = {"round_robin", "layerkit_round_robin", "layerkit_peak_ewma"};
    GrpcBalancerBenchmark[] grpc = new GrpcBalancerBenchmark[policies.length];
    try {
      for (int i = 0; i < policies.length; i++) {
        grpc[i] = new GrpcBalancerBenchmark();
        grpc[i].policy = policies[i];
        grpc[i].setUp();
      }
      GrpcBalancerBenchmark anchor = grpc[0];
      GrpcBalancerBenchmark roundRobin = grpc[1];
      GrpcBalancerBenchmark peakEwma = grpc[2];
      measure(out, "gRPC unary", rounds, 200, policies,
          () -> anchor.call().length(), () -> roundRobin.call().length(), () -> peakEwma.call().length());
    } finally {
      for (GrpcBalancerBenchmark g : grpc) {
        if (g != null) {
          g.tearDown();
        }
      }
    }
  }

  private static void measure(PrintStream out, String pair, int rounds, int batch, String[] names,
      InterleavedRounds.Call... calls) throws Exception {
    long[][] samples = InterleavedRounds.measure(rounds, batch, 23, calls);
    long base = InterleavedRounds.percentiles(samples[0])[1];
    for (int variant = 0; variant < calls.length; variant++) {
      long[] p = InterleavedRounds.percentiles(samples[variant]);
      String perRound = "";
      if (variant > 0) {
        double[] ratios = new double[rounds];
        for (int r = 0; r < rounds; r++) {
          ratios[r] = (double) samples[variant][r] / samples[0][r];
        }
        Arrays.sort(ratios);
        perRound = String.format(Locale.ROOT, "%.3f (%.3f-%.3f)", ratios[rounds / 2], ratios[rounds / 10],
            ratios[rounds * 9 / 10]);
      }
      out.printf(Locale.ROOT, "| %s | %s | %d | %.1f | %.1f | %.1f | %.3f | %s |%n", pair, names[variant], batch,
          p[1] / 1000.0, p[0] / 1000.0, p[2] / 1000.0, (double) p[1] / base, perRound);
    }
  }
}
