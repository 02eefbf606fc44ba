package dev.layerkit.examples.orders;

import dev.layerkit.infra.Config;
import dev.layerkit.infra.ConfigException;
import dev.layerkit.infra.Lifecycle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * How to run the order system: which backends, on which ports, with which limits. Read by
 * {@link Config} from the command line and the environment ({@link #config(Map, String...)}),
 * every problem reported at once.
 *
 * @param backends {@code memory} (embedded, the default) or {@code production}
 * @param gatewayPort the gateway's port (8080; 0 picks a free one)
 * @param adminPort the admin server's port (9090; 0 picks a free one)
 * @param serviceInstances how many order-service instances (3)
 * @param apiKey the API key clients send as {@code X-API-Key}
 * @param ratePerSecond requests per second each API key may make through the gateway
 * @param redisUrl production: {@code redis://host:port}
 * @param kafkaBootstrap production: {@code host:port[,host:port]}
 * @param postgresUrl production: {@code jdbc:postgresql://...}
 * @param mongoUrl production: {@code mongodb://...}
 * @param chaos whether to kill an order-service instance (and, in production, stop using Redis)
 *     during the run, to show the system degrading gracefully
 * @param shutdownDeadline how long draining and stopping may take after SIGTERM (30s)
 */
public record OrderSystemOptions(String backends, int gatewayPort, int adminPort, int serviceInstances,
    String apiKey, int ratePerSecond, @Nullable String redisUrl, @Nullable String kafkaBootstrap,
    @Nullable String postgresUrl, @Nullable String mongoUrl, boolean chaos, Duration shutdownDeadline) {

  /** The API key of the embedded demo; the page is pre-filled with it. */
  public static final String DEMO_API_KEY = "demo-key-change-me";
  /** What environment variables of these options start with: {@code LAYERKIT_ORDERS_PORT} is {@code --port}. */
  public static final String ENV_PREFIX = "LAYERKIT_ORDERS_";

  static final Config.Setting<String> BACKENDS = Config.Setting.string("backends")
      .require(Set.of("memory", "production")::contains, "must be memory or production").defaultValue("memory");
  static final Config.Setting<Integer> PORT = port("port", 8080);
  static final Config.Setting<Integer> ADMIN_PORT = port("admin-port", 9090);
  static final Config.Setting<Integer> INSTANCES = Config.Setting.integer("instances")
      .require(n -> n >= 1 && n <= 16, "must be 1 to 16").defaultValue(3);
  static final Config.Setting<String> API_KEY = Config.Setting.string("api-key")
      .require(key -> key.length() >= 8, "must be at least 8 characters").secret().defaultValue(DEMO_API_KEY);
  static final Config.Setting<Integer> RATE = Config.Setting.integer("rate")
      .require(n -> n >= 1, "must be >= 1").defaultValue(200);
  static final Config.Setting<String> REDIS = Config.Setting.string("redis").defaultValue("");
  static final Config.Setting<String> KAFKA = Config.Setting.string("kafka").defaultValue("");
  static final Config.Setting<String> POSTGRES = Config.Setting.string("postgres").secret().defaultValue("");
  static final Config.Setting<String> MONGO = Config.Setting.string("mongo").secret().defaultValue("");
  static final Config.Setting<Boolean> CHAOS = Config.Setting.bool("chaos").defaultValue(false);
  static final Config.Setting<Duration> SHUTDOWN_DEADLINE = Config.Setting.duration("shutdown-deadline")
      .require(d -> !d.isZero(), "must be > 0").defaultValue(Lifecycle.DEFAULT_SHUTDOWN_DEADLINE);
  /** What this process runs: {@code all}, one order-{@code service} instance, or the {@code gateway}. */
  static final Config.Setting<String> ROLE = Config.Setting.string("role")
      .require(Set.of("all", "service", "gateway")::contains, "must be all, service or gateway").defaultValue("all");
  /** The production backends' tables, keys and topic are under this name. */
  static final Config.Setting<String> NAMESPACE = Config.Setting.string("namespace")
      .require(n -> n.matches("[a-z][a-z0-9_]*"), "must be lower-case letters, digits and _").defaultValue("layerkit");
  /** For {@code --role=gateway}: the order-service instances, {@code host:port,...}. */
  static final Config.Setting<String> SERVICES = Config.Setting.string("services").defaultValue("");
  /** With production backends, keep the order-service instances in this JVM. */
  static final Config.Setting<Boolean> SINGLE_PROCESS = Config.Setting.bool("single-process").defaultValue(false);
  /** An OTLP/HTTP traces endpoint; empty: each finished trace is logged as a tree instead. */
  static final Config.Setting<String> OTLP = Config.Setting.string("otlp").defaultValue("");
  /** A job to run once instead of the system: {@code revenue} ({@link RevenueJob}); empty: run the system. */
  static final Config.Setting<String> JOB = Config.Setting.string("job")
      .require(Set.of("", "revenue")::contains, "must be revenue").defaultValue("");
  /** For {@code --job=revenue}: a DuckDB file to write the report into instead of PostgreSQL. */
  static final Config.Setting<String> WAREHOUSE = Config.Setting.string("warehouse").defaultValue("");

  /** Validates. */
  public OrderSystemOptions {
    Objects.requireNonNull(backends, "backends");
    Objects.requireNonNull(apiKey, "apiKey");
    Objects.requireNonNull(shutdownDeadline, "shutdownDeadline");
  }

  /**
   * Returns options with the default shutdown deadline.
   *
   * @param backends see the record
   * @param gatewayPort see the record
   * @param adminPort see the record
   * @param serviceInstances see the record
   * @param apiKey see the record
   * @param ratePerSecond see the record
   * @param redisUrl see the record
   * @param kafkaBootstrap see the record
   * @param postgresUrl see the record
   * @param mongoUrl see the record
   * @param chaos see the record
   */
  public OrderSystemOptions(String backends, int gatewayPort, int adminPort, int serviceInstances,
      String apiKey, int ratePerSecond, @Nullable String redisUrl, @Nullable String kafkaBootstrap,
      @Nullable String postgresUrl, @Nullable String mongoUrl, boolean chaos) {
    this(backends, gatewayPort, adminPort, serviceInstances, apiKey, ratePerSecond, redisUrl, kafkaBootstrap,
        postgresUrl, mongoUrl, chaos, Lifecycle.DEFAULT_SHUTDOWN_DEADLINE);
  }

  private static Config.Setting<Integer> port(String name, int defaultPort) {
    return Config.Setting.integer(name).require(p -> p >= 0 && p <= 65_535, "must be 0 to 65535")
        .defaultValue(defaultPort);
  }

  /**
   * Returns the embedded defaults on free ports, for tests.
   *
   * @return the options
   */
  public static OrderSystemOptions embeddedOnFreePorts() {
    return new OrderSystemOptions("memory", 0, 0, 3, DEMO_API_KEY, 200, null, null, null, null, false);
  }

  /**
   * Returns a copy with another rate limit.
   *
   * @param perSecond requests per second per API key
   * @return the copy
   */
  public OrderSystemOptions withRatePerSecond(int perSecond) {
    return new OrderSystemOptions(backends, gatewayPort, adminPort, serviceInstances, apiKey, perSecond,
        redisUrl, kafkaBootstrap, postgresUrl, mongoUrl, chaos, shutdownDeadline);
  }

  boolean production() {
    return backends.equals("production");
  }

  /**
   * Reads the options, defaults &lt; environment ({@code LAYERKIT_ORDERS_ADMIN_PORT=9091}) &lt;
   * command line ({@code --admin-port=9092}); system properties are not read.
   *
   * @param environment the environment variables, usually {@code System.getenv()}
   * @param args the command line: {@code --backends=memory|production --port=8080
   *     --admin-port=9090 --instances=3 --api-key=K --rate=200 --redis=URL --kafka=HOSTS
   *     --postgres=URL --mongo=URL --chaos --shutdown-deadline=30s --role=all|service|gateway
   *     --namespace=N --services=HOST:PORT,... --single-process --otlp=URL --job=revenue
   *     --warehouse=FILE.duckdb}
   * @return the bound settings
   * @throws ConfigException naming every invalid setting, its value and its source
   */
  public static Config config(Map<String, String> environment, String... args) {
    return Config.builder()
        .settings(BACKENDS, PORT, ADMIN_PORT, INSTANCES, API_KEY, RATE, REDIS, KAFKA, POSTGRES, MONGO, CHAOS,
            SHUTDOWN_DEADLINE, ROLE, NAMESPACE, SERVICES, SINGLE_PROCESS, OTLP, JOB, WAREHOUSE)
        .envPrefix(ENV_PREFIX).environment(environment::get).systemProperties(new Properties())
        .commandLine(args)
        .build();
  }

  /**
   * Returns the options a config holds.
   *
   * @param config from {@link #config(Map, String...)}
   * @return the options
   * @throws IllegalArgumentException if production backends lack a server
   */
  public static OrderSystemOptions from(Config config) {
    OrderSystemOptions options = new OrderSystemOptions(config.get(BACKENDS), config.get(PORT),
        config.get(ADMIN_PORT), config.get(INSTANCES), config.get(API_KEY), config.get(RATE),
        optional(config, REDIS), optional(config, KAFKA), optional(config, POSTGRES), optional(config, MONGO),
        config.get(CHAOS), config.get(SHUTDOWN_DEADLINE));
    List<String> problems = new ArrayList<>();
    if (options.production()) {
      if (options.redisUrl() == null) {
        problems.add("--backends=production needs --redis=redis://host:port");
      }
      if (options.kafkaBootstrap() == null) {
        problems.add("--backends=production needs --kafka=host:port");
      }
      if (options.postgresUrl() == null && options.mongoUrl() == null) {
        problems.add("--backends=production needs --postgres=jdbc:postgresql://... or --mongo=mongodb://...");
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", problems));
    }
    return options;
  }

  private static @Nullable String optional(Config config, Config.Setting<String> setting) {
    String value = config.get(setting);
    return value.isEmpty() ? null : value;
  }

  /**
   * Parses the command line alone, as {@link #config(Map, String...)} without environment.
   *
   * @param args the command line
   * @return the options
   * @throws ConfigException naming every invalid setting
   * @throws IllegalArgumentException if production backends lack a server
   */
  public static OrderSystemOptions parse(String... args) {
    return from(config(Map.of(), args));
  }
}
