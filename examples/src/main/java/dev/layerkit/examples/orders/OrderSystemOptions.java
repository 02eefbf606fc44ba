package dev.layerkit.examples.orders;

import dev.layerkit.infra.AdminServer;
import dev.layerkit.infra.Config;
import dev.layerkit.infra.ConfigException;
import dev.layerkit.infra.Lifecycle;
import dev.layerkit.infra.deploy.KubernetesManifests;
import java.nio.file.Path;
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
 * {@link Config} ({@link #config(Map, String...)}) with one precedence, lowest first:
 * <ol>
 *   <li>the defaults below;
 *   <li>the config file named by {@code --config=FILE} or {@code LAYERKIT_ORDERS_CONFIG}
 *       ({@code .properties} or {@code .yaml}, keys as the options without {@code --}: {@code
 *       backends: production});
 *   <li>the environment: {@code LAYERKIT_ORDERS_} and the option's name in upper case with
 *       {@code _} for {@code -} ({@code LAYERKIT_ORDERS_ADMIN_PORT=9091});
 *   <li>the command line ({@code --admin-port=9092}), which wins.
 * </ol>
 * Every problem is reported at once. The shipped image passes no arguments (its {@code CMD} is
 * empty), so the manifests' environment is what a container runs with; {@code
 * DeployFilesTest} resolves each generated container's configuration this way and checks it.
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
 * @param bindAddress the address the order, inventory and payment services listen on
 *     ({@code 127.0.0.1}; {@code 0.0.0.0} in a container, where other pods call them)
 * @param paymentFailureRate the share of charges the payment service declines (0 to 1; 0)
 * @param initialStock how many of each product a new inventory starts with (1,000,000)
 * @param sagaLease how long a place-order saga whose process died waits before another instance
 *     resumes it (30s); a saga step times out after a third of it
 * @param instance this process's name among the processes of its role, unique while it runs: what
 *     must differ per process is named by it (the dashboard's consumer group); in a pod, the pod's
 *     name ({@code LAYERKIT_POD_NAME}, which the generated manifests set), elsewhere {@code
 *     <host>-<pid>}
 */
public record OrderSystemOptions(String backends, int gatewayPort, int adminPort, int serviceInstances,
    String apiKey, int ratePerSecond, @Nullable String redisUrl, @Nullable String kafkaBootstrap,
    @Nullable String postgresUrl, @Nullable String mongoUrl, boolean chaos, Duration shutdownDeadline,
    String bindAddress, double paymentFailureRate, long initialStock, Duration sagaLease, String instance) {

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
  /**
   * What this process runs: {@code all}, one order-{@code service} instance, the {@code gateway},
   * one {@code inventory} or one {@code payment} service instance, or one instance of the order
   * totals' {@code subscriber} ({@link OrderTotalsSubscriber}).
   */
  static final Config.Setting<String> ROLE = Config.Setting.string("role")
      .require(Set.of("all", "service", "gateway", "inventory", "payment", "subscriber")::contains,
          "must be all, service, gateway, inventory, payment or subscriber").defaultValue("all");
  /** For {@code --role=service}: the inventory service's instances, {@code host:port,...}. */
  static final Config.Setting<String> INVENTORY = Config.Setting.string("inventory").defaultValue("");
  /** For {@code --role=service}: the payment service's instances, {@code host:port,...}. */
  static final Config.Setting<String> PAYMENT = Config.Setting.string("payment").defaultValue("");
  /** The share of charges the payment service declines. */
  static final Config.Setting<String> PAYMENT_FAILURE_RATE = Config.Setting.string("payment-failure-rate")
      .require(OrderSystemOptions::isRate, "must be a number from 0 to 1").defaultValue("0");
  /** How many of each product a new inventory starts with. */
  static final Config.Setting<Integer> INITIAL_STOCK = Config.Setting.integer("initial-stock")
      .require(n -> n >= 0, "must be >= 0").defaultValue(1_000_000);
  /** How long a place-order saga whose process died waits before another instance resumes it. */
  static final Config.Setting<Duration> SAGA_LEASE = Config.Setting.duration("saga-lease")
      .require(d -> d.compareTo(Duration.ofSeconds(3)) >= 0, "must be at least 3s")
      .defaultValue(PlaceOrderSaga.DEFAULT_LEASE);
  /** The address the order, inventory and payment services listen on. */
  static final Config.Setting<String> BIND = Config.Setting.string("bind")
      .require(a -> !a.isBlank(), "must be an address such as 127.0.0.1 or 0.0.0.0").defaultValue("127.0.0.1");
  /**
   * This process's name among its peers ({@link #instance()}); empty: the pod's name ({@value
   * #POD_NAME_VARIABLE}), else {@code <host>-<pid>}.
   */
  static final Config.Setting<String> INSTANCE = Config.Setting.string("instance")
      .require(n -> n.isEmpty() || n.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,120}"),
          "must be letters, digits, '.', '_' and '-' (a pod's name)").defaultValue("");
  /** The pod's name, as {@code KubernetesManifests} sets it from the Downward API. */
  static final String POD_NAME_VARIABLE = KubernetesManifests.POD_NAME_VARIABLE;
  /** The config file, {@code .properties} or {@code .yaml}; found before the other settings are read. */
  static final Config.Setting<String> CONFIG = Config.Setting.string("config").defaultValue("");
  /** The environment variable naming the config file. */
  static final String CONFIG_VARIABLE = ENV_PREFIX + "CONFIG";
  /** The production backends' tables, keys and topic are under this name. */
  static final Config.Setting<String> NAMESPACE = Config.Setting.string("namespace")
      .require(n -> n.matches("[a-z][a-z0-9_]*"), "must be lower-case letters, digits and _").defaultValue("layerkit");
  /** For {@code --role=gateway}: the order-service instances, {@code host:port,...}. */
  static final Config.Setting<String> SERVICES = Config.Setting.string("services").defaultValue("");
  /**
   * How {@code --services}, {@code --inventory} and {@code --payment} name the instances: {@code
   * static}, a fixed list of {@code host:port} (each one endpoint); {@code dns}, one {@code
   * host:port} whose host resolves to every instance's address (a Kubernetes headless Service),
   * re-resolved periodically, one endpoint per address.
   */
  static final Config.Setting<String> DISCOVERY = Config.Setting.string("discovery")
      .require(Set.of("static", "dns")::contains, "must be static or dns").defaultValue("static");
  /** With production backends, keep the order-service instances in this JVM. */
  static final Config.Setting<Boolean> SINGLE_PROCESS = Config.Setting.bool("single-process").defaultValue(false);
  /** An OTLP/HTTP traces endpoint; empty: each finished trace is logged as a tree instead. */
  static final Config.Setting<String> OTLP = Config.Setting.string("otlp").defaultValue("");
  /** A job to run once instead of the system: {@code revenue} ({@link RevenueJob}); empty: run the system. */
  static final Config.Setting<String> JOB = Config.Setting.string("job")
      .require(Set.of("", "revenue")::contains, "must be revenue").defaultValue("");
  /** For {@code --job=revenue}: a DuckDB file to write the report into instead of PostgreSQL. */
  static final Config.Setting<String> WAREHOUSE = Config.Setting.string("warehouse").defaultValue("");
  /**
   * For {@code --job=revenue}: the engine that runs it, {@code in-process} (the default) or {@code
   * flink} (Apache Flink: a local mini cluster, or the cluster the jar is submitted to with {@code
   * flink run}).
   */
  static final Config.Setting<String> ENGINE = Config.Setting.string("engine")
      .require(Set.of("in-process", "flink")::contains, "must be in-process or flink")
      .defaultValue("in-process");

  /** Validates. */
  public OrderSystemOptions {
    Objects.requireNonNull(backends, "backends");
    Objects.requireNonNull(apiKey, "apiKey");
    Objects.requireNonNull(shutdownDeadline, "shutdownDeadline");
    Objects.requireNonNull(bindAddress, "bindAddress");
    Objects.requireNonNull(sagaLease, "sagaLease");
    Objects.requireNonNull(instance, "instance");
    if (instance.isBlank()) {
      throw new IllegalArgumentException("instance must not be blank");
    }
    if (!(paymentFailureRate >= 0 && paymentFailureRate <= 1)) {
      throw new IllegalArgumentException("paymentFailureRate must be 0 to 1 but was " + paymentFailureRate);
    }
  }

  /**
   * Returns options for a process named by its host and process id ({@code <host>-<pid>}).
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
   * @param shutdownDeadline see the record
   * @param bindAddress see the record
   * @param paymentFailureRate see the record
   * @param initialStock see the record
   * @param sagaLease see the record
   */
  public OrderSystemOptions(String backends, int gatewayPort, int adminPort, int serviceInstances,
      String apiKey, int ratePerSecond, @Nullable String redisUrl, @Nullable String kafkaBootstrap,
      @Nullable String postgresUrl, @Nullable String mongoUrl, boolean chaos, Duration shutdownDeadline,
      String bindAddress, double paymentFailureRate, long initialStock, Duration sagaLease) {
    this(backends, gatewayPort, adminPort, serviceInstances, apiKey, ratePerSecond, redisUrl, kafkaBootstrap,
        postgresUrl, mongoUrl, chaos, shutdownDeadline, bindAddress, paymentFailureRate, initialStock, sagaLease,
        defaultInstance());
  }

  /**
   * Returns options with the defaults of the services: loopback, no declined payments, the
   * default stock and saga lease.
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
   * @param shutdownDeadline see the record
   */
  public OrderSystemOptions(String backends, int gatewayPort, int adminPort, int serviceInstances,
      String apiKey, int ratePerSecond, @Nullable String redisUrl, @Nullable String kafkaBootstrap,
      @Nullable String postgresUrl, @Nullable String mongoUrl, boolean chaos, Duration shutdownDeadline) {
    this(backends, gatewayPort, adminPort, serviceInstances, apiKey, ratePerSecond, redisUrl, kafkaBootstrap,
        postgresUrl, mongoUrl, chaos, shutdownDeadline, "127.0.0.1", 0, 1_000_000, PlaceOrderSaga.DEFAULT_LEASE);
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
        redisUrl, kafkaBootstrap, postgresUrl, mongoUrl, chaos, shutdownDeadline, bindAddress, paymentFailureRate,
        initialStock, sagaLease, instance);
  }

  /**
   * Returns a copy whose payment service declines another share of charges.
   *
   * @param rate 0 to 1
   * @return the copy
   * @throws IllegalArgumentException if the rate is outside 0 to 1
   */
  public OrderSystemOptions withPaymentFailureRate(double rate) {
    return new OrderSystemOptions(backends, gatewayPort, adminPort, serviceInstances, apiKey, ratePerSecond,
        redisUrl, kafkaBootstrap, postgresUrl, mongoUrl, chaos, shutdownDeadline, bindAddress, rate,
        initialStock, sagaLease, instance);
  }

  /**
   * Returns a copy whose inventory starts with another stock of each product.
   *
   * @param stock the stock, at least 0
   * @return the copy
   */
  public OrderSystemOptions withInitialStock(long stock) {
    return new OrderSystemOptions(backends, gatewayPort, adminPort, serviceInstances, apiKey, ratePerSecond,
        redisUrl, kafkaBootstrap, postgresUrl, mongoUrl, chaos, shutdownDeadline, bindAddress, paymentFailureRate,
        stock, sagaLease, instance);
  }

  /**
   * Returns a copy with another saga lease.
   *
   * @param lease at least 3 seconds
   * @return the copy
   */
  public OrderSystemOptions withSagaLease(Duration lease) {
    return new OrderSystemOptions(backends, gatewayPort, adminPort, serviceInstances, apiKey, ratePerSecond,
        redisUrl, kafkaBootstrap, postgresUrl, mongoUrl, chaos, shutdownDeadline, bindAddress, paymentFailureRate,
        initialStock, lease, instance);
  }

  /**
   * Returns the name of this process outside a pod: the host's name and the process id, {@code
   * <host>-<pid>}, which no other live process shares (processes of one host differ in pid, of two
   * hosts in host). A process started again gets a new name.
   *
   * @return the name
   */
  static String defaultInstance() {
    return DefaultInstance.NAME;
  }

  /** Looked up once, on first use: the host's name may take a resolver round trip. */
  private static final class DefaultInstance {
    static final String NAME = host() + "-" + ProcessHandle.current().pid();

    private static String host() {
      String host;
      try {
        host = java.net.InetAddress.getLocalHost().getHostName();
      } catch (java.io.IOException e) {
        host = "localhost";
      }
      String cleaned = host.replaceAll("[^A-Za-z0-9._-]", "-").replaceAll("^[^A-Za-z0-9]+", "");
      return cleaned.isEmpty() ? "localhost" : cleaned.substring(0, Math.min(cleaned.length(), 100));
    }
  }

  private static boolean isRate(String text) {
    try {
      double rate = Double.parseDouble(text);
      return rate >= 0 && rate <= 1;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  boolean production() {
    return backends.equals("production");
  }

  /**
   * Reads the options, defaults &lt; config file &lt; environment ({@code
   * LAYERKIT_ORDERS_ADMIN_PORT=9091}) &lt; command line ({@code --admin-port=9092}); system
   * properties are not read. The file is {@code --config=FILE} if given, else {@code
   * LAYERKIT_ORDERS_CONFIG}, else none. The admin port and the shutdown deadline are also read
   * from the SDK's own {@code LAYERKIT_ADMIN_PORT} and {@code LAYERKIT_LIFECYCLE_SHUTDOWN_DEADLINE}
   * (which the generated manifests set) when their {@code LAYERKIT_ORDERS_} variables are absent.
   *
   * @param environment the environment variables, usually {@code System.getenv()}
   * @param args the command line: {@code --backends=memory|production --port=8080
   *     --admin-port=9090 --instances=3 --api-key=K --rate=200 --redis=URL --kafka=HOSTS
   *     --postgres=URL --mongo=URL --chaos --shutdown-deadline=30s
   *     --role=all|service|gateway|inventory|payment|subscriber --namespace=N --services=HOST:PORT,...
   *     --inventory=HOST:PORT,... --payment=HOST:PORT,... --payment-failure-rate=0.1
   *     --initial-stock=N --saga-lease=30s --bind=ADDRESS --discovery=static|dns --instance=NAME
   *     --single-process --otlp=URL
   *     --job=revenue --warehouse=FILE.duckdb --engine=in-process|flink --config=FILE}
   * @return the bound settings
   * @throws ConfigException naming every invalid setting, its value and its source
   */
  public static Config config(Map<String, String> environment, String... args) {
    Config.Builder builder = Config.builder()
        .settings(BACKENDS, PORT, ADMIN_PORT, INSTANCES, API_KEY, RATE, REDIS, KAFKA, POSTGRES, MONGO, CHAOS,
            SHUTDOWN_DEADLINE, ROLE, NAMESPACE, SERVICES, SINGLE_PROCESS, OTLP, INVENTORY, PAYMENT,
            PAYMENT_FAILURE_RATE, INITIAL_STOCK, SAGA_LEASE, BIND, JOB, WAREHOUSE, ENGINE, DISCOVERY, INSTANCE,
            CONFIG)
        .envPrefix(ENV_PREFIX).environment(variable -> lookup(environment, variable))
        .systemProperties(new Properties())
        .commandLine(args);
    String file = configFile(environment, args);
    if (!file.isEmpty()) {
      try {
        builder.file(Path.of(file));
      } catch (IllegalArgumentException e) {
        throw ConfigException.of(List.of(new ConfigException.Problem(CONFIG.name(), file,
            "the command line or " + CONFIG_VARIABLE, e.getMessage())));
      }
    }
    return builder.build();
  }

  /**
   * Reads a variable; for the admin port and the shutdown deadline, absent their {@code
   * LAYERKIT_ORDERS_} variables, the SDK's own ({@code LAYERKIT_ADMIN_PORT}, {@code
   * LAYERKIT_LIFECYCLE_SHUTDOWN_DEADLINE}), which {@code KubernetesManifests} sets from the spec's
   * admin port and shutdown deadline, so the probes and the grace period always match what the
   * process does; for the instance, the pod's name ({@value #POD_NAME_VARIABLE}), which it sets
   * from the Downward API.
   */
  private static @Nullable String lookup(Map<String, String> environment, String variable) {
    String value = environment.get(variable);
    if (value == null && variable.equals(ENV_PREFIX + "ADMIN_PORT")) {
      value = environment.get(AdminServer.PORT_SETTING.environmentVariable());
    } else if (value == null && variable.equals(ENV_PREFIX + "SHUTDOWN_DEADLINE")) {
      value = environment.get(Lifecycle.SHUTDOWN_DEADLINE_SETTING.environmentVariable());
    } else if (value == null && variable.equals(ENV_PREFIX + "INSTANCE")) {
      value = environment.get(POD_NAME_VARIABLE);
    }
    return value;
  }

  /** The config file's name, from the command line, else the environment; the file itself cannot name one. */
  private static String configFile(Map<String, String> environment, String... args) {
    for (String arg : args) {
      if (arg.startsWith("--" + CONFIG.name() + "=")) {
        return arg.substring(CONFIG.name().length() + 3);
      }
    }
    String variable = environment.get(CONFIG_VARIABLE);
    return variable == null ? "" : variable;
  }

  /**
   * Returns the options a config holds, checked against the process's role.
   *
   * @param config from {@link #config(Map, String...)}
   * @return the options
   * @throws IllegalArgumentException naming every problem: production backends without their
   *     servers, an order-service or gateway role without the instances it calls, a role that
   *     runs alone with embedded backends
   */
  public static OrderSystemOptions from(Config config) {
    OrderSystemOptions options = new OrderSystemOptions(config.get(BACKENDS), config.get(PORT),
        config.get(ADMIN_PORT), config.get(INSTANCES), config.get(API_KEY), config.get(RATE),
        optional(config, REDIS), optional(config, KAFKA), optional(config, POSTGRES), optional(config, MONGO),
        config.get(CHAOS), config.get(SHUTDOWN_DEADLINE), config.get(BIND),
        Double.parseDouble(config.get(PAYMENT_FAILURE_RATE)), config.get(INITIAL_STOCK), config.get(SAGA_LEASE),
        config.get(INSTANCE).isEmpty() ? defaultInstance() : config.get(INSTANCE));
    String role = config.get(ROLE);
    List<String> problems = new ArrayList<>();
    boolean needsServers = options.production() && !role.equals("inventory") && !role.equals("payment")
        && !role.equals("subscriber");
    if (options.production() && role.equals("subscriber")) {
      // The order totals are a PostgreSQL projection of the Kafka topic: no Redis, no MongoDB.
      if (options.kafkaBootstrap() == null) {
        problems.add("--role=subscriber needs --kafka=host:port");
      }
      if (options.postgresUrl() == null) {
        problems.add("--role=subscriber needs --postgres=jdbc:postgresql://...");
      }
    }
    if (needsServers) {
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
    if (!role.equals("all") && !role.equals("gateway") && !options.production()) {
      problems.add("--role=" + role + " needs --backends=production: instances in separate processes share"
          + " state only through real servers");
    }
    if (role.equals("service")) {
      requireEndpoints(config, INVENTORY, problems);
      requireEndpoints(config, PAYMENT, problems);
    }
    if (role.equals("gateway")) {
      requireEndpoints(config, SERVICES, problems);
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", problems));
    }
    return options;
  }

  private static void requireEndpoints(Config config, Config.Setting<String> setting, List<String> problems) {
    String value = config.get(setting);
    if (value.isEmpty()) {
      problems.add("--role=" + config.get(ROLE) + " needs --" + setting.name() + "=host:port,...");
      return;
    }
    try {
      RemoteServices parsed = RemoteServices.parse(value, "--" + setting.name());
      if (config.get(DISCOVERY).equals("dns") && parsed.endpoints().size() != 1) {
        problems.add("--" + setting.name() + " with --discovery=dns must be one host:port (a name that resolves to"
            + " every instance) but was '" + value + "'");
      }
    } catch (IllegalArgumentException e) {
      problems.add(e.getMessage());
    }
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
