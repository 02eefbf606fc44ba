package dev.layerkit.infra;

import dev.layerkit.core.health.Health;
import dev.layerkit.core.health.HealthCheck;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A closed-loop load generator for {@code /health/ready}: client threads send probes over
 * keep-alive connections as fast as the server answers, against an {@link AdminServer} whose
 * checks count how often they touch their (simulated) backend.
 *
 * <p>{@link HealthProbeLoadIT} runs it briefly and checks the touch count; run it longer for
 * latency figures:
 * {@code java -cp "$(cat cp.txt):sdk-infra/target/classes:sdk-infra/target/test-classes:sdk-core/target/classes"
 * dev.layerkit.infra.HealthProbeLoad 16 10000 1000 2}
 * (clients, requests per client, cache interval ms, backend latency ms). A cache interval of 0
 * is the uncached baseline: every probe runs the checks, one call at a time per check.
 */
public final class HealthProbeLoad {

  private HealthProbeLoad() {}

  /**
   * What a run measured.
   *
   * @param requests probes answered
   * @param non200 probes answered with another status
   * @param elapsedNanos wall time of the run
   * @param touches backend calls per check
   * @param latencyMicros sorted probe latencies in microseconds
   */
  record Result(long requests, long non200, long elapsedNanos, Map<String, Integer> touches, long[] latencyMicros) {

    double probesPerSecond() {
      return requests * 1e9 / elapsedNanos;
    }

    long percentile(double p) {
      return latencyMicros[(int) Math.min(latencyMicros.length - 1, Math.ceil(p / 100 * latencyMicros.length) - 1)];
    }

    /** Cache intervals begun during the run: the most touches a check may make. */
    long intervals(Duration cacheInterval) {
      return cacheInterval.isZero() ? requests : elapsedNanos / cacheInterval.toNanos() + 1;
    }
  }

  static Result run(int clients, int requestsPerClient, Duration cacheInterval, Duration backendLatency)
      throws Exception {
    Map<String, AtomicInteger> counters = new LinkedHashMap<>();
    HealthRegistry health = HealthRegistry.builder().cacheInterval(cacheInterval).build();
    for (String name : List.of("redis", "postgres", "kafka")) {
      AtomicInteger touches = new AtomicInteger();
      counters.put(name, touches);
      health.register(HealthCheck.of(name, () -> {
        touches.incrementAndGet();
        if (!backendLatency.isZero()) {
          LockSupport.parkNanos(backendLatency.toNanos());   // the simulated backend's round trip
        }
        return Health.up().build();
      }));
    }
    AdminServer server = AdminServer.builder(health).bindAddress(InetAddress.getLoopbackAddress()).port(0)
        .threads(4).jvmMetrics(false).start();
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    try {
      URI uri = server.uri().resolve(AdminServer.READINESS_PATH);
      HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).build();
      AtomicInteger non200 = new AtomicInteger();
      long started = System.nanoTime();
      List<Future<long[]>> futures = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        futures.add(pool.submit(() -> {
          long[] latencies = new long[requestsPerClient];
          for (int i = 0; i < requestsPerClient; i++) {
            long t0 = System.nanoTime();
            HttpResponse<Void> response = client.send(request, HttpResponse.BodyHandlers.discarding());
            latencies[i] = (System.nanoTime() - t0) / 1_000;
            if (response.statusCode() != 200) {
              non200.incrementAndGet();
            }
          }
          return latencies;
        }));
      }
      long[] all = new long[clients * requestsPerClient];
      int offset = 0;
      for (Future<long[]> future : futures) {
        long[] part = future.get();
        System.arraycopy(part, 0, all, offset, part.length);
        offset += part.length;
      }
      long elapsed = System.nanoTime() - started;
      Arrays.sort(all);
      Map<String, Integer> touches = new LinkedHashMap<>();
      counters.forEach((name, count) -> touches.put(name, count.get()));
      return new Result(all.length, non200.get(), elapsed, touches, all);
    } finally {
      pool.shutdownNow();
      server.close();
      health.close();
    }
  }

  static void print(PrintStream out, int clients, Duration cacheInterval, Duration backendLatency, Result r) {
    out.printf(Locale.ROOT, "| %d | %d ms | %d ms | %d | %.0f | %d | %d | %d | %d | %s / %d |%n",
        clients, cacheInterval.toMillis(), backendLatency.toMillis(), r.requests(), r.probesPerSecond(),
        r.percentile(50), r.percentile(99), r.percentile(99.9), r.latencyMicros()[r.latencyMicros().length - 1],
        r.touches(), r.intervals(cacheInterval));
  }

  /**
   * Runs the load and prints one Markdown table row.
   *
   * @param args clients, requests per client, cache interval in ms, backend latency in ms
   * @throws Exception if the run fails
   */
  public static void main(String[] args) throws Exception {
    int clients = args.length > 0 ? Integer.parseInt(args[0]) : 16;
    int requests = args.length > 1 ? Integer.parseInt(args[1]) : 5_000;
    Duration interval = Duration.ofMillis(args.length > 2 ? Long.parseLong(args[2]) : 1_000);
    Duration latency = Duration.ofMillis(args.length > 3 ? Long.parseLong(args[3]) : 2);
    // Warm-up, then the measured run.
    run(clients, Math.max(1, requests / 5), interval, latency);
    Result result = run(clients, requests, interval, latency);
    PrintStream out = System.out;
    out.println("| clients | cache interval | backend latency | probes | probes/s | p50 µs | p99 µs | p99.9 µs | max µs"
        + " | backend touches / intervals |");
    out.println("|---|---|---|---|---|---|---|---|---|---|");
    print(out, clients, interval, latency, result);
  }
}
