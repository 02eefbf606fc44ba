package dev.layerkit.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.layerkit.core.health.Health;
import dev.layerkit.core.health.HealthCheck;
import dev.layerkit.core.time.ManualTimeSource;
import io.micrometer.core.instrument.Counter;
import java.net.InetAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Real HTTP against an {@link AdminServer} on a free loopback port. */
class AdminServerIT {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final CountDownLatch release = new CountDownLatch(1);
  private HealthRegistry health;
  private AdminServer server;

  private AdminServer start(HealthRegistry registry, AdminServer.Builder builder) {
    this.health = registry;
    this.server = builder.bindAddress(InetAddress.getLoopbackAddress()).port(0).start();
    return server;
  }

  @AfterEach
  void tearDown() {
    release.countDown();
    if (server != null) {
      server.close();
    }
    if (health != null) {
      health.close();
    }
  }

  private HttpResponse<String> get(String path) throws Exception {
    return send("GET", path);
  }

  private HttpResponse<String> send(String method, String path) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(server.uri().resolve(path))
        .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(20)).build();
    return client.send(request, HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void slowCheckTimesOutWithoutDelayingTheOthers() throws Exception {
    HealthRegistry registry = HealthRegistry.builder().checkTimeout(Duration.ofMillis(300)).build();
    registry.register(HealthCheck.of("slow-backend", () -> {
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return Health.up().build();
    }), false, HealthRegistry.READINESS);
    for (String name : new String[] {"redis", "postgres", "kafka"}) {
      registry.register(HealthCheck.of(name, () -> Health.up().detail("latencyMs", 1).build()));
    }
    start(registry, AdminServer.builder(registry));

    long started = System.nanoTime();
    HttpResponse<String> response = get(AdminServer.READINESS_PATH);
    long elapsedMillis = (System.nanoTime() - started) / 1_000_000;

    assertThat(response.statusCode()).as("a non-critical timeout degrades").isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
    JsonNode body = JSON.readTree(response.body());
    assertThat(body.get("status").asText()).isEqualTo("DEGRADED");
    Map<String, JsonNode> checks = byName(body);
    assertThat(checks.get("slow-backend").get("status").asText()).isEqualTo("DOWN");
    assertThat(checks.get("slow-backend").at("/data/reason").asText()).isEqualTo("timed out after 300 ms");
    assertThat(checks.get("slow-backend").get("durationMs").asDouble()).isEqualTo(300.0);
    for (String name : new String[] {"redis", "postgres", "kafka"}) {
      assertThat(checks.get(name).get("status").asText()).isEqualTo("UP");
      assertThat(checks.get(name).get("durationMs").asDouble()).as(name + " ran beside the slow one").isLessThan(300);
      assertThat(checks.get(name).at("/data/latencyMs").asInt()).isEqualTo(1);
    }
    // Sequential checks would take at least the timeout after the fast ones; parallel ones take
    // about the timeout in total. The bound is loose for a busy machine.
    assertThat(elapsedMillis).isGreaterThanOrEqualTo(290).isLessThan(5_000);
  }

  private static Map<String, JsonNode> byName(JsonNode body) {
    Map<String, JsonNode> checks = new HashMap<>();
    for (JsonNode check : body.get("checks")) {
      checks.put(check.get("name").asText(), check);
    }
    return checks;
  }

  @Test
  void downCriticalCheckMakesReadiness503AndLeavesLivenessUp() throws Exception {
    HealthRegistry registry = HealthRegistry.builder().build();
    registry.register(HealthCheck.of("postgres", () -> Health.down("connection refused").build()));
    registry.register(HealthCheck.of("threads", () -> Health.up().build()), true, HealthRegistry.LIVENESS);
    start(registry, AdminServer.builder(registry));

    HttpResponse<String> ready = get(AdminServer.READINESS_PATH);
    assertThat(ready.statusCode()).isEqualTo(503);
    JsonNode body = JSON.readTree(ready.body());
    assertThat(body.get("status").asText()).isEqualTo("DOWN");
    assertThat(byName(body).get("postgres").at("/data/reason").asText()).isEqualTo("connection refused");

    HttpResponse<String> live = get(AdminServer.LIVENESS_PATH);
    assertThat(live.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(live.body()).get("status").asText()).isEqualTo("UP");
    assertThat(get(AdminServer.STARTUP_PATH).statusCode()).isEqualTo(200);

    HttpResponse<String> all = get(AdminServer.HEALTH_PATH);
    assertThat(all.statusCode()).isEqualTo(503);
    assertThat(byName(JSON.readTree(all.body()))).containsOnlyKeys("postgres", "threads");
  }

  @Test
  void readinessFollowsThePhase() throws Exception {
    HealthRegistry registry = HealthRegistry.builder().build();
    start(registry, AdminServer.builder(registry));
    assertThat(get(AdminServer.READINESS_PATH).statusCode()).isEqualTo(200);
    registry.phase(HealthRegistry.Phase.STOPPING);
    HttpResponse<String> ready = get(AdminServer.READINESS_PATH);
    assertThat(ready.statusCode()).isEqualTo(503);
    assertThat(ready.body()).contains("shutting down");
    assertThat(get(AdminServer.LIVENESS_PATH).statusCode()).isEqualTo(200);
  }

  // A sample line of the Prometheus text format: name, optional labels, value, optional timestamp.
  private static final Pattern SAMPLE = Pattern.compile(
      "([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{([a-zA-Z_][a-zA-Z0-9_]*=\"(\\\\.|[^\"\\\\])*\",?)*\\})? "
          + "([-+]?([0-9]*\\.?[0-9]+([eE][-+]?[0-9]+)?|NaN|Inf))( -?[0-9]+)?");
  private static final Pattern COMMENT = Pattern.compile(
      "# (HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*|TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram|summary|untyped))");

  @Test
  void metricsAreValidPrometheusTextWithTheBlocksMetersAndJvmMetrics() throws Exception {
    HealthRegistry registry = HealthRegistry.builder().build();
    start(registry, AdminServer.builder(registry));
    registry.register(HealthCheck.of("db", () -> Health.up().build()));
    assertThat(get(AdminServer.READINESS_PATH).statusCode()).isEqualTo(200);
    Counter things = Counter.builder("layerkit.test.things").tag("block", "test").register(server.meterRegistry());
    things.increment(3);

    HttpResponse<String> response = get(AdminServer.METRICS_PATH);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue(AdminServer.PROMETHEUS_CONTENT_TYPE);
    Map<String, Double> samples = new HashMap<>();
    for (String line : response.body().split("\n")) {
      if (line.startsWith("#")) {
        assertThat(line).as("comment line").matches(COMMENT);
        continue;
      }
      Matcher m = SAMPLE.matcher(line);
      assertThat(m.matches()).as("sample line '%s'", line).isTrue();
      String value = m.group(5).replace("Inf", "Infinity");
      samples.put(line.substring(0, line.lastIndexOf(' ')), Double.parseDouble(value));
    }
    assertThat(samples).containsEntry("layerkit_test_things_total{block=\"test\"}", 3.0);
    assertThat(samples).as("health gauges from the cache").containsEntry("layerkit_health_ready", 1.0)
        .containsEntry("layerkit_health_check_status{check=\"db\"}", 1.0);
    assertThat(samples.keySet()).anyMatch(k -> k.startsWith("jvm_memory_used_bytes"))
        .anyMatch(k -> k.startsWith("jvm_threads_live_threads"))
        .anyMatch(k -> k.startsWith("process_uptime_seconds"))
        .anyMatch(k -> k.startsWith("system_cpu_count"));
  }

  @Test
  void metricsSpeakOpenMetricsWhenTheScraperAsksForIt() throws Exception {
    HealthRegistry registry = HealthRegistry.builder().build();
    start(registry, AdminServer.builder(registry).jvmMetrics(false));
    Counter.builder("layerkit.test.things").register(server.meterRegistry()).increment();
    HttpRequest request = HttpRequest.newBuilder(server.uri().resolve(AdminServer.METRICS_PATH))
        .header("Accept", "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5").build();
    HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue(AdminServer.OPENMETRICS_CONTENT_TYPE);
    assertThat(response.body()).contains("layerkit_test_things_total 1.0").endsWith("# EOF\n");
  }

  @Test
  void infoShowsVersionCommitStartTimeAndSettingsWithSecretsMasked() throws Exception {
    HealthRegistry registry = HealthRegistry.builder().build();
    ManualTimeSource time = new ManualTimeSource();
    Config config = Config.builder().systemProperties(new Properties())
        .environment(Map.of("LAYERKIT_CACHE_TTL", "5s", "LAYERKIT_REDIS_PASSWORD", "hunter2")::get)
        .settings(Config.Setting.duration("cache.ttl"), Config.Setting.string("redis.password").secret())
        .build();
    start(registry, AdminServer.builder(registry).version("1.2.3").gitCommit("abc1234").timeSource(time)
        .settings(config::maskedValues));

    String body = get(AdminServer.INFO_PATH).body();
    assertThat(body).doesNotContain("hunter2");
    JsonNode info = JSON.readTree(body);
    assertThat(info.get("version").asText()).isEqualTo("1.2.3");
    assertThat(info.get("gitCommit").asText()).isEqualTo("abc1234");
    assertThat(info.get("startTime").asText()).isEqualTo(ManualTimeSource.DEFAULT_START.toString());
    assertThat(info.at("/settings/cache.ttl").asText()).isEqualTo("5s");
    assertThat(info.at("/settings/redis.password").asText()).isEqualTo("******");
  }

  @Test
  void unknownPathIs404WrongMethodIs405AndErrorsCarryNoStackTrace() throws Exception {
    HealthRegistry registry = HealthRegistry.builder().build();
    start(registry, AdminServer.builder(registry).settings(() -> {
      throw new IllegalStateException("settings broke");
    }));

    HttpResponse<String> missing = get("/nope");
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(missing.body()).isEqualTo("{\"error\":\"not found\"}");

    HttpResponse<String> post = send("POST", AdminServer.READINESS_PATH);
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");

    HttpResponse<String> head = send("HEAD", AdminServer.READINESS_PATH);
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.body()).isEmpty();

    HttpResponse<String> broken = get(AdminServer.INFO_PATH);
    assertThat(broken.statusCode()).isEqualTo(500);
    assertThat(broken.body()).isEqualTo("{\"error\":\"internal error\"}").doesNotContain("settings broke");
  }

  @Test
  void validatesBuilderSettings() {
    HealthRegistry registry = HealthRegistry.builder().build();
    this.health = registry;
    assertThatThrownBy(() -> AdminServer.builder(registry).port(70_000))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("port must be in [0, 65535] but was 70000");
    assertThatThrownBy(() -> AdminServer.builder(registry).threads(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("threads must be >= 1 but was 0");
    assertThatThrownBy(() -> AdminServer.builder(registry).version(" "))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("version must not be blank but was ' '");
    assertThatThrownBy(() -> AdminServer.builder(registry).port(1).port(2))
        .isInstanceOf(IllegalStateException.class).hasMessage("port was already set to 1");
    assertThatThrownBy(() -> AdminServer.builder(null))
        .isInstanceOf(NullPointerException.class).hasMessage("health");
  }
}
