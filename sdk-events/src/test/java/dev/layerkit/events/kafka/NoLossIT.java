package dev.layerkit.events.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.layerkit.core.codec.Codecs;
import dev.layerkit.core.redis.RedisConnections;
import dev.layerkit.events.EventHandler;
import dev.layerkit.events.IdempotencyStore;
import dev.layerkit.events.PublishReceipt;
import dev.layerkit.events.Subscription;
import dev.layerkit.events.redis.RedisIdempotencyStore;
import dev.layerkit.test.servers.TestKafka;
import dev.layerkit.test.servers.TestRedis;
import dev.layerkit.test.servers.TestServers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsResult;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * No loss: 10,000 events, each handled at least once and, through a {@link RedisIdempotencyStore},
 * with exactly one effect, while the consumer is stopped mid-stream and restarted (its group's
 * offsets rewound as a crash between effect and commit would leave them), and while one broker of
 * a 3-broker cluster (replication factor 3, {@code min.insync.replicas=2}), the consumer group's
 * coordinator, is shut down mid-stream: the subscriber reconnects by itself.
 */
class NoLossIT {

  private static final int EVENTS = 10_000;
  private static final Duration WAIT = Duration.ofSeconds(120);
  private static TestRedis redis;
  private static RedisClient redisClient;
  private static StatefulRedisConnection<String, byte[]> connection;

  @BeforeAll
  static void connect() {
    redis = TestServers.redis();
    redisClient = RedisClient.create(redis.uri());
    connection = RedisConnections.connect(redisClient);
  }

  @AfterAll
  static void disconnect() {
    connection.close();
    redisClient.shutdown();
  }

  /** Counts handler calls and effects per event number. */
  private static final class Effects {
    final AtomicIntegerArray handled = new AtomicIntegerArray(EVENTS);
    final AtomicIntegerArray effects = new AtomicIntegerArray(EVENTS);
    final IdempotencyStore store =
        RedisIdempotencyStore.create(connection, redis.newKeyPrefix("no-loss"));

    EventHandler<String> handler() {
      EventHandler<String> effect =
          event -> effects.incrementAndGet(Integer.parseInt(event.payload()));
      EventHandler<String> idempotent = store.idempotent(effect, Duration.ofHours(1));
      return event -> {
        handled.incrementAndGet(Integer.parseInt(event.payload()));
        idempotent.handle(event);
      };
    }

    int handledAtLeastOnce() {
      int n = 0;
      for (int i = 0; i < EVENTS; i++) {
        n += handled.get(i) > 0 ? 1 : 0;
      }
      return n;
    }

    int redeliveries() {
      int n = 0;
      for (int i = 0; i < EVENTS; i++) {
        n += Math.max(0, handled.get(i) - 1);
      }
      return n;
    }

    void assertEachHandledAtLeastOnceWithExactlyOneEffect() {
      for (int i = 0; i < EVENTS; i++) {
        assertThat(handled.get(i)).as("handler calls of event %d", i).isPositive();
        assertThat(effects.get(i)).as("effects of event %d", i).isEqualTo(1);
      }
    }
  }

  /** Publishes events {@code from} to {@code to - 1}, keyed over 97 customers. */
  private static void publish(KafkaEventPublisher<String> publisher, String topic, int from,
      int to, List<CompletableFuture<PublishReceipt>> receipts) {
    for (int i = from; i < to; i++) {
      receipts.add(publisher.publish(topic, "customer-" + (i % 97), Integer.toString(i)));
    }
  }

  private static void awaitAllStored(List<CompletableFuture<PublishReceipt>> receipts)
      throws Exception {
    assertThat(receipts).hasSize(EVENTS);
    CompletableFuture.allOf(receipts.toArray(CompletableFuture[]::new))
        .get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  @Test
  void everyEventIsHandledAndHasOneEffectWhenTheConsumerStopsMidStreamAndRestartsBehindItsCommits()
      throws Exception {
    TestKafka kafka = TestServers.kafka();
    String topic = kafka.newTopicName("no-loss-restart");
    String group = "no-loss-" + System.nanoTime();
    Effects effects = new Effects();
    List<CompletableFuture<PublishReceipt>> receipts = new ArrayList<>();
    try (Admin admin = Admin.create(Map.<String, Object>of(
            AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
        KafkaEventPublisher<String> publisher =
            KafkaEventPublisher.builder(kafka.bootstrapServers(), Codecs.utf8()).build();
        KafkaEventSubscriber<String> subscriber =
            KafkaEventSubscriber.builder(kafka.bootstrapServers(), Codecs.utf8()).build()) {
      KafkaTopics.create(admin, topic, 4, (short) 1, Map.of(), WAIT);
      publish(publisher, topic, 0, EVENTS / 2, receipts);

      Subscription first = subscriber.subscribe(topic, group, effects.handler());
      await().atMost(WAIT).until(() -> effects.handledAtLeastOnce() >= EVENTS / 3);
      first.close();
      // A crash after effects but before their commit: rewind every partition by up to 300.
      rewind(admin, group, 300);

      subscriber.subscribe(topic, group, effects.handler());
      publish(publisher, topic, EVENTS / 2, EVENTS, receipts);
      awaitAllStored(receipts);
      await().atMost(WAIT).until(() -> effects.handledAtLeastOnce() == EVENTS);
    }
    effects.assertEachHandledAtLeastOnceWithExactlyOneEffect();
    assertThat(effects.redeliveries()).as("the rewind made Kafka redeliver").isPositive();
  }

  private static void rewind(Admin admin, String group, int by) throws Exception {
    ListConsumerGroupOffsetsResult result = admin.listConsumerGroupOffsets(group);
    Map<TopicPartition, OffsetAndMetadata> committed =
        result.partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
    Map<TopicPartition, OffsetAndMetadata> rewound = new HashMap<>();
    committed.forEach((partition, offset) ->
        rewound.put(partition, new OffsetAndMetadata(Math.max(0, offset.offset() - by))));
    admin.alterConsumerGroupOffsets(group, rewound).all().get(30, TimeUnit.SECONDS);
  }

  @Test
  void everyEventIsHandledAndHasOneEffectWhenTheCoordinatorBrokerOfThreeStopsMidStream() throws Exception {
    TestKafka kafka = TestServers.kafka(3);
    String topic = kafka.newTopicName("no-loss-broker");
    String group = "no-loss-broker-" + System.nanoTime();
    Effects effects = new Effects();
    List<CompletableFuture<PublishReceipt>> receipts = new ArrayList<>();
    int stopped = -1;
    try (Admin admin = Admin.create(Map.<String, Object>of(
            AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
        KafkaEventPublisher<String> publisher = KafkaEventPublisher
            .builder(kafka.bootstrapServers(), Codecs.utf8())
            .createTopics(4, (short) 3, Map.of("min.insync.replicas", "2"))
            .build();
        KafkaEventSubscriber<String> subscriber =
            KafkaEventSubscriber.builder(kafka.bootstrapServers(), Codecs.utf8()).build()) {
      KafkaTopics.create(admin, topic, 4, (short) 3, Map.of("min.insync.replicas", "2"), WAIT);
      publish(publisher, topic, 0, EVENTS / 2, receipts);
      subscriber.subscribe(topic, group, effects.handler());
      await().atMost(WAIT).until(() -> effects.handledAtLeastOnce() >= EVENTS / 3);

      // The group's coordinator: the consumer must find the new one by itself, and the
      // partitions that broker led move to the others.
      stopped = admin.describeConsumerGroups(List.of(group)).all().get(30, TimeUnit.SECONDS)
          .get(group).coordinator().id();
      kafka.shutdownBroker(stopped);

      publish(publisher, topic, EVENTS / 2, EVENTS, receipts);
      awaitAllStored(receipts);
      await().atMost(WAIT).until(() -> effects.handledAtLeastOnce() == EVENTS);
    } finally {
      if (stopped >= 0) {
        kafka.startBroker(stopped);
      }
    }
    effects.assertEachHandledAtLeastOnceWithExactlyOneEffect();
  }
}
