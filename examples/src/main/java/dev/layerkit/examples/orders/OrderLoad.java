package dev.layerkit.examples.orders;

import dev.layerkit.core.time.Durations;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.jspecify.annotations.Nullable;

/**
 * A load generator for the order system: N concurrent clients send requests through the gateway
 * for a duration or a count, with a progress bar, then a summary of requests/s, p50/p95/p99
 * latency, status counts and the cache hit ratio read from the gateway's dashboard metrics.
 *
 * <pre>{@code
 * java -cp examples/target/layerkit-examples.jar dev.layerkit.examples.orders.OrderLoad \
 *     --embedded --scenario=get --concurrency=16 --duration=30s [--chaos]
 * java ... OrderLoad --url=http://127.0.0.1:8080/ --api-key=KEY --scenario=post --count=10000
 * }</pre>
 *
 * <p>Scenarios: {@code get} reads existing orders by id (cached), {@code post} places orders
 * (each with its own {@code Idempotency-Key}), {@code mixed} does 80% reads and 20% writes. With
 * {@code --embedded} it starts the system itself (rate limit raised so the limiter never
 * denies); {@code --chaos} then stops one order-service instance halfway. {@code --chaos} without
 * {@code --embedded} is the measured chaos run on production backends ({@link ChaosRun}): faults
 * on a schedule, and a report of what they left behind ({@link ChaosReport}).
 */
public final class OrderLoad {

  private final URI base;
  private final String apiKey;
  private final String scenario;
  private final int concurrency;
  private final @Nullable Duration duration;
  private final long count;
  private final HttpClient http;
  private final Recorder latencies = new Recorder(TimeUnit.SECONDS.toMicros(60), 3);
  private final Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
  private final LongAdder errors = new LongAdder();
  private final AtomicLong issued = new AtomicLong();
  private final List<String> orderIds = new ArrayList<>();
  private final java.util.Queue<String> sampleFailures = new java.util.concurrent.ConcurrentLinkedQueue<>();
  /** The statuses of 500 or more sampled so far: the first answer of each is kept beyond the first five. */
  private final Map<Integer, Boolean> sampledStatuses = new ConcurrentHashMap<>();
  /** Every order a 201 answered, by id, with the status the answer gave: what must not be lost. */
  private final Map<String, String> acknowledged = new ConcurrentHashMap<>();
  private static final Pattern ID = Pattern.compile("\"id\":\"([^\"]+)\"");
  private static final Pattern STATUS = Pattern.compile("\"status\":\"([A-Z]+)\"");

  /** The outcome of a run. */
  public record Summary(long requests, double seconds, double requestsPerSecond, double p50Millis,
      double p95Millis, double p99Millis, Map<Integer, Long> statuses, long errors,
      double cacheHitRatio, List<String> sampleFailures) {

    /**
     * Returns how many requests ended in a transport error or a status of 500 or more.
     *
     * @return the failures
     */
    public long failures() {
      long failed = errors;
      for (Map.Entry<Integer, Long> status : statuses.entrySet()) {
        if (status.getKey() >= 500) {
          failed += status.getValue();
        }
      }
      return failed;
    }

    String format() {
      return String.format(Locale.ROOT, "%d requests in %.1f s: %.0f requests/s; latency p50 %.2f ms,"
          + " p95 %.2f ms, p99 %.2f ms; statuses %s; transport errors %d; cache hit ratio %.3f%s",
          requests, seconds, requestsPerSecond, p50Millis, p95Millis, p99Millis, statuses, errors,
          cacheHitRatio, sampleFailures.isEmpty() ? "" : "; first failures: " + sampleFailures);
    }
  }

  OrderLoad(URI base, String apiKey, String scenario, int concurrency, @Nullable Duration duration,
      long count) {
    if (!List.of("get", "post", "mixed").contains(scenario)) {
      throw new IllegalArgumentException("scenario must be get, post or mixed but was '" + scenario + "'");
    }
    if (concurrency < 1 || concurrency > 1024) {
      throw new IllegalArgumentException("concurrency must be 1 to 1024 but was " + concurrency);
    }
    if (duration == null && count < 1) {
      throw new IllegalArgumentException("give a duration or a count of at least 1");
    }
    this.base = base;
    this.apiKey = apiKey;
    this.scenario = scenario;
    this.concurrency = concurrency;
    this.duration = duration;
    this.count = count;
    this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5))
        .executor(Executors.newFixedThreadPool(Math.max(2, concurrency / 4), runnable -> {
          Thread thread = new Thread(runnable, "order-load-http");
          thread.setDaemon(true);
          return thread;
        }))
        .build();
  }

  /**
   * Runs the load and returns the summary; prints a progress bar to {@code progress} if given.
   *
   * @param progress where the progress bar goes, or null for none
   * @param halfway runs once when half the duration or count is done (the chaos hook), or null
   * @return the summary
   * @throws InterruptedException if interrupted
   */
  Summary run(@Nullable PrintStream progress, @Nullable Runnable halfway) throws InterruptedException {
    return run(progress, halfway, null);
  }

  /**
   * Runs the load and returns the summary, telling {@code started} when the seed orders are placed
   * and the timed load begins.
   *
   * @param progress where the progress bar goes, or null for none
   * @param halfway runs once when half the duration or count is done (the chaos hook), or null
   * @param started runs once when the load begins (the chaos schedule's start), or null
   * @return the summary
   * @throws InterruptedException if interrupted
   */
  Summary run(@Nullable PrintStream progress, @Nullable Runnable halfway, @Nullable Runnable started)
      throws InterruptedException {
    seedOrders();
    if (started != null) {
      started.run();
    }
    ExecutorService workers = Executors.newFixedThreadPool(concurrency);
    long start = System.nanoTime();
    long end = duration == null ? Long.MAX_VALUE : start + duration.toNanos();
    latencies.reset();
    List<Future<?>> futures = new ArrayList<>();
    for (int i = 0; i < concurrency; i++) {
      futures.add(workers.submit(() -> {
        while (true) {
          long n = issued.incrementAndGet();
          if ((duration == null && n > count) || System.nanoTime() > end) {
            return null;
          }
          one(n);
        }
      }));
    }
    boolean halfwayDone = halfway == null;
    Histogram total = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
    while (!futures.stream().allMatch(Future::isDone)) {
      Thread.sleep(200);
      double done = duration == null ? Math.min(1, issued.get() / (double) count)
          : Math.min(1, (System.nanoTime() - start) / (double) duration.toNanos());
      if (!halfwayDone && done >= 0.5) {
        halfwayDone = true;
        halfway.run();
      }
      if (progress != null) {
        int width = 40;
        int filled = (int) (done * width);
        progress.printf(Locale.ROOT, "\r[%s%s] %3.0f%%  %d requests", "#".repeat(filled),
            " ".repeat(width - filled), done * 100, requests());
      }
    }
    workers.shutdown();
    double seconds = (System.nanoTime() - start) / 1e9;
    if (progress != null) {
      progress.println();
    }
    total.add(latencies.getIntervalHistogram());
    Map<Integer, Long> byStatus = new TreeMap<>();
    statuses.forEach((status, adder) -> byStatus.put(status, adder.sum()));
    long requests = total.getTotalCount() + errors.sum();
    return new Summary(requests, seconds, requests / seconds,
        total.getValueAtPercentile(50) / 1000.0, total.getValueAtPercentile(95) / 1000.0,
        total.getValueAtPercentile(99) / 1000.0, byStatus, errors.sum(), cacheHitRatio(),
        List.copyOf(sampleFailures));
  }

  private long requests() {
    long sum = errors.sum();
    for (LongAdder adder : statuses.values()) {
      sum += adder.sum();
    }
    return sum;
  }

  private void seedOrders() {
    for (int i = 0; i < 50; i++) {
      HttpResponse<String> response = send(placeRequest("seed-" + System.nanoTime() + "-" + i));
      if (response != null && response.statusCode() == 201) {
        String id = acknowledge(response.body());
        if (id != null) {
          orderIds.add(id);
        }
      }
    }
    if (orderIds.isEmpty()) {
      throw new IllegalStateException("could not place any seed order at " + base
          + " (is the system up and the API key right?)");
    }
  }

  private void one(long n) {
    boolean write = scenario.equals("post") || (scenario.equals("mixed") && n % 5 == 0);
    HttpRequest request = write ? placeRequest("load-" + n + "-" + System.nanoTime())
        : HttpRequest.newBuilder(base.resolve("/api/orders/"
            + orderIds.get(ThreadLocalRandom.current().nextInt(orderIds.size()))))
            .header("X-API-Key", apiKey).timeout(Duration.ofSeconds(30)).build();
    long startNanos = System.nanoTime();
    HttpResponse<String> response = send(request);
    long micros = (System.nanoTime() - startNanos) / 1000;
    if (response == null) {
      errors.increment();
      return;
    }
    if (response.statusCode() >= 500 && (sampleFailures.size() < 5
        || sampledStatuses.putIfAbsent(response.statusCode(), Boolean.TRUE) == null)) {
      sampledStatuses.putIfAbsent(response.statusCode(), Boolean.TRUE);
      sampleFailures.add(response.statusCode() + " " + response.body());
    }
    if (write && response.statusCode() == 201) {
      acknowledge(response.body());
    }
    latencies.recordValue(Math.min(micros, TimeUnit.SECONDS.toMicros(60)));
    statuses.computeIfAbsent(response.statusCode(), status -> new LongAdder()).increment();
  }

  /** Remembers an order a 201 answered; returns its id, or null if the body has none. */
  private @Nullable String acknowledge(String body) {
    Matcher id = ID.matcher(body);
    Matcher status = STATUS.matcher(body);
    if (!id.find()) {
      return null;
    }
    acknowledged.put(id.group(1), status.find() ? status.group(1) : "");
    return id.group(1);
  }

  /**
   * Returns every order a 201 answered during the run (seed orders included), by id, with the
   * status the answer gave ({@code PLACED} or {@code REJECTED}).
   *
   * @return a copy
   */
  Map<String, String> acknowledgedOrders() {
    return Map.copyOf(acknowledged);
  }

  private HttpRequest placeRequest(String idempotencyKey) {
    int customer = 1 + ThreadLocalRandom.current().nextInt(Customers.COUNT);
    String body = "{\"customerId\":\"c-" + customer + "\",\"items\":[{\"sku\":\"sku-mouse\",\"quantity\":1},"
        + "{\"sku\":\"sku-dock\",\"quantity\":1}]}";
    return HttpRequest.newBuilder(base.resolve("/api/orders"))
        .header("X-API-Key", apiKey).header("Content-Type", "application/json")
        .header("Idempotency-Key", idempotencyKey.length() > 64 ? idempotencyKey.substring(0, 64) : idempotencyKey)
        .timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build();
  }

  private @Nullable HttpResponse<String> send(HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    } catch (java.io.IOException e) {
      return null;
    }
  }

  private double cacheHitRatio() {
    HttpResponse<String> dashboard = send(HttpRequest.newBuilder(base.resolve("/api/dashboard"))
        .header("X-API-Key", apiKey).timeout(Duration.ofSeconds(10)).build());
    if (dashboard == null || dashboard.statusCode() != 200) {
      return Double.NaN;
    }
    Matcher ratio = Pattern.compile("\"cacheHitRatio\":([0-9.]+)").matcher(dashboard.body());
    return ratio.find() ? Double.parseDouble(ratio.group(1)) : Double.NaN;
  }

  /**
   * Runs the load generator from the command line.
   *
   * <p>With {@code --chaos} (and {@code --kafka}, {@code --postgres}) it runs the order system
   * itself in production mode ({@link ChaosRun}), strikes its faults on a schedule over the run
   * (an order-service instance killed inside a saga, Redis paused, payments failed), prints the
   * report and writes it to {@code --report=BASE} ({@code BASE.json} and {@code BASE.txt}), and
   * exits 1 if an order was lost, an event applied twice or an order left half done, else 0.
   * With {@code --embedded --chaos} one in-process order-service instance stops halfway instead.
   *
   * @param args {@code [--embedded | --url=U --api-key=K] --scenario=get|post|mixed
   *     --concurrency=N (--duration=30s | --count=N) [--chaos [--kafka=HOSTS --postgres=JDBC_URL
   *     --children=2 --hold=5s --redis-server=/usr/bin/redis-server --report=order-load-chaos]]}
   * @throws InterruptedException if interrupted
   */
  public static void main(String[] args) throws InterruptedException {
    String url = null;
    String apiKey = OrderSystemOptions.DEMO_API_KEY;
    String scenario = "mixed";
    int concurrency = 16;
    Duration duration = null;
    long count = 0;
    boolean embedded = false;
    boolean chaos = false;
    String kafka = null;
    String postgres = null;
    int children = 2;
    Duration hold = Duration.ofSeconds(5);
    String redisServer = RedisProcess.DEFAULT_BINARY.toString();
    String report = "order-load-chaos";
    for (String arg : args) {
      int equals = arg.indexOf('=');
      String name = equals < 0 ? arg : arg.substring(0, equals);
      String value = equals < 0 ? "" : arg.substring(equals + 1);
      switch (name) {
        case "--url" -> url = value;
        case "--api-key" -> apiKey = value;
        case "--scenario" -> scenario = value;
        case "--concurrency" -> concurrency = Integer.parseInt(value);
        case "--duration" -> duration = durationOption(value);
        case "--count" -> count = Long.parseLong(value);
        case "--embedded" -> embedded = true;
        case "--chaos" -> chaos = true;
        case "--kafka" -> kafka = value;
        case "--postgres" -> postgres = value;
        case "--children" -> children = Integer.parseInt(value);
        case "--hold" -> hold = Durations.parse(value);
        case "--redis-server" -> redisServer = value;
        case "--report" -> report = value;
        default -> {
          System.err.println("order-load: unknown option " + name);
          System.exit(2);
        }
      }
    }
    if (duration == null && count == 0) {
      duration = Duration.ofSeconds(30);
    }
    if (chaos && !embedded) {
      if (kafka == null || postgres == null || duration == null) {
        System.err.println("order-load: --chaos runs the system on production backends: give --kafka=HOSTS,"
            + " --postgres=JDBC_URL and a --duration (or --embedded for the in-memory system)");
        System.exit(2);
      }
      ChaosReport result = chaos(new ChaosRun.Settings(kafka, postgres,
          "chaos" + Long.toString(System.currentTimeMillis(), 36), children, java.nio.file.Path.of(redisServer), hold),
          duration, scenario, concurrency, System.out);
      System.out.print(result.toText());
      result.write(java.nio.file.Path.of(report));
      System.out.println("report written to " + report + ".json and " + report + ".txt");
      System.exit(result.passed() ? 0 : 1);
      return;
    }
    OrderSystem system = null;
    if (embedded) {
      system = OrderSystem.start(new OrderSystemOptions("memory", 0, 0, 3, apiKey, 1_000_000, null,
          null, null, null, chaos));
      url = system.gatewayUri().toString();
    } else if (url == null) {
      System.err.println("order-load: give --url=http://host:8080/ or --embedded");
      System.exit(2);
    }
    OrderSystem running = system;
    Runnable halfway = chaos && running != null ? () -> running.killService(0) : null;
    try {
      OrderLoad load = new OrderLoad(URI.create(url), apiKey, scenario, concurrency, duration, count);
      System.out.println("order-load: " + scenario + " with " + concurrency + " clients against " + url
          + (chaos ? " (chaos: one order-service instance stops halfway)" : ""));
      Summary summary = load.run(System.out, halfway);
      System.out.println(summary.format());
    } finally {
      if (system != null) {
        system.close();
      }
    }
  }

  /**
   * Runs a chaos run: starts the system ({@link ChaosRun}), strikes its faults during the load,
   * audits, stops the system.
   *
   * @param settings where and how
   * @param duration how long the load runs
   * @param scenario {@code post} or {@code mixed}
   * @param concurrency how many clients
   * @param progress where the progress bar goes, or null
   * @return the report
   * @throws InterruptedException if interrupted
   */
  static ChaosReport chaos(ChaosRun.Settings settings, Duration duration, String scenario, int concurrency,
      @Nullable PrintStream progress) throws InterruptedException {
    try (ChaosRun run = ChaosRun.start(settings)) {
      if (progress != null) {
        progress.println("order-load: chaos run of " + duration.toSeconds() + " s, " + scenario + " with "
            + concurrency + " clients against " + run.gatewayUri() + "; faults "
            + run.faults().stream().map(Fault::name).toList());
      }
      return run.run(run.faults(), duration, scenario, concurrency, progress);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot start the chaos run: " + e.getMessage(), e);
    }
  }

  /** Reads {@code --duration} in Layerkit's one grammar ({@link Durations}), naming the option if it is not one. */
  static Duration durationOption(String text) {
    try {
      return Durations.parse(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--duration must be " + Durations.GRAMMAR + " but was '" + text + "'", e);
    }
  }

}
