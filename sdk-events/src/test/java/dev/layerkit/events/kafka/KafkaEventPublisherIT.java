package dev.layerkit.events.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.core.codec.Codecs;
import dev.layerkit.events.EventPublishException;
import dev.layerkit.events.PublishReceipt;
import dev.layerkit.test.servers.TestKafka;
import dev.layerkit.test.servers.TestServers;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/**
 * What a {@link KafkaEventPublisher} future completes with, read back from the log: the receipt,
 * which is the future itself, describes exactly where the broker stored the record (the topic,
 * partition and offset come from the producer's acknowledgement, not from the call), and a failure
 * names the topic.
 */
class KafkaEventPublisherIT {

  private static final Duration WAIT = Duration.ofSeconds(60);

  @Test
  void eachReceiptNamesTheTopicPartitionAndOffsetWhereItsRecordWasStored() throws Exception {
    TestKafka kafka = TestServers.kafka();
    String topic = kafka.newTopicName("receipts");
    try (Admin admin = Admin.create(Map.<String, Object>of(
        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      KafkaTopics.create(admin, topic, 3, (short) 1, Map.of(), WAIT);
    }
    Instant at = Instant.parse("2026-12-06T23:00:00.123Z");
    List<CompletableFuture<PublishReceipt>> futures = new ArrayList<>();
    try (KafkaEventPublisher<String> publisher =
        KafkaEventPublisher.builder(kafka.bootstrapServers(), Codecs.utf8()).build()) {
      for (int i = 0; i < 60; i++) {
        futures.add(i % 10 == 9
            ? publisher.publishWithId("id-" + i, at, topic, "key-" + i % 7, "v" + i, Map.of())
            : publisher.publish(topic, "key-" + i % 7, "v" + i));
      }
      publisher.flush();
    }

    Map<TopicPartition, Map<Long, String>> log = readAll(kafka, topic, futures.size());
    for (int i = 0; i < futures.size(); i++) {
      PublishReceipt receipt = futures.get(i).get(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(receipt).as("the future is its own receipt: one object per publish")
          .isSameAs(futures.get(i));
      assertThat(receipt.topic()).isEqualTo(topic);
      assertThat(receipt).hasToString("PublishReceipt[eventId=" + receipt.eventId() + ", topic="
          + topic + ", partition=" + receipt.partition() + ", offset=" + receipt.offset()
          + ", timestamp=" + receipt.timestamp() + ']');
      assertThat(log.get(new TopicPartition(topic, receipt.partition())))
          .containsEntry(receipt.offset(), "key-" + i % 7 + '=' + "v" + i);
      if (i % 10 == 9) {
        assertThat(receipt.eventId()).isEqualTo("id-" + i);
        assertThat(receipt.timestamp()).isEqualTo(at);
      } else {
        assertThat(receipt.eventId())
            .isEqualTo(topic + '-' + receipt.partition() + '@' + receipt.offset());
      }
    }
  }

  @Test
  void aPublishTheBrokerNeverAcknowledgesFailsNamingItsTopic() {
    try (KafkaEventPublisher<String> publisher = KafkaEventPublisher
        .builder("127.0.0.1:1", Codecs.utf8()).deliveryTimeout(Duration.ofMillis(500)).build()) {
      CompletableFuture<PublishReceipt> first = publisher.publish("never-stored", "k", "v");
      CompletableFuture<PublishReceipt> second = publisher.publish("also-never", "k", "v");

      for (var expected : Map.of(first, "never-stored", second, "also-never").entrySet()) {
        assertThat(expected.getKey()).failsWithin(WAIT).withThrowableThat()
            .havingCause().isInstanceOf(EventPublishException.class)
            .withMessageContaining("'" + expected.getValue() + "'");
      }
    }
  }

  @Test
  void withARegistryEveryAcknowledgedPublishAndPublishAndForgetIsCountedUnderItsTopic() {
    TestKafka kafka = TestServers.kafka();
    String topic = kafka.newTopicName("counted");
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (KafkaEventPublisher<String> publisher = KafkaEventPublisher
        .builder(kafka.bootstrapServers(), Codecs.utf8()).createTopics(2, (short) 1)
        .meterRegistry(registry).build()) {
      List<CompletableFuture<PublishReceipt>> futures = new ArrayList<>();
      for (int i = 0; i < 7; i++) {
        futures.add(publisher.publish(topic, "key-" + i, "v" + i));
      }
      for (int i = 0; i < 5; i++) {
        publisher.publishAndForget(topic, "key-" + i, "f" + i);
      }
      publisher.flush();
      assertThat(futures).allSatisfy(future -> assertThat(future).isCompleted());
    }

    assertThat(registry.get("layerkit.events.published").tag("backend", "kafka")
        .tag("topic", topic).counter().count()).isEqualTo(12.0);
    assertThat(registry.find("layerkit.events.publish.failed").counters()).isEmpty();
  }

  @Test
  void withARegistryAPublishTheBrokerNeverAcknowledgesIsCountedAsFailedUnderItsTopic() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (KafkaEventPublisher<String> publisher = KafkaEventPublisher
        .builder("127.0.0.1:1", Codecs.utf8()).deliveryTimeout(Duration.ofMillis(500))
        .meterRegistry(registry).build()) {
      CompletableFuture<PublishReceipt> lost = publisher.publish("never-counted", "k", "v");
      assertThat(lost).failsWithin(WAIT);
    }

    assertThat(registry.get("layerkit.events.publish.failed").tag("topic", "never-counted")
        .counter().count()).isEqualTo(1.0);
    assertThat(registry.find("layerkit.events.published").counters()).isEmpty();
  }

  private static Map<TopicPartition, Map<Long, String>> readAll(TestKafka kafka, String topic,
      int count) {
    Map<String, Object> config = new HashMap<>();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.GROUP_ID_CONFIG, topic + "-reader");
    Map<TopicPartition, Map<Long, String>> log = new HashMap<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config,
        new StringDeserializer(), new StringDeserializer())) {
      consumer.subscribe(List.of(topic));
      long deadline = System.nanoTime() + WAIT.toNanos();
      int read = 0;
      while (read < count && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
          log.computeIfAbsent(new TopicPartition(record.topic(), record.partition()),
              unused -> new HashMap<>()).put(record.offset(), record.key() + '=' + record.value());
          read++;
        }
      }
      assertThat(read).isEqualTo(count);
    }
    return log;
  }
}
