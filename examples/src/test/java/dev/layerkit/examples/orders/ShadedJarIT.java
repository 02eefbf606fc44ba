package dev.layerkit.examples.orders;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The README's main command as shipped: {@code java -jar examples/target/layerkit-examples.jar} in
 * a child JVM on embedded defaults (free ports instead of 8080 and 9090). The page and the API
 * answer through the gateway, readiness is UP, {@code /info} reports the build's version (the
 * jar's {@code Implementation-Version}), and SIGTERM drains and ends the process.
 */
class ShadedJarIT {

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  void theShippedJarServesThePageAndApiReportsItsVersionAndStopsOnSigterm() throws Exception {
    Path jar = Path.of(System.getProperty("layerkit.examples.jar"));
    assertThat(jar).exists();
    int port = freePort();
    int adminPort = freePort();
    Path log = Files.createTempFile("layerkit-examples", ".log");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process process = new ProcessBuilder(List.of(java, "-jar", jar.toString(), "--port=" + port,
        "--admin-port=" + adminPort)).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      URI gateway = URI.create("http://127.0.0.1:" + port);
      URI admin = URI.create("http://127.0.0.1:" + adminPort);
      awaitStatus(admin.resolve("/health/ready"), 200, process, log);

      assertThat(get(gateway.resolve("/"), null).statusCode()).isEqualTo(200);
      HttpResponse<String> catalog = get(gateway.resolve("/api/catalog"), "demo-key-change-me");
      assertThat(catalog.statusCode()).isEqualTo(200);
      assertThat(catalog.body()).contains("sku-");
      assertThat(get(gateway.resolve("/api/catalog"), null).statusCode()).isEqualTo(401);

      HttpResponse<String> info = get(admin.resolve("/info"), null);
      assertThat(info.statusCode()).isEqualTo(200);
      assertThat(info.body()).contains("\"version\":\"" + System.getProperty("layerkit.version") + "\"");

      process.destroy(); // SIGTERM
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("exited after SIGTERM; log:%n%s", read(log)).isTrue();
      assertThat(read(log)).contains("shutdown complete");
    } finally {
      process.destroyForcibly();
    }
  }

  private static void awaitStatus(URI uri, int status, Process process, Path log) {
    // A child JVM starting up: polled with a bound, not a wait for time-based logic.
    Awaitility.await("the jar to answer " + status + " on " + uri).atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(200)).ignoreExceptionsInstanceOf(IOException.class)
        .until(() -> {
          assertThat(process.isAlive()).as("the jar exited early; log:%n%s", read(log)).isTrue();
          return get(uri, null).statusCode() == status;
        });
  }

  private static HttpResponse<String> get(URI uri, String apiKey) throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10));
    if (apiKey != null) {
      request.header("X-API-Key", apiKey);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String read(Path log) throws IOException {
    return Files.readString(log);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
