package dev.layerkit.test.servers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;

/** Proves that a 3-broker cluster from {@link TestServers#kafka(int)} survives losing a broker. */
class KafkaFailoverIT {

  private static final Duration CLUSTER_WAIT = Duration.ofSeconds(30);

  @Test
  void threeBrokerClusterKeepsServingAProducerAfterThePartitionLeaderShutsDown(
      TestReporter reporter) throws Exception {
    TestKafka kafka = TestServers.kafka(3);
    ServerReports.publish(reporter, "kafka", kafka.description());
    assertThat(kafka.source()).isEqualTo(ServerSource.EMBEDDED);
    assertThat(kafka.brokerCount()).isEqualTo(3);
    assertThat(kafka.canControlBrokers()).isTrue();
    assertThat(TestServers.kafka(3)).as("one 3-broker cluster per JVM").isSameAs(kafka);
    assertThat(TestServers.kafka(1).bootstrapServers()).isNotEqualTo(kafka.bootstrapServers());
    String topic = kafka.newTopicName("failover");
    TopicPartition partition = new TopicPartition(topic, 0);

    try (Admin admin = Admin.create(Map.<String, Object>of(
            AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
        KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
            ProducerConfig.ACKS_CONFIG, "all",
            ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000",
            ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000"),
            new StringSerializer(), new StringSerializer())) {
      assertThat(liveBrokerCount(admin)).isEqualTo(3);
      admin.createTopics(List.of(new NewTopic(topic, 1, (short) 3)
              .configs(Map.of("min.insync.replicas", "2"))))
          .all().get(30, TimeUnit.SECONDS);
      producer.send(new ProducerRecord<>(topic, "order-1", "before")).get(30, TimeUnit.SECONDS);
      int leader = leaderOf(admin, topic);

      kafka.shutdownBroker(leader);
      try {
        await().atMost(CLUSTER_WAIT).until(() -> liveBrokerCount(admin) == 2);

        producer.send(new ProducerRecord<>(topic, "order-1", "after")).get(30, TimeUnit.SECONDS);

        assertThat(leaderOf(admin, topic)).as("a new leader took over").isNotEqualTo(leader);
        assertThat(valuesIn(kafka, partition, 2)).containsExactly("before", "after");
      } finally {
        kafka.startBroker(leader);
      }
      await().atMost(CLUSTER_WAIT).until(() -> liveBrokerCount(admin) == 3);
    }
  }

  private static int liveBrokerCount(Admin admin) throws Exception {
    return admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).size();
  }

  private static int leaderOf(Admin admin, String topic) throws Exception {
    return admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS)
        .get(topic).partitions().get(0).leader().id();
  }

  private static List<String> valuesIn(TestKafka kafka, TopicPartition partition, int expected) {
    List<String> values = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"),
        new StringDeserializer(), new StringDeserializer())) {
      consumer.assign(List.of(partition));
      consumer.seekToBeginning(List.of(partition));
      await().atMost(CLUSTER_WAIT).pollInSameThread().pollDelay(Duration.ZERO).until(() -> {
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
          values.add(record.value());
        }
        return values.size() >= expected;
      });
    }
    return values;
  }
}
