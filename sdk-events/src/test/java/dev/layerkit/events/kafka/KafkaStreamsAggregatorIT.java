package dev.layerkit.events.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.layerkit.core.codec.Codecs;
import dev.layerkit.events.stream.WindowFixture.Input;
import dev.layerkit.events.stream.WindowFixture;
import dev.layerkit.events.stream.WindowedAggregate;
import dev.layerkit.test.servers.TestKafka;
import dev.layerkit.test.servers.TestServers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link KafkaStreamsAggregator} as a Kafka Streams application on the in-JVM cluster: the fixed
 * sequence, published with its event times, gives the expected windows and dropped count, and the
 * open windows answer queries before close emits them.
 */
class KafkaStreamsAggregatorIT {

  private static final Duration WAIT = Duration.ofSeconds(90);

  @Test
  void theFixedSequenceGivesTheExpectedWindowsOnARunningStreamsApplication(@TempDir Path state)
      throws Exception {
    TestKafka kafka = TestServers.kafka();
    String topic = kafka.newTopicName("windowed");
    try (Admin admin = Admin.create(Map.<String, Object>of(
        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      KafkaTopics.create(admin, topic, 1, (short) 1, Map.of(), WAIT);
    }
    try (KafkaEventPublisher<String> publisher =
        KafkaEventPublisher.builder(kafka.bootstrapServers(), Codecs.utf8()).build()) {
      for (Input input : WindowFixture.SEQUENCE) {
        publisher.publishWithId("e-" + input.key() + '-' + input.atSeconds(), input.timestamp(),
            topic, input.key(), input.payload(), Map.of());
      }
      publisher.flush();
    }
    List<WindowedAggregate> emitted = new CopyOnWriteArrayList<>();
    KafkaStreamsAggregator<String> aggregator = KafkaStreamsAggregator
        .builder(topic, Codecs.utf8(), WindowFixture.AGGREGATION, emitted::add).build();
    try {
      aggregator.start(Map.of(
          StreamsConfig.APPLICATION_ID_CONFIG, "windowed-" + System.nanoTime(),
          StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
          StreamsConfig.STATE_DIR_CONFIG, Files.createDirectories(state).toString(),
          StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0,
          StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100,
          "consumer.auto.offset.reset", "earliest"));

      await().atMost(WAIT).ignoreExceptions().until(() ->
          aggregator.state() == KafkaStreams.State.RUNNING
              && emitted.size() == WindowFixture.EMITTED_WHILE_RUNNING.size()
              && aggregator.openWindows().size() == WindowFixture.EMITTED_ON_CLOSE.size());

      assertThat(emitted).containsExactlyElementsOf(WindowFixture.EMITTED_WHILE_RUNNING);
      assertThat(aggregator.droppedLateEvents()).isEqualTo(WindowFixture.DROPPED);
      assertThat(aggregator.openWindows()).containsExactlyElementsOf(WindowFixture.EMITTED_ON_CLOSE);
      assertThat(aggregator.get("a", Instant.ofEpochSecond(20))).get()
          .extracting(WindowedAggregate::sum).isEqualTo(5.0);
      assertThat(aggregator.topN(Instant.ofEpochSecond(20), 1)).extracting(WindowedAggregate::key)
          .containsExactly("a");
    } finally {
      aggregator.close();
    }
    assertThat(emitted).containsExactlyElementsOf(WindowFixture.allEmitted());
  }
}
