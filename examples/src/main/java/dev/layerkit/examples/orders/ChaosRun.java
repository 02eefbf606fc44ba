package dev.layerkit.examples.orders;

import dev.layerkit.gateway.lb.Endpoint;
import dev.layerkit.service.saga.SagaEvent;
import dev.layerkit.service.saga.SagaRecord;
import dev.layerkit.store.Filter;
import io.micrometer.observation.ObservationRegistry;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code OrderLoad --chaos}: the order system in production mode under load while faults strike
 * on a schedule, then an audit of what the faults left behind ({@link ChaosReport}).
 *
 * <p>What runs: a {@code redis-server} of the run's own ({@link RedisProcess}, so that pausing it
 * disturbs no one else); this JVM runs the gateway, the inventory and payment services and one
 * order-service instance; {@code children} more order-service instances run as child JVMs
 * ({@code --role=service}, as a pod runs one), all on PostgreSQL, the run's Redis and Kafka. The
 * first child calls the payment service through an endpoint of its own whose charges a fault can
 * trip.
 *
 * <p>The faults ({@link #faults()}; a caller may add its own, such as a Kafka broker restart):
 * <ul>
 *   <li>{@value #KILL}: the first child is killed (SIGKILL) inside the charge step of a saga
 *       (the next charge it sends trips the wire), then started again on its port; the saga is
 *       resumed by another instance once its lease ({@link #LEASE}) lapsed;
 *   <li>{@value #PAUSE_REDIS}: the run's Redis is stopped (SIGSTOP) and continued (SIGCONT);
 *   <li>{@value #FAIL_PAYMENTS}: the payment service declines {@value #CHAOS_DECLINES} of the
 *       charges instead of {@value #BASE_DECLINES}.
 * </ul>
 *
 * <p>The audit, once the load stopped and the faults healed, waits (bounded) for every saga to end
 * and the dashboard to catch up, then counts what must be 0: orders lost, events applied twice,
 * orders half done, stock and charges that do not match the placed orders. Not thread-safe: one
 * run at a time.
 */
final class ChaosRun implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ChaosRun.class);

  static final String KILL = "kill-order-service";
  static final String PAUSE_REDIS = "pause-redis";
  static final String FAIL_PAYMENTS = "fail-payments";
  static final String RESTART_KAFKA_BROKER = "restart-kafka-broker";
  /**
   * A short lease, so that a killed instance's saga is resumed well within the run; its steps time
   * out after a third of it, 4 s, which a loaded machine's inventory still answers within.
   */
  static final Duration LEASE = Duration.ofSeconds(12);
  static final double BASE_DECLINES = 0.05;
  static final double CHAOS_DECLINES = 0.5;
  /** Enough that no order of a run lacks stock: every rejection is a declined payment. */
  static final long STOCK = 100_000_000L;

  /**
   * Where and how to run.
   *
   * @param kafka Kafka's bootstrap servers
   * @param postgres the JDBC URL of PostgreSQL, user and password included
   * @param namespace the tables', keys' and topic's prefix, fresh for each run
   * @param children how many order-service child JVMs, at least 1 (the first is the one killed)
   * @param redisServer the {@code redis-server} executable
   * @param hold how long each fault lasts
   */
  record Settings(String kafka, String postgres, String namespace, int children, Path redisServer, Duration hold) {
    Settings {
      Objects.requireNonNull(kafka, "kafka");
      Objects.requireNonNull(postgres, "postgres");
      Objects.requireNonNull(namespace, "namespace");
      Objects.requireNonNull(redisServer, "redisServer");
      Objects.requireNonNull(hold, "hold");
      if (children < 1 || children > 8) {
        throw new IllegalArgumentException("children must be 1 to 8 but was " + children);
      }
    }
  }

  private final Settings settings;
  private final RedisProcess redis;
  private final Closer closer = new Closer();
  private final OrderSystem system;
  private final Tripwire tripwire;
  private final List<Child> children = new ArrayList<>();
  /** The killed child's restart, once the kill fault healed. */
  private volatile CompletableFuture<Void> restarted = CompletableFuture.completedFuture(null);

  private ChaosRun(Settings settings, RedisProcess redis, List<Integer> childPorts) throws IOException {
    this.settings = settings;
    this.redis = closer.push(redis);
    OrderSystemOptions options = new OrderSystemOptions("production", 0, 0, 1, OrderSystemOptions.DEMO_API_KEY,
        1_000_000, redis.uri(), settings.kafka(), settings.postgres(), null, false, Duration.ofSeconds(10),
        "127.0.0.1", BASE_DECLINES, STOCK, LEASE);
    List<Endpoint> instances = new ArrayList<>();
    for (int port : childPorts) {
      instances.add(Endpoint.builder("127.0.0.1", port).id("order-service-child-" + port).build());
    }
    this.system = closer.push(OrderSystem.start(options, settings.namespace(), OrderSystem.Role.ALL,
        RemoteServices.at(instances), ObservationRegistry.NOOP));
    this.tripwire = new Tripwire(system.support().payments());
    JsonHttpServer trippable = closer.push(PaymentApi.serve("payment-trippable-" + settings.namespace(),
        "127.0.0.1", 0, tripwire));
    String inventory = "127.0.0.1:" + system.support().inventoryEndpoint().port();
    String payment = "127.0.0.1:" + system.support().paymentEndpoint().port();
    for (int i = 0; i < childPorts.size(); i++) {
      Child child = new Child("order-service-child-" + (i + 1), childPorts.get(i), List.of(
          "--backends=production", "--redis=" + redis.uri(), "--kafka=" + settings.kafka(),
          "--postgres=" + settings.postgres(), "--namespace=" + settings.namespace(),
          "--saga-lease=" + LEASE.toSeconds() + "s", "--inventory=" + inventory,
          "--payment=" + (i == 0 ? "127.0.0.1:" + trippable.port() : payment)));
      children.add(child);
      closer.push(child::kill);
      child.start();
    }
  }

  /**
   * Starts the run's Redis, the system in this JVM and the child instances, and waits until every
   * child is ready.
   *
   * @param settings where and how
   * @return the running system
   * @throws IOException if Redis or a child cannot be started
   * @throws IllegalArgumentException if a server cannot be reached (the message names it)
   */
  static ChaosRun start(Settings settings) throws IOException {
    RedisProcess redis = RedisProcess.start(settings.redisServer());
    try {
      List<Integer> ports = new ArrayList<>();
      for (int i = 0; i < settings.children(); i++) {
        ports.add(freePort());
      }
      return new ChaosRun(settings, redis, ports);
    } catch (IOException | RuntimeException e) {
      redis.close();
      throw e;
    }
  }

  /** The system in this JVM: the gateway, the inventory and payment services, one order-service instance. */
  OrderSystem system() {
    return system;
  }

  /** The run's own Redis. */
  String redisUri() {
    return redis.uri();
  }

  /**
   * Returns this run's faults: kill an order-service instance inside a saga, pause Redis, fail payments.
   *
   * @return the faults, in the order they strike
   */
  List<Fault> faults() {
    Child victim = children.get(0);
    PaymentService payments = system.support().payments();
    return List.of(
        Fault.of(KILL, () -> killInsideACharge(victim), () -> {
          // A JVM takes seconds to start on a loaded machine: the next fault need not wait for it.
          restarted = CompletableFuture.runAsync(() -> {
            try {
              victim.start();
            } catch (IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          });
          return "starting it again on port " + victim.port;
        }),
        Fault.of(PAUSE_REDIS, () -> {
          redis.pause();
          return "SIGSTOP redis-server pid " + redis.pid();
        }, () -> {
          redis.resume();
          return "SIGCONT";
        }),
        Fault.of(FAIL_PAYMENTS, () -> {
          payments.failureRate(CHAOS_DECLINES);
          return "payment service declines " + CHAOS_DECLINES + " of charges";
        }, () -> {
          payments.failureRate(BASE_DECLINES);
          return "back to " + BASE_DECLINES;
        }));
  }

  /** Arms the wire and waits for the victim's next charge to trip it; kills it anyway after 20 s. */
  private String killInsideACharge(Child victim) throws Exception {
    CompletableFuture<String> tripped = tripwire.arm(() -> victim.kill());
    try {
      String key = tripped.get(20, TimeUnit.SECONDS);
      return "SIGKILL order-service child pid " + victim.lastPid + " inside the charge step (" + key + ")";
    } catch (TimeoutException e) {
      tripwire.disarm();
      victim.kill();
      return "SIGKILL order-service child pid " + victim.lastPid + " (it sent no charge within 20 s)";
    }
  }

  /**
   * Runs the load through the gateway while the faults strike, then audits the system.
   *
   * @param faults what strikes, in order ({@link #faults()}, and any of the caller's)
   * @param duration how long the load runs
   * @param scenario {@code post} or {@code mixed}
   * @param concurrency how many clients
   * @param progress where the progress bar goes, or null
   * @return the report
   * @throws InterruptedException if interrupted
   */
  ChaosReport run(List<Fault> faults, Duration duration, String scenario, int concurrency,
      @Nullable PrintStream progress) throws InterruptedException {
    OrderLoad load = new OrderLoad(system.gatewayUri(), system.apiKey(), scenario, concurrency, duration, 0);
    ChaosSchedule schedule = new ChaosSchedule(faults, duration, settings.hold());
    OrderLoad.Summary summary = load.run(progress, null, schedule::start);
    List<ChaosSchedule.Strike> strikes = new ArrayList<>(schedule.awaitEnd(Duration.ofSeconds(60)));
    // The killed instance's restart ran on; say when it was ready (or why not) beside its strike.
    String restart;
    try {
      restarted.get(120, TimeUnit.SECONDS);
      double readyAt = schedule.elapsedSeconds() - (System.nanoTime() - children.get(0).readyNanos) / 1e9;
      restart = String.format(java.util.Locale.ROOT, "; ready again (pid %d) at %.1f s", children.get(0).pid(),
          readyAt);
    } catch (java.util.concurrent.ExecutionException | TimeoutException e) {
      restart = "; restart failed: " + e;
    }
    for (int i = 0; i < strikes.size(); i++) {
      ChaosSchedule.Strike strike = strikes.get(i);
      if (strike.fault().equals(KILL)) {
        strikes.set(i, new ChaosSchedule.Strike(strike.fault(), strike.struckAtSeconds(), strike.healedAtSeconds(),
            strike.detail() + restart, strike.error()));
      }
    }
    return audit(summary, load.acknowledgedOrders(), strikes);
  }

  private ChaosReport audit(OrderLoad.Summary summary, Map<String, String> acknowledged,
      List<ChaosSchedule.Strike> strikes) throws InterruptedException {
    // Every saga ends once its lease lapses and an instance resumes it.
    long sagaDeadline = System.nanoTime() + LEASE.multipliedBy(4).plusSeconds(30).toNanos();
    List<SagaRecord> sagas = system.sagaRecords().findAll(Filter.all());
    while (sagas.stream().anyMatch(saga -> !saga.status().isFinal()) && System.nanoTime() < sagaDeadline) {
      Thread.sleep(500); // polling the store for the resumer's progress
      sagas = system.sagaRecords().findAll(Filter.all());
    }
    List<Order> orders = system.orders().findAll(Filter.all());
    long placed = orders.stream().filter(order -> order.status() == OrderStatus.PLACED).count();
    // The dashboard counts each placed order's event once it has come through the outbox and Kafka.
    long dashboardDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (system.dashboard().ordersPlaced() < placed && System.nanoTime() < dashboardDeadline) {
      Thread.sleep(200); // polling the consumer's progress
    }
    Thread.sleep(2_000); // a redelivered duplicate would arrive by now; it must not be counted
    long dashboard = system.dashboard().ordersPlaced();

    Map<String, Order> byId = new HashMap<>();
    orders.forEach(order -> byId.put(order.id(), order));
    long missing = 0;
    for (Map.Entry<String, String> ack : acknowledged.entrySet()) {
      Order stored = byId.get(ack.getKey());
      if (stored == null || !stored.status().name().equals(ack.getValue())) {
        missing++;
        LOG.warn("chaos audit: order {} was acknowledged {} but the store has {}", ack.getKey(), ack.getValue(),
            stored == null ? "nothing" : stored.status());
      }
    }
    long lost = missing + Math.max(0, placed - dashboard);
    long doubleApplied = Math.max(0, dashboard - placed);
    long pending = orders.stream().filter(order -> order.status() == OrderStatus.PENDING).count();
    long unfinished = sagas.stream().filter(saga -> saga.status() != dev.layerkit.service.saga.SagaStatus.COMPLETED
        && saga.status() != dev.layerkit.service.saga.SagaStatus.COMPENSATED).count();

    Map<String, Long> taken = new HashMap<>();
    for (Order order : orders) {
      if (order.status() == OrderStatus.PLACED) {
        order.items().forEach(item -> taken.merge(item.sku(), (long) item.quantity(), Long::sum));
      }
    }
    long stockMismatch = 0;
    for (Catalog.Product product : new Catalog().products()) {
      long reserved = STOCK - system.support().inventory().available(product.sku());
      stockMismatch += Math.abs(reserved - taken.getOrDefault(product.sku(), 0L));
    }
    long charged = system.support().payments().countByStatus().getOrDefault(Payments.Charge.CHARGED, 0L);
    long chargeMismatch = Math.abs(charged - placed);

    Map<String, Long> storeOrders = new TreeMap<>();
    orders.forEach(order -> storeOrders.merge(order.status().name(), 1L, Long::sum));
    Map<String, Long> sagaStatuses = new TreeMap<>();
    sagas.forEach(saga -> sagaStatuses.merge(saga.status().name(), 1L, Long::sum));
    long resumed = sagas.stream().filter(saga -> saga.events().stream()
        .anyMatch(event -> event.type() == SagaEvent.Type.SAGA_RESUMED)).count();
    return new ChaosReport(summary.seconds(), summary.requests(), summary.statuses(), summary.errors(),
        summary.requests() == 0 ? 0 : summary.failures() / (double) summary.requests(), summary.p50Millis(),
        summary.p99Millis(), acknowledged.size(), storeOrders, sagaStatuses, resumed, dashboard, lost,
        doubleApplied, pending + unfinished, stockMismatch, chargeMismatch, strikes, summary.sampleFailures());
  }

  /** Stops the children, the system and Redis. */
  @Override
  public void close() {
    closer.close();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /**
   * The payment service as the victim child calls it: charges pass through, except the first after
   * {@link #arm}, which runs the trap (kills the caller) and fails.
   */
  private static final class Tripwire implements Payments {
    private final Payments payments;
    private final AtomicReference<Trap> armed = new AtomicReference<>();

    private record Trap(Runnable action, CompletableFuture<String> tripped) {}

    Tripwire(Payments payments) {
      this.payments = payments;
    }

    CompletableFuture<String> arm(Runnable action) {
      Trap trap = new Trap(action, new CompletableFuture<>());
      armed.set(trap);
      return trap.tripped();
    }

    void disarm() {
      armed.set(null);
    }

    @Override
    public Charge charge(String key, String orderId, long amountCents) {
      Trap trap = armed.getAndSet(null);
      if (trap != null) {
        trap.action().run();
        trap.tripped().complete(key);
        throw new IllegalStateException("the caller was killed inside the charge " + key);
      }
      return payments.charge(key, orderId, amountCents);
    }

    @Override
    public Charge refund(String key) {
      return payments.refund(key);
    }

    @Override
    public Optional<Charge> find(String key) {
      return payments.find(key);
    }
  }

  /** An order-service child JVM on a fixed port, which may be killed and started again. */
  private static final class Child {
    private final String name;
    private final int port;
    private final List<String> args;
    private volatile @Nullable Process process;
    private volatile long lastPid;
    /** When it last printed READY, {@link System#nanoTime()}. */
    private volatile long readyNanos;

    Child(String name, int port, List<String> args) {
      this.name = name;
      this.port = port;
      this.args = List.copyOf(args);
    }

    synchronized void start() throws IOException {
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      List<String> command = new ArrayList<>(List.of(java, "-Xmx256m",
          // The children log warnings only: a trace tree per request would swamp the run's output.
          "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
          "-cp", System.getProperty("java.class.path"), OrderSystemMain.class.getName(),
          "--role=service", "--port=" + port, "--admin-port=0"));
      command.addAll(args);
      Process started = new ProcessBuilder(command).redirectErrorStream(true).start();
      try {
        ServiceProcesses.awaitReady(started, name);
      } catch (IOException e) {
        started.destroyForcibly();
        throw e;
      }
      process = started;
      lastPid = started.pid();
      readyNanos = System.nanoTime();
    }

    long pid() {
      return lastPid;
    }

    /** SIGKILL, and waits until the process is gone. */
    synchronized void kill() {
      Process running = process;
      if (running == null) {
        return;
      }
      running.destroyForcibly();
      try {
        running.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      process = null;
    }
  }

  /** The gateway's URI, for callers that send their own requests during the run. */
  URI gatewayUri() {
    return system.gatewayUri();
  }
}
