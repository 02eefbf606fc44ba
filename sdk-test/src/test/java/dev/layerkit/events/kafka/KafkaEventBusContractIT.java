package dev.layerkit.events.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.layerkit.core.codec.Codec;
import dev.layerkit.core.codec.Codecs;
import dev.layerkit.core.health.HealthStatus;
import dev.layerkit.events.DeadLetters;
import dev.layerkit.events.EventPublishException;
import dev.layerkit.events.EventPublisher;
import dev.layerkit.events.EventSubscriber;
import dev.layerkit.events.PublishReceipt;
import dev.layerkit.events.RetryPolicy;
import dev.layerkit.test.events.EventBusContract;
import dev.layerkit.test.servers.TestKafka;
import dev.layerkit.test.servers.TestServers;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The {@link EventBusContract} on Kafka: {@link KafkaEventPublisher} and {@link
 * KafkaEventSubscriber} against the shared single-broker cluster of {@link TestServers#kafka()}.
 */
class KafkaEventBusContractIT extends EventBusContract {

  private static TestKafka kafka;
  private static Admin admin;

  @BeforeAll
  static void connect() {
    kafka = TestServers.kafka();
    admin = Admin.create(Map.<String, Object>of(
        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
  }

  @AfterAll
  static void disconnect() {
    admin.close();
  }

  @Override
  protected <T> EventPublisher<T> newPublisher(Codec<T> codec) {
    return KafkaEventPublisher.builder(kafka.bootstrapServers(), codec).build();
  }

  @Override
  protected <T> EventSubscriber<T> newSubscriber(Codec<T> codec, RetryPolicy retryPolicy) {
    return KafkaEventSubscriber.builder(kafka.bootstrapServers(), codec)
        .retryPolicy(retryPolicy)
        .build();
  }

  @Override
  protected String newTopic(String name, int partitions) {
    String topic = kafka.newTopicName(testName() + '-' + name);
    KafkaTopics.create(admin, topic, partitions, (short) 1, Map.of(), WAIT);
    KafkaTopics.create(admin, DeadLetters.topicFor(topic), partitions, (short) 1, Map.of(), WAIT);
    return topic;
  }

  @Test
  void publisherCreatesTopicsWithTheAskedPartitionsWhenConfiguredTo() throws Exception {
    String topic = kafka.newTopicName("created");
    try (KafkaEventPublisher<String> publisher = KafkaEventPublisher
        .builder(kafka.bootstrapServers(), Codecs.utf8()).createTopics(3, (short) 1).build()) {
      publisher.publish(topic, "k", "v").get();
      assertThat(admin.describeTopics(java.util.List.of(topic)).allTopicNames().get()
          .get(topic).partitions()).hasSize(3);
      assertThat(publisher.healthCheck().check().status()).isEqualTo(HealthStatus.UP);
    }
  }

  @Test
  void publishToAnUnreachableBrokerFailsAfterTheDeliveryTimeoutAndReportsDown() {
    try (KafkaEventPublisher<String> publisher = KafkaEventPublisher
        .builder("127.0.0.1:1", Codecs.utf8()).deliveryTimeout(Duration.ofSeconds(2)).build()) {
      CompletableFuture<PublishReceipt> future = publisher.publish("unreachable", "k", "v");
      assertThat(future).failsWithin(Duration.ofSeconds(30)).withThrowableThat()
          .havingCause().isInstanceOf(EventPublishException.class)
          .withMessageContaining("cannot publish to 'unreachable'");
      assertThat(publisher.healthCheck().check().status()).isEqualTo(HealthStatus.DOWN);
    }
  }

  @Test
  void publishAndForgetThatTheBrokerNeverAcknowledgesIsCountedAndReportsDown() {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    try (KafkaEventPublisher<String> publisher = KafkaEventPublisher
        .builder("127.0.0.1:1", Codecs.utf8()).deliveryTimeout(Duration.ofSeconds(2))
        .meterRegistry(meters).build()) {
      publisher.publishAndForget("unreachable", "k", "v");

      await().atMost(Duration.ofSeconds(30)).until(() ->
          publisher.healthCheck().check().status() == HealthStatus.DOWN);
      assertThat(meters.get("layerkit.events.publish.failed").tag("topic", "unreachable")
          .counter().count()).isEqualTo(1.0);
    }
  }

  @Test
  void buildersRejectSettingsTheyOwnAndBadValues() {
    assertThatThrownBy(() -> KafkaEventPublisher.builder(" ", Codecs.utf8()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bootstrapServers");
    assertThatThrownBy(() -> KafkaEventPublisher.builder("h:1", Codecs.utf8())
        .property("value.serializer", "x"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("value.serializer");
    assertThatThrownBy(() -> KafkaEventPublisher.builder("h:1", Codecs.utf8()).createTopics(0,
        (short) 1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("partitions must be >= 1 but was 0");
    assertThatThrownBy(() -> KafkaEventSubscriber.builder("h:1", Codecs.utf8())
        .property("group.id", "x"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("group.id");
    assertThatThrownBy(() -> KafkaEventSubscriber.builder("h:1", Codecs.utf8())
        .pollTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pollTimeout");
  }
}
