package dev.layerkit.events.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.layerkit.core.codec.Codecs;
import dev.layerkit.core.time.ManualTimeSource;
import dev.layerkit.events.AtCeiling;
import dev.layerkit.events.DeadLetters;
import dev.layerkit.events.Event;
import dev.layerkit.events.RetryPolicy;
import dev.layerkit.events.Subscription;
import dev.layerkit.test.servers.TestKafka;
import dev.layerkit.test.servers.TestServers;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;

/**
 * What only the Kafka subscriber has: retries that wait on the {@code TimeSource} with the
 * partition paused while the consumer keeps polling, so other partitions keep flowing and the
 * member keeps its partitions; and metrics.
 */
class KafkaEventSubscriberIT {

  private static final Duration WAIT = Duration.ofSeconds(60);

  private static String keyOnPartition(int partition, int partitions, String prefix) {
    for (int i = 0; ; i++) {
      String key = prefix + i;
      if (Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions
          == partition) {
        return key;
      }
    }
  }

  @Test
  void aRetryWaitsOnTheTimeSourceWithItsPartitionPausedWhileTheOtherPartitionKeepsFlowing()
      throws Exception {
    TestKafka kafka = TestServers.kafka();
    String topic = kafka.newTopicName("retry-pause");
    try (Admin admin = Admin.create(Map.<String, Object>of(
        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      KafkaTopics.create(admin, topic, 2, (short) 1, Map.of(), WAIT);
      KafkaTopics.create(admin, DeadLetters.topicFor(topic), 2, (short) 1, Map.of(), WAIT);
    }
    ManualTimeSource time = new ManualTimeSource();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    RetryPolicy policy = RetryPolicy.builder().maxAttempts(3)
        .initialBackoff(Duration.ofSeconds(10)).random(AtCeiling.RANDOM).build();
    AtomicInteger attempts = new AtomicInteger();
    List<String> handled = new CopyOnWriteArrayList<>();
    List<Event<String>> deadLetters = new CopyOnWriteArrayList<>();
    String poisonKey = keyOnPartition(0, 2, "poison-");
    String otherKey = keyOnPartition(1, 2, "other-");

    try (KafkaEventPublisher<String> publisher =
            KafkaEventPublisher.builder(kafka.bootstrapServers(), Codecs.utf8()).build();
        KafkaEventSubscriber<String> subscriber = KafkaEventSubscriber
            .builder(kafka.bootstrapServers(), Codecs.utf8())
            .retryPolicy(policy).timeSource(time).meterRegistry(registry).build()) {
      Subscription subscription = subscriber.subscribe(topic, "g", e -> {
        if (e.payload().equals("poison")) {
          attempts.incrementAndGet();
          throw new IllegalStateException("poison");
        }
        handled.add(e.payload());
      });
      subscriber.subscribe(DeadLetters.topicFor(topic), "dlt", deadLetters::add);
      publisher.publish(topic, poisonKey, "poison");
      publisher.publish(topic, poisonKey, "after-poison");
      publisher.publish(topic, otherKey, "other-1");
      publisher.flush();

      await().atMost(WAIT).until(() -> attempts.get() == 1 && handled.contains("other-1"));
      publisher.publish(topic, otherKey, "other-2").join();
      await().atMost(WAIT).until(() -> handled.contains("other-2"));
      assertThat(handled).as("the poisoned partition waits").doesNotContain("after-poison");
      assertThat(subscription.assignedPartitions()).containsExactlyInAnyOrder(0, 1);

      time.advance(Duration.ofSeconds(10));
      await().atMost(WAIT).until(() -> attempts.get() == 2);
      time.advance(Duration.ofSeconds(20));
      await().atMost(WAIT).until(() -> deadLetters.size() == 1 && handled.contains("after-poison"));

      assertThat(attempts.get()).isEqualTo(3);
      assertThat(subscription.assignedPartitions()).as("no rebalance").isEqualTo(Set.of(0, 1));
      assertThat(deadLetters.get(0).headers()).containsEntry(DeadLetters.ATTEMPTS, "3");
      assertThat(registry.get("layerkit.events.retried").tag("group", "g").counter().count())
          .isEqualTo(2);
      assertThat(registry.get("layerkit.events.dead-lettered").tag("group", "g").counter()
          .count()).isEqualTo(1);
    }
  }

  @Test
  void aGroupStartingAtTheLogsEndHandlesWhatIsPublishedOnceItsMemberIsAssigned() throws Exception {
    TestKafka kafka = TestServers.kafka();
    String topic = kafka.newTopicName("assigned");
    try (Admin admin = Admin.create(Map.<String, Object>of(
        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      KafkaTopics.create(admin, topic, 3, (short) 1, Map.of(), WAIT);
    }
    List<String> handled = new CopyOnWriteArrayList<>();
    try (KafkaEventPublisher<String> publisher =
            KafkaEventPublisher.builder(kafka.bootstrapServers(), Codecs.utf8()).build();
        KafkaEventSubscriber<String> subscriber = KafkaEventSubscriber
            .builder(kafka.bootstrapServers(), Codecs.utf8())
            .property("auto.offset.reset", "latest").build()) {
      publisher.publish(topic, "k", "before").join();
      Subscription subscription = subscriber.subscribe(topic, "g", e -> handled.add(e.payload()));

      // No polling: the stage completes once the member owns its partitions and has resolved
      // "latest" for each, so nothing published from here on can fall before its start.
      subscription.awaitAssignment(WAIT);
      assertThat(subscription.assigned().toCompletableFuture()).isCompleted();
      assertThat(subscription.assignedPartitions()).containsExactlyInAnyOrder(0, 1, 2);
      for (int i = 0; i < 3; i++) {
        publisher.publish(topic, keyOnPartition(i, 3, "after-"), "after-" + i).join();
      }

      await().atMost(WAIT).until(() -> handled.size() == 3);
      assertThat(handled).containsExactlyInAnyOrder("after-0", "after-1", "after-2");
    }
  }
}
