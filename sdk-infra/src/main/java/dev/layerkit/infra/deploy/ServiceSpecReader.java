package dev.layerkit.infra.deploy;

import static dev.layerkit.infra.deploy.ServiceSpec.DEFAULT_CPU_LIMIT;
import static dev.layerkit.infra.deploy.ServiceSpec.DEFAULT_CPU_REQUEST;
import static dev.layerkit.infra.deploy.ServiceSpec.DEFAULT_CPU_TARGET_PERCENT;
import static dev.layerkit.infra.deploy.ServiceSpec.DEFAULT_MAX_REPLICAS;
import static dev.layerkit.infra.deploy.ServiceSpec.DEFAULT_MEMORY_LIMIT;
import static dev.layerkit.infra.deploy.ServiceSpec.DEFAULT_MEMORY_REQUEST;
import static dev.layerkit.infra.deploy.ServiceSpec.DEFAULT_PRE_STOP_SLEEP;
import static dev.layerkit.infra.deploy.ServiceSpec.DEFAULT_REPLICAS;
import static dev.layerkit.infra.deploy.ServiceSpec.DEFAULT_SHUTDOWN_DEADLINE;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.layerkit.core.time.Durations;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Reads a {@link ServiceSpec} from a YAML or JSON spec file (the format is in
 * {@link ServiceSpec}'s documentation) into its builder, so that the value class holds no
 * parsing. Every problem is an {@link IllegalArgumentException} naming the field and its value;
 * durations are in {@link Durations}' grammar. Stateless and thread-safe.
 */
final class ServiceSpecReader {

  private ServiceSpecReader() {}

  static ServiceSpec read(Path file) {
    Objects.requireNonNull(file, "file");
    try {
      return parse(Files.readString(file));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read spec file " + file, e);
    }
  }

  static ServiceSpec parse(String text) {
    Objects.requireNonNull(text, "text");
    JsonNode root;
    try {
      ObjectMapper yaml = new YAMLMapper();
      root = yaml.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException("spec is not valid YAML or JSON: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("spec must be a mapping with at least name and image");
    }
    try {
      return fromTree(root);
    } catch (IllegalStateException e) {
      // The builder reports settings that contradict each other (replicas outside the autoscaling
      // range, a config key given twice through nesting) as conflicting calls; in a file they are
      // invalid fields, which parse documents as IllegalArgumentException.
      throw new IllegalArgumentException("spec fields contradict each other: " + e.getMessage(), e);
    }
  }

  private static ServiceSpec fromTree(JsonNode root) {
    knownFields(root, "", "name", "image", "namespace", "replicas", "port", "adminPort", "resources", "env", "config",
        "autoscaling", "disruptionBudget", "shutdown", "headlessService");
    ServiceSpec.Builder b = ServiceSpec.builder(requiredText(root, "name"), requiredText(root, "image"));
    if (root.has("namespace")) {
      b.namespace(root.get("namespace").asText());
    }
    int replicas = DEFAULT_REPLICAS;
    if (root.has("replicas")) {
      replicas = integer(root, "replicas", "");
      b.replicas(replicas);
    }
    if (root.has("port")) {
      b.port(integer(root, "port", ""));
    }
    if (root.has("adminPort")) {
      b.adminPort(integer(root, "adminPort", ""));
    }
    JsonNode resources = root.path("resources");
    if (!resources.isMissingNode()) {
      knownFields(resources, "resources.", "cpuRequest", "cpuLimit", "memoryRequest", "memoryLimit");
      b.cpu(resources.path("cpuRequest").asText(DEFAULT_CPU_REQUEST), resources.path("cpuLimit").asText(DEFAULT_CPU_LIMIT));
      b.memory(resources.path("memoryRequest").asText(DEFAULT_MEMORY_REQUEST),
          resources.path("memoryLimit").asText(DEFAULT_MEMORY_LIMIT));
    }
    for (Map.Entry<String, JsonNode> e : root.path("env").properties()) {
      b.env(e.getKey(), e.getValue().asText());
    }
    flattenConfig("", root.path("config"), b);
    JsonNode autoscaling = root.path("autoscaling");
    if (!autoscaling.isMissingNode()) {
      knownFields(autoscaling, "autoscaling.", "minReplicas", "maxReplicas", "cpuTargetPercent", "podMetric",
          "kafkaLag");
      int min = autoscaling.has("minReplicas") ? integer(autoscaling, "minReplicas", "autoscaling.") : replicas;
      int max = autoscaling.has("maxReplicas") ? integer(autoscaling, "maxReplicas", "autoscaling.")
          : Math.max(DEFAULT_MAX_REPLICAS, min);
      int cpu = autoscaling.has("cpuTargetPercent") ? integer(autoscaling, "cpuTargetPercent", "autoscaling.")
          : DEFAULT_CPU_TARGET_PERCENT;
      b.autoscaling(min, max, cpu);
      JsonNode podMetric = autoscaling.path("podMetric");
      if (!podMetric.isMissingNode()) {
        knownFields(podMetric, "autoscaling.podMetric.", "name", "averageValue");
        b.podMetricAutoscaling(requiredText(podMetric, "name", "autoscaling.podMetric."),
            requiredText(podMetric, "averageValue", "autoscaling.podMetric."));
      }
      JsonNode lag = autoscaling.path("kafkaLag");
      if (!lag.isMissingNode()) {
        String prefix = "autoscaling.kafkaLag.";
        knownFields(lag, prefix, "bootstrapServers", "consumerGroup", "topic", "lagThreshold");
        JsonNode threshold = lag.path("lagThreshold");
        if (!threshold.isIntegralNumber() || !threshold.canConvertToLong()) {
          throw new IllegalArgumentException("spec field " + prefix + "lagThreshold must be an integer but was "
              + (threshold.isMissingNode() ? "missing" : threshold));
        }
        b.kafkaLagAutoscaling(requiredText(lag, "bootstrapServers", prefix), requiredText(lag, "consumerGroup", prefix),
            requiredText(lag, "topic", prefix), threshold.longValue());
      }
    }
    JsonNode headless = root.path("headlessService");
    if (!headless.isMissingNode()) {
      if (!headless.isBoolean()) {
        throw new IllegalArgumentException("spec field headlessService must be true or false but was " + headless);
      }
      if (headless.booleanValue()) {
        b.headlessService();
      }
    }
    JsonNode budget = root.path("disruptionBudget");
    if (!budget.isMissingNode()) {
      knownFields(budget, "disruptionBudget.", "maxUnavailable");
      b.maxUnavailable(integer(budget, "maxUnavailable", "disruptionBudget."));
    }
    JsonNode shutdown = root.path("shutdown");
    if (!shutdown.isMissingNode()) {
      knownFields(shutdown, "shutdown.", "preStopSleep", "deadline");
      b.shutdown(duration(shutdown, "preStopSleep", DEFAULT_PRE_STOP_SLEEP),
          duration(shutdown, "deadline", DEFAULT_SHUTDOWN_DEADLINE));
    }
    return b.build();
  }

  private static void flattenConfig(String prefix, JsonNode node, ServiceSpec.Builder b) {
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      String key = prefix + e.getKey();
      if (e.getValue().isObject()) {
        flattenConfig(key + ".", e.getValue(), b);
      } else {
        b.config(key, e.getValue().asText());
      }
    }
  }

  private static void knownFields(JsonNode node, String prefix, String... known) {
    if (!node.isObject()) {
      throw new IllegalArgumentException("spec field " + (prefix.isEmpty() ? "(root)" : prefix.substring(0, prefix.length() - 1))
          + " must be a mapping but was " + node);
    }
    Set<String> allowed = Set.of(known);
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!allowed.contains(field)) {
        throw new IllegalArgumentException("unknown spec field " + prefix + field + "; known: " + String.join(", ", known));
      }
    }
  }

  private static String requiredText(JsonNode node, String field) {
    return requiredText(node, field, "");
  }

  private static String requiredText(JsonNode node, String field, String prefix) {
    JsonNode value = node.get(field);
    if (value == null || !value.isValueNode() || value.asText().isBlank()) {
      throw new IllegalArgumentException("spec field " + prefix + field + " is required");
    }
    return value.asText();
  }

  private static int integer(JsonNode node, String field, String prefix) {
    JsonNode value = node.get(field);
    if (!value.isIntegralNumber() || !value.canConvertToInt()) {
      throw new IllegalArgumentException("spec field " + prefix + field + " must be an integer but was " + value);
    }
    return value.intValue();
  }

  private static Duration duration(JsonNode node, String field, Duration fallback) {
    JsonNode value = node.get(field);
    if (value == null) {
      return fallback;
    }
    try {
      return Durations.parse(value.asText());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("spec field shutdown." + field + " must be " + Durations.GRAMMAR + " but was "
          + value.asText(), e);
    }
  }
}
