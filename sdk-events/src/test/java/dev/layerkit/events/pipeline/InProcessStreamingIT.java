package dev.layerkit.events.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.layerkit.core.codec.Codecs;
import dev.layerkit.events.kafka.KafkaTopics;
import dev.layerkit.events.pipeline.kafka.KafkaTopicSource;
import dev.layerkit.events.stream.WindowedAggregate;
import dev.layerkit.events.stream.WindowedAggregation;
import dev.layerkit.events.stream.Windows;
import dev.layerkit.test.servers.TestKafka;
import dev.layerkit.test.servers.TestServers;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The in-process engine's streaming mode on the in-JVM Kafka cluster: records published while the
 * job runs reach the sink as soon as the stream's event time closes their window; a record too
 * late for its window is dropped and counted as in a batch run; an idle partition does not hold
 * the stream back; a stopped job restarted from its checkpoint counts nothing twice, and its table
 * equals a batch run's over the same topic.
 */
class InProcessStreamingIT {

  private static final Duration WAIT = Duration.ofSeconds(90);
  private static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");
  private static final Windows HOURLY =
      Windows.tumbling(Duration.ofHours(1)).grace(Duration.ofMinutes(10));

  /** A sale: {@code key:value}, at the record's timestamp. */
  private record Sale(String key, double value) {}

  private String servers;
  private String topic;
  private KafkaProducer<byte[], byte[]> producer;

  @BeforeEach
  void topic() throws Exception {
    TestKafka kafka = TestServers.kafka();
    servers = kafka.bootstrapServers();
    topic = kafka.newTopicName("stream");
    try (Admin admin = Admin.create(Map.<String, Object>of(
        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, servers))) {
      KafkaTopics.create(admin, topic, 2, (short) 1, Map.of(), WAIT);
    }
    producer = new KafkaProducer<>(Map.<String, Object>of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers,
        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class));
  }

  @AfterEach
  void closeProducer() {
    producer.close();
  }

  /** Publishes {@code key:value} at {@code minutes} after T0 to a partition, and waits for the ack. */
  private void publish(int partition, int minutes, String key, double value) throws Exception {
    producer.send(new ProducerRecord<>(topic, partition,
        T0.plus(Duration.ofMinutes(minutes)).toEpochMilli(), null,
        (key + ':' + value).getBytes(StandardCharsets.UTF_8))).get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  private Pipeline pipeline(AnalyticsSink sink) {
    return Pipeline.from("stream-sales", KafkaTopicSource.builder(servers, topic, Codecs.utf8())
            .build())
        .map(s -> new Sale(s.substring(0, s.indexOf(':')),
            Double.parseDouble(s.substring(s.indexOf(':') + 1))))
        .keyBy(Sale::key)
        .aggregate(WindowedAggregation.<Sale>builder(HOURLY).value(Sale::value).build())
        .into(sink);
  }

  private static WindowedAggregate row(String key, int hour, long count, double sum, double min,
      double max) {
    long start = T0.plus(Duration.ofHours(hour)).toEpochMilli();
    return WindowedAggregate.of(key, start, start + Duration.ofHours(1).toMillis(),
        new dev.layerkit.events.stream.Aggregate(count, sum, min, max));
  }

  @Test
  void recordsPublishedWhileRunningReachTheSinkAndARestartResumesWithoutCountingTwice(
      @TempDir Path checkpointDir) throws Exception {
    // Published before the start: partition 1's two records are merged by time with partition 0's.
    publish(1, 5, "a", 10);
    publish(1, 20, "b", 5);
    publish(0, 10, "a", 1);
    publish(0, 50, "b", 2);
    publish(0, 75, "a", 3); // 01:15 passes hour 0's end and grace (01:10): hour 0 is emitted

    InMemoryAnalyticsSink sink = AnalyticsSinks.inMemory("sales").build();
    CheckpointStore checkpoints = CheckpointStores.directory(checkpointDir);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    List<PipelineProgress> progress = Collections.synchronizedList(new ArrayList<>());
    InProcessPipelineEngine engine = PipelineEngines.inProcess().checkpoints(checkpoints)
        .meterRegistry(registry).progressEvery(1).progress(progress::add).build();
    RunningPipeline running = engine.start(pipeline(sink));
    try {
      await().atMost(WAIT).untilAsserted(() -> assertThat(sink.rows()).containsExactly(
          row("a", 0, 2, 11, 1, 10), row("b", 0, 2, 7, 2, 5)));
      // Partition 1 is idle from here on: it must not hold partition 0's records back.
      await().atMost(WAIT).until(() -> running.progress().recordsRead() == 5);
      publish(0, 58, "a", 100); // hour 0 closed at 01:10: too late, dropped
      publish(0, 65, "b", 4); // out of order, but hour 1 is open
      publish(0, 150, "a", 6); // 02:30 closes hour 1
      await().atMost(WAIT).untilAsserted(() -> assertThat(sink.rows()).containsExactly(
          row("a", 0, 2, 11, 1, 10), row("b", 0, 2, 7, 2, 5),
          row("a", 1, 1, 3, 3, 3), row("b", 1, 1, 4, 4, 4)));
      await().atMost(WAIT).untilAsserted(() -> {
        PipelineProgress now = running.progress();
        assertThat(now.recordsRead()).isEqualTo(8);
        assertThat(now.lateDropped()).isEqualTo(1);
        assertThat(now.windowsEmitted()).isEqualTo(4);
        assertThat(now.remaining()).isZero();
      });
      assertThat(registry.get("layerkit.pipeline.records.read").tag("name", "stream-sales")
          .counter().count()).isEqualTo(8);
      assertThat(registry.get("layerkit.pipeline.late.dropped").counter().count()).isEqualTo(1);
      assertThat(registry.get("layerkit.pipeline.windows.emitted").counter().count())
          .isEqualTo(4);
      assertThat(registry.get("layerkit.pipeline.lag").gauge().value()).isZero();
      assertThat(progress).isNotEmpty().allMatch(p -> p.pipeline().equals("stream-sales"));
    } finally {
      running.close();
    }
    PipelineReport first = running.completion().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(first.recordsRead()).isEqualTo(8);
    assertThat(first.lateDropped()).isEqualTo(1);
    assertThat(checkpoints.load("stream-sales")).isPresent();
    assertThat(registry.find("layerkit.pipeline.lag").gauge()).isNull();

    // While stopped: 02:40 joins hour 2, which holds 02:30 in the checkpoint; 03:20 closes it.
    publish(0, 160, "b", 7);
    publish(0, 200, "a", 8);
    RunningPipeline restarted = PipelineEngines.inProcess().checkpoints(checkpoints).build()
        .start(pipeline(sink));
    try {
      await().atMost(WAIT).untilAsserted(() -> assertThat(sink.rows()).containsExactly(
          row("a", 0, 2, 11, 1, 10), row("b", 0, 2, 7, 2, 5),
          row("a", 1, 1, 3, 3, 3), row("b", 1, 1, 4, 4, 4),
          row("a", 2, 1, 6, 6, 6), row("b", 2, 1, 7, 7, 7)));
      await().atMost(WAIT).until(() -> restarted.progress().recordsRead() == 10);
    } finally {
      restarted.close();
    }
    PipelineReport second = restarted.completion().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(second.resumedAt()).isEqualTo(8);
    assertThat(second.recordsRead()).isEqualTo(10);
    assertThat(second.lateDropped()).isEqualTo(1);

    // A batch run over the same topic closes the same windows the same way, and hour 3 at the end.
    InMemoryAnalyticsSink batch = AnalyticsSinks.inMemory("sales").build();
    PipelineReport batchReport = PipelineEngines.inProcess().build().run(pipeline(batch));
    assertThat(batchReport.lateDropped()).isEqualTo(1);
    List<WindowedAggregate> expected = new ArrayList<>(sink.rows());
    expected.add(row("a", 3, 1, 8, 8, 8));
    assertThat(batch.rows()).containsExactlyElementsOf(expected);
  }

  @Test
  void closingAnIdleJobStopsItPromptlyAndABoundedSourceIsRefused(@TempDir Path dir)
      throws Exception {
    InMemoryAnalyticsSink sink = AnalyticsSinks.inMemory("sales").build();
    RunningPipeline running = PipelineEngines.inProcess()
        .checkpoints(CheckpointStores.directory(dir)).build().start(pipeline(sink));
    await().atMost(WAIT).until(() -> running.progress().remaining() == 0);
    long before = System.nanoTime();
    running.close();
    running.close();
    assertThat(Duration.ofNanos(System.nanoTime() - before)).isLessThan(Duration.ofSeconds(30));
    assertThat(running.completion()).isCompleted();
    assertThat(running.completion().get().recordsRead()).isZero();

    Pipeline bounded = Pipeline.from("list", Sources.of("orders", List.of("a:1"), s -> T0))
        .keyBy(s -> s)
        .aggregate(WindowedAggregation.<String>builder(HOURLY).value(s -> 1).build())
        .into(sink);
    assertThatThrownBy(() -> PipelineEngines.inProcess().build().start(bounded))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("pipeline list cannot stream")
        .hasMessageContaining("orders");
  }

  @Test
  void aBatchCheckpointIsNotResumedAsAStream(@TempDir Path dir) {
    CheckpointStore checkpoints = CheckpointStores.directory(dir);
    InMemoryAnalyticsSink sink = AnalyticsSinks.inMemory("sales").build();
    Pipeline pipeline = pipeline(sink);
    checkpoints.save("stream-sales", new byte[] {0, 0, 0, 1, 0, 3, 'x', 'y', 'z'});
    assertThatThrownBy(() -> PipelineEngines.inProcess().checkpoints(checkpoints).build()
        .start(pipeline))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("belongs to another definition");
  }
}
