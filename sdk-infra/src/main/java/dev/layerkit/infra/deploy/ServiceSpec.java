package dev.layerkit.infra.deploy;

import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.internal.BuilderSettings;
import dev.layerkit.infra.AdminServer;
import dev.layerkit.infra.Lifecycle;
import io.fabric8.kubernetes.api.model.Quantity;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * What to deploy: a service's image, ports, replicas, resources, configuration, autoscaling,
 * disruption budget and shutdown timing, from which {@link KubernetesManifests} renders the
 * manifests.
 *
 * <pre>{@code
 * ServiceSpec spec = ServiceSpec.builder("order-service", "ghcr.io/acme/order-service:1.4.2")
 *     .replicas(3)
 *     .cpu("250m", "1").memory("256Mi", "512Mi")
 *     .config("cache.ttl", "30s")
 *     .autoscaling(3, 10, 70)
 *     .shutdown(Duration.ofSeconds(5), Duration.ofSeconds(30))
 *     .build();
 * }</pre>
 *
 * <p>A spec file (YAML or JSON, read by {@link #read(Path)}) has the same fields:
 * <pre>
 * name: order-service
 * image: ghcr.io/acme/order-service:1.4.2
 * namespace: shop            # optional
 * replicas: 3
 * port: 8080
 * adminPort: 9090
 * resources: {cpuRequest: 250m, cpuLimit: "1", memoryRequest: 256Mi, memoryLimit: 512Mi}
 * env: {JAVA_TOOL_OPTIONS: "-XX:MaxRAMPercentage=75"}
 * config: {cache.ttl: 30s}
 * autoscaling: {minReplicas: 3, maxReplicas: 10, cpuTargetPercent: 70,
 *               podMetric: {name: layerkit_http_server_requests_per_second, averageValue: "40"}}
 *     # or, for KEDA instead of the autoscaler: kafkaLag: {bootstrapServers: "kafka:9092",
 *     #     consumerGroup: order-events, topic: orders, lagThreshold: 500}
 * headlessService: true       # optional, default false
 * disruptionBudget: {maxUnavailable: 1}
 * shutdown: {preStopSleep: 5s, deadline: 30s}
 * </pre>
 *
 * <p>Immutable and thread-safe. The shutdown deadline is the application's {@link Lifecycle}
 * deadline; the pod's termination grace period is derived from it (see
 * {@link #terminationGracePeriodSeconds()}).
 */
public final class ServiceSpec {

  /** The default number of replicas. */
  public static final int DEFAULT_REPLICAS = 3;
  /** The default application port. */
  public static final int DEFAULT_PORT = 8080;
  /** The default admin port, where probes and scrapes go. */
  public static final int DEFAULT_ADMIN_PORT = AdminServer.DEFAULT_PORT;
  /** The default CPU request. */
  public static final String DEFAULT_CPU_REQUEST = "250m";
  /** The default CPU limit. */
  public static final String DEFAULT_CPU_LIMIT = "1";
  /** The default memory request. */
  public static final String DEFAULT_MEMORY_REQUEST = "256Mi";
  /** The default memory limit. */
  public static final String DEFAULT_MEMORY_LIMIT = "512Mi";
  /** The default maximum replicas under autoscaling. */
  public static final int DEFAULT_MAX_REPLICAS = 10;
  /** The default CPU utilization the autoscaler aims for, in percent of the request. */
  public static final int DEFAULT_CPU_TARGET_PERCENT = 70;
  /** The default number of pods a voluntary disruption may take down at once. */
  public static final int DEFAULT_MAX_UNAVAILABLE = 1;
  /** The default time the pod's {@code preStop} hook sleeps before the container gets SIGTERM. */
  public static final Duration DEFAULT_PRE_STOP_SLEEP = Duration.ofSeconds(5);
  /** The default shutdown deadline of the application, as {@link Lifecycle}'s. */
  public static final Duration DEFAULT_SHUTDOWN_DEADLINE = Lifecycle.DEFAULT_SHUTDOWN_DEADLINE;
  /** Time added to pre-stop sleep and shutdown deadline for the termination grace period. */
  public static final Duration GRACE_MARGIN = Duration.ofSeconds(5);

  private static final Pattern NAME = Pattern.compile("[a-z]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Pattern CPU = Pattern.compile("[0-9]+(\\.[0-9]+)?m?");
  private static final Pattern METRIC = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Pattern MEMORY = Pattern.compile("[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|k|M|G|T)?");

  private final String name;
  private final @Nullable String namespace;
  private final String image;
  private final int replicas;
  private final int port;
  private final int adminPort;
  private final String cpuRequest;
  private final String cpuLimit;
  private final String memoryRequest;
  private final String memoryLimit;
  private final Map<String, String> env;
  private final Map<String, String> config;
  private final int minReplicas;
  private final int maxReplicas;
  private final int cpuTargetPercent;
  private final int maxUnavailable;
  private final Duration preStopSleep;
  private final Duration shutdownDeadline;
  private final boolean headlessService;
  private final @Nullable PodMetricTarget podMetricTarget;
  private final @Nullable KafkaLagTarget kafkaLagTarget;

  private ServiceSpec(Builder b) {
    this.name = b.name;
    this.namespace = b.namespace;
    this.image = b.image;
    this.replicas = b.replicas;
    this.port = b.port;
    this.adminPort = b.adminPort;
    this.cpuRequest = b.cpuRequest;
    this.cpuLimit = b.cpuLimit;
    this.memoryRequest = b.memoryRequest;
    this.memoryLimit = b.memoryLimit;
    this.env = Collections.unmodifiableMap(new LinkedHashMap<>(b.env));
    this.config = Collections.unmodifiableMap(new LinkedHashMap<>(b.config));
    this.minReplicas = b.minReplicas != null ? b.minReplicas : b.replicas;
    this.maxReplicas = b.maxReplicas != null ? b.maxReplicas : Math.max(DEFAULT_MAX_REPLICAS, this.minReplicas);
    this.cpuTargetPercent = b.cpuTargetPercent;
    this.maxUnavailable = b.maxUnavailable;
    this.preStopSleep = b.preStopSleep;
    this.shutdownDeadline = b.shutdownDeadline;
    this.headlessService = b.headlessService;
    this.podMetricTarget = b.podMetricTarget;
    this.kafkaLagTarget = b.kafkaLagTarget;
  }

  /**
   * Returns a builder with the defaults.
   *
   * @param name the service's name, a DNS label such as {@code order-service}
   * @param image the container image
   * @return a new builder
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code name} is not a DNS label or {@code image} is blank
   */
  public static Builder builder(String name, String image) {
    return new Builder(name, image);
  }

  /**
   * Reads a spec file, YAML or JSON (JSON is YAML too), with the fields shown in the class
   * documentation.
   *
   * @param file the file
   * @return the spec
   * @throws UncheckedIOException if the file cannot be read or parsed
   * @throws IllegalArgumentException if a field is unknown or invalid, naming it and its value
   * @throws NullPointerException if {@code file} is null
   */
  public static ServiceSpec read(Path file) {
    return ServiceSpecReader.read(file);
  }

  /**
   * Parses a spec from YAML or JSON text.
   *
   * @param text the text
   * @return the spec
   * @throws UncheckedIOException if the text is not YAML
   * @throws IllegalArgumentException if a field is missing, unknown or invalid
   * @throws NullPointerException if {@code text} is null
   */
  public static ServiceSpec parse(String text) {
    return ServiceSpecReader.parse(text);
  }

  /**
   * Returns the name, used for every resource and the pod labels.
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  /**
   * Returns the namespace, or null to leave it to {@code kubectl}.
   *
   * @return the namespace or null
   */
  public @Nullable String namespace() {
    return namespace;
  }

  /**
   * Returns the container image.
   *
   * @return the image
   */
  public String image() {
    return image;
  }

  /**
   * Returns the initial number of replicas.
   *
   * @return the replicas
   */
  public int replicas() {
    return replicas;
  }

  /**
   * Returns the application port.
   *
   * @return the port
   */
  public int port() {
    return port;
  }

  /**
   * Returns the {@link AdminServer} port.
   *
   * @return the admin port
   */
  public int adminPort() {
    return adminPort;
  }

  /**
   * Returns the CPU request, a Kubernetes quantity such as {@code 250m}.
   *
   * @return the request
   */
  public String cpuRequest() {
    return cpuRequest;
  }

  /**
   * Returns the CPU limit.
   *
   * @return the limit
   */
  public String cpuLimit() {
    return cpuLimit;
  }

  /**
   * Returns the memory request, a Kubernetes quantity such as {@code 256Mi}.
   *
   * @return the request
   */
  public String memoryRequest() {
    return memoryRequest;
  }

  /**
   * Returns the memory limit.
   *
   * @return the limit
   */
  public String memoryLimit() {
    return memoryLimit;
  }

  /**
   * Returns extra environment variables of the container.
   *
   * @return names to values, unmodifiable
   */
  public Map<String, String> env() {
    return env;
  }

  /**
   * Returns the {@code Config} settings put in the ConfigMap, by setting name.
   *
   * @return names such as {@code cache.ttl} to values, unmodifiable
   */
  public Map<String, String> config() {
    return config;
  }

  /**
   * Returns the autoscaler's minimum replicas.
   *
   * @return the minimum
   */
  public int minReplicas() {
    return minReplicas;
  }

  /**
   * Returns the autoscaler's maximum replicas.
   *
   * @return the maximum
   */
  public int maxReplicas() {
    return maxReplicas;
  }

  /**
   * Returns the CPU utilization the autoscaler aims for, in percent of the request.
   *
   * @return the target
   */
  public int cpuTargetPercent() {
    return cpuTargetPercent;
  }

  /**
   * Returns how many pods a voluntary disruption (a node drain) may take down at once.
   *
   * @return the disruption budget
   */
  public int maxUnavailable() {
    return maxUnavailable;
  }

  /**
   * Returns how long the {@code preStop} hook sleeps before the container gets SIGTERM, so that
   * endpoints are removed before the application starts draining.
   *
   * @return the sleep
   */
  public Duration preStopSleep() {
    return preStopSleep;
  }

  /**
   * Returns the application's shutdown deadline after SIGTERM, as its {@link Lifecycle}'s.
   *
   * @return the deadline
   */
  public Duration shutdownDeadline() {
    return shutdownDeadline;
  }

  /**
   * Returns the pod's termination grace period: pre-stop sleep plus shutdown deadline plus
   * {@link #GRACE_MARGIN}, rounded up to seconds, so Kubernetes never kills a pod that is still
   * draining within its deadline.
   *
   * @return the grace period in seconds
   */
  public long terminationGracePeriodSeconds() {
    Duration total = preStopSleep.plus(shutdownDeadline).plus(GRACE_MARGIN);
    return total.getSeconds() + (total.getNano() > 0 ? 1 : 0);
  }

  /**
   * Returns whether a headless Service ({@code clusterIP: None}) named
   * {@link KubernetesManifests#headlessServiceName(ServiceSpec)} is rendered beside the ClusterIP
   * one, so that clients resolving its name get every ready pod's address and balance over the
   * pods themselves.
   *
   * @return whether there is a headless Service
   */
  public boolean headlessService() {
    return headlessService;
  }

  /**
   * Returns the per-pod metric the autoscaler also scales on, or null to scale on CPU alone.
   *
   * @return the target or null
   */
  public @Nullable PodMetricTarget podMetricTarget() {
    return podMetricTarget;
  }

  /**
   * Returns the Kafka consumer lag KEDA scales the Deployment on, or null for a
   * HorizontalPodAutoscaler. When set, {@link KubernetesManifests} renders a KEDA {@code
   * ScaledObject} in place of the HorizontalPodAutoscaler: KEDA makes and owns an autoscaler of
   * its own, and two autoscalers on one Deployment would fight.
   *
   * @return the target or null
   */
  public @Nullable KafkaLagTarget kafkaLagTarget() {
    return kafkaLagTarget;
  }

  /**
   * A per-pod metric from the custom metrics API (for example served by the Prometheus adapter
   * from a rule {@link PrometheusAdapterRule} renders) and the average value per pod the
   * autoscaler aims for: an HPA metric of type {@code Pods} with an {@code AverageValue} target.
   *
   * @param metric the metric's name in the custom metrics API, such as {@code
   *     layerkit_http_server_requests_per_second}
   * @param averageValue the target per pod, a Kubernetes quantity such as {@code 40} or {@code 500m}
   */
  public record PodMetricTarget(String metric, String averageValue) {
    /**
     * Validates.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if the metric is not a Prometheus metric name or the value
     *     not a positive quantity
     */
    public PodMetricTarget {
      Objects.requireNonNull(metric, "metric");
      Objects.requireNonNull(averageValue, "averageValue");
      if (!METRIC.matcher(metric).matches()) {
        throw new IllegalArgumentException("metric must be a Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*) but was '"
            + metric + "'");
      }
      if (!CPU.matcher(averageValue).matches() || Quantity.getAmountInBytes(new Quantity(averageValue)).signum() <= 0) {
        throw new IllegalArgumentException("averageValue must be a positive quantity such as 40 or 500m but was '"
            + averageValue + "'");
      }
    }
  }

  /**
   * A Kafka consumer group's lag on a topic and the lag per replica KEDA's {@code kafka} scaler
   * aims for: KEDA sets the replicas to the total lag divided by {@code lagThreshold}, never more
   * than the topic's partitions (a consumer without a partition would idle).
   *
   * @param bootstrapServers the brokers KEDA asks, {@code host:port[,host:port]}
   * @param consumerGroup the consumer group whose lag counts
   * @param topic the topic
   * @param lagThreshold the lag per replica, at least 1
   */
  public record KafkaLagTarget(String bootstrapServers, String consumerGroup, String topic, long lagThreshold) {
    /**
     * Validates.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if a name is blank or the threshold is below 1
     */
    public KafkaLagTarget {
      Arguments.notBlank(bootstrapServers, "bootstrapServers");
      Arguments.notBlank(consumerGroup, "consumerGroup");
      Arguments.notBlank(topic, "topic");
      if (lagThreshold < 1) {
        throw new IllegalArgumentException("lagThreshold must be >= 1 but was " + lagThreshold);
      }
    }
  }

  @Override
  public String toString() {
    return "ServiceSpec{" + name + ", image=" + image + ", replicas=" + replicas + '}';
  }

  /** Configures a {@link ServiceSpec}. Not thread-safe; each setting may be given once. */
  public static final class Builder {
    private final BuilderSettings settings = new BuilderSettings();
    private final String name;
    private final String image;
    private @Nullable String namespace;
    private int replicas = DEFAULT_REPLICAS;
    private int port = DEFAULT_PORT;
    private int adminPort = DEFAULT_ADMIN_PORT;
    private String cpuRequest = DEFAULT_CPU_REQUEST;
    private String cpuLimit = DEFAULT_CPU_LIMIT;
    private String memoryRequest = DEFAULT_MEMORY_REQUEST;
    private String memoryLimit = DEFAULT_MEMORY_LIMIT;
    private final Map<String, String> env = new LinkedHashMap<>();
    private final Map<String, String> config = new LinkedHashMap<>();
    private @Nullable Integer minReplicas;
    private @Nullable Integer maxReplicas;
    private int cpuTargetPercent = DEFAULT_CPU_TARGET_PERCENT;
    private int maxUnavailable = DEFAULT_MAX_UNAVAILABLE;
    private Duration preStopSleep = DEFAULT_PRE_STOP_SLEEP;
    private Duration shutdownDeadline = DEFAULT_SHUTDOWN_DEADLINE;
    private boolean headlessService;
    private @Nullable PodMetricTarget podMetricTarget;
    private @Nullable KafkaLagTarget kafkaLagTarget;

    private Builder(String name, String image) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(image, "image");
      this.name = dnsLabel(name, "name");
      this.image = Arguments.notBlank(image, "image");
    }

    private static String dnsLabel(String value, String what) {
      if (!NAME.matcher(value).matches()) {
        throw new IllegalArgumentException(what + " must be a DNS label (lower-case letters, digits and '-', at most 63,"
            + " starting with a letter) but was '" + value + "'");
      }
      return value;
    }


    private static int port(int value, String what) {
      if (value < 1 || value > 65_535) {
        throw new IllegalArgumentException(what + " must be in [1, 65535] but was " + value);
      }
      return value;
    }

    /**
     * Sets the namespace; default none.
     *
     * @param namespace a DNS label
     * @return this builder
     * @throws NullPointerException if {@code namespace} is null
     * @throws IllegalArgumentException if it is not a DNS label
     * @throws IllegalStateException if already set
     */
    public Builder namespace(String namespace) {
      Objects.requireNonNull(namespace, "namespace");
      dnsLabel(namespace, "namespace");
      settings.requireUnset("namespace", this.namespace);
      this.namespace = namespace;
      return this;
    }

    /**
     * Sets the initial replicas; default {@value #DEFAULT_REPLICAS}.
     *
     * @param replicas at least 1
     * @return this builder
     * @throws IllegalArgumentException if less than 1
     * @throws IllegalStateException if already set
     */
    public Builder replicas(int replicas) {
      if (replicas < 1) {
        throw new IllegalArgumentException("replicas must be >= 1 but was " + replicas);
      }
      settings.requireUnset("replicas", this.replicas);
      this.replicas = replicas;
      return this;
    }

    /**
     * Sets the application port; default {@value #DEFAULT_PORT}.
     *
     * @param port 1 to 65535
     * @return this builder
     * @throws IllegalArgumentException if out of range
     * @throws IllegalStateException if already set
     */
    public Builder port(int port) {
      port(port, "port");
      settings.requireUnset("port", this.port);
      this.port = port;
      return this;
    }

    /**
     * Sets the admin port; default {@link #DEFAULT_ADMIN_PORT}.
     *
     * @param adminPort 1 to 65535, not the application port
     * @return this builder
     * @throws IllegalArgumentException if out of range
     * @throws IllegalStateException if already set
     */
    public Builder adminPort(int adminPort) {
      port(adminPort, "adminPort");
      settings.requireUnset("adminPort", this.adminPort);
      this.adminPort = adminPort;
      return this;
    }

    /**
     * Sets the CPU request and limit; defaults {@value #DEFAULT_CPU_REQUEST} and
     * {@value #DEFAULT_CPU_LIMIT}.
     *
     * @param request a quantity such as {@code 250m} or {@code 0.5}
     * @param limit a quantity at least the request
     * @return this builder
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if a quantity is malformed or the limit is below the request
     * @throws IllegalStateException if already set
     */
    public Builder cpu(String request, String limit) {
      requestAndLimit(request, limit, "cpu", CPU);
      settings.requireUnset("cpu", cpuRequest + "/" + cpuLimit);
      this.cpuRequest = request;
      this.cpuLimit = limit;
      return this;
    }

    /**
     * Sets the memory request and limit; defaults {@value #DEFAULT_MEMORY_REQUEST} and
     * {@value #DEFAULT_MEMORY_LIMIT}.
     *
     * @param request a quantity such as {@code 256Mi}
     * @param limit a quantity at least the request
     * @return this builder
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if a quantity is malformed or the limit is below the request
     * @throws IllegalStateException if already set
     */
    public Builder memory(String request, String limit) {
      requestAndLimit(request, limit, "memory", MEMORY);
      settings.requireUnset("memory", memoryRequest + "/" + memoryLimit);
      this.memoryRequest = request;
      this.memoryLimit = limit;
      return this;
    }

    /** Checks a request and a limit: both quantities, the limit at least the request. */
    private static void requestAndLimit(String request, String limit, String what, Pattern pattern) {
      quantity(request, what + " request", pattern);
      quantity(limit, what + " limit", pattern);
      atMost(request, limit, what);
    }

    private static void quantity(String value, String what, Pattern pattern) {
      Objects.requireNonNull(value, what);
      if (!pattern.matcher(value).matches()) {
        throw new IllegalArgumentException(what + " must be a Kubernetes quantity such as "
            + (pattern == CPU ? "250m or 1" : "256Mi or 1Gi") + " but was '" + value + "'");
      }
    }

    private static void atMost(String request, String limit, String what) {
      BigDecimal r = Quantity.getAmountInBytes(new Quantity(request));
      BigDecimal l = Quantity.getAmountInBytes(new Quantity(limit));
      if (r.compareTo(l) > 0) {
        throw new IllegalArgumentException(what + " limit must be >= the request but was " + limit + " < " + request);
      }
    }

    /**
     * Adds an environment variable to the container.
     *
     * @param name a variable name
     * @param value its value
     * @return this builder
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if the name is not a valid variable name
     * @throws IllegalStateException if the variable was already added
     */
    public Builder env(String name, String value) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(value, "value");
      if (!ENV_NAME.matcher(name).matches()) {
        throw new IllegalArgumentException("env name must be letters, digits and '_' but was '" + name + "'");
      }
      if (env.putIfAbsent(name, value) != null) {
        throw new IllegalStateException("env " + name + " was already set");
      }
      return this;
    }

    /**
     * Adds a {@code Config} setting to the ConfigMap, which the container reads as the
     * environment variable {@code LAYERKIT_<NAME>}.
     *
     * @param setting a setting name such as {@code cache.ttl}
     * @param value its value, such as {@code 30s}
     * @return this builder
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if the name is not lower-case dotted words
     * @throws IllegalStateException if the setting was already added
     */
    public Builder config(String setting, String value) {
      Objects.requireNonNull(setting, "setting");
      Objects.requireNonNull(value, "value");
      if (!setting.matches("[a-z][a-z0-9]*([.-][a-z0-9]+)*")) {
        throw new IllegalArgumentException("config setting must be lower-case words separated by '.' or '-' but was '"
            + setting + "'");
      }
      if (config.putIfAbsent(setting, value) != null) {
        throw new IllegalStateException("config " + setting + " was already set");
      }
      return this;
    }

    /**
     * Sets the autoscaler's bounds and CPU target; defaults: minimum the replicas, maximum
     * {@value #DEFAULT_MAX_REPLICAS} (or the minimum if larger), target
     * {@value #DEFAULT_CPU_TARGET_PERCENT}%.
     *
     * @param minReplicas at least 1
     * @param maxReplicas at least {@code minReplicas}
     * @param cpuTargetPercent 1 to 100
     * @return this builder
     * @throws IllegalArgumentException if a value is out of range
     * @throws IllegalStateException if already set
     */
    public Builder autoscaling(int minReplicas, int maxReplicas, int cpuTargetPercent) {
      if (minReplicas < 1) {
        throw new IllegalArgumentException("minReplicas must be >= 1 but was " + minReplicas);
      }
      if (maxReplicas < minReplicas) {
        throw new IllegalArgumentException("maxReplicas must be >= minReplicas (" + minReplicas + ") but was " + maxReplicas);
      }
      if (cpuTargetPercent < 1 || cpuTargetPercent > 100) {
        throw new IllegalArgumentException("cpuTargetPercent must be in [1, 100] but was " + cpuTargetPercent);
      }
      settings.requireUnset("autoscaling", minReplicas + ".." + maxReplicas + " at " + cpuTargetPercent + "%");
      this.minReplicas = minReplicas;
      this.maxReplicas = maxReplicas;
      this.cpuTargetPercent = cpuTargetPercent;
      return this;
    }

    /**
     * Sets how many pods a voluntary disruption may take down at once; default
     * {@value #DEFAULT_MAX_UNAVAILABLE}.
     *
     * @param maxUnavailable at least 1
     * @return this builder
     * @throws IllegalArgumentException if less than 1
     * @throws IllegalStateException if already set
     */
    public Builder maxUnavailable(int maxUnavailable) {
      if (maxUnavailable < 1) {
        throw new IllegalArgumentException("maxUnavailable must be >= 1 but was " + maxUnavailable);
      }
      settings.requireUnset("maxUnavailable", this.maxUnavailable);
      this.maxUnavailable = maxUnavailable;
      return this;
    }

    /**
     * Sets the pre-stop sleep and the application's shutdown deadline; defaults
     * {@link #DEFAULT_PRE_STOP_SLEEP} and {@link #DEFAULT_SHUTDOWN_DEADLINE}.
     *
     * @param preStopSleep zero or positive, whole seconds
     * @param shutdownDeadline positive
     * @return this builder
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if out of range
     * @throws IllegalStateException if already set
     */
    public Builder shutdown(Duration preStopSleep, Duration shutdownDeadline) {
      Objects.requireNonNull(preStopSleep, "preStopSleep");
      Objects.requireNonNull(shutdownDeadline, "shutdownDeadline");
      if (preStopSleep.isNegative() || preStopSleep.getNano() != 0) {
        throw new IllegalArgumentException("preStopSleep must be whole seconds >= 0 but was " + preStopSleep);
      }
      Arguments.positive(shutdownDeadline, "shutdownDeadline");
      settings.requireUnset("shutdown", preStopSleep + "/" + shutdownDeadline);
      this.preStopSleep = preStopSleep;
      this.shutdownDeadline = shutdownDeadline;
      return this;
    }

    /**
     * Adds a headless Service ({@code clusterIP: None}) beside the ClusterIP one: its DNS name
     * resolves to every ready pod's address, so that a client-side balancer (a {@code
     * DnsEndpointSource}) sees each pod, where the ClusterIP Service hides them behind one
     * address. Off by default.
     *
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder headlessService() {
      settings.requireUnset("headlessService", this.headlessService);
      this.headlessService = true;
      return this;
    }

    /**
     * Makes the HorizontalPodAutoscaler scale on a per-pod metric as well as on CPU (the
     * autoscaler takes the larger replica count of the two), such as the request rate the
     * Prometheus adapter serves from the pods' {@code /metrics}.
     *
     * @param metric the metric's name in the custom metrics API
     * @param averageValue the target per pod, a Kubernetes quantity such as {@code 40}
     * @return this builder
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if the name or the quantity is malformed
     * @throws IllegalStateException if already set
     */
    public Builder podMetricAutoscaling(String metric, String averageValue) {
      PodMetricTarget target = new PodMetricTarget(metric, averageValue);
      settings.requireUnset("podMetricAutoscaling", this.podMetricTarget);
      this.podMetricTarget = target;
      return this;
    }

    /**
     * Scales the Deployment with KEDA on a Kafka consumer group's lag (and on CPU, as the
     * autoscaler would): {@link KubernetesManifests} renders a {@code ScaledObject} ({@code
     * keda.sh/v1alpha1}) in place of the HorizontalPodAutoscaler, within the autoscaling bounds.
     *
     * @param bootstrapServers the brokers KEDA asks
     * @param consumerGroup the consumer group
     * @param topic the topic
     * @param lagThreshold the lag per replica
     * @return this builder
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if a name is blank or the threshold is below 1
     * @throws IllegalStateException if already set
     */
    public Builder kafkaLagAutoscaling(String bootstrapServers, String consumerGroup, String topic, long lagThreshold) {
      KafkaLagTarget target = new KafkaLagTarget(bootstrapServers, consumerGroup, topic, lagThreshold);
      settings.requireUnset("kafkaLagAutoscaling", this.kafkaLagTarget);
      this.kafkaLagTarget = target;
      return this;
    }

    /**
     * Builds the spec.
     *
     * @return the spec
     * @throws IllegalStateException if settings conflict: the two ports are equal, the
     *     replicas are outside the autoscaler's bounds, or both a pod metric and a Kafka lag
     *     target are set (KEDA's autoscaler and the HorizontalPodAutoscaler would fight)
     */
    public ServiceSpec build() {
      if (podMetricTarget != null && kafkaLagTarget != null) {
        throw new IllegalStateException("podMetricAutoscaling (" + podMetricTarget.metric()
            + ") and kafkaLagAutoscaling (" + kafkaLagTarget.topic() + ") cannot both be set: KEDA's ScaledObject"
            + " makes its own autoscaler, which would fight the HorizontalPodAutoscaler");
      }
      if (port == adminPort) {
        throw new IllegalStateException("port and adminPort must differ but both were " + port);
      }
      int min = minReplicas != null ? minReplicas : replicas;
      int max = maxReplicas != null ? maxReplicas : Math.max(DEFAULT_MAX_REPLICAS, min);
      if (replicas < min || replicas > max) {
        throw new IllegalStateException("replicas (" + replicas + ") must be within autoscaling [" + min + ", " + max + "]");
      }
      return new ServiceSpec(this);
    }
  }
}
