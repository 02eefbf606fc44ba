package dev.layerkit.examples.orders;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.test.servers.PostgresSchema;
import dev.layerkit.test.servers.TestKafka;
import dev.layerkit.test.servers.TestServers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.junit.jupiter.api.Test;

/**
 * {@code OrderLoad --chaos} as CI runs it: 60 s of load through the gateway on real PostgreSQL, a
 * Redis of the run's own and an in-JVM Kafka cluster of 3 brokers, while four faults strike in
 * turn: an order-service child JVM is killed (SIGKILL) inside a saga's charge step and started
 * again, Redis is stopped (SIGSTOP) and continued, the broker leading the order events' first
 * partition is shut down and started again, and the payment service declines half the charges.
 *
 * <p>This is also the end-to-end "must show" of the order system under a kill: every order
 * crossed the page's API path (gateway, order service, inventory and payment services, store,
 * outbox, Kafka, dashboard), and afterwards every order acknowledged is in the store as
 * acknowledged, every saga either completed (stock reserved, charged, confirmed: the stock and
 * charges match the placed orders exactly) or compensated (rejected, stock released), the killed
 * instance's saga was resumed by another, and the dashboard counted each placed order once.
 */
class OrderLoadChaosIT {

  private static final Duration RUN = Duration.ofSeconds(60);

  @Test
  void sixtySecondsOfFaultsUnderLoadLoseNoOrderApplyNoEventTwiceAndLeaveNoOrderHalfDone() throws Exception {
    TestKafka kafka = TestServers.kafka(3);
    PostgresSchema schema = TestServers.postgres().createSchema("orders_chaos");
    String jdbcUrl = schema.jdbcUrl() + (schema.jdbcUrl().contains("?") ? "&" : "?")
        + "user=" + schema.user() + (schema.password() == null ? "" : "&password=" + schema.password());
    String namespace = "ch" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
    ChaosRun.Settings settings = new ChaosRun.Settings(kafka.bootstrapServers(), jdbcUrl, namespace, 1,
        RedisProcess.DEFAULT_BINARY, Duration.ofSeconds(5));

    ChaosReport report;
    try (ChaosRun run = ChaosRun.start(settings)) {
      List<Fault> faults = new ArrayList<>(run.faults());
      faults.add(2, brokerRestart(kafka, namespace + "." + OrderService.TOPIC));

      report = run.run(faults, RUN, "mixed", 8, null);
    }
    System.out.print(report.toText());
    report.write(Path.of("target", "order-load-chaos"));

    assertThat(report.lost()).as(report.toText()).isZero();
    assertThat(report.doubleApplied()).as(report.toText()).isZero();
    assertThat(report.halfDone()).as(report.toText()).isZero();
    assertThat(report.stockMismatch()).as(report.toText()).isZero();
    assertThat(report.chargeMismatch()).as(report.toText()).isZero();
    assertThat(report.passed()).isTrue();
    // Every fault struck, in its slot, and was healed before the run ended.
    assertThat(report.faults()).extracting(ChaosSchedule.Strike::fault).containsExactly(
        ChaosRun.KILL, ChaosRun.PAUSE_REDIS, ChaosRun.RESTART_KAFKA_BROKER, ChaosRun.FAIL_PAYMENTS);
    assertThat(report.faults()).allSatisfy(strike -> {
      assertThat(strike.error()).as(strike.fault()).isNull();
      assertThat(strike.struckAtSeconds()).as(strike.fault()).isBetween(0.0, (double) RUN.toSeconds());
      assertThat(strike.healedAtSeconds()).as(strike.fault()).isNotNull()
          .isGreaterThan(strike.struckAtSeconds());
    });
    assertThat(report.faults().get(0).detail()).contains("inside the charge step");
    // The killed instance's saga was finished by another instance once its lease lapsed.
    assertThat(report.sagasResumed()).as(report.toText()).isGreaterThanOrEqualTo(1);
    assertThat(report.sagas().get("COMPLETED")).isPositive();
    assertThat(report.sagas().get("COMPENSATED")).as("declined payments were compensated").isPositive();
    assertThat(report.storeOrders().get("REJECTED")).isEqualTo(report.sagas().get("COMPENSATED"));
    assertThat(report.dashboardPlaced()).isEqualTo(report.storeOrders().get("PLACED"));
    assertThat(report.acknowledged()).isGreaterThan(20);
    assertThat(report.requests()).isPositive();
    assertThat(report.errorRate()).as(report.toText()).isBetween(0.0, 1.0);
    assertThat(report.toJson()).contains("\"passed\" : true", "\"errorRate\"", "\"restart-kafka-broker\"");
  }

  /** Shuts down the broker that leads the topic's first partition, and starts it again. */
  private static Fault brokerRestart(TestKafka kafka, String topic) {
    int[] broker = new int[1];
    return Fault.of(ChaosRun.RESTART_KAFKA_BROKER, () -> {
      try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
        TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames()
            .get(30, TimeUnit.SECONDS).get(topic);
        broker[0] = description.partitions().get(0).leader().id();
      }
      kafka.shutdownBroker(broker[0]);
      return "shut down broker " + broker[0] + ", leader of " + topic + "-0";
    }, () -> {
      kafka.startBroker(broker[0]);
      return "started broker " + broker[0] + " again";
    });
  }
}
