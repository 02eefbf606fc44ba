package dev.layerkit.examples.deploy;

import dev.layerkit.core.time.Durations;
import dev.layerkit.infra.alerts.PrometheusRules;
import dev.layerkit.infra.dashboards.GrafanaDashboard;
import dev.layerkit.infra.deploy.KubernetesManifests;
import dev.layerkit.infra.deploy.PrometheusAdapterRule;
import dev.layerkit.infra.deploy.ServiceSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Generates the generated files of {@code examples/deploy/}: {@value #GATEWAY_FILE}, {@value
 * #ORDER_SERVICE_FILE}, {@value #INVENTORY_SERVICE_FILE}, {@value #PAYMENT_SERVICE_FILE} and {@value
 * #SUBSCRIBER_FILE}
 * (Kubernetes manifests rendered by {@link KubernetesManifests} from the {@link ServiceSpec}s
 * below), {@value #PROMETHEUS_ADAPTER_FILE} (the Prometheus adapter's rule the order service's
 * autoscaler reads, from {@link PrometheusAdapterRule}), {@value #ALERTS_FILE} (one Prometheus
 * rules file with a group per alerting service, from {@link PrometheusRules}) and {@value
 * #DASHBOARD_FILE} (a Grafana dashboard of the order system, a row per layer, from {@link
 * GrafanaDashboard}). The hand-written {@code nginx.conf} and {@code Dockerfile} live beside them.
 *
 * <p>Change a spec here, never the YAML, then regenerate from the repository root:
 *
 * <pre>{@code
 * ./mvnw -B -q -pl examples compile exec:java \
 *     -Dexec.mainClass=dev.layerkit.examples.deploy.DeployFiles -Dexec.args=examples/deploy
 * }</pre>
 *
 * <p>Five Deployments run one image ({@link #IMAGE}): the gateway, the order service, the
 * inventory and payment services the order service calls (the place-order saga), and the
 * order-totals subscriber, which consumes the order events (scaled by KEDA on its group's lag). Each container
 * runs the image's entry point with no arguments (the {@code Dockerfile} has no {@code CMD}), so
 * its configuration is the ConfigMap's {@code LAYERKIT_ORDERS_*} variables and the admin port and
 * shutdown deadline {@link KubernetesManifests} sets, read with the order system's one precedence
 * (defaults &lt; config file &lt; environment &lt; command line, see {@code OrderSystemOptions}).
 *
 * <p>The order, inventory and payment services each have a headless Service ({@code
 * <name>-headless}) beside their ClusterIP one; their callers ({@code --discovery=dns}: the
 * gateway for the order service, the order service for the other two) resolve its name to every
 * ready pod, so their least-request and peak-EWMA balancing and outlier ejection see each pod
 * rather than one ClusterIP address. The order service's autoscaler scales on its request rate
 * per pod ({@link #ORDER_SERVICE_REQUESTS}, served by the Prometheus adapter) as well as on CPU.
 *
 * <p>Tests: {@code DeployFilesTest} fails when the committed files differ from what this class
 * renders; {@code DeployConfigTest} resolves every container's configuration from the generated
 * YAML and the Dockerfile and checks it is valid for its role; {@code DeploymentLaunchIT} builds
 * the image and runs every generated container spec on real servers; {@code DeployScalingTest}
 * checks the autoscaling and discovery wiring; {@code DeployDashboardPromtoolIT} has {@code
 * promtool} parse every query of the dashboard (and the adapter's), and {@code
 * DashboardMetricNamesTest} checks that every metric it reads is one the blocks export.
 */
public final class DeployFiles {

  /** The image every Deployment runs (see {@code examples/deploy/Dockerfile}). */
  public static final String IMAGE = "layerkit/order-system:0.1.0";
  /** The gateway's manifests. */
  public static final String GATEWAY_FILE = "gateway.yaml";
  /** The order service's manifests. */
  public static final String ORDER_SERVICE_FILE = "order-service.yaml";
  /** The inventory service's manifests. */
  public static final String INVENTORY_SERVICE_FILE = "inventory-service.yaml";
  /** The payment service's manifests. */
  public static final String PAYMENT_SERVICE_FILE = "payment-service.yaml";
  /** The order-totals subscriber's manifests (its KEDA {@code ScaledObject} in place of an autoscaler). */
  public static final String SUBSCRIBER_FILE = "order-totals-subscriber.yaml";

  /** Where the pods find Redis, in the cluster. */
  public static final String REDIS_URL = "redis://redis:6379";
  /** Where the pods find Kafka, in the cluster. */
  public static final String KAFKA_BOOTSTRAP = "kafka:9092";
  /**
   * Where the pods find PostgreSQL, in the cluster. The password is left to the database's
   * authentication (a Secret-backed {@code .pgpass} or trust inside the cluster); no secret is
   * written into a ConfigMap.
   */
  public static final String POSTGRES_URL = "jdbc:postgresql://postgres:5432/layerkit?user=layerkit";
  /** The Prometheus adapter's rules, for the order service's autoscaler. */
  public static final String PROMETHEUS_ADAPTER_FILE = "prometheus-adapter.yaml";
  /**
   * The order service's requests per second per pod, as the custom metrics API serves it: the
   * rate of the count of {@code layerkit.http.server.requests} (the order service's server timer,
   * {@code layerkit_http_server_requests_seconds_count} on {@code /metrics}) over 2 minutes.
   */
  public static final PrometheusAdapterRule ORDER_SERVICE_REQUESTS = PrometheusAdapterRule.perSecondRate(
      "layerkit_http_server_requests_seconds_count", "layerkit_http_server_requests_per_second",
      Duration.ofMinutes(2));
  /**
   * The requests per second per order-service pod the autoscaler aims for. From {@code OrderLoad}
   * in {@code benchmarks/README.md}: {@code POST /api/orders}, the costlier request, saturated
   * three order-service instances at 2,471 requests/s, 824 per instance; scaling out at 70% of
   * that (the same headroom as the 70% CPU target) gives 577, rounded down to 575. That run shared
   * 2 vCPUs among the three instances, the gateway and the load generator, so an instance had
   * less than the pod's 1-CPU limit: the target errs towards scaling out early.
   */
  public static final String ORDER_SERVICE_REQUESTS_PER_POD = "575";
  /**
   * The order events' topic as the pods name it: the production backends' {@code
   * <namespace>.orders} with the default namespace {@code layerkit}.
   */
  public static final String ORDER_TOPIC = "layerkit.orders";
  /**
   * The order-totals subscriber's consumer group, one for all its pods ({@code
   * <namespace>-order-totals}), whose lag KEDA scales the subscriber on.
   */
  public static final String SUBSCRIBER_GROUP = "layerkit-order-totals";
  /**
   * The order topic's partitions: at most this many pods of one group get events, so the
   * subscriber scales to at most this many.
   */
  public static final int ORDER_TOPIC_PARTITIONS = 4;
  /**
   * The events one subscriber pod applies per second, measured by {@code OrderTotalsThroughputIT}:
   * one subscriber working off a backlog of 10,000 {@code OrderPlaced} events into the PostgreSQL
   * projection (a transaction per event), in-JVM Kafka, three runs on the shared 2-core machine at
   * load 24-31: 194, 225 and 228 events/s, median 225. As with {@link
   * #ORDER_SERVICE_REQUESTS_PER_POD}, the loaded machine gave a pod less than its CPU limit, so the
   * threshold derived from it errs towards scaling out early. The lag threshold below comes from it.
   */
  public static final int SUBSCRIBER_EVENTS_PER_SECOND = 225;
  /** How many seconds' work one subscriber pod's lag may hold before KEDA adds a pod. */
  public static final int SUBSCRIBER_CATCH_UP_SECONDS = 10;
  /**
   * KEDA's target lag per subscriber pod: what one pod works off in {@value #SUBSCRIBER_CATCH_UP_SECONDS}
   * seconds at 70% of its measured rate ({@link #SUBSCRIBER_EVENTS_PER_SECOND}), the same headroom
   * as the CPU targets. KEDA asks for {@code ceil(total lag / threshold)} pods (at most {@value
   * #ORDER_TOPIC_PARTITIONS}), so a backlog is worked off within about that many seconds while
   * pods are to be had.
   */
  public static final long SUBSCRIBER_LAG_THRESHOLD =
      (long) (SUBSCRIBER_EVENTS_PER_SECOND * 0.7) * SUBSCRIBER_CATCH_UP_SECONDS;
  /** The subscriber's shutdown deadline, as {@link #GATEWAY_SHUTDOWN_DEADLINE}. */
  public static final Duration SUBSCRIBER_SHUTDOWN_DEADLINE = Duration.ofSeconds(15);
  /** The alert rules of the gateway, the order service and the order-totals subscriber. */
  public static final String ALERTS_FILE = "alerts.yaml";
  /** The Grafana dashboard of the order system, for "Import dashboard" or provisioning. */
  public static final String DASHBOARD_FILE = "dashboards/layerkit-overview.json";

  /**
   * The gateway's shutdown deadline: the pod's grace period is derived from it, and the process
   * reads it from {@code LAYERKIT_LIFECYCLE_SHUTDOWN_DEADLINE}, which the manifests set from it.
   */
  public static final Duration GATEWAY_SHUTDOWN_DEADLINE = Duration.ofSeconds(20);
  /** The order service's shutdown deadline, as {@link #GATEWAY_SHUTDOWN_DEADLINE}. */
  public static final Duration ORDER_SERVICE_SHUTDOWN_DEADLINE = Duration.ofSeconds(30);
  /** The inventory and payment services' shutdown deadline, as {@link #GATEWAY_SHUTDOWN_DEADLINE}. */
  public static final Duration SUPPORT_SERVICE_SHUTDOWN_DEADLINE = Duration.ofSeconds(15);

  private static final String GENERATED = "# Generated by dev.layerkit.examples.deploy.DeployFiles: do not edit;"
      + " change DeployFiles and regenerate\n# (see its javadoc). DeployFilesTest checks that this file"
      + " is up to date.\n";

  private DeployFiles() {}

  /**
   * Returns the gateway's spec: two replicas at least (it is the front door), the API on 8080,
   * the admin endpoints on 9090.
   *
   * @return the spec
   */
  public static ServiceSpec gateway() {
    return ServiceSpec.builder("order-gateway", IMAGE)
        .replicas(2)
        .cpu("500m", "2")
        .memory("256Mi", "512Mi")
        .env("JAVA_TOOL_OPTIONS", "-XX:MaxRAMPercentage=75")
        .config("orders.role", "gateway")
        .config("orders.services", "order-service-headless:8080")
        .config("orders.discovery", "dns")
        .config("orders.rate", "200")
        .config("orders.port", "8080")
        .config("orders.backends", "production")
        .config("orders.redis", REDIS_URL)
        .config("orders.kafka", KAFKA_BOOTSTRAP)
        .config("orders.postgres", POSTGRES_URL)
        .autoscaling(2, 6, 70)
        .maxUnavailable(1)
        .shutdown(Duration.ofSeconds(5), GATEWAY_SHUTDOWN_DEADLINE)
        .build();
  }

  /**
   * Returns the order service's spec: three replicas, as in the embedded system, calling the
   * inventory and payment services' pods through their headless Services, scaled on requests per
   * pod ({@link #ORDER_SERVICE_REQUESTS_PER_POD}) and CPU.
   *
   * @return the spec
   */
  public static ServiceSpec orderService() {
    return ServiceSpec.builder("order-service", IMAGE)
        .replicas(3)
        .cpu("250m", "1")
        .memory("384Mi", "768Mi")
        .env("JAVA_TOOL_OPTIONS", "-XX:MaxRAMPercentage=75")
        .config("orders.role", "service")
        .config("orders.port", "8080")
        .config("orders.bind", "0.0.0.0")
        .config("orders.inventory", "inventory-service-headless:8080")
        .config("orders.payment", "payment-service-headless:8080")
        .config("orders.discovery", "dns")
        .config("orders.backends", "production")
        .config("orders.redis", REDIS_URL)
        .config("orders.kafka", KAFKA_BOOTSTRAP)
        .config("orders.postgres", POSTGRES_URL)
        .autoscaling(3, 10, 70)
        .podMetricAutoscaling(ORDER_SERVICE_REQUESTS.metricName(), ORDER_SERVICE_REQUESTS_PER_POD)
        .headlessService()
        .maxUnavailable(1)
        .shutdown(Duration.ofSeconds(5), ORDER_SERVICE_SHUTDOWN_DEADLINE)
        .build();
  }

  /**
   * Returns the inventory service's spec: two replicas sharing the stock tables in PostgreSQL.
   *
   * @return the spec
   */
  public static ServiceSpec inventoryService() {
    return supportService("inventory-service", "inventory").build();
  }

  /**
   * Returns the payment service's spec: two replicas sharing the charges table in PostgreSQL.
   *
   * @return the spec
   */
  public static ServiceSpec paymentService() {
    return supportService("payment-service", "payment").build();
  }

  private static ServiceSpec.Builder supportService(String name, String role) {
    return ServiceSpec.builder(name, IMAGE)
        .replicas(2)
        .cpu("250m", "1")
        .memory("256Mi", "512Mi")
        .env("JAVA_TOOL_OPTIONS", "-XX:MaxRAMPercentage=75")
        .config("orders.role", role)
        .config("orders.port", "8080")
        .config("orders.bind", "0.0.0.0")
        .config("orders.backends", "production")
        .config("orders.postgres", POSTGRES_URL)
        .autoscaling(2, 6, 70)
        .headlessService()
        .maxUnavailable(1)
        .shutdown(Duration.ofSeconds(5), SUPPORT_SERVICE_SHUTDOWN_DEADLINE);
  }

  /**
   * Returns the order-totals subscriber's spec: a Deployment that only consumes the order events
   * in one consumer group ({@link #SUBSCRIBER_GROUP}) and keeps per-customer totals in PostgreSQL,
   * served read-only on 8080. KEDA scales it on the group's lag ({@link #SUBSCRIBER_LAG_THRESHOLD}
   * per pod) and CPU, from one pod to one per partition; no HorizontalPodAutoscaler of its own
   * beside the {@code ScaledObject} (KEDA makes and owns one), so two autoscalers never fight.
   *
   * @return the spec
   */
  public static ServiceSpec subscriber() {
    return ServiceSpec.builder("order-totals-subscriber", IMAGE)
        .replicas(1)
        .cpu("250m", "1")
        .memory("256Mi", "512Mi")
        .env("JAVA_TOOL_OPTIONS", "-XX:MaxRAMPercentage=75")
        .config("orders.role", "subscriber")
        .config("orders.port", "8080")
        .config("orders.bind", "0.0.0.0")
        .config("orders.backends", "production")
        .config("orders.kafka", KAFKA_BOOTSTRAP)
        .config("orders.postgres", POSTGRES_URL)
        .autoscaling(1, ORDER_TOPIC_PARTITIONS, 70)
        .kafkaLagAutoscaling(KAFKA_BOOTSTRAP, SUBSCRIBER_GROUP, ORDER_TOPIC, SUBSCRIBER_LAG_THRESHOLD)
        .maxUnavailable(1)
        .shutdown(Duration.ofSeconds(5), SUBSCRIBER_SHUTDOWN_DEADLINE)
        .build();
  }

  /**
   * Returns the gateway's alert rules: errors, latency, rate-limit denials, readiness.
   *
   * @return the rules
   */
  public static PrometheusRules gatewayAlerts() {
    return PrometheusRules.builder("order-gateway")
        .requestsMetric("layerkit_gateway_requests_seconds")
        .errorRatio(0.01)
        .p99Latency(Duration.ofMillis(250))
        .rateLimitDenialRatio(0.05)
        .readinessDown(Duration.ofMinutes(2))
        .build();
  }

  /**
   * Returns the order service's alert rules: errors, latency, cache hit ratio, consumer lag of
   * its Kafka subscriber, readiness.
   *
   * @return the rules
   */
  public static PrometheusRules orderServiceAlerts() {
    return PrometheusRules.builder("order-service")
        .errorRatio(0.01)
        .p99Latency(Duration.ofMillis(200))
        .cacheHitRatio(0.8)
        .consumerLag(10_000)
        .readinessDown(Duration.ofMinutes(2))
        .build();
  }

  /**
   * Returns the order-totals subscriber's alert rules: its group's lag above what the most pods
   * KEDA may start ({@value #ORDER_TOPIC_PARTITIONS}) work off in {@value
   * #SUBSCRIBER_CATCH_UP_SECONDS} seconds, for 10 minutes (scaling out has not caught up), and
   * readiness.
   *
   * @return the rules
   */
  public static PrometheusRules subscriberAlerts() {
    return PrometheusRules.builder("order-totals-subscriber")
        .consumerLag(ORDER_TOPIC_PARTITIONS * SUBSCRIBER_LAG_THRESHOLD)
        .readinessDown(Duration.ofMinutes(2))
        .build();
  }

  /**
   * Returns the dashboard of the order system: the gateway's requests ({@code
   * layerkit_gateway_requests_seconds}), rate limit and balancing; the order service's requests
   * ({@code layerkit_http_server_requests_seconds}), its {@code ServiceClient} calls to the
   * inventory and payment services, its idempotency keys and its place-order sagas; the order
   * cache; the sharded order store; the order events; readiness and health checks.
   *
   * @return the dashboard
   */
  public static GrafanaDashboard dashboard() {
    return GrafanaDashboard.builder("layerkit-overview", "Layerkit order system")
        .gateway().rateLimiter().loadBalancer()
        .httpServer().serviceClient().idempotency().saga()
        .cache()
        .store()
        .events()
        .health()
        .build();
  }

  /**
   * Renders every generated file.
   *
   * @return file name to content, in a fixed order
   */
  public static Map<String, String> render() {
    Map<String, String> files = new LinkedHashMap<>();
    files.put(GATEWAY_FILE, GENERATED + KubernetesManifests.toYaml(gateway()));
    files.put(ORDER_SERVICE_FILE, GENERATED + KubernetesManifests.toYaml(orderService()));
    files.put(INVENTORY_SERVICE_FILE, GENERATED + KubernetesManifests.toYaml(inventoryService()));
    files.put(PAYMENT_SERVICE_FILE, GENERATED + KubernetesManifests.toYaml(paymentService()));
    files.put(SUBSCRIBER_FILE, GENERATED + KubernetesManifests.toYaml(subscriber()));
    files.put(PROMETHEUS_ADAPTER_FILE, GENERATED + KubernetesManifests.toYaml(List.of(
        PrometheusAdapterRule.configMap("layerkit-prometheus-adapter", null, List.of(ORDER_SERVICE_REQUESTS)))));
    files.put(ALERTS_FILE, GENERATED + mergeGroups(mergeGroups(gatewayAlerts().toYaml(),
        orderServiceAlerts().toYaml()), subscriberAlerts().toYaml()));
    // JSON has no comments: the dashboard's description says where it comes from.
    files.put(DASHBOARD_FILE, dashboard().toJson());
    return files;
  }

  /** One rules file may hold several groups; Prometheus reads only the first YAML document. */
  private static String mergeGroups(String first, String second) {
    String head = "groups:\n";
    if (!first.startsWith(head) || !second.startsWith(head)) {
      throw new IllegalStateException("rules files are expected to start with 'groups:'");
    }
    return first + (first.endsWith("\n") ? "" : "\n") + second.substring(head.length());
  }

  /**
   * Writes the generated files into a directory.
   *
   * @param directory where, normally {@code examples/deploy}
   * @throws IOException if a file cannot be written
   */
  public static void write(Path directory) throws IOException {
    for (Map.Entry<String, String> file : render().entrySet()) {
      Path path = directory.resolve(file.getKey());
      Files.createDirectories(path.getParent());
      Files.writeString(path, file.getValue(), StandardCharsets.UTF_8);
    }
  }

  /**
   * Writes the generated files.
   *
   * @param args the directory, {@code examples/deploy} from the repository root
   * @throws IOException if a file cannot be written
   */
  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      System.err.println("usage: DeployFiles <directory, e.g. examples/deploy>");
      System.exit(2);
      return;
    }
    write(Path.of(args[0]));
  }
}
