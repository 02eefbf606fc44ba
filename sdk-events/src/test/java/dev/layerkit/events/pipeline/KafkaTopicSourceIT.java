package dev.layerkit.events.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.core.codec.Codecs;
import dev.layerkit.test.servers.TestKafka;
import dev.layerkit.test.servers.TestServers;
import dev.layerkit.events.kafka.KafkaTopics;
import dev.layerkit.events.pipeline.kafka.KafkaTopicSource;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * The topic source on the in-JVM Kafka cluster: three partitions are merged by timestamp (ties to
 * the lower partition) and in-partition order is kept; the range is bounded by the end offsets
 * at the first start, also after a resume; a missing topic is named.
 */
class KafkaTopicSourceIT {

  private static final Duration WAIT = Duration.ofSeconds(90);

  private static void publish(String bootstrap, String topic, int partition, long at,
      String value) {
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.<String, Object>of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class))) {
      producer.send(new ProducerRecord<>(topic, partition, at, null,
          value.getBytes(StandardCharsets.UTF_8)));
      producer.flush();
    }
  }

  private static List<String> readAll(SourceReader<String> reader, int max) {
    List<String> read = new ArrayList<>();
    SourceRecord<String> r;
    while (read.size() < max && (r = reader.next()) != null) {
      read.add(r.payload() + "@" + r.position());
    }
    return read;
  }

  @Test
  void partitionsAreMergedByTimestampAndAResumeKeepsTheFirstStartsBound() throws Exception {
    TestKafka kafka = TestServers.kafka();
    String topic = kafka.newTopicName("merge");
    try (Admin admin = Admin.create(Map.<String, Object>of(
        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      KafkaTopics.create(admin, topic, 3, (short) 1, Map.of(), WAIT);
    }
    String servers = kafka.bootstrapServers();
    publish(servers, topic, 0, 10, "a");
    publish(servers, topic, 0, 5, "b"); // out of order inside partition 0: stays after a
    publish(servers, topic, 1, 7, "c");
    publish(servers, topic, 2, 10, "d");
    publish(servers, topic, 1, 30, "e");
    KafkaTopicSource<String> source =
        KafkaTopicSource.builder(servers, topic, Codecs.utf8()).build();

    Map<String, Long> position;
    List<String> read = new ArrayList<>();
    try (SourceReader<String> reader = source.open(Map.of())) {
      assertThat(reader.remaining()).isEqualTo(5);
      read.addAll(readAll(reader, 2));
      position = reader.position();
      assertThat(reader.remaining()).isEqualTo(3);
    }
    publish(servers, topic, 2, 1, "later"); // after the first start: not in this job's range
    try (SourceReader<String> reader = source.open(position)) {
      read.addAll(readAll(reader, 100));
    }

    assertThat(read).containsExactly("c@p1@0", "a@p0@0", "b@p0@1", "d@p2@0", "e@p1@1");
    try (SourceReader<String> fresh = source.open(Map.of())) {
      assertThat(readAll(fresh, 100)).hasSize(6).contains("later@p2@1");
    }
  }

  @Test
  void aMissingTopicIsNamed() {
    TestKafka kafka = TestServers.kafka();
    KafkaTopicSource<String> source = KafkaTopicSource.builder(kafka.bootstrapServers(),
        "no-such-topic-" + System.nanoTime(), Codecs.utf8())
        .property("allow.auto.create.topics", false)
        .stallTimeout(Duration.ofSeconds(10)).build();
    assertThatThrownBy(() -> source.open(Map.of()).close())
        .hasMessageContaining("no-such-topic-");
  }
}
