package dev.layerkit.events.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.core.codec.Codecs;
import dev.layerkit.events.PublishReceipt;
import dev.layerkit.test.servers.LoopbackPortLoss;
import dev.layerkit.test.servers.TestKafka;
import dev.layerkit.test.servers.TestServers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/**
 * {@link KafkaEventPublisher} (idempotent producer, {@code acks=all}) publishing to an in-JVM
 * cluster of two brokers of this test alone while 20% of the packets to and from the brokers'
 * ports are dropped ({@link LoopbackPortLoss}; TCP repairs the loss, the producer retries).
 *
 * <p>Asserted, reading the topic afterwards without loss: every acknowledged event is there
 * exactly once (the producer's retries wrote no duplicate), an event whose publish failed is there
 * at most once, and every publish completed within the delivery timeout.
 */
class LossyNetworkKafkaIT {

  private static final int EVENTS = 400;
  private static final int WAVE = 20;
  private static final double LOSS = 0.2;
  private static final String PADDING = "x".repeat(2_000);
  private static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(60);

  private static String eventName(ConsumerRecord<String, byte[]> record) {
    String value = new String(record.value(), StandardCharsets.UTF_8);
    int bar = value.indexOf('|');
    return bar < 0 ? value : value.substring(0, bar);
  }

  @Test
  void underPacketLossEveryAcknowledgedEventIsStoredExactlyOnce() throws Exception {
    // Two brokers: a cluster no other test uses, so the loss meets only this test's traffic.
    TestKafka kafka = TestServers.kafka(2);
    String topic = kafka.newTopicName("lossy-network");
    List<Integer> ports = new ArrayList<>();
    for (String server : kafka.bootstrapServers().split(",")) {
      ports.add(Integer.parseInt(server.substring(server.lastIndexOf(':') + 1)));
    }
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      KafkaTopics.create(admin, topic, 4, (short) 1, Map.of(), Duration.ofSeconds(60));
    }
    Map<Integer, Boolean> acknowledged = new HashMap<>();
    long dropped;
    long slowestMillis = 0;
    try (LoopbackPortLoss loss = LoopbackPortLoss.onPorts(ports);
         KafkaEventPublisher<String> publisher = KafkaEventPublisher.builder(kafka.bootstrapServers(), Codecs.utf8())
             .deliveryTimeout(DELIVERY_TIMEOUT).build()) {
      publisher.publish(topic, "warm-up", "warm-up").get(60, TimeUnit.SECONDS);
      loss.loss(LOSS);
      // In waves, each awaited, with padded payloads: many requests and many packets meet the loss.
      for (int wave = 0; wave < EVENTS / WAVE; wave++) {
        List<CompletableFuture<PublishReceipt>> sent = new ArrayList<>();
        long begin = System.nanoTime();
        for (int i = wave * WAVE; i < (wave + 1) * WAVE; i++) {
          sent.add(publisher.publish(topic, "k" + i % 16, "e-" + i + "|" + PADDING));
        }
        for (int j = 0; j < WAVE; j++) {
          try {
            sent.get(j).get(DELIVERY_TIMEOUT.toSeconds() + 30, TimeUnit.SECONDS);
            acknowledged.put(wave * WAVE + j, true);
          } catch (ExecutionException e) {
            acknowledged.put(wave * WAVE + j, false);
          }
        }
        slowestMillis = Math.max(slowestMillis, (System.nanoTime() - begin) / 1_000_000);
      }
      dropped = loss.dropped();
    }

    Map<String, Integer> stored = new HashMap<>();
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
        ConsumerConfig.GROUP_ID_CONFIG, topic + "-check",
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
        new StringDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(topic));
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      long acknowledgedCount = acknowledged.values().stream().filter(x -> x).count();
      while (System.nanoTime() < deadline
          && stored.keySet().stream().filter(p -> p.startsWith("e-")).count() < acknowledgedCount) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          stored.merge(eventName(record), 1, Integer::sum);
        }
      }
      // One more poll: a duplicate written after the last event would show here.
      for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
        stored.merge(eventName(record), 1, Integer::sum);
      }
    }
    long acknowledgedCount = acknowledged.values().stream().filter(x -> x).count();
    System.out.printf("[network] Kafka, %.0f%% loss on broker ports %s: %d packets dropped; %d events (2 KB) published"
            + " in waves of %d, %d acknowledged, slowest wave %d ms (delivery timeout %d s); %d distinct stored%n",
        LOSS * 100, ports, dropped, EVENTS, WAVE, acknowledgedCount, slowestMillis, DELIVERY_TIMEOUT.toSeconds(),
        stored.size() - 1);
    assertThat(dropped).as("packets were dropped").isPositive();
    acknowledged.forEach((i, ok) -> {
      int copies = stored.getOrDefault("e-" + i, 0);
      if (ok) {
        assertThat(copies).as("acknowledged e-%d stored exactly once", i).isEqualTo(1);
      } else {
        assertThat(copies).as("failed e-%d stored at most once", i).isLessThanOrEqualTo(1);
      }
    });
    assertThat(stored.values()).as("no duplicate of anything").allMatch(copies -> copies == 1);
  }
}
