package dev.layerkit.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.layerkit.core.health.Health;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gateway watching its routes file on disk, under a steady keep-alive load. */
class GatewayRoutesWatchIT extends GatewayTestSupport {

  private static final Duration INTERVAL = Duration.ofMillis(200);

  @TempDir Path dir;

  private static String routes(TestUpstream a, TestUpstream b, String target) {
    return """
        upstreams:
          a: { endpoints: ["127.0.0.1:%d"] }
          b: { endpoints: ["127.0.0.1:%d"] }
        routes:
          - id: main
            pathPrefix: /
            upstream: %s
        """.formatted(a.port(), b.port(), target);
  }

  /** Writes the file whole (a rename), as editors and ConfigMap updates do. */
  private void write(Path file, String text) throws Exception {
    Path temp = Files.createTempFile(dir, "routes", ".tmp");
    Files.writeString(temp, text);
    Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private TestUpstream a;
  private TestUpstream b;
  private Path file;
  private SimpleMeterRegistry meters;
  private Gateway gateway;

  /** A gateway watching a file that routes everything to {@code a}. */
  @BeforeEach
  void startWatchingGateway() throws Exception {
    a = upstream("a");
    b = upstream("b");
    file = dir.resolve("routes.yaml");
    write(file, routes(a, b, "a"));
    meters = new SimpleMeterRegistry();
    gateway = start(Gateway.builder().routesFile(file).routesFileWatchInterval(INTERVAL)
        .meterRegistry(meters));
  }

  @Test
  void anEditOnDiskChangesRoutingWithinTheIntervalWithoutDroppingAConnection() throws Exception {

    AtomicBoolean running = new AtomicBoolean(true);
    List<Throwable> errors = new CopyOnWriteArrayList<>();
    Map<Integer, List<String>> seen = new ConcurrentHashMap<>();
    List<Thread> clients = new ArrayList<>();
    for (int t = 0; t < 3; t++) {
      int id = t;
      Thread client = new Thread(() -> {
        List<String> bodies = new CopyOnWriteArrayList<>();
        seen.put(id, bodies);
        // One socket per client for the whole test: a dropped connection is an error.
        try (RawHttp raw = new RawHttp(gateway.port())) {
          while (running.get()) {
            raw.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            RawHttp.Response response = raw.read();
            if (response.status() != 200) {
              throw new IllegalStateException("status " + response.status());
            }
            bodies.add(response.body());
          }
        } catch (Throwable e) {
          errors.add(e);
        }
      });
      client.start();
      clients.add(client);
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() == 3
        && seen.values().stream().allMatch(bodies -> bodies.size() > 20));

    write(file, routes(a, b, "b"));
    long edited = System.nanoTime();
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10)).until(() ->
        seen.values().stream().allMatch(bodies -> !bodies.isEmpty()
            && bodies.get(bodies.size() - 1).equals("b")));
    long tookMillis = (System.nanoTime() - edited) / 1_000_000;
    await().atMost(Duration.ofSeconds(10)).until(() ->
        seen.values().stream().allMatch(bodies -> bodies.size() > 50));
    running.set(false);
    for (Thread client : clients) {
      client.join(10_000);
    }

    assertThat(errors).isEmpty();
    assertThat(tookMillis).isLessThan(INTERVAL.toMillis() * 5 + 1_000);
    for (List<String> bodies : seen.values()) {
      int switchedAt = bodies.indexOf("b");
      assertThat(switchedAt).isPositive();
      assertThat(bodies.subList(0, switchedAt)).containsOnly("a");
      assertThat(bodies.subList(switchedAt, bodies.size())).containsOnly("b");
    }
    assertThat(meters.get("layerkit.gateway.routes.reloads").tag("result", "success").counter()
        .count()).isEqualTo(1);
  }

  @Test
  void anInvalidEditIsRejectedOnceWithItsLinesAndRoutingStaysUnchanged() throws Exception {
    assertThat(get(gateway, "/").body()).isEqualTo("a");

    // A typo in the upstream's name and an unknown field: the whole edit is refused.
    write(file, routes(a, b, "bb").replace("pathPrefix: /", "pathPrefix: /\n    retries: 3"));
    await().atMost(Duration.ofSeconds(10)).until(() ->
        meters.get("layerkit.gateway.routes.reloads").tag("result", "failure").counter().count() == 1);
    Health health = gateway.healthCheck().check();
    assertThat(health.details()).containsEntry("routesReload", "rejected");
    assertThat(String.valueOf(health.details().get("routesErrors")))
        .contains("routes[0].retries: unknown field")
        .contains("] (line 7)")
        .contains("routes[0] (main).upstream: unknown upstream 'bb'; defined: [a, b] (line 8)");
    for (int i = 0; i < 20; i++) {
      assertThat(get(gateway, "/").body()).isEqualTo("a");
    }
    // The same content is not parsed (nor logged) again.
    await().during(INTERVAL.multipliedBy(4)).atMost(Duration.ofSeconds(5)).until(() ->
        meters.get("layerkit.gateway.routes.reloads").tag("result", "failure").counter().count() == 1);

    write(file, routes(a, b, "b"));
    await().atMost(Duration.ofSeconds(10)).until(() -> get(gateway, "/").body().equals("b"));
    assertThat(gateway.healthCheck().check().details()).containsEntry("routesReload", "ok");
  }

  @Test
  void anInvalidFileAtBuildTimeThrowsWithItsLines() throws Exception {
    Path json = dir.resolve("routes.json");
    Files.writeString(json, "{\n  \"routes\": [\n    { \"id\": \"r\", \"pathPrefix\": \"/\" }\n  ]\n}\n");
    assertThatThrownBy(() -> Gateway.builder().routesFile(json).build())
        .isInstanceOf(GatewayConfigException.class)
        .hasMessageContaining("needs an upstream or static files (or a split) (line 3)");
    Files.writeString(json, "{\n  \"routes\": [\n    { \"id\": \"r\",, }\n  ]\n}\n");
    assertThatThrownBy(() -> Gateway.builder().routesFile(json).build())
        .isInstanceOf(GatewayConfigException.class).hasMessageContaining("(line 3)");
  }
}
