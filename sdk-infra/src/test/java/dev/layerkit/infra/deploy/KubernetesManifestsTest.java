package dev.layerkit.infra.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.infra.AdminServer;
import dev.layerkit.infra.Config;
import dev.layerkit.infra.Lifecycle;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

class KubernetesManifestsTest {

  private static final YAMLMapper YAML = new YAMLMapper();

  @TempDir
  Path dir;

  static Path sampleFile() throws URISyntaxException {
    return Path.of(Objects.requireNonNull(KubernetesManifestsTest.class.getResource("/order-service.yaml")).toURI());
  }

  static Stream<ServiceSpec> specs() throws URISyntaxException {
    return Stream.of(
        ServiceSpec.read(sampleFile()),
        ServiceSpec.builder("tiny", "registry.local/tiny:1").build(),
        ServiceSpec.builder("gateway", "registry.local/gateway:2").replicas(2).port(80).adminPort(8558)
            .cpu("0.5", "2").memory("1Gi", "1Gi").autoscaling(2, 20, 60).maxUnavailable(2)
            .shutdown(Duration.ZERO, Duration.ofMillis(12_500)).env("TZ", "UTC").config("gateway.routes", "/a,/b")
            .build());
  }

  /** The manifests as kubectl would read them: YAML documents parsed back into fabric8 types. */
  record Parsed(ConfigMap configMap, Deployment deployment, Service service, HorizontalPodAutoscaler hpa,
      PodDisruptionBudget pdb) {}

  static Parsed parse(String yaml) {
    List<JsonNode> docs = new ArrayList<>();
    for (String doc : yaml.split("(?m)^---\\n")) {
      if (!doc.isBlank()) {
        docs.add(YAML.readTree(doc));
      }
    }
    assertThat(docs).extracting(d -> d.get("apiVersion").asString() + "/" + d.get("kind").asString())
        .containsExactly("v1/ConfigMap", "apps/v1/Deployment", "v1/Service", "autoscaling/v2/HorizontalPodAutoscaler",
            "policy/v1/PodDisruptionBudget");
    return new Parsed(YAML.treeToValue(docs.get(0), ConfigMap.class), YAML.treeToValue(docs.get(1), Deployment.class),
        YAML.treeToValue(docs.get(2), Service.class), YAML.treeToValue(docs.get(3), HorizontalPodAutoscaler.class),
        YAML.treeToValue(docs.get(4), PodDisruptionBudget.class));
  }

  @ParameterizedTest
  @MethodSource("specs")
  void manifestsParseBackAndSatisfyTheInvariants(ServiceSpec spec) {
    Parsed m = parse(KubernetesManifests.toYaml(spec));
    Deployment deployment = m.deployment();
    Map<String, String> podLabels = deployment.getSpec().getTemplate().getMetadata().getLabels();
    Container container = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);

    // Selectors match the pod labels.
    assertThat(podLabels).containsAllEntriesOf(deployment.getSpec().getSelector().getMatchLabels());
    assertThat(podLabels).containsAllEntriesOf(m.service().getSpec().getSelector());
    assertThat(podLabels).containsAllEntriesOf(m.pdb().getSpec().getSelector().getMatchLabels());
    assertThat(deployment.getSpec().getSelector().getMatchLabels()).isNotEmpty();

    // Probes hit the AdminServer paths on a port the container declares, the admin port.
    Map<String, Probe> probes = Map.of(
        AdminServer.STARTUP_PATH, container.getStartupProbe(),
        AdminServer.LIVENESS_PATH, container.getLivenessProbe(),
        AdminServer.READINESS_PATH, container.getReadinessProbe());
    probes.forEach((path, probe) -> {
      assertThat(probe.getHttpGet().getPath()).isEqualTo(path);
      assertThat(portNumber(container, probe.getHttpGet().getPort())).isEqualTo(spec.adminPort());
    });
    assertThat(portNumber(container, m.service().getSpec().getPorts().get(0).getTargetPort())).isEqualTo(spec.port());

    // Kubernetes never kills a pod that is still draining within its deadline.
    long grace = deployment.getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds();
    long preStop = container.getLifecycle().getPreStop().getSleep().getSeconds();
    assertThat(preStop).isEqualTo(spec.preStopSleep().getSeconds());
    assertThat(Duration.ofSeconds(grace)).isGreaterThan(spec.preStopSleep().plus(spec.shutdownDeadline()));

    // The autoscaler scales this Deployment.
    assertThat(m.hpa().getSpec().getScaleTargetRef().getKind()).isEqualTo("Deployment");
    assertThat(m.hpa().getSpec().getScaleTargetRef().getApiVersion()).isEqualTo("apps/v1");
    assertThat(m.hpa().getSpec().getScaleTargetRef().getName()).isEqualTo(deployment.getMetadata().getName());
    assertThat(m.hpa().getSpec().getMinReplicas()).isEqualTo(spec.minReplicas()).isLessThanOrEqualTo(spec.replicas());
    assertThat(m.hpa().getSpec().getMaxReplicas()).isEqualTo(spec.maxReplicas());
    assertThat(m.hpa().getSpec().getMetrics().get(0).getResource().getTarget().getAverageUtilization())
        .isEqualTo(spec.cpuTargetPercent());

    // Rolling update without losing capacity; resources as asked; config wired through envFrom.
    assertThat(deployment.getSpec().getStrategy().getType()).isEqualTo("RollingUpdate");
    assertThat(deployment.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable()).isEqualTo(new IntOrString(0));
    assertThat(deployment.getSpec().getReplicas()).isEqualTo(spec.replicas());
    assertThat(container.getResources().getRequests()).containsEntry("cpu", new Quantity(spec.cpuRequest()))
        .containsEntry("memory", new Quantity(spec.memoryRequest()));
    assertThat(container.getResources().getLimits()).containsEntry("cpu", new Quantity(spec.cpuLimit()))
        .containsEntry("memory", new Quantity(spec.memoryLimit()));
    assertThat(container.getEnvFrom().get(0).getConfigMapRef().getName()).isEqualTo(m.configMap().getMetadata().getName());
    assertThat(m.pdb().getSpec().getMaxUnavailable()).isEqualTo(new IntOrString(spec.maxUnavailable()));
    assertThat(m.configMap().getData()).hasSameSizeAs(spec.config());
    assertThat(container.getImage()).isEqualTo(spec.image());
    // The container's environment gives the application the deadline and admin port of the spec.
    Map<String, String> environment = new HashMap<>(m.configMap().getData());
    container.getEnv().stream().filter(e -> e.getValueFrom() == null)
        .forEach(e -> environment.put(e.getName(), e.getValue()));
    Config config = Config.builder().systemProperties(new Properties()).environment(environment::get)
        .settings(Lifecycle.SHUTDOWN_DEADLINE_SETTING, AdminServer.PORT_SETTING).build();
    assertThat(config.get(Lifecycle.SHUTDOWN_DEADLINE_SETTING)).isEqualTo(spec.shutdownDeadline());
    assertThat(config.get(AdminServer.PORT_SETTING)).isEqualTo(spec.adminPort());
    Stream.of(m.configMap(), deployment, m.service(), m.hpa(), m.pdb())
        .forEach(r -> assertThat(r.getMetadata().getNamespace()).isEqualTo(spec.namespace()));
  }

  private static int portNumber(Container container, IntOrString port) {
    if (port.getIntVal() != null) {
      return port.getIntVal();
    }
    return container.getPorts().stream().filter(p -> port.getStrVal().equals(p.getName()))
        .map(ContainerPort::getContainerPort).findFirst()
        .orElseThrow(() -> new AssertionError("no container port named " + port.getStrVal()));
  }

  @Test
  void sampleSpecRendersTheExpectedValues() throws Exception {
    ServiceSpec spec = ServiceSpec.read(sampleFile());
    Parsed m = parse(KubernetesManifests.toYaml(spec));
    assertThat(m.configMap().getData()).containsExactly(
        Map.entry("LAYERKIT_CACHE_TTL", "30s"), Map.entry("LAYERKIT_REDIS_URL", "redis://redis:6379"));
    Container container = m.deployment().getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(container.getEnv()).extracting(e -> e.getName() + "=" + (e.getValueFrom() == null ? e.getValue()
        : "fieldRef:" + e.getValueFrom().getFieldRef().getFieldPath())).containsExactly(
        "LAYERKIT_ADMIN_PORT=9090", "LAYERKIT_LIFECYCLE_SHUTDOWN_DEADLINE=30s",
        KubernetesManifests.POD_NAME_VARIABLE + "=fieldRef:metadata.name", "JAVA_TOOL_OPTIONS=-XX:MaxRAMPercentage=75");
    assertThat(m.deployment().getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds()).isEqualTo(40L);
    assertThat(m.deployment().getSpec().getTemplate().getMetadata().getAnnotations())
        .containsEntry("prometheus.io/port", "9090").containsEntry("prometheus.io/path", "/metrics");
  }

  @Test
  void aConfigChangeChangesThePodTemplateSoPodsRoll() {
    ServiceSpec a = ServiceSpec.builder("svc", "img:1").config("cache.ttl", "30s").build();
    ServiceSpec b = ServiceSpec.builder("svc", "img:1").config("cache.ttl", "60s").build();
    String hashA = KubernetesManifests.deployment(a).getSpec().getTemplate().getMetadata().getAnnotations()
        .get(KubernetesManifests.CONFIG_HASH_ANNOTATION);
    String hashB = KubernetesManifests.deployment(b).getSpec().getTemplate().getMetadata().getAnnotations()
        .get(KubernetesManifests.CONFIG_HASH_ANNOTATION);
    assertThat(hashA).hasSize(32).isNotEqualTo(hashB);
    assertThat(KubernetesManifests.toYaml(a)).isEqualTo(KubernetesManifests.toYaml(a));
  }

  @Test
  void specRejectsBadFieldsWithNameAndValue() {
    assertThatThrownBy(() -> ServiceSpec.parse("name: a\nimage: i\nreplica: 3\n"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("unknown spec field replica; known: name");
    assertThatThrownBy(() -> ServiceSpec.parse("name: a\nimage: i\nreplicas: three\n"))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("spec field replicas must be an integer but was \"three\"");
    assertThatThrownBy(() -> ServiceSpec.parse("name: a\nreplicas: 3\n"))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("spec field image is required");
    assertThatThrownBy(() -> ServiceSpec.parse("name: Order_Service\nimage: i\n"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("but was 'Order_Service'");
    assertThatThrownBy(() -> ServiceSpec.parse("name: a\nimage: i\nshutdown: {deadline: soon}\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("spec field shutdown.deadline must be a duration such as 250ms, 5s, 1m or PT5S but was soon");
    assertThatThrownBy(() -> ServiceSpec.parse("name: a\nimage: i\nautoscaling: {minReplicas: 5, maxReplicas: 2}\n"))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maxReplicas must be >= minReplicas (5) but was 2");
    assertThatThrownBy(() -> ServiceSpec.parse("name: a\nimage: i\nresources: {cpuRequest: 2, cpuLimit: 500m}\n"))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("cpu limit must be >= the request but was 500m < 2");
  }

  @Test
  void builderValidatesEachSettingAndConflicts() {
    ServiceSpec.Builder b = ServiceSpec.builder("svc", "img");
    assertThatThrownBy(() -> b.replicas(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("replicas must be >= 1 but was 0");
    assertThatThrownBy(() -> b.port(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("port must be in [1, 65535] but was 0");
    assertThatThrownBy(() -> b.memory("256MB", "1Gi"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("memory request must be a Kubernetes quantity such as 256Mi or 1Gi but was '256MB'");
    assertThatThrownBy(() -> b.shutdown(Duration.ofMillis(1500), Duration.ofSeconds(10)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("preStopSleep must be whole seconds >= 0 but was PT1.5S");
    assertThatThrownBy(() -> b.env("BAD-NAME", "x"))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("env name must be letters, digits and '_' but was 'BAD-NAME'");
    assertThatThrownBy(() -> ServiceSpec.builder("svc", "img").port(9090).build())
        .isInstanceOf(IllegalStateException.class).hasMessage("port and adminPort must differ but both were 9090");
    assertThatThrownBy(() -> ServiceSpec.builder("svc", "img").replicas(1).autoscaling(2, 4, 50).build())
        .isInstanceOf(IllegalStateException.class).hasMessage("replicas (1) must be within autoscaling [2, 4]");
    assertThatThrownBy(() -> ServiceSpec.builder("svc", "img").replicas(2).replicas(3))
        .isInstanceOf(IllegalStateException.class).hasMessage("replicas was already set to 2");
    assertThatThrownBy(() -> ServiceSpec.builder("svc", null))
        .isInstanceOf(NullPointerException.class).hasMessage("image");
    assertThat(ServiceSpec.builder("svc", "img").shutdown(Duration.ofSeconds(5), Duration.ofMillis(30_001)).build()
        .terminationGracePeriodSeconds()).isEqualTo(41);
  }

  @Test
  void cliRendersASpecFileAndExplainsABadOne() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status = KubernetesManifests.run(new String[] {sampleFile().toString()}, print(out), print(err));
    assertThat(status).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(KubernetesManifests.toYaml(ServiceSpec.read(sampleFile())));
    assertThat(err.size()).isZero();

    Path bad = dir.resolve("bad.json");
    Files.writeString(bad, "{\"name\": \"svc\", \"image\": \"img\", \"replicas\": -1}");
    ByteArrayOutputStream badErr = new ByteArrayOutputStream();
    assertThat(KubernetesManifests.run(new String[] {bad.toString()}, print(new ByteArrayOutputStream()), print(badErr)))
        .isEqualTo(2);
    assertThat(badErr.toString(StandardCharsets.UTF_8)).isEqualTo("invalid spec " + bad + ": replicas must be >= 1 but was -1\n");

    ByteArrayOutputStream usage = new ByteArrayOutputStream();
    assertThat(KubernetesManifests.run(new String[0], print(new ByteArrayOutputStream()), print(usage))).isEqualTo(2);
    assertThat(usage.toString(StandardCharsets.UTF_8)).startsWith("usage: KubernetesManifests");
  }

  private static PrintStream print(ByteArrayOutputStream bytes) {
    return new PrintStream(bytes, true, StandardCharsets.UTF_8);
  }
}
