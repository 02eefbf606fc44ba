package dev.layerkit.infra;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.layerkit.core.health.Health;
import dev.layerkit.core.health.HealthStatus;
import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.internal.BuilderSettings;
import dev.layerkit.core.time.TimeSource;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small HTTP server for probes and scrapers: health, Prometheus metrics and build info.
 *
 * <pre>{@code
 * HealthRegistry health = HealthRegistry.builder().build();
 * health.register(redisCheck);
 * AdminServer admin = AdminServer.builder(health)
 *     .port(9090)
 *     .version("1.4.2")
 *     .settings(config::maskedValues)         // on /info, secrets masked
 *     .start();
 * Counter orders = Counter.builder("layerkit.orders.created").register(admin.meterRegistry());
 * }</pre>
 *
 * <h2>Endpoints</h2>
 *
 * <table>
 *   <caption>Paths served</caption>
 *   <tr><th>path</th><th>answer</th></tr>
 *   <tr><td>{@value #LIVENESS_PATH}</td><td>the {@link HealthRegistry#LIVENESS} group</td></tr>
 *   <tr><td>{@value #READINESS_PATH}</td><td>the {@link HealthRegistry#READINESS} group</td></tr>
 *   <tr><td>{@value #STARTUP_PATH}</td><td>the {@link HealthRegistry#STARTUP} group</td></tr>
 *   <tr><td>{@value #HEALTH_PATH}</td><td>every check</td></tr>
 *   <tr><td>{@value #METRICS_PATH}</td><td>Prometheus text format (OpenMetrics when the
 *       scraper's {@code Accept} asks for it) from the {@link PrometheusMeterRegistry}, with JVM,
 *       process and health gauges</td></tr>
 *   <tr><td>{@value #INFO_PATH}</td><td>version, git commit, start time, settings</td></tr>
 * </table>
 *
 * <p>Health answers are MicroProfile-style JSON, {@code {"status":"UP","checks":[{"name":...,
 * "status":..., "durationMs":..., "data":{...}}]}}, with 200 for {@code UP} and
 * {@code DEGRADED} and 503 for {@code DOWN}. Only {@code GET} and {@code HEAD} are allowed (405
 * otherwise, with {@code Allow}); other paths are 404. An unexpected error is answered 500 with a
 * one-line JSON body and logged: a client never sees a stack trace.
 *
 * <p>JDK's {@code com.sun.net.httpserver} serves it: the admin port carries a few requests a second
 * from probes and a scraper, for which the JDK server is enough and adds no dependency. Requests
 * run on a small pool ({@link Builder#threads(int)}), so a slow {@code /health} does not hold up
 * {@code /metrics}. Thread-safe; {@link #close()} stops the listener at once.
 */
public final class AdminServer implements AutoCloseable {

  /** The default port. */
  public static final int DEFAULT_PORT = 9090;
  /**
   * The {@link Config} setting {@code admin.port} (environment variable
   * {@code LAYERKIT_ADMIN_PORT}), default {@value #DEFAULT_PORT}; {@code KubernetesManifests} sets
   * it to the port the probes use.
   */
  public static final Config.Setting<Integer> PORT_SETTING = Config.Setting.integer("admin.port")
      .require(p -> p >= 0 && p <= 65_535, "must be in [0, 65535]").defaultValue(DEFAULT_PORT);
  /** The default number of request threads. */
  public static final int DEFAULT_THREADS = 2;
  /** The liveness path. */
  public static final String LIVENESS_PATH = "/health/live";
  /** The readiness path. */
  public static final String READINESS_PATH = "/health/ready";
  /** The startup path. */
  public static final String STARTUP_PATH = "/health/started";
  /** The path of the full health report. */
  public static final String HEALTH_PATH = "/health";
  /** The Prometheus scrape path. */
  public static final String METRICS_PATH = "/metrics";
  /** The build and settings info path. */
  public static final String INFO_PATH = "/info";
  /** The content type of {@value #METRICS_PATH}: Prometheus text format 0.0.4. */
  public static final String PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
  /** The content type of {@value #METRICS_PATH} for a scraper that accepts OpenMetrics. */
  public static final String OPENMETRICS_CONTENT_TYPE = "application/openmetrics-text; version=1.0.0; charset=utf-8";

  private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);
  private static final String JSON = "application/json";

  static {
    // The JDK server writes a response's headers and body as separate segments; with Nagle's
    // algorithm on, the body waits for the client's delayed ACK of the headers, about 40 ms a
    // probe. The JDK reads this property once, when its first server is made, so it is set here
    // unless the application has chosen otherwise.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  private final HealthRegistry health;
  private final PrometheusMeterRegistry meterRegistry;
  private final @Nullable JvmGcMetrics gcMetrics;
  private final HttpServer server;
  private final ExecutorService requestThreads;
  private final ObjectMapper mapper = new ObjectMapper();
  private final Map<String, Object> info;
  private final Supplier<Map<String, String>> settings;

  private AdminServer(Builder builder) throws IOException {
    this.health = builder.health;
    PrometheusMeterRegistry given = builder.meterRegistry;
    this.meterRegistry = given != null ? given : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    if (builder.jvmMetrics) {
      new ClassLoaderMetrics().bindTo(meterRegistry);
      new JvmMemoryMetrics().bindTo(meterRegistry);
      new JvmThreadMetrics().bindTo(meterRegistry);
      new ProcessorMetrics().bindTo(meterRegistry);
      new UptimeMetrics().bindTo(meterRegistry);
      new FileDescriptorMetrics().bindTo(meterRegistry);
      JvmGcMetrics gc = new JvmGcMetrics();
      gc.bindTo(meterRegistry);
      this.gcMetrics = gc;
    } else {
      this.gcMetrics = null;
    }
    health.bindTo(meterRegistry);
    Map<String, Object> info = new LinkedHashMap<>();
    info.put("version", builder.version != null ? builder.version : detectVersion());
    String commit = builder.gitCommit != null ? builder.gitCommit : detectGitCommit();
    if (commit != null) {
      info.put("gitCommit", commit);
    }
    info.put("startTime", builder.timeSource.instant().toString());
    this.info = info;
    this.settings = builder.infoSettings;
    this.server = HttpServer.create(new InetSocketAddress(builder.bindAddress, builder.port), 0);
    this.requestThreads = Executors.newFixedThreadPool(builder.threads, new HealthRegistry.DaemonThreads("layerkit-admin-"));
    server.setExecutor(requestThreads);
    server.createContext("/", this::handle);
    server.start();
    LOG.info("admin server listening on {}", server.getAddress());
  }

  /**
   * Returns a builder for a server that serves {@code health}.
   *
   * @param health the registry whose checks the health endpoints run
   * @return a new builder
   * @throws NullPointerException if {@code health} is null
   */
  public static Builder builder(HealthRegistry health) {
    return new Builder(Objects.requireNonNull(health, "health"));
  }

  /**
   * Returns the port the server listens on, which is the chosen one when the builder asked for 0.
   *
   * @return the port
   */
  public int port() {
    return server.getAddress().getPort();
  }

  /**
   * Returns the base URI of the server, for example {@code http://127.0.0.1:9090}.
   *
   * @return the URI
   */
  public URI uri() {
    InetSocketAddress address = server.getAddress();
    String host = address.getAddress().isAnyLocalAddress() ? "127.0.0.1" : address.getAddress().getHostAddress();
    if (host.contains(":")) {
      host = "[" + host + "]";
    }
    return URI.create("http://" + host + ":" + address.getPort());
  }

  /**
   * Returns the registry {@value #METRICS_PATH} scrapes; register a block's meters here.
   *
   * @return the Prometheus registry
   */
  public PrometheusMeterRegistry meterRegistry() {
    return meterRegistry;
  }

  /** Closes the listener and the request threads at once; requests in progress are cut off. */
  @Override
  public void close() {
    server.stop(0);
    requestThreads.shutdownNow();
    if (gcMetrics != null) {
      gcMetrics.close();
    }
    LOG.info("admin server closed");
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod();
      String path = exchange.getRequestURI().getPath();
      if (!knownPath(path)) {
        sendJson(exchange, 404, Map.of("error", "not found"));
        return;
      }
      if (!"GET".equals(method) && !"HEAD".equals(method)) {
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        sendJson(exchange, 405, Map.of("error", "method not allowed"));
        return;
      }
      try {
        route(exchange, path);
      } catch (RuntimeException | JsonProcessingException e) {
        LOG.warn("admin request {} {} failed", method, path, e);
        sendJson(exchange, 500, Map.of("error", "internal error"));
      }
    } catch (IOException | UncheckedIOException e) {
      // The client went away; nothing to answer.
      LOG.debug("admin response not sent", e);
    }
  }

  private static boolean knownPath(String path) {
    switch (path) {
      case LIVENESS_PATH:
      case READINESS_PATH:
      case STARTUP_PATH:
      case HEALTH_PATH:
      case METRICS_PATH:
      case INFO_PATH:
        return true;
      default:
        return false;
    }
  }

  private void route(HttpExchange exchange, String path) throws IOException {
    switch (path) {
      case LIVENESS_PATH:
        sendHealth(exchange, health.report(HealthRegistry.LIVENESS));
        break;
      case READINESS_PATH:
        sendHealth(exchange, health.report(HealthRegistry.READINESS));
        break;
      case STARTUP_PATH:
        sendHealth(exchange, health.report(HealthRegistry.STARTUP));
        break;
      case HEALTH_PATH:
        sendHealth(exchange, health.report());
        break;
      case METRICS_PATH:
        String accept = exchange.getRequestHeaders().getFirst("Accept");
        if (accept != null && accept.contains("application/openmetrics-text")) {
          send(exchange, 200, OPENMETRICS_CONTENT_TYPE,
              meterRegistry.scrape(OPENMETRICS_CONTENT_TYPE).getBytes(StandardCharsets.UTF_8));
        } else {
          send(exchange, 200, PROMETHEUS_CONTENT_TYPE, meterRegistry.scrape().getBytes(StandardCharsets.UTF_8));
        }
        break;
      default:
        Map<String, Object> body = new LinkedHashMap<>(info);
        body.put("settings", new TreeMap<>(settings.get()));
        sendJson(exchange, 200, body);
        break;
    }
  }

  private void sendHealth(HttpExchange exchange, HealthReport report) throws IOException {
    sendJson(exchange, report.status() == HealthStatus.DOWN ? 503 : 200, toJson(report));
  }

  /** Renders a report MicroProfile-style. Package-private for tests. */
  static Map<String, Object> toJson(HealthReport report) {
    List<Object> checks = new ArrayList<>();
    for (HealthReport.CheckResult result : report.checks()) {
      Health health = result.health();
      Map<String, Object> check = new LinkedHashMap<>();
      check.put("name", result.name());
      check.put("status", health.status().name());
      check.put("critical", result.critical());
      check.put("durationMs", health.duration().toNanos() / 1e6);
      if (!health.details().isEmpty()) {
        check.put("data", jsonSafe(health.details()));
      }
      checks.add(check);
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("status", report.status().name());
    body.put("checks", checks);
    return body;
  }

  /** Details come from any block; anything Jackson may not render plainly becomes its string. */
  private static Object jsonSafe(Object value) {
    if (value instanceof String || value instanceof Number || value instanceof Boolean) {
      return value;
    }
    if (value instanceof Map) {
      Map<String, Object> copy = new LinkedHashMap<>();
      ((Map<?, ?>) value).forEach((k, v) -> copy.put(String.valueOf(k), v == null ? "null" : jsonSafe(v)));
      return copy;
    }
    if (value instanceof Collection) {
      List<Object> copy = new ArrayList<>();
      for (Object v : (Collection<?>) value) {
        copy.add(v == null ? "null" : jsonSafe(v));
      }
      return copy;
    }
    return String.valueOf(value);
  }

  private void sendJson(HttpExchange exchange, int status, Object body) throws IOException {
    send(exchange, status, JSON, mapper.writeValueAsBytes(body));
  }

  private static void send(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", contentType);
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    if ("HEAD".equals(exchange.getRequestMethod())) {
      exchange.sendResponseHeaders(status, -1);
      return;
    }
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  private static String detectVersion() {
    String version = AdminServer.class.getPackage().getImplementationVersion();
    return version != null ? version : "unknown";
  }

  /** Reads {@code git.properties} as written by git-commit-id-maven-plugin, when present. */
  private static @Nullable String detectGitCommit() {
    try (InputStream in = Thread.currentThread().getContextClassLoader().getResourceAsStream("git.properties")) {
      if (in == null) {
        return null;
      }
      Properties properties = new Properties();
      properties.load(in);
      String id = properties.getProperty("git.commit.id");
      return id != null ? id : properties.getProperty("git.commit.id.abbrev");
    } catch (IOException | RuntimeException e) {
      LOG.debug("could not read git.properties", e);
      return null;
    }
  }

  /**
   * Configures and starts an {@link AdminServer}. Not thread-safe; each setting may be given
   * once.
   */
  public static final class Builder {
    private final HealthRegistry health;
    private final BuilderSettings settings = new BuilderSettings();
    private int port = DEFAULT_PORT;
    private InetAddress bindAddress = anyAddress();
    private int threads = DEFAULT_THREADS;
    private @Nullable PrometheusMeterRegistry meterRegistry;
    private boolean jvmMetrics = true;
    private @Nullable String version;
    private @Nullable String gitCommit;
    private TimeSource timeSource = TimeSource.system();
    private Supplier<Map<String, String>> infoSettings = Map::of;

    private Builder(HealthRegistry health) {
      this.health = health;
    }

    private static InetAddress anyAddress() {
      return new InetSocketAddress(0).getAddress();
    }


    /**
     * Sets the port; 0 picks a free one (see {@link AdminServer#port()}). Default
     * {@value #DEFAULT_PORT}.
     *
     * @param port the port, 0 to 65535
     * @return this builder
     * @throws IllegalArgumentException if out of range
     * @throws IllegalStateException if already set
     */
    public Builder port(int port) {
      if (port < 0 || port > 65_535) {
        throw new IllegalArgumentException("port must be in [0, 65535] but was " + port);
      }
      settings.requireUnset("port", this.port);
      this.port = port;
      return this;
    }

    /**
     * Sets the address to listen on; default all interfaces, since the kubelet probes the pod's
     * address.
     *
     * @param bindAddress the address, for example {@link InetAddress#getLoopbackAddress()}
     * @return this builder
     * @throws NullPointerException if {@code bindAddress} is null
     * @throws IllegalStateException if already set
     */
    public Builder bindAddress(InetAddress bindAddress) {
      Objects.requireNonNull(bindAddress, "bindAddress");
      settings.requireUnset("bindAddress", this.bindAddress);
      this.bindAddress = bindAddress;
      return this;
    }

    /**
     * Sets the number of request threads; default {@value #DEFAULT_THREADS}.
     *
     * @param threads at least 1
     * @return this builder
     * @throws IllegalArgumentException if less than 1
     * @throws IllegalStateException if already set
     */
    public Builder threads(int threads) {
      if (threads < 1) {
        throw new IllegalArgumentException("threads must be >= 1 but was " + threads);
      }
      settings.requireUnset("threads", this.threads);
      this.threads = threads;
      return this;
    }

    /**
     * Sets the registry {@value #METRICS_PATH} scrapes; by default the server makes its own.
     *
     * @param meterRegistry the registry
     * @return this builder
     * @throws NullPointerException if {@code meterRegistry} is null
     * @throws IllegalStateException if already set
     */
    public Builder meterRegistry(PrometheusMeterRegistry meterRegistry) {
      Objects.requireNonNull(meterRegistry, "meterRegistry");
      settings.requireUnset("meterRegistry", this.meterRegistry);
      this.meterRegistry = meterRegistry;
      return this;
    }

    /**
     * Sets whether JVM and process metrics (memory, GC, threads, class loading, CPU, uptime, file
     * descriptors) are bound to the registry; default true. Their cost is paid on scrape, not on
     * the application's threads.
     *
     * @param jvmMetrics whether to bind them
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder jvmMetrics(boolean jvmMetrics) {
      settings.requireUnset("jvmMetrics", this.jvmMetrics);
      this.jvmMetrics = jvmMetrics;
      return this;
    }

    /**
     * Sets the version shown on {@value #INFO_PATH}; default the jar's
     * {@code Implementation-Version}, else {@code "unknown"}.
     *
     * @param version the version
     * @return this builder
     * @throws NullPointerException if {@code version} is null
     * @throws IllegalArgumentException if blank
     * @throws IllegalStateException if already set
     */
    public Builder version(String version) {
      Arguments.notBlank(version, "version");
      settings.requireUnset("version", this.version);
      this.version = version;
      return this;
    }

    /**
     * Sets the git commit shown on {@value #INFO_PATH}; default {@code git.commit.id} from a
     * {@code git.properties} on the class path, else none.
     *
     * @param gitCommit the commit id
     * @return this builder
     * @throws NullPointerException if {@code gitCommit} is null
     * @throws IllegalArgumentException if blank
     * @throws IllegalStateException if already set
     */
    public Builder gitCommit(String gitCommit) {
      Arguments.notBlank(gitCommit, "gitCommit");
      settings.requireUnset("gitCommit", this.gitCommit);
      this.gitCommit = gitCommit;
      return this;
    }

    /**
     * Sets where {@value #INFO_PATH} reads its settings, called on each request. The values must
     * already be masked: {@code Config::maskedValues} is the usual supplier.
     *
     * @param settings supplies setting names and masked values
     * @return this builder
     * @throws NullPointerException if {@code settings} is null
     * @throws IllegalStateException if already set
     */
    public Builder settings(Supplier<Map<String, String>> settings) {
      Objects.requireNonNull(settings, "settings");
      this.settings.requireUnset("settings", this.infoSettings);
      this.infoSettings = settings;
      return this;
    }

    /**
     * Sets the time source for the start time shown on {@value #INFO_PATH}; meant for tests.
     *
     * @param timeSource the time source
     * @return this builder
     * @throws NullPointerException if {@code timeSource} is null
     * @throws IllegalStateException if already set
     */
    public Builder timeSource(TimeSource timeSource) {
      Objects.requireNonNull(timeSource, "timeSource");
      settings.requireUnset("timeSource", this.timeSource);
      this.timeSource = timeSource;
      return this;
    }

    /**
     * Binds the port and starts serving.
     *
     * @return the running server
     * @throws UncheckedIOException if the port cannot be bound
     */
    public AdminServer start() {
      try {
        return new AdminServer(this);
      } catch (IOException e) {
        throw new UncheckedIOException("could not bind the admin server to " + bindAddress + ":" + port, e);
      }
    }
  }
}
