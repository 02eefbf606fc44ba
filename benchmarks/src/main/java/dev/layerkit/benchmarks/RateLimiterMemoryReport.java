package dev.layerkit.benchmarks;

import dev.layerkit.gateway.ratelimit.Limit;
import dev.layerkit.gateway.ratelimit.RateLimitPolicy;
import dev.layerkit.gateway.ratelimit.RateLimiter;
import dev.layerkit.gateway.ratelimit.RateLimiters;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.Locale;

/**
 * Prints the heap an in-memory {@link RateLimiter} uses per tracked key, for one and for two limits,
 * by filling it with 1,000,000 keys and comparing used heap after full GCs. The key strings are
 * created before the first measurement, so the figure is the limiter's own cost per key.
 *
 * <p>Run: {@code java -Xmx2g -cp benchmarks/target/benchmarks.jar
 * dev.layerkit.benchmarks.RateLimiterMemoryReport}.
 */
public final class RateLimiterMemoryReport {

  private RateLimiterMemoryReport() {}

  /**
   * Prints bytes per key.
   *
   * @param args optional key count (default 1,000,000)
   */
  public static void main(String[] args) {
    int keys = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    PrintStream out = System.out;
    String[] names = new String[keys];
    for (int i = 0; i < keys; i++) {
      names[i] = "user:" + i;
    }
    out.printf(Locale.ROOT, "%d keys%n%n| policy | bytes per key |%n|---|---|%n", keys);
    measure(out, names, "1 limit (100/min)", RateLimitPolicy.of(Limit.perMinute(100)));
    measure(out, names, "2 limits (100/min, 1000/h)", RateLimitPolicy.of(Limit.perMinute(100), Limit.perHour(1000)));
  }

  private static void measure(PrintStream out, String[] names, String label, RateLimitPolicy policy) {
    long before = usedAfterGc();
    // The registry holds three meters per limiter, none per key: it does not change the per-key cost.
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    RateLimiter limiter = RateLimiters.inMemory(policy).maximumKeys(names.length * 2L).meterRegistry(meters).build();
    for (String name : names) {
      limiter.tryAcquire(name);
    }
    long after = usedAfterGc();
    double held = meters.get("layerkit.ratelimit.keys").gauge().value();
    if (held != names.length) {
      throw new IllegalStateException("expected " + names.length + " keys but held " + held);
    }
    out.printf(Locale.ROOT, "| %s | %.0f |%n", label, (double) (after - before) / names.length);
  }

  private static long usedAfterGc() {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return memory.getHeapMemoryUsage().getUsed();
  }
}
