package dev.layerkit.events.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.layerkit.core.codec.Codecs;
import dev.layerkit.core.health.Health;
import dev.layerkit.core.health.HealthCheck;
import dev.layerkit.core.health.HealthStatus;
import dev.layerkit.core.time.ManualTimeSource;
import dev.layerkit.events.Subscription;
import dev.layerkit.test.servers.TestKafka;
import dev.layerkit.test.servers.TestServers;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.junit.jupiter.api.Test;

/**
 * Consumer lag, its gauge and the subscriber's health check, against a real broker. A handler
 * that blocks on a latch holds the member at its first event, so the lag is exactly the number
 * of events published.
 */
class KafkaConsumerLagIT {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String LAG_GAUGE = "layerkit.events.consumer.lag";
  private static final int EVENTS = 5;

  private static String newTopic(TestKafka kafka, String name) throws Exception {
    String topic = kafka.newTopicName(name);
    try (Admin admin = Admin.create(Map.<String, Object>of(
        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      KafkaTopics.create(admin, topic, 1, (short) 1, Map.of(), WAIT);
    }
    return topic;
  }

  private static void publish(TestKafka kafka, String topic, int count) {
    try (KafkaEventPublisher<String> publisher =
        KafkaEventPublisher.builder(kafka.bootstrapServers(), Codecs.utf8()).build()) {
      for (int i = 0; i < count; i++) {
        publisher.publish(topic, "k", "e" + i).join();
      }
    }
  }

  @Test
  void lagCountsEventsNotYetHandledDegradesHealthPastTheWarningAndFallsToZeroWhenHandled()
      throws Exception {
    TestKafka kafka = TestServers.kafka();
    String topic = newTopic(kafka, "lag");
    publish(kafka, topic, EVENTS);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    CountDownLatch firstEventHeld = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    List<String> handled = new CopyOnWriteArrayList<>();

    try (KafkaEventSubscriber<String> subscriber = KafkaEventSubscriber
        .builder(kafka.bootstrapServers(), Codecs.utf8())
        .meterRegistry(registry).lagWarning(EVENTS - 1).build()) {
      HealthCheck health = subscriber.healthCheck();
      assertThat(health.check().status()).as("no subscriptions").isEqualTo(HealthStatus.UP);

      Subscription subscription = subscriber.subscribe(topic, "g", e -> {
        firstEventHeld.countDown();
        release.await();
        handled.add(e.payload());
      });
      firstEventHeld.await();
      try {
        // The whole topic was fetched (or is known from the fetch's high watermark) while the
        // handler holds the first event: nothing is handled, so all of it is lag.
        await().atMost(WAIT).until(() -> subscription.lag().equals(OptionalLong.of(EVENTS)));
        assertThat(lagGauge(registry, topic)).isEqualTo(EVENTS);
        Health lagging = health.check();
        assertThat(lagging.status()).isEqualTo(HealthStatus.DEGRADED);
        assertThat((String) lagging.detail("reason")).contains("lag 5 > 4");
        assertThat(lagging.details()).hasSize(2).containsValue(Map.of("topic", topic,
            "group", "g", "lag", (long) EVENTS, "assignedPartitions", Set.of(0)));
        assertThat(handled).isEmpty();
      } finally {
        // Also on a failed assertion, so that closing does not wait out the drain timeout.
        release.countDown();
      }

      await().atMost(WAIT).until(() -> handled.size() == EVENTS
          && subscription.lag().equals(OptionalLong.of(0)));
      assertThat(lagGauge(registry, topic)).isZero();
      Health caughtUp = health.check();
      assertThat(caughtUp.status()).isEqualTo(HealthStatus.UP);
      assertThat(caughtUp.details().values()).containsExactly(Map.of("topic", topic,
          "group", "g", "lag", 0L, "assignedPartitions", Set.of(0)));

      subscription.close();
      assertThat(subscription.lag()).as("stopped").isEmpty();
      assertThat(registry.find(LAG_GAUGE).tag("topic", topic).gauge()).as("gauge removed")
          .isNull();
      assertThat(health.check().details()).as("a closed subscription is not checked").isEmpty();
    }
  }

  @Test
  void healthIsDownWhileAConsumerThreadHasDiedAndAfterTheSubscriberIsClosed() throws Exception {
    TestKafka kafka = TestServers.kafka();
    String healthyTopic = newTopic(kafka, "lag-healthy");
    String fatalTopic = newTopic(kafka, "lag-fatal");
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    KafkaEventSubscriber<String> subscriber = KafkaEventSubscriber
        .builder(kafka.bootstrapServers(), Codecs.utf8()).meterRegistry(registry).build();
    HealthCheck health = subscriber.healthCheck();
    try {
      Subscription healthy = subscriber.subscribe(healthyTopic, "g", e -> { });
      Subscription dying = subscriber.subscribe(fatalTopic, "g", e -> {
        // An Error is not the handler failing an event (which is retried) but the thread dying.
        throw new AssertionError("handler bug");
      });
      healthy.awaitAssignment(WAIT);
      dying.awaitAssignment(WAIT);
      assertThat(health.check().status()).isEqualTo(HealthStatus.UP);

      publish(kafka, fatalTopic, 1);
      await().atMost(WAIT).until(() -> health.check().status() == HealthStatus.DOWN);
      assertThat((String) health.check().detail("reason")).contains("stopped")
          .contains("handler bug").doesNotContain(healthyTopic);

      dying.close();
      assertThat(health.check().status()).as("closing the dead member clears it")
          .isEqualTo(HealthStatus.UP);
      assertThat(registry.find(LAG_GAUGE).tag("topic", healthyTopic).gauge()).isNotNull();
    } finally {
      subscriber.close();
    }
    Health closed = health.check();
    assertThat(closed.status()).isEqualTo(HealthStatus.DOWN);
    assertThat(closed.detail("reason")).isEqualTo("closed");
    assertThat(registry.find(LAG_GAUGE).gauges()).as("every lag gauge removed").isEmpty();
  }

  /**
   * Polls that keep failing turn the health DOWN once they have failed for longer than
   * {@code pollFailureTimeout} on the subscriber's clock, and not before. With
   * {@code auto.offset.reset=none} and a group that never committed, every poll throws
   * {@code NoOffsetForPartitionException}; the manual clock decides how long that has gone on.
   */
  @Test
  void healthIsDownOncePollsHaveKeptFailingForLongerThanTheTimeout() throws Exception {
    TestKafka kafka = TestServers.kafka();
    String topic = newTopic(kafka, "lag-no-offset");
    ManualTimeSource clock = new ManualTimeSource();
    KafkaEventSubscriber<String> subscriber = KafkaEventSubscriber
        .builder(kafka.bootstrapServers(), Codecs.utf8())
        .property(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none")
        .pollFailureTimeout(Duration.ofSeconds(30))
        .timeSource(clock)
        .build();
    HealthCheck health = subscriber.healthCheck();
    try {
      KafkaSubscription<?> failing =
          (KafkaSubscription<?>) subscriber.subscribe(topic, "g", e -> { });
      await().atMost(WAIT).until(() -> failing.pollFailingFor() != null);
      assertThat(health.check().status()).as("failing, but for no time yet")
          .isEqualTo(HealthStatus.UP);

      clock.advance(Duration.ofSeconds(30));
      assertThat(health.check().status()).as("failing for exactly the timeout")
          .isEqualTo(HealthStatus.UP);

      clock.advance(Duration.ofMillis(1));
      Health down = health.check();
      assertThat(down.status()).isEqualTo(HealthStatus.DOWN);
      assertThat((String) down.detail("reason")).contains("failing to poll for PT30.001S")
          .contains("NoOffsetForPartitionException");
    } finally {
      subscriber.close();
    }
  }

  private static double lagGauge(SimpleMeterRegistry registry, String topic) {
    return registry.get(LAG_GAUGE).tags("backend", "kafka", "topic", topic, "group", "g").gauge()
        .value();
  }
}
