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
 * Deployment, a Service, a HorizontalPodAutoscaler ({@code autoscaling/v2}), a
 * PodDisruptionBudget ({@code policy/v1}) and a ConfigMap.
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
 *       {@code LAYERKIT_LIFECYCLE_SHUTDOWN_DEADLINE} and {@code LAYERKIT_ADMIN_PORT}; a pod
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
   * Deployment, Service, HorizontalPodAutoscaler, PodDisruptionBudget.
   *
   * @param spec the spec
   * @return the resources
   * @throws NullPointerException if {@code spec} is null
   */
  public static List<HasMetadata> resources(ServiceSpec spec) {
    Objects.requireNonNull(spec, "spec");
    return List.of(configMap(spec), deployment(spec), service(spec), horizontalPodAutoscaler(spec),
        podDisruptionBudget(spec));
  }

  /**
   * Renders every resource as one multi-document YAML stream.
   *
   * @param spec the spec
   * @return YAML documents separated by {@code ---}
   * @throws NullPointerException if {@code spec} is null
   */
  public static String toYaml(ServiceSpec spec) {
    StringBuilder out = new StringBuilder();
    for (HasMetadata resource : resources(spec)) {
      out.append("---\n").append(YAML.writeValueAsString(resource));
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
   * Returns the HorizontalPodAutoscaler ({@code autoscaling/v2}) on CPU utilization.
   *
   * @param spec the spec
   * @return the autoscaler
   */
  public static HorizontalPodAutoscaler horizontalPodAutoscaler(ServiceSpec spec) {
    return new HorizontalPodAutoscalerBuilder()
        .withMetadata(metadata(spec, spec.name()))
        .withNewSpec()
          .withNewScaleTargetRef().withApiVersion("apps/v1").withKind("Deployment").withName(spec.name()).endScaleTargetRef()
          .withMinReplicas(spec.minReplicas())
          .withMaxReplicas(spec.maxReplicas())
          .addNewMetric()
            .withType("Resource")
            .withNewResource().withName("cpu")
              .withNewTarget().withType("Utilization").withAverageUtilization(spec.cpuTargetPercent()).endTarget()
            .endResource()
          .endMetric()
        .endSpec()
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
