package dev.layerkit.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.net.URL;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The metadata spring-boot-configuration-processor generates, which IDEs complete from. */
class ConfigurationMetadataTest {

  @Test
  void metadataListsEveryPropertyWithADescription() throws Exception {
    // Spring Boot's own jars carry a file of that name too, and which one a class loader finds
    // first is not specified (Java 25 finds Boot's): read this module's, the one that declares
    // the layerkit group.
    JsonNode metadata = null;
    Enumeration<URL> files = getClass().getClassLoader()
        .getResources("META-INF/spring-configuration-metadata.json");
    while (files.hasMoreElements()) {
      try (InputStream in = files.nextElement().openStream()) {
        JsonNode candidate = new ObjectMapper().readTree(in);
        if (candidate.path("groups").findValuesAsText("name").contains("layerkit")) {
          metadata = candidate;
        }
      }
    }
    assertThat(metadata).as("generated metadata on the class path").isNotNull();
    List<String> names = new ArrayList<>();
    for (JsonNode property : metadata.get("properties")) {
      String name = property.get("name").asText();
      names.add(name);
      assertThat(property.path("description").asText()).as("description of " + name).isNotBlank();
    }
    assertThat(names).contains(
        "layerkit.redis.url",
        "layerkit.ratelimit.enabled", "layerkit.ratelimit.backend", "layerkit.ratelimit.fail-mode",
        "layerkit.ratelimit.redis-timeout", "layerkit.ratelimit.limiters",
        "layerkit.ratelimit.web.rules", "layerkit.ratelimit.web.api-key-header",
        "layerkit.ratelimit.web.trusted-proxies", "layerkit.ratelimit.web.order",
        "layerkit.cache.backend", "layerkit.cache.dynamic", "layerkit.cache.distributed-lock",
        "layerkit.cache.lock-lease", "layerkit.cache.redis-timeout", "layerkit.cache.lock-wait", "layerkit.cache.key-prefix",
        "layerkit.cache.defaults.ttl", "layerkit.cache.defaults.ttl-jitter-percent",
        "layerkit.cache.defaults.negative-ttl", "layerkit.cache.defaults.stale-while-revalidate",
        "layerkit.cache.defaults.early-refresh-beta", "layerkit.cache.defaults.maximum-size",
        "layerkit.cache.defaults.local-ttl", "layerkit.cache.caches",
        "layerkit.health.enabled", "layerkit.health.readiness",
        "layerkit.idempotency.paths", "layerkit.idempotency.methods", "layerkit.idempotency.header",
        "layerkit.idempotency.required", "layerkit.idempotency.ttl", "layerkit.idempotency.backend",
        "layerkit.idempotency.max-body-bytes", "layerkit.services", "layerkit.repositories",
        "layerkit.events.enabled", "layerkit.events.backend", "layerkit.events.memory.partitions",
        "layerkit.events.memory.retention");
    JsonNode hints = metadata.get("hints");
    assertThat(metadata.get("properties").findValuesAsText("defaultValue")).contains("X-API-Key", "100ms");
    assertThat(hints == null ? List.of() : hints.findValuesAsText("name")).isNotNull();
  }
}
