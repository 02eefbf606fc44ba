package dev.layerkit.examples.orders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.layerkit.examples.deploy.DeployFiles;
import dev.layerkit.infra.Config;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every container the shipped files describe starts with a configuration valid for its role: the
 * committed manifests of {@code examples/deploy/} and its {@code Dockerfile} are read as Kubernetes
 * and the container runtime combine them (the container's {@code command}/{@code args} replace the
 * image's {@code ENTRYPOINT}/{@code CMD}; {@code env} wins over {@code envFrom}), and the result is
 * resolved through {@link OrderSystemOptions#config} and {@link OrderSystemOptions#from}, exactly
 * as {@code OrderSystemMain} resolves it in the pod.
 */
class DeployConfigTest {

  private static final Path DEPLOY =
      Path.of(System.getProperty("basedir", ".")).toAbsolutePath().resolve("deploy");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /**
   * A container as it would run: its command line and environment, with the pod's facts beside
   * them; {@code fieldEnv} holds the variables the Downward API fills, with their field paths.
   */
  private record Container(List<String> entrypoint, List<String> args, Map<String, String> env,
      Map<String, String> fieldEnv, Map<String, Integer> ports, long gracePeriodSeconds, long preStopSeconds) {}

  @ParameterizedTest(name = "{0} runs as --role={1}")
  @CsvSource({
      "gateway.yaml, gateway",
      "order-service.yaml, service",
      "inventory-service.yaml, inventory",
      "payment-service.yaml, payment",
      "order-totals-subscriber.yaml, subscriber"})
  void eachShippedContainerResolvesToAValidConfigurationForItsRole(String file, String role) throws IOException {
    Container container = container(file);
    Config config = OrderSystemOptions.config(container.env(), container.args().toArray(String[]::new));
    OrderSystemOptions options = OrderSystemOptions.from(config); // throws, naming every problem, if invalid

    assertThat(container.entrypoint()).as("the image's entry point").endsWith(
        "dev.layerkit.examples.orders.OrderSystemMain");
    assertThat(container.args()).as("the image passes no arguments that would override the manifest's env").isEmpty();
    assertThat(config.get(OrderSystemOptions.ROLE)).isEqualTo(role);
    assertThat(options.backends()).isEqualTo("production");
    assertThat(options.gatewayPort()).as("--port is the container's http port").isEqualTo(container.ports().get("http"));
    assertThat(options.adminPort()).as("--admin-port is the port the probes use").isEqualTo(container.ports().get("admin"));
    assertThat(options.shutdownDeadline().plusSeconds(container.preStopSeconds()))
        .as("the drain fits in the pod's grace period").isLessThan(Duration.ofSeconds(container.gracePeriodSeconds()));
    if (!role.equals("gateway")) {
      assertThat(options.bindAddress()).as("a service other pods call listens on every address").isEqualTo("0.0.0.0");
    }
    Map<String, Integer> services = services();
    for (Config.Setting<String> option : List.of(OrderSystemOptions.SERVICES, OrderSystemOptions.INVENTORY,
        OrderSystemOptions.PAYMENT)) {
      String endpoints = config.get(option);
      for (String endpoint : endpoints.isEmpty() ? List.<String>of() : List.of(endpoints.split(","))) {
        String host = endpoint.substring(0, endpoint.lastIndexOf(':'));
        int port = Integer.parseInt(endpoint.substring(endpoint.lastIndexOf(':') + 1));
        assertThat(services).as("--%s=%s names a generated Service and its port", option.name(), endpoint)
            .containsEntry(host, port);
      }
    }
  }

  @Test
  void theOldImageCommandWithTheOrderServiceManifestWouldNotStartAndTheTestSeesIt() throws IOException {
    Container container = container(DeployFiles.ORDER_SERVICE_FILE);

    // The image used to say CMD ["--backends=memory"]: the command line beats the manifest's env.
    assertThatThrownBy(() -> OrderSystemOptions.from(OrderSystemOptions.config(container.env(), "--backends=memory")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--role=service needs --backends=production");
  }

  @Test
  void theManifestsAdminPortAndShutdownDeadlineAreWhatTheProcessReads() throws IOException {
    Container container = container(DeployFiles.ORDER_SERVICE_FILE);
    Map<String, String> env = new HashMap<>(container.env());
    env.put("LAYERKIT_ADMIN_PORT", "9191");
    env.put("LAYERKIT_LIFECYCLE_SHUTDOWN_DEADLINE", "12s");

    OrderSystemOptions options = OrderSystemOptions.from(OrderSystemOptions.config(env));

    assertThat(options.adminPort()).isEqualTo(9191);
    assertThat(options.shutdownDeadline()).isEqualTo(Duration.ofSeconds(12));
    env.put("LAYERKIT_ORDERS_ADMIN_PORT", "9292");
    assertThat(OrderSystemOptions.from(OrderSystemOptions.config(env)).adminPort())
        .as("the order system's own variable wins over the SDK's").isEqualTo(9292);
  }

  @Test
  void twoOrderServicePodsOnTheSamePortGetDashboardGroupsOfTheirOwnFromTheirPodNames() throws IOException {
    Container container = container(DeployFiles.ORDER_SERVICE_FILE);
    assertThat(container.fieldEnv()).as("the manifest hands each pod its name")
        .containsEntry(OrderSystemOptions.POD_NAME_VARIABLE, "metadata.name");
    List<String> groups = new ArrayList<>();
    List<Integer> ports = new ArrayList<>();
    for (String pod : List.of("order-service-7d9f8b6c5-x2kqp", "order-service-7d9f8b6c5-m8zvt")) {
      Map<String, String> env = new HashMap<>(container.env());
      env.put(OrderSystemOptions.POD_NAME_VARIABLE, pod); // as the kubelet fills the fieldRef in
      OrderSystemOptions options = OrderSystemOptions.from(OrderSystemOptions.config(env));
      assertThat(options.instance()).isEqualTo(pod);
      groups.add(OrderSystem.dashboardGroup("layerkit", options.instance()));
      ports.add(options.gatewayPort());
    }

    assertThat(ports).as("every pod listens on the same port").containsOnly(8080);
    assertThat(groups).as("each pod's dashboard consumes in a group of its own").doesNotHaveDuplicates()
        .containsExactly("layerkit-dashboard-order-service-7d9f8b6c5-x2kqp",
            "layerkit-dashboard-order-service-7d9f8b6c5-m8zvt");
  }

  @Test
  void outsideAPodEachProcessIsNamedByItsHostAndPidAndAnExplicitInstanceWins() {
    OrderSystemOptions here = OrderSystemOptions.from(OrderSystemOptions.config(Map.of()));
    assertThat(here.instance()).as("no pod name: <host>-<pid>")
        .endsWith("-" + ProcessHandle.current().pid()).isEqualTo(OrderSystemOptions.defaultInstance());
    Map<String, String> env = Map.of(OrderSystemOptions.POD_NAME_VARIABLE, "pod-a",
        OrderSystemOptions.ENV_PREFIX + "INSTANCE", "explicit");
    assertThat(OrderSystemOptions.from(OrderSystemOptions.config(env)).instance()).isEqualTo("explicit");
    assertThat(OrderSystemOptions.from(OrderSystemOptions.config(env, "--instance=cli")).instance()).isEqualTo("cli");
    assertThatThrownBy(() -> OrderSystemOptions.config(Map.of(), "--instance=no spaces"))
        .hasMessageContaining("instance");
  }

  @Test
  void theSubscribersScaledObjectWatchesTheGroupAndTopicTheRoleConsumes() throws IOException {
    Container container = container(DeployFiles.SUBSCRIBER_FILE);
    Config config = OrderSystemOptions.config(container.env());
    String namespace = config.get(OrderSystemOptions.NAMESPACE);
    JsonNode scaledObject = documents(DeployFiles.SUBSCRIBER_FILE).stream()
        .filter(d -> d.path("kind").asText().equals("ScaledObject")).findFirst().orElseThrow();
    JsonNode kafka = scaledObject.at("/spec/triggers/0");

    assertThat(kafka.path("type").asText()).isEqualTo("kafka");
    assertThat(kafka.at("/metadata/consumerGroup").asText()).isEqualTo(OrderTotalsSubscriber.group(namespace))
        .isEqualTo(DeployFiles.SUBSCRIBER_GROUP);
    assertThat(kafka.at("/metadata/topic").asText()).isEqualTo(OrderTotalsSubscriber.topic(namespace))
        .isEqualTo(DeployFiles.ORDER_TOPIC);
    assertThat(kafka.at("/metadata/bootstrapServers").asText()).isEqualTo(config.get(OrderSystemOptions.KAFKA));
    assertThat(scaledObject.at("/spec/maxReplicaCount").asInt()).as("no more pods than partitions to share")
        .isEqualTo(ProductionBackends.PARTITIONS).isEqualTo(DeployFiles.ORDER_TOPIC_PARTITIONS);
  }

  /** The container of a manifest file, combined with the Dockerfile. */
  private static Container container(String file) throws IOException {
    List<JsonNode> documents = documents(file);
    Map<String, Map<String, String>> configMaps = new HashMap<>();
    for (JsonNode document : documents) {
      if (document.path("kind").asText().equals("ConfigMap")) {
        Map<String, String> data = new LinkedHashMap<>();
        document.path("data").properties().forEach(entry -> data.put(entry.getKey(), entry.getValue().asText()));
        configMaps.put(document.path("metadata").path("name").asText(), data);
      }
    }
    JsonNode deployment = documents.stream().filter(d -> d.path("kind").asText().equals("Deployment"))
        .findFirst().orElseThrow(() -> new AssertionError(file + " has no Deployment"));
    JsonNode pod = deployment.path("spec").path("template").path("spec");
    assertThat(pod.path("containers")).as(file).hasSize(1);
    JsonNode container = pod.path("containers").get(0);
    Map<String, String> env = new LinkedHashMap<>();
    for (JsonNode from : container.path("envFrom")) {
      String name = from.path("configMapRef").path("name").asText();
      assertThat(configMaps).as("%s: envFrom names a ConfigMap of the file", file).containsKey(name);
      env.putAll(configMaps.get(name));
    }
    Map<String, String> fieldEnv = new LinkedHashMap<>();
    for (JsonNode variable : container.path("env")) {
      if (variable.has("valueFrom")) {
        fieldEnv.put(variable.path("name").asText(), variable.at("/valueFrom/fieldRef/fieldPath").asText());
      } else {
        env.put(variable.path("name").asText(), variable.path("value").asText());
      }
    }
    Map<String, Integer> ports = new HashMap<>();
    container.path("ports").forEach(port -> ports.put(port.path("name").asText(), port.path("containerPort").asInt()));
    List<String> entrypoint = container.has("command") ? strings(container.path("command")) : dockerfile("ENTRYPOINT");
    List<String> args = container.has("args") ? strings(container.path("args"))
        : container.has("command") ? List.of() : dockerfile("CMD");
    return new Container(entrypoint, args, env, fieldEnv, ports, pod.path("terminationGracePeriodSeconds").asLong(),
        container.path("lifecycle").path("preStop").path("sleep").path("seconds").asLong());
  }

  /** Every Service of the generated manifests, by name, with its port. */
  private static Map<String, Integer> services() throws IOException {
    Map<String, Integer> services = new HashMap<>();
    for (String file : List.of(DeployFiles.GATEWAY_FILE, DeployFiles.ORDER_SERVICE_FILE,
        DeployFiles.INVENTORY_SERVICE_FILE, DeployFiles.PAYMENT_SERVICE_FILE, DeployFiles.SUBSCRIBER_FILE)) {
      for (JsonNode document : documents(file)) {
        if (document.path("kind").asText().equals("Service")) {
          services.put(document.path("metadata").path("name").asText(),
              document.path("spec").path("ports").get(0).path("port").asInt());
        }
      }
    }
    return services;
  }

  private static List<JsonNode> documents(String file) throws IOException {
    List<JsonNode> documents = new ArrayList<>();
    try (var values = YAML.readerFor(JsonNode.class)
        .<JsonNode>readValues(Files.readString(DEPLOY.resolve(file), StandardCharsets.UTF_8))) {
      while (values.hasNext()) {
        JsonNode document = values.next();
        if (document != null && !document.isMissingNode() && !document.isNull()) {
          documents.add(document);
        }
      }
    }
    return documents;
  }

  private static List<String> strings(JsonNode array) {
    List<String> values = new ArrayList<>();
    array.forEach(value -> values.add(value.asText()));
    return values;
  }

  /** The exec-form {@code ENTRYPOINT} or {@code CMD} of the Dockerfile; empty if it has none. */
  private static List<String> dockerfile(String instruction) throws IOException {
    List<String> found = List.of();
    Matcher matcher = Pattern.compile("(?m)^" + instruction + "\\s+(\\[.*])\\s*$")
        .matcher(Files.readString(DEPLOY.resolve("Dockerfile"), StandardCharsets.UTF_8));
    while (matcher.find()) {
      found = strings(new ObjectMapper().readTree(matcher.group(1))); // the last one counts
    }
    return found;
  }
}
