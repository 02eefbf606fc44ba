package dev.layerkit.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.store.OptimisticLockException;
import dev.layerkit.store.StoreException;
import dev.layerkit.test.Concurrently;
import dev.layerkit.test.servers.LossyLink;
import dev.layerkit.test.servers.PostgresSchema;
import dev.layerkit.test.servers.TestPostgres;
import dev.layerkit.test.servers.TestServers;
import dev.layerkit.test.store.TestOrder;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@link JdbcRepository} on PostgreSQL over a path that drops 20% of its packets
 * ({@link LossyLink}; TCP repairs the loss with retransmissions, so calls slow down): four threads
 * insert batches of five orders ({@code insertAllIfAbsent}, one transaction) and update a counter
 * record each with optimistic versions.
 *
 * <p>Asserted, reading the table afterwards on a clean connection: every batch is stored whole or
 * not at all (never half-applied), every acknowledged batch is stored, each counter is at its last
 * acknowledged version (or one more, if the last update failed without knowing its outcome), and
 * every call returned or failed within the driver's socket timeout (no hang).
 */
class LossyNetworkJdbcIT {

  private static final TestPostgres POSTGRES = TestServers.postgres();
  private static final int SOCKET_TIMEOUT_SECONDS = 10;
  private static final int BATCH = 5;

  @Test
  void underPacketLossBatchesAreWholeOrAbsentAndAcknowledgedWritesAreStored() throws Exception {
    PostgresSchema schema = POSTGRES.createSchema("lossy_network_it");
    Matcher hostPort = Pattern.compile("//([^:/]+):(\\d+)/").matcher(schema.jdbcUrl());
    assertThat(hostPort.find()).as("host and port in %s", schema.jdbcUrl()).isTrue();
    String table = "orders_lossy";
    // The table is made on a clean path, so that only the writes meet the loss.
    JdbcRepository.builder(TestOrder.DESCRIPTOR).jdbcUrl(schema.jdbcUrl()).user(schema.user()).table(table)
        .maximumPoolSize(1).build().close();

    try (LossyLink link = LossyLink.to(Integer.parseInt(hostPort.group(2)))) {
      String lossyUrl = hostPort.replaceFirst("//" + link.host() + ":" + link.port() + "/")
          + (schema.jdbcUrl().contains("?") ? "&" : "?")
          + "socketTimeout=" + SOCKET_TIMEOUT_SECONDS + "&connectTimeout=5";
      try (JdbcRepository<String, TestOrder> repository = JdbcRepository.builder(TestOrder.DESCRIPTOR)
          .jdbcUrl(lossyUrl).user(schema.user()).table(table).createTable(false).maximumPoolSize(4)
          .connectionTimeout(Duration.ofSeconds(30)).build()) {
        for (int t = 0; t < 4; t++) {
          repository.save(TestOrder.of("counter-" + t, "c", 0, "NEW"));
        }
        link.loss(0.2);

        Map<String, Boolean> batchAcknowledged = new ConcurrentHashMap<>();
        Map<String, long[]> counterVersions = new ConcurrentHashMap<>(); // {last acknowledged, indeterminate after}
        LongAccumulator slowest = new LongAccumulator(Math::max, 0);
        AtomicInteger failures = new AtomicInteger();
        AtomicInteger thread = new AtomicInteger();
        Concurrently.run(4, Duration.ofMinutes(3), () -> {
          int t = thread.getAndIncrement();
          String counterId = "counter-" + t;
          long[] versions = {1, 0};
          counterVersions.put(counterId, versions);
          TestOrder counter = new TestOrder(counterId, "c", 0, "NEW", 0, 1);
          for (int b = 0; b < 10; b++) {
            List<TestOrder> batch = new ArrayList<>();
            for (int i = 0; i < BATCH; i++) {
              batch.add(TestOrder.of("t" + t + "-b" + b + "-" + i, "c" + t, 100 + i, "NEW"));
            }
            long begin = System.nanoTime();
            try {
              assertThat(repository.insertAllIfAbsent(batch)).isEqualTo(BATCH);
              batchAcknowledged.put("t" + t + "-b" + b, true);
            } catch (StoreException e) {
              batchAcknowledged.put("t" + t + "-b" + b, false);
              failures.incrementAndGet();
            }
            slowest.accumulate(System.nanoTime() - begin);
            begin = System.nanoTime();
            try {
              counter = repository.save(new TestOrder(counterId, "c", 0, "NEW", counter.counter() + 1, counter.version()));
              versions[0] = counter.version();
              versions[1] = 0;
            } catch (OptimisticLockException e) {
              // An earlier update landed after all: continue from what is stored.
              counter = repository.findById(counterId).orElseThrow();
              versions[0] = counter.version();
              versions[1] = 0;
            } catch (StoreException e) {
              versions[1] = 1; // the outcome is unknown
              failures.incrementAndGet();
            }
            slowest.accumulate(System.nanoTime() - begin);
          }
        });
        long dropped = link.dropped();
        link.loss(0);

        Map<String, Integer> storedPerBatch = new HashMap<>();
        Map<String, Long> counterStored = new HashMap<>();
        try (Connection c = schema.connect(); Statement s = c.createStatement();
             ResultSet rows = s.executeQuery("SELECT id, version FROM " + table)) {
          while (rows.next()) {
            String id = rows.getString(1);
            if (id.startsWith("counter-")) {
              counterStored.put(id, rows.getLong(2));
            } else {
              storedPerBatch.merge(id.substring(0, id.lastIndexOf('-')), 1, Integer::sum);
            }
          }
        }
        System.out.printf("[network] PostgreSQL, 20%% loss: %d packets dropped; %d batches (%d acknowledged),"
                + " 40 updates; %d calls failed; slowest call %d ms (socket timeout %d s)%n",
            dropped, batchAcknowledged.size(), batchAcknowledged.values().stream().filter(x -> x).count(),
            failures.get(), slowest.get() / 1_000_000, SOCKET_TIMEOUT_SECONDS);
        assertThat(dropped).as("packets were dropped").isPositive();
        batchAcknowledged.forEach((batch, acknowledged) -> {
          int stored = storedPerBatch.getOrDefault(batch, 0);
          assertThat(stored).as("batch %s is whole or absent", batch).isIn(0, BATCH);
          if (acknowledged) {
            assertThat(stored).as("acknowledged batch %s is stored", batch).isEqualTo(BATCH);
          }
        });
        assertThat(storedPerBatch.keySet()).as("nothing stored that was not written")
            .isSubsetOf(batchAcknowledged.keySet());
        counterVersions.forEach((id, versions) -> assertThat(counterStored.get(id))
            .as("%s at its last acknowledged version (or one more if the last update was indeterminate)", id)
            .isBetween(versions[0], versions[0] + versions[1]));
        assertThat(Duration.ofNanos(slowest.get())).as("no call hangs beyond the socket timeout")
            .isLessThan(Duration.ofSeconds(SOCKET_TIMEOUT_SECONDS * 2L + 30));
      }
    }
  }
}
