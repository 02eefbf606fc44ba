package dev.layerkit.examples.orders;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.core.codec.Codecs;
import dev.layerkit.events.kafka.KafkaEventPublisher;
import dev.layerkit.test.servers.PostgresSchema;
import dev.layerkit.test.servers.TestServers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * How many order events one subscriber instance applies per second, the figure the subscriber's
 * KEDA lag threshold is derived from ({@code DeployFiles.SUBSCRIBER_EVENTS_PER_SECOND}): a backlog
 * of {@code OrderPlaced} events (200 customers, the order system's keying) is published first,
 * then one subscriber ({@code --role=subscriber}, PostgreSQL projection) starts and works it off;
 * the rate is the events applied between the first sample that saw any and the one that saw all,
 * over that time, so the JVM's and the group's start are left out. It checks that every event was
 * applied once, and writes the figure to {@code target/order-totals-throughput.txt}; it asserts no
 * speed (a loaded machine's figure is what it is).
 *
 * <pre>
 * ./mvnw -B -o -pl examples verify -Dtest=NONE -Dit.test=OrderTotalsThroughputIT \
 *     -Dsurefire.failIfNoSpecifiedTests=false -Dorder.totals.events=20000
 * </pre>
 */
class OrderTotalsThroughputIT {

  @Test
  void oneSubscriberWorksOffABacklogAndEveryEventIsAppliedOnce() throws Exception {
    int events = Integer.getInteger("order.totals.events", 10_000);
    PostgresSchema schema = TestServers.postgres().createSchema("order_totals_rate");
    String jdbcUrl = schema.jdbcUrl() + (schema.jdbcUrl().contains("?") ? "&" : "?") + "user=" + schema.user()
        + (schema.password() == null ? "" : "&password=" + schema.password());
    String namespace = "tp" + Long.toString(ThreadLocalRandom.current().nextLong(1L << 40), 36);
    String kafka = TestServers.kafka().bootstrapServers();
    OrderSystemOptions options = new OrderSystemOptions("production", 0, 0, 1, OrderSystemOptions.DEMO_API_KEY, 20,
        null, kafka, jdbcUrl, null, false, Duration.ofSeconds(10), "127.0.0.1", 0, 1_000_000,
        PlaceOrderSaga.DEFAULT_LEASE, "throughput");
    // The topic with the order system's partitions, before the backlog goes in.
    try (OrderSystem warmUp = OrderSystem.start(options, namespace, OrderSystem.Role.SUBSCRIBER,
        RemoteServices.at(List.of()))) {
      warmUp.subscriber().totals();
    }
    try (KafkaEventPublisher<OrderEvent> publisher = KafkaEventPublisher.builder(kafka, Codecs.json(OrderEvent.class))
        .build()) {
      String topic = OrderTotalsSubscriber.topic(namespace);
      for (int i = 0; i < events; i++) {
        String customer = "c-" + (i % 200);
        publisher.publishAndForget(topic, customer, new OrderEvent(OrderEvent.PLACED, "o-" + i, customer,
            OrderStatus.PLACED, 1000 + i % 7, i));
      }
      publisher.flush();
    }

    long firstSeen = 0;
    long appliedAtFirst = 0;
    long end;
    long applied;
    try (OrderSystem system = OrderSystem.start(options, namespace, OrderSystem.Role.SUBSCRIBER,
        RemoteServices.at(List.of()))) {
      OrderTotals totals = system.subscriber().totals();
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
      while (true) {
        applied = totals.summary().eventsApplied();
        long now = System.nanoTime();
        if (applied > 0 && firstSeen == 0) {
          firstSeen = now;
          appliedAtFirst = applied;
        }
        if (applied >= events || now > deadline) {
          end = now;
          break;
        }
        Thread.sleep(200); // sampling the projection's progress
      }
      assertThat(applied).as("every event applied").isEqualTo(events);
      assertThat(totals.summary().orders()).as("each once").isEqualTo(events);
    }
    double seconds = (end - firstSeen) / 1e9;
    double rate = (applied - appliedAtFirst) / seconds;
    String line = String.format(Locale.ROOT, "order totals: %d events, %d applied in %.1f s after the first sample:"
        + " %.0f events/s; load %s%n", events, applied - appliedAtFirst, seconds, rate, load());
    System.out.print(line);
    Path report = Path.of(System.getProperty("basedir", ".")).resolve("target/order-totals-throughput.txt");
    Files.createDirectories(report.getParent());
    Files.writeString(report, line, StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
        java.nio.file.StandardOpenOption.APPEND);
  }

  private static String load() {
    try {
      return Files.readString(Path.of("/proc/loadavg"), StandardCharsets.UTF_8).trim();
    } catch (java.io.IOException e) {
      return "unknown";
    }
  }
}
