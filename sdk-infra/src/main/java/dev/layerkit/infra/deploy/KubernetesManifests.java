package dev.layerkit.infra.deploy;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.layerkit.core.time.Durations;
import dev.layerkit.infra.AdminServer;
import dev.layerkit.infra.Lifecycle;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpecBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import tools.jackson.dataformat.yaml.YAMLMapper;
import tools.jackson.dataformat.yaml.YAMLWriteFeature;

/**
 * Renders a {@link ServiceSpec} as Kubernetes manifests with fabric8's kubernetes-model: a
 * Deployment, a Service (and, if the spec asks, a headless Service for client-side balancing), a
 * HorizontalPodAutoscaler ({@code autoscaling/v2}; a KEDA {@code ScaledObject} instead when the
 * spec scales on Kafka consumer lag), a PodDisruptionBudget ({@code policy/v1}) and a ConfigMap.
 *
 * <pre>{@code
 * String yaml = KubernetesManifests.toYaml(ServiceSpec.read(Path.of("order-service.yaml")));
 * }</pre>
 * or from a shell: {@code java -cp ... dev.layerkit.infra.deploy.KubernetesManifests spec.yaml | kubectl apply -f -}.
 *
 * <h2>What the Deployment wires up</h2>
 *
 * <ul>
 *   <li>Rolling update with {@code maxSurge: 1, maxUnavailable: 0}: capacity never drops during a
 *       rollout.
 *   <li>Startup, liveness and readiness probes on the {@link AdminServer} paths
 *       ({@value AdminServer#STARTUP_PATH}, {@value AdminServer#LIVENESS_PATH},
 *       {@value AdminServer#READINESS_PATH}) through the container port named {@value #ADMIN_PORT_NAME}.
 *   <li>A {@code preStop} sleep (the Kubernetes {@code sleep} action, 1.30+, so the image needs no
 *       shell) so endpoints drop the pod before it gets SIGTERM, and a
 *       {@code terminationGracePeriodSeconds} longer than that sleep plus the application's
 *       shutdown deadline ({@link ServiceSpec#terminationGracePeriodSeconds()}).
 *   <li>Resource requests and limits; {@code envFrom} the ConfigMap, whose keys are the
 *       {@code LAYERKIT_*} variables {@code Config} reads; the shutdown deadline and admin port as
 *       {@code LAYERKIT_LIFECYCLE_SHUTDOWN_DEADLINE} and {@code LAYERKIT_ADMIN_PORT}; the pod's name
 *       as {@value #POD_NAME_VARIABLE} (the Downward API), for what must differ per pod; a pod
 *       annotation with the ConfigMap's hash, so a config change rolls the pods; Prometheus scrape
 *       annotations.
 * </ul>
 *
 * <p>Stateless and thread-safe.
 */
public final class KubernetesManifests {

  /** The pod label every resource selects on. */
  public static final String NAME_LABEL = "app.kubernetes.io/name";
  /** The name of the container port the application listens on. */
  public static final String HTTP_PORT_NAME = "http";
  /** The name of the container port the {@link AdminServer} listens on. */
  public static final String ADMIN_PORT_NAME = "admin";
  /** The pod annotation holding the SHA-256 of the ConfigMap's data. */
  public static final String CONFIG_HASH_ANNOTATION = "layerkit.dev/config-hash";
  /** What a headless Service's name adds to the spec's name. */
  public static final String HEADLESS_SUFFIX = "-headless";
  /**
   * The environment variable holding the pod's name ({@code metadata.name}, through the Downward
   * API), which every container gets: what must be unique per pod (a consumer group per process,
   * an instance id in logs) can use it. Unlike {@code HOSTNAME}, it is the pod's name whatever the
   * pod's {@code hostname} field says.
   */
  public static final String POD_NAME_VARIABLE = "LAYERKIT_POD_NAME";
  /** The API version of KEDA's {@code ScaledObject}. */
  public static final String KEDA_API_VERSION = "keda.sh/v1alpha1";

  private static final String ENV_PREFIX = "LAYERKIT_";
  private static final YAMLMapper YAML = YAMLMapper.builder()
      .disable(YAMLWriteFeature.WRITE_DOC_START_MARKER)
      .enable(YAMLWriteFeature.MINIMIZE_QUOTES)
      // Kubernetes wants strings for annotations and env values: "9090" must stay quoted.
      .enable(YAMLWriteFeature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
      .changeDefaultPropertyInclusion(incl -> incl.withValueInclusion(JsonInclude.Include.NON_EMPTY))
      .build();

  private KubernetesManifests() {}

  /**
   * Returns every resource, in the order {@code kubectl apply} should see them: ConfigMap,
   * Deployment, Service, the headless Service if the spec has one, the HorizontalPodAutoscaler (or
   * the KEDA {@code ScaledObject} if the spec scales on Kafka lag), PodDisruptionBudget.
   *
   * @param spec the spec
   * @return the resources
   * @throws NullPointerException if {@code spec} is null
   */
  public static List<HasMetadata> resources(ServiceSpec spec) {
    Objects.requireNonNull(spec, "spec");
    List<HasMetadata> resources = new ArrayList<>();
    resources.add(configMap(spec));
    resources.add(deployment(spec));
    resources.add(service(spec));
    if (spec.headlessService()) {
      resources.add(headlessService(spec));
    }
    resources.add(spec.kafkaLagTarget() != null ? scaledObject(spec) : horizontalPodAutoscaler(spec));
    resources.add(podDisruptionBudget(spec));
    return List.copyOf(resources);
  }

  /**
   * Renders every resource as one multi-document YAML stream.
   *
   * @param spec the spec
   * @return YAML documents separated by {@code ---}
   * @throws NullPointerException if {@code spec} is null
   */
  public static String toYaml(ServiceSpec spec) {
    return toYaml(resources(spec));
  }

  /**
   * Renders resources as one multi-document YAML stream, as {@link #toYaml(ServiceSpec)} does,
   * for resources made elsewhere (such as {@link PrometheusAdapterRule#configMap}).
   *
   * @param resources the resources
   * @return YAML documents separated by {@code ---}
   * @throws NullPointerException if {@code resources} or an element is null
   */
  public static String toYaml(List<? extends HasMetadata> resources) {
    Objects.requireNonNull(resources, "resources");
    StringBuilder out = new StringBuilder();
    for (HasMetadata resource : resources) {
      out.append("---\n").append(YAML.writeValueAsString(Objects.requireNonNull(resource, "resources element")));
    }
    return out.toString();
  }

  private static Map<String, String> labels(ServiceSpec spec) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(NAME_LABEL, spec.name());
    labels.put("app.kubernetes.io/managed-by", "layerkit");
    return labels;
  }

  private static Map<String, String> selector(ServiceSpec spec) {
    return Map.of(NAME_LABEL, spec.name());
  }

  private static ObjectMeta metadata(ServiceSpec spec, String name) {
    ObjectMetaBuilder meta = new ObjectMetaBuilder().withName(name).withLabels(labels(spec));
    if (spec.namespace() != null) {
      meta.withNamespace(spec.namespace());
    }
    return meta.build();
  }

  /**
   * Returns the name of the ConfigMap, {@code <name>-config}.
   *
   * @param spec the spec
   * @return the ConfigMap's name
   */
  public static String configMapName(ServiceSpec spec) {
    return spec.name() + "-config";
  }

  /**
   * Returns the ConfigMap: each {@code Config} setting of the spec under its environment variable
   * name ({@code cache.ttl} as {@code LAYERKIT_CACHE_TTL}).
   *
   * @param spec the spec
   * @return the ConfigMap
   */
  public static ConfigMap configMap(ServiceSpec spec) {
    return new ConfigMapBuilder().withMetadata(metadata(spec, configMapName(spec))).withData(configData(spec)).build();
  }

  private static Map<String, String> configData(ServiceSpec spec) {
    Map<String, String> data = new TreeMap<>();
    spec.config().forEach((setting, value) -> data.put(envName(setting), value));
    return data;
  }

  private static String envName(String setting) {
    return ENV_PREFIX + setting.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  /**
   * Returns the Deployment.
   *
   * @param spec the spec
   * @return the Deployment
   */
  public static Deployment deployment(ServiceSpec spec) {
    Map<String, String> annotations = new LinkedHashMap<>();
    annotations.put(CONFIG_HASH_ANNOTATION, sha256(configData(spec).toString()));
    annotations.put("prometheus.io/scrape", "true");
    annotations.put("prometheus.io/port", Integer.toString(spec.adminPort()));
    annotations.put("prometheus.io/path", AdminServer.METRICS_PATH);
    return new DeploymentBuilder()
        .withMetadata(metadata(spec, spec.name()))
        .withNewSpec()
          .withReplicas(spec.replicas())
          .withNewSelector().withMatchLabels(selector(spec)).endSelector()
          .withNewStrategy()
            .withType("RollingUpdate")
            .withNewRollingUpdate().withMaxSurge(new IntOrString(1)).withMaxUnavailable(new IntOrString(0)).endRollingUpdate()
          .endStrategy()
          .withNewTemplate()
            .withNewMetadata().withLabels(labels(spec)).withAnnotations(annotations).endMetadata()
            .withNewSpec()
              .withTerminationGracePeriodSeconds(spec.terminationGracePeriodSeconds())
              .withContainers(container(spec))
            .endSpec()
          .endTemplate()
        .endSpec()
        .build();
  }

  private static Container container(ServiceSpec spec) {
    List<EnvVar> env = new ArrayList<>();
    env.add(new EnvVar(AdminServer.PORT_SETTING.environmentVariable(), Integer.toString(spec.adminPort()), null));
    env.add(new EnvVar(Lifecycle.SHUTDOWN_DEADLINE_SETTING.environmentVariable(),
        Durations.format(spec.shutdownDeadline()), null));
    env.add(new EnvVarBuilder().withName(POD_NAME_VARIABLE)
        .withNewValueFrom().withNewFieldRef().withFieldPath("metadata.name").endFieldRef().endValueFrom().build());
    spec.env().forEach((name, value) -> env.add(new EnvVar(name, value, null)));
    return new ContainerBuilder()
        .withName(spec.name())
        .withImage(spec.image())
        .addNewPort().withName(HTTP_PORT_NAME).withContainerPort(spec.port()).withProtocol("TCP").endPort()
        .addNewPort().withName(ADMIN_PORT_NAME).withContainerPort(spec.adminPort()).withProtocol("TCP").endPort()
        .withEnv(env)
        .addNewEnvFrom().withNewConfigMapRef().withName(configMapName(spec)).endConfigMapRef().endEnvFrom()
        .withNewResources()
          .addToRequests("cpu", new Quantity(spec.cpuRequest()))
          .addToRequests("memory", new Quantity(spec.memoryRequest()))
          .addToLimits("cpu", new Quantity(spec.cpuLimit()))
          .addToLimits("memory", new Quantity(spec.memoryLimit()))
        .endResources()
        // Startup allows a slow start (up to 2 minutes) without liveness killing the pod meanwhile.
        .withStartupProbe(probe(AdminServer.STARTUP_PATH, 2, 60))
        .withLivenessProbe(probe(AdminServer.LIVENESS_PATH, 10, 3))
        .withReadinessProbe(probe(AdminServer.READINESS_PATH, 5, 2))
        .withNewLifecycle()
          .withNewPreStop().withNewSleep().withSeconds(spec.preStopSleep().getSeconds()).endSleep().endPreStop()
        .endLifecycle()
        .build();
  }

  private static Probe probe(String path, int periodSeconds, int failureThreshold) {
    return new ProbeBuilder()
        .withNewHttpGet().withPath(path).withPort(new IntOrString(ADMIN_PORT_NAME)).endHttpGet()
        .withPeriodSeconds(periodSeconds)
        .withTimeoutSeconds(2)
        .withFailureThreshold(failureThreshold)
        .build();
  }

  /**
   * Returns the ClusterIP Service for the application port.
   *
   * @param spec the spec
   * @return the Service
   */
  public static Service service(ServiceSpec spec) {
    return new ServiceBuilder()
        .withMetadata(metadata(spec, spec.name()))
        .withNewSpec()
          .withType("ClusterIP")
          .withSelector(selector(spec))
          .addNewPort().withName(HTTP_PORT_NAME).withPort(spec.port()).withTargetPort(new IntOrString(HTTP_PORT_NAME))
            .withProtocol("TCP").endPort()
        .endSpec()
        .build();
  }

  /**
   * Returns the name of the headless Service, {@code <name>-headless}.
   *
   * @param spec the spec
   * @return the headless Service's name
   */
  public static String headlessServiceName(ServiceSpec spec) {
    return spec.name() + HEADLESS_SUFFIX;
  }

  /**
   * Returns the headless Service ({@code clusterIP: None}) for the application port: cluster DNS
   * answers its name with the address of every ready pod (not-ready pods are left out, so a pod
   * that fails its readiness probe or drains leaves the answer), for clients that balance over the
   * pods themselves.
   *
   * @param spec the spec
   * @return the Service
   */
  public static Service headlessService(ServiceSpec spec) {
    return new ServiceBuilder()
        .withMetadata(metadata(spec, headlessServiceName(spec)))
        .withNewSpec()
          .withClusterIP("None")
          .withPublishNotReadyAddresses(false)
          .withSelector(selector(spec))
          .addNewPort().withName(HTTP_PORT_NAME).withPort(spec.port()).withTargetPort(new IntOrString(HTTP_PORT_NAME))
            .withProtocol("TCP").endPort()
        .endSpec()
        .build();
  }

  /**
   * Returns the HorizontalPodAutoscaler ({@code autoscaling/v2}) on CPU utilization and, if the
   * spec has one, on its per-pod metric (a {@code Pods} metric with an {@code AverageValue}
   * target); with several metrics the autoscaler takes the largest replica count any asks for.
   *
   * @param spec the spec
   * @return the autoscaler
   */
  public static HorizontalPodAutoscaler horizontalPodAutoscaler(ServiceSpec spec) {
    List<MetricSpec> metrics = new ArrayList<>();
    ServiceSpec.PodMetricTarget pods = spec.podMetricTarget();
    if (pods != null) {
      metrics.add(new MetricSpecBuilder()
          .withType("Pods")
          .withNewPods()
            .withNewMetric().withName(pods.metric()).endMetric()
            .withNewTarget().withType("AverageValue").withAverageValue(new Quantity(pods.averageValue())).endTarget()
          .endPods()
          .build());
    }
    metrics.add(new MetricSpecBuilder()
        .withType("Resource")
        .withNewResource().withName("cpu")
          .withNewTarget().withType("Utilization").withAverageUtilization(spec.cpuTargetPercent()).endTarget()
        .endResource()
        .build());
    return new HorizontalPodAutoscalerBuilder()
        .withMetadata(metadata(spec, spec.name()))
        .withNewSpec()
          .withNewScaleTargetRef().withApiVersion("apps/v1").withKind("Deployment").withName(spec.name()).endScaleTargetRef()
          .withMinReplicas(spec.minReplicas())
          .withMaxReplicas(spec.maxReplicas())
          .withMetrics(metrics)
        .endSpec()
        .build();
  }

  /**
   * Returns KEDA's {@code ScaledObject} ({@value #KEDA_API_VERSION}) for a spec that scales on
   * Kafka consumer lag: a {@code kafka} trigger on the consumer group and topic with the spec's
   * lag threshold, and a {@code cpu} trigger at the spec's CPU target, within the spec's
   * autoscaling bounds. KEDA makes and owns the HorizontalPodAutoscaler itself.
   *
   * @param spec the spec
   * @return the ScaledObject, as a generic resource (KEDA's types are not in fabric8's model)
   * @throws IllegalArgumentException if the spec has no Kafka lag target
   */
  public static GenericKubernetesResource scaledObject(ServiceSpec spec) {
    ServiceSpec.KafkaLagTarget lag = spec.kafkaLagTarget();
    if (lag == null) {
      throw new IllegalArgumentException("spec " + spec.name() + " has no kafkaLagAutoscaling target");
    }
    Map<String, Object> kafkaMetadata = new LinkedHashMap<>();
    kafkaMetadata.put("bootstrapServers", lag.bootstrapServers());
    kafkaMetadata.put("consumerGroup", lag.consumerGroup());
    kafkaMetadata.put("topic", lag.topic());
    kafkaMetadata.put("lagThreshold", Long.toString(lag.lagThreshold()));
    // As Layerkit's subscribers do (KafkaEventSubscriber: auto.offset.reset=earliest), a new group
    // without committed offsets counts from the earliest offset: the history it is about to read
    // is real lag, and KEDA scales for it from the first minute rather than after the first commit.
    kafkaMetadata.put("offsetResetPolicy", "earliest");
    Map<String, Object> kafka = new LinkedHashMap<>();
    kafka.put("type", "kafka");
    kafka.put("metadata", kafkaMetadata);
    Map<String, Object> cpu = new LinkedHashMap<>();
    cpu.put("type", "cpu");
    cpu.put("metricType", "Utilization");
    cpu.put("metadata", Map.of("value", Integer.toString(spec.cpuTargetPercent())));
    Map<String, Object> target = new LinkedHashMap<>();
    target.put("apiVersion", "apps/v1");
    target.put("kind", "Deployment");
    target.put("name", spec.name());
    Map<String, Object> scaledObjectSpec = new LinkedHashMap<>();
    scaledObjectSpec.put("scaleTargetRef", target);
    scaledObjectSpec.put("minReplicaCount", spec.minReplicas());
    scaledObjectSpec.put("maxReplicaCount", spec.maxReplicas());
    scaledObjectSpec.put("triggers", List.of(kafka, cpu));
    return new GenericKubernetesResourceBuilder()
        .withApiVersion(KEDA_API_VERSION)
        .withKind("ScaledObject")
        .withMetadata(metadata(spec, spec.name()))
        .withAdditionalProperties(Map.of("spec", scaledObjectSpec))
        .build();
  }

  /**
   * Returns the PodDisruptionBudget ({@code policy/v1}).
   *
   * @param spec the spec
   * @return the budget
   */
  public static PodDisruptionBudget podDisruptionBudget(ServiceSpec spec) {
    return new PodDisruptionBudgetBuilder()
        .withMetadata(metadata(spec, spec.name()))
        .withNewSpec()
          .withMaxUnavailable(new IntOrString(spec.maxUnavailable()))
          .withNewSelector().withMatchLabels(selector(spec)).endSelector()
        .endSpec()
        .build();
  }

  private static String sha256(String text) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  /**
   * Renders the manifests of a spec file to standard output.
   *
   * <p>Usage: {@code KubernetesManifests <spec.yaml|spec.json>}. Exits 0 after printing the
   * manifests, 2 with a one-line message on standard error for a missing argument or a bad spec.
   *
   * @param args the spec file
   */
  public static void main(String[] args) {
    int status = run(args, System.out, System.err);
    if (status != 0) {
      System.exit(status);
    }
  }

  /** The CLI without {@code System.exit}, for tests. */
  static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length != 1) {
      err.println("usage: KubernetesManifests <spec.yaml|spec.json>");
      return 2;
    }
    ServiceSpec spec;
    try {
      spec = ServiceSpec.read(Path.of(args[0]));
    } catch (IllegalArgumentException | IllegalStateException | UncheckedIOException e) {
      err.println("invalid spec " + args[0] + ": " + e.getMessage());
      return 2;
    }
    out.print(toYaml(spec));
    out.flush();
    return 0;
  }
}
