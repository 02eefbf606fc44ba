package dev.layerkit.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM to a child JVM running {@link DrainTestApp}: readiness goes DOWN, the pre-stop delay
 * passes, the listener closes, in-flight requests finish, and the process exits 0 in time.
 */
class GracefulDrainIT {

  private static final long PRE_STOP_MILLIS = 2_000;
  private static final long DEADLINE_MILLIS = 20_000;

  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final List<String> lines = new CopyOnWriteArrayList<>();
  private Process process;

  @TempDir
  Path tmp;

  @AfterEach
  void tearDown() {
    if (process != null && process.isAlive()) {
      process.destroyForcibly();
    }
  }

  @Test
  void inFlightRequestsCompleteNewOnesAreRefusedReadinessWentDownFirstAndExitIsZero() throws Exception {
    Path stderr = tmp.resolve("child.err");
    String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), DrainTestApp.class.getName(),
        Long.toString(PRE_STOP_MILLIS), Long.toString(DEADLINE_MILLIS))
        .redirectError(stderr.toFile())
        .start();
    startReader();

    String listening = awaitLine(l -> l.startsWith("LISTENING"), stderr);
    String[] parts = listening.split(" ");
    URI app = URI.create("http://127.0.0.1:" + parts[1].substring("app=".length()));
    URI admin = URI.create("http://127.0.0.1:" + parts[2].substring("admin=".length()));
    assertThat(status(admin.resolve(AdminServer.READINESS_PATH))).isEqualTo(200);

    List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      inFlight.add(client.sendAsync(request(app.resolve("/slow")), HttpResponse.BodyHandlers.ofString()));
    }
    await().atMost(Duration.ofSeconds(20)).until(() -> lines.stream().filter(l -> l.startsWith("ACCEPTED")).count() == 3);

    long signalled = System.nanoTime();
    // SIGTERM, as Process.destroy() sends on Linux; through the ProcessHandle because
    // Process.destroy() also closes our ends of the child's pipes, which this test still reads
    // (events) and writes (the release).
    assertThat(process.toHandle().destroy()).isTrue();

    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
        .until(() -> status(admin.resolve(AdminServer.READINESS_PATH)) == 503);
    boolean listenerClosedBeforeReadinessDown = lines.stream().anyMatch(l -> l.startsWith("EVENT listener-closed"));
    assertThat(listenerClosedBeforeReadinessDown).as("readiness DOWN while the listener is still open").isFalse();
    assertThat(status(app.resolve("/ping"))).as("the pre-stop delay keeps serving stragglers").isEqualTo(200);

    String closed = awaitLine(l -> l.startsWith("EVENT listener-closed"), stderr);
    assertThat(closed).isEqualTo("EVENT listener-closed ready=DOWN");
    assertThatThrownBy(() -> client.send(request(app.resolve("/ping")), HttpResponse.BodyHandlers.ofString()))
        .as("new requests are refused once the listener is closed")
        .isInstanceOf(ConnectException.class);
    assertThat(inFlight).noneMatch(CompletableFuture::isDone);

    try (OutputStream stdin = process.getOutputStream()) {
      stdin.write("release\n".getBytes(StandardCharsets.UTF_8));
    }
    for (CompletableFuture<HttpResponse<String>> response : inFlight) {
      HttpResponse<String> done = response.get(20, TimeUnit.SECONDS);
      assertThat(done.statusCode()).isEqualTo(200);
      assertThat(done.body()).isEqualTo("done");
    }

    assertThat(process.waitFor(DEADLINE_MILLIS + 5_000, TimeUnit.MILLISECONDS)).as("exited").isTrue();
    long tookMillis = (System.nanoTime() - signalled) / 1_000_000;
    assertThat(process.exitValue()).as("exit status; child stderr:%n%s", Files.readString(stderr)).isZero();
    assertThat(tookMillis).as("within the shutdown deadline").isLessThan(DEADLINE_MILLIS);
    assertThat(lines).contains("EVENT drained").noneMatch(l -> l.startsWith("ERROR"));
  }

  @Test
  void aComponentThatOverrunsIsLoggedByNameAbandonedAndTheExitStatusSaysSo() throws Exception {
    Path stderr = tmp.resolve("stuck.err");
    long deadlineMillis = 2_000;
    String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), DrainTestApp.class.getName(),
        "100", Long.toString(deadlineMillis), "stuck")
        .redirectError(stderr.toFile())
        .start();
    startReader();
    String listening = awaitLine(l -> l.startsWith("LISTENING"), stderr);
    URI app = URI.create("http://127.0.0.1:" + listening.split(" ")[1].substring("app=".length()));
    assertThat(status(app.resolve("/ping"))).isEqualTo(200);

    long signalled = System.nanoTime();
    assertThat(process.toHandle().destroy()).isTrue();   // SIGTERM

    assertThat(process.waitFor(deadlineMillis + 10_000, TimeUnit.MILLISECONDS)).as("exited").isTrue();
    long tookMillis = (System.nanoTime() - signalled) / 1_000_000;
    String log = Files.readString(stderr);
    assertThat(process.exitValue()).as("exit status; child stderr:%n%s", log).isEqualTo(1);
    assertThat(log).contains("component stuck-consumer overran the shutdown deadline in drain");
    // Abandoned, then still stopped: the drain deadline plus at most the force-stop timeout.
    await().atMost(Duration.ofSeconds(5)).until(() -> lines.contains("EVENT stuck-consumer stopped"));
    // It drained first (it depends on the app) and used up the deadline: the app is not drained
    // but still stopped.
    assertThat(log).contains("no time left to drain app");
    assertThat(lines).doesNotContain("EVENT drained");
    assertThat(tookMillis).isGreaterThanOrEqualTo(deadlineMillis - 200)
        .isLessThan(deadlineMillis + Lifecycle.DEFAULT_FORCE_STOP_TIMEOUT.toMillis() + 5_000);
  }

  private void startReader() {
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          lines.add(line);
        }
      } catch (IOException e) {
        lines.add("READER " + e);
      }
    });
    reader.setDaemon(true);
    reader.start();
  }

  private HttpRequest request(URI uri) {
    return HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).build();
  }

  private int status(URI uri) throws IOException, InterruptedException {
    return client.send(request(uri), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private String awaitLine(Predicate<String> wanted, Path stderr) throws IOException {
    try {
      await().atMost(Duration.ofSeconds(30)).until(() -> lines.stream().anyMatch(wanted));
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError("child never printed the line; stdout " + lines + "; stderr:\n"
          + Files.readString(stderr), e);
    }
    return lines.stream().filter(wanted).findFirst().orElseThrow();
  }
}
