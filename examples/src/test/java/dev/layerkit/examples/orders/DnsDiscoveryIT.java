package dev.layerkit.examples.orders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.layerkit.test.servers.PostgresSchema;
import dev.layerkit.test.servers.TestServers;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --discovery=dns}, as the generated manifests run the gateway: one {@code host:port} whose
 * name resolves to several addresses (a headless Service's pods) is balanced over all of them.
 *
 * <p>The gateway runs as {@code OrderSystemMain} in a child JVM, in production mode on real
 * Redis, PostgreSQL and Kafka, whose resolver reads a hosts file ({@code jdk.net.hosts.file}, the
 * JDK's own switch): {@code orders-headless} has three addresses, 127.0.0.1 to 127.0.0.3, and an
 * order-service stand-in answers on each, on one port, as pods do. Real name resolution, through
 * {@code DnsEndpointSource} and the gateway's least-request balancer.
 */
class DnsDiscoveryIT {

  private static final int INSTANCES = 3;

  @TempDir
  Path dir;

  @Test
  void theGatewayBalancesOverEveryAddressTheHeadlessNameResolvesTo() throws Exception {
    List<HttpServer> servers = new ArrayList<>();
    List<AtomicInteger> hits = new ArrayList<>();
    int port = bindAll(servers, hits);
    Process gateway = null;
    try {
      Path hosts = dir.resolve("hosts");
      StringBuilder lines = new StringBuilder("127.0.0.1 localhost\n");
      for (int i = 1; i <= INSTANCES; i++) {
        lines.append("127.0.0.").append(i).append(" orders-headless\n");
      }
      Files.writeString(hosts, lines.toString());
      PostgresSchema schema = TestServers.postgres().createSchema("dns_discovery");
      String jdbcUrl = schema.jdbcUrl() + (schema.jdbcUrl().contains("?") ? "&" : "?") + "user=" + schema.user()
          + (schema.password() == null ? "" : "&password=" + schema.password());
      String redis = TestServers.redis().uri();
      List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Djdk.net.hosts.file=" + hosts, "-cp", System.getProperty("java.class.path"),
          OrderSystemMain.class.getName(), "--role=gateway", "--backends=production", "--discovery=dns",
          "--services=orders-headless:" + port, "--port=0", "--admin-port=0", "--rate=100000",
          "--namespace=dns" + Long.toString(System.nanoTime() % 1_000_000_000L, 36),
          "--redis=" + redis, "--kafka=" + TestServers.kafka().bootstrapServers(), "--postgres=" + jdbcUrl);
      Path log = dir.resolve("gateway.log");
      gateway = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      URI api = awaitApi(gateway, log);

      HttpClient client = HttpClient.newHttpClient();
      for (int i = 0; i < 30; i++) {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(api.resolve("/api/orders/o-" + i))
            .header("X-API-Key", OrderSystemOptions.DEMO_API_KEY).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("answered by a stand-in: %s", response.body()).isEqualTo(404);
      }

      assertThat(hits).as("requests per address of orders-headless")
          .allSatisfy(count -> assertThat(count.get()).isPositive());
      assertThat(hits.stream().mapToInt(AtomicInteger::get).sum()).isEqualTo(30);
    } finally {
      if (gateway != null) {
        gateway.destroy();
        if (!gateway.waitFor(30, TimeUnit.SECONDS)) {
          gateway.destroyForcibly();
        }
      }
      servers.forEach(server -> server.stop(0));
    }
  }

  /** Binds a stand-in on each of 127.0.0.1..n at one free port and returns the port. */
  private static int bindAll(List<HttpServer> servers, List<AtomicInteger> hits) throws IOException {
    for (int attempt = 0; attempt < 20; attempt++) {
      int port;
      try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
        port = probe.getLocalPort();
      }
      try {
        for (int i = 1; i <= INSTANCES; i++) {
          AtomicInteger count = new AtomicInteger();
          HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0." + i), port), 0);
          server.createContext("/", exchange -> {
            count.incrementAndGet();
            byte[] body = "{\"error\":\"no such order\"}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(404, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
          });
          server.start();
          servers.add(server);
          hits.add(count);
        }
        return port;
      } catch (BindException e) {
        servers.forEach(server -> server.stop(0));
        servers.clear();
        hits.clear();
      }
    }
    throw new AssertionError("no port free on 127.0.0.1 to 127.0.0." + INSTANCES + " after 20 attempts");
  }

  /** Waits until the child prints its API address; fails with its output if it exits or takes too long. */
  private static URI awaitApi(Process process, Path log) throws IOException {
    Pattern api = Pattern.compile("API\\s+(http://\\S+?)/api/catalog");
    try {
      String output = await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200))
          .until(() -> Files.readString(log), text -> api.matcher(text).find() || !process.isAlive());
      Matcher matcher = api.matcher(output);
      if (matcher.find()) {
        return URI.create(matcher.group(1));
      }
    } catch (ConditionTimeoutException e) {
      // reported below with the output
    }
    throw new AssertionError("the gateway did not start; its output:\n" + Files.readString(log));
  }
}
