package dev.layerkit.service.saga;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.core.time.ManualTimeSource;
import dev.layerkit.service.saga.OrderFixture.PlaceOrder;
import dev.layerkit.store.jdbc.JdbcRepository;
import dev.layerkit.test.servers.PostgresSchema;
import dev.layerkit.test.servers.TestServers;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A saga whose JVM is killed between two steps is finished by another instance, each step once:
 * a child JVM runs the order saga on PostgreSQL ({@link TestServers#postgres()}) and is killed
 * ({@code destroyForcibly}, SIGKILL) when the charge step has started, after the reservation was
 * recorded; the test's JVM then resumes the saga from the database.
 */
@DisplayName("Saga resumed after its JVM was killed (PostgreSQL)")
class SagaProcessKillIT {

  @Test
  void sagaOfAKilledJvmIsFinishedByAnotherInstanceWithEachStepRunOnce() throws Exception {
    PostgresSchema schema = TestServers.postgres().createSchema("saga_kill_it");
    String effects = schema.name() + ".effects";
    try (Connection c = schema.connect(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE " + effects + " (step_key text PRIMARY KEY, calls int NOT NULL)");
    }
    String password = schema.password() == null ? "" : schema.password();
    SagaChildProcess.Database db = new SagaChildProcess.Database(schema.jdbcUrl(), schema.user(), password, effects);

    Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), SagaChildProcess.class.getName(),
        schema.jdbcUrl(), schema.user(), password, "sagas", effects, "o-42")
        .redirectErrorStream(true).start();
    try {
      CompletableFuture<List<String>> started = CompletableFuture.supplyAsync(() -> readUntilChargeStarted(child));
      List<String> output = started.get(120, TimeUnit.SECONDS);
      assertThat(output).as("child output").contains(SagaChildProcess.CHARGE_STARTED);
    } finally {
      child.destroyForcibly();
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }

    ManualTimeSource afterTheLease = new ManualTimeSource(Instant.now().plus(SagaChildProcess.LEASE).plusSeconds(60));
    try (JdbcRepository<String, SagaRecord> repository = SagaChildProcess.repository(db, "sagas");
        Saga<PlaceOrder> survivor = SagaChildProcess.definition(repository, db, false, afterTheLease, "survivor")) {
      SagaRecord left = survivor.find("o-42").orElseThrow();
      assertThat(left.status()).isEqualTo(SagaStatus.RUNNING);
      assertThat(left.owner()).isEqualTo("child");
      assertThat(left.events().get(left.events().size() - 1).type()).isEqualTo(SagaEvent.Type.STEP_STARTED);
      assertThat(calls(db)).containsExactly(Map.entry("o-42:reserve-stock", 1));

      List<SagaResult> resumed = survivor.resumeStale();

      assertThat(resumed).extracting(SagaResult::status).containsExactly(SagaStatus.COMPLETED);
      assertThat(calls(db)).containsOnly(Map.entry("o-42:reserve-stock", 1), Map.entry("o-42:charge", 1),
          Map.entry("o-42:confirm", 1));
      assertThat(survivor.history("o-42")).extracting(SagaEvent::type, SagaEvent::instance).contains(
          org.assertj.core.groups.Tuple.tuple(SagaEvent.Type.STEP_COMPLETED, "child"),
          org.assertj.core.groups.Tuple.tuple(SagaEvent.Type.SAGA_RESUMED, "survivor"),
          org.assertj.core.groups.Tuple.tuple(SagaEvent.Type.SAGA_COMPLETED, "survivor"));
      assertThat(survivor.resumeStale()).isEmpty();
    }
  }

  private static List<String> readUntilChargeStarted(Process child) {
    List<String> lines = new java.util.ArrayList<>();
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        lines.add(line);
        if (line.equals(SagaChildProcess.CHARGE_STARTED)) {
          return lines;
        }
      }
    } catch (java.io.IOException e) {
      lines.add("read failed: " + e);
    }
    return lines;
  }

  private static Map<String, Integer> calls(SagaChildProcess.Database db) throws Exception {
    Map<String, Integer> calls = new HashMap<>();
    try (Connection c = db.connect(); Statement s = c.createStatement();
        ResultSet rows = s.executeQuery("SELECT step_key, calls FROM " + db.effects)) {
      while (rows.next()) {
        calls.put(rows.getString(1), rows.getInt(2));
      }
    }
    return calls;
  }
}
