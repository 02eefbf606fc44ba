package dev.layerkit.events.pipeline.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.layerkit.core.codec.Codecs;
import dev.layerkit.events.kafka.KafkaTopics;
import dev.layerkit.events.pipeline.AnalyticsSinks;
import dev.layerkit.events.pipeline.CheckpointStores;
import dev.layerkit.events.pipeline.InMemoryAnalyticsSink;
import dev.layerkit.events.pipeline.Pipeline;
import dev.layerkit.events.pipeline.PipelineEngines;
import dev.layerkit.events.pipeline.PipelineProgress;
import dev.layerkit.events.pipeline.PipelineReport;
import dev.layerkit.events.pipeline.RunningPipeline;
import dev.layerkit.events.pipeline.Sources;
import dev.layerkit.events.pipeline.kafka.KafkaTopicSource;
import dev.layerkit.events.stream.Aggregate;
import dev.layerkit.events.stream.WindowedAggregate;
import dev.layerkit.events.stream.WindowedAggregation;
import dev.layerkit.events.stream.Windows;
import dev.layerkit.test.servers.TestKafka;
import dev.layerkit.test.servers.TestServers;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.HeartbeatManagerOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Flink engine following a topic ({@link FlinkPipelineEngine#start}) on a mini cluster and the
 * in-JVM Kafka cluster: records published while the job runs are aggregated and reach the sink,
 * with its progress and meters moving as they come; a record too late for its window is dropped
 * and counted; the job stopped (with a savepoint) and started again resumes where it stopped,
 * counting nothing twice; and its table equals the in-process engine's streaming job's over the
 * same topic. The mini cluster's heartbeats are fast so that the accumulators the progress is
 * made of are fresh.
 */
class FlinkStreamingIT {

  private static final Configuration FAST_HEARTBEATS = new Configuration();

  static {
    FAST_HEARTBEATS.set(HeartbeatManagerOptions.HEARTBEAT_INTERVAL, Duration.ofMillis(100));
  }

  @RegisterExtension
  static final MiniClusterExtension FLINK = new MiniClusterExtension(
      new MiniClusterResourceConfiguration.Builder()
          .setConfiguration(FAST_HEARTBEATS)
          .setNumberTaskManagers(1)
          .setNumberSlotsPerTaskManager(2)
          .build());

  private static final Duration WAIT = Duration.ofSeconds(120);
  private static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");
  private static final Windows HOURLY =
      Windows.tumbling(Duration.ofHours(1)).grace(Duration.ofMinutes(10));
  /** The tasks' sinks: tasks run in this JVM, and find them by name here. */
  private static final Map<String, InMemoryAnalyticsSink> SINKS = new ConcurrentHashMap<>();

  /** A sale: {@code key:value}, at the record's timestamp. */
  private record Sale(String key, double value) {}

  static Pipeline pipeline(String servers, String topic, String sink) {
    return Pipeline.from("flink-stream-sales",
            KafkaTopicSource.builder(servers, topic, Codecs.utf8()).build())
        .map(s -> new Sale(s.substring(0, s.indexOf(':')),
            Double.parseDouble(s.substring(s.indexOf(':') + 1))))
        .keyBy(Sale::key)
        .aggregate(WindowedAggregation.<Sale>builder(HOURLY).value(Sale::value).build())
        .into(SINKS.get(sink));
  }

  private static WindowedAggregate row(String key, int hour, long count, double sum, double min,
      double max) {
    long start = T0.plus(Duration.ofHours(hour)).toEpochMilli();
    return WindowedAggregate.of(key, start, start + Duration.ofHours(1).toMillis(),
        new Aggregate(count, sum, min, max));
  }

  /** Publishes {@code key:value} at {@code minutes} after T0, and waits for the ack. */
  private static void publish(KafkaProducer<byte[], byte[]> producer, String topic, int minutes,
      String key, double value) throws Exception {
    producer.send(new ProducerRecord<>(topic, 0, T0.plus(Duration.ofMinutes(minutes))
            .toEpochMilli(), null, (key + ':' + value).getBytes(StandardCharsets.UTF_8)))
        .get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  @Test
  void followsTheTopicWithProgressAndMetersResumesFromItsSavepointAndEqualsTheInProcessStream(
      @TempDir Path dir) throws Exception {
    TestKafka kafka = TestServers.kafka();
    String servers = kafka.bootstrapServers();
    String topic = kafka.newTopicName("flink-stream");
    try (Admin admin = Admin.create(Map.<String, Object>of(
        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, servers))) {
      KafkaTopics.create(admin, topic, 1, (short) 1, Map.of(), WAIT);
    }
    SINKS.put("flink", AnalyticsSinks.inMemory("sales").build());
    InMemoryAnalyticsSink sink = SINKS.get("flink");
    Path checkpoints = dir.resolve("checkpoints");
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    List<PipelineProgress> progress = Collections.synchronizedList(new ArrayList<>());

    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.<String, Object>of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers,
        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class))) {
      RunningPipeline running = FlinkPipelineEngine.builder()
          .parallelism(2)
          .checkpoints(checkpoints, Duration.ofMillis(100))
          .progress(progress::add)
          .progressInterval(Duration.ofMillis(50))
          .meterRegistry(registry)
          .build()
          .start(() -> pipeline(servers, topic, "flink"));
      PipelineReport first;
      try {
        // Batch 1, published after the start: 01:15 passes hour 0's end and grace (01:10).
        publish(producer, topic, 5, "a", 10);
        publish(producer, topic, 10, "a", 1);
        publish(producer, topic, 20, "b", 5);
        publish(producer, topic, 50, "b", 2);
        publish(producer, topic, 75, "a", 3);
        await().atMost(WAIT).untilAsserted(() -> assertThat(sink.rows()).containsExactly(
            row("a", 0, 2, 11, 1, 10), row("b", 0, 2, 7, 2, 5)));
        await().atMost(WAIT).untilAsserted(() -> assertThat(running.progress())
            .isEqualTo(new PipelineProgress("flink-stream-sales", 5, 2, 0, 0, 0)));

        // Batch 2: a record too late for hour 0, one out of order in hour 1, one closing it.
        publish(producer, topic, 58, "a", 100);
        publish(producer, topic, 65, "b", 4);
        publish(producer, topic, 150, "a", 6);
        await().atMost(WAIT).untilAsserted(() -> assertThat(sink.rows()).containsExactly(
            row("a", 0, 2, 11, 1, 10), row("b", 0, 2, 7, 2, 5),
            row("a", 1, 1, 3, 3, 3), row("b", 1, 1, 4, 4, 4)));
        await().atMost(WAIT).untilAsserted(() -> assertThat(running.progress())
            .isEqualTo(new PipelineProgress("flink-stream-sales", 8, 4, 0, 1, 0)));
        assertThat(registry.get("layerkit.pipeline.records.read").tag("name", "flink-stream-sales")
            .counter().count()).isEqualTo(8);
        assertThat(registry.get("layerkit.pipeline.windows.emitted").counter().count())
            .isEqualTo(4);
        assertThat(registry.get("layerkit.pipeline.late.dropped").counter().count())
            .isEqualTo(1);
        assertThat(registry.get("layerkit.pipeline.dead.letters").counter().count()).isZero();
        assertThat(registry.get("layerkit.pipeline.lag").gauge().value()).isZero();
        assertThat(progress).anyMatch(p -> p.recordsRead() == 5)
            .allMatch(p -> p.pipeline().equals("flink-stream-sales"));
      } finally {
        running.close();
      }
      first = running.completion().get(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(first.recordsRead()).isEqualTo(8);
      assertThat(first.lateDropped()).isEqualTo(1);
      assertThat(first.windowsEmitted()).isEqualTo(4);
      assertThat(registry.find("layerkit.pipeline.lag").gauge()).isNull();
      assertThat(FlinkPipelineEngine.latestCheckpoint(checkpoints.resolve("flink-stream-sales")))
          .hasValueSatisfying(p -> assertThat(p.getFileName().toString())
              .startsWith("savepoint-"));

      // While stopped: 02:40 joins hour 2, which holds 02:30 in the savepoint; 03:20 closes it.
      publish(producer, topic, 160, "b", 7);
      publish(producer, topic, 200, "a", 8);
      RunningPipeline restarted = FlinkPipelineEngine.builder()
          .parallelism(2)
          .checkpoints(checkpoints, Duration.ofMillis(100))
          .build()
          .start(() -> pipeline(servers, topic, "flink"));
      try {
        await().atMost(WAIT).untilAsserted(() -> assertThat(sink.rows()).containsExactly(
            row("a", 0, 2, 11, 1, 10), row("b", 0, 2, 7, 2, 5),
            row("a", 1, 1, 3, 3, 3), row("b", 1, 1, 4, 4, 4),
            row("a", 2, 1, 6, 6, 6), row("b", 2, 1, 7, 7, 7)));
      } finally {
        restarted.close();
      }
      PipelineReport second = restarted.completion().get(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(second.resumedAt()).isEqualTo(8);
      assertThat(second.recordsRead()).isEqualTo(10);
      assertThat(second.lateDropped()).isEqualTo(1);
      assertThat(second.windowsEmitted()).isEqualTo(6);
    }

    // The in-process engine's streaming job over the same topic: the same table, the same counts.
    InMemoryAnalyticsSink inProcess = AnalyticsSinks.inMemory("sales").build();
    SINKS.put("in-process", inProcess);
    RunningPipeline stream = PipelineEngines.inProcess()
        .checkpoints(CheckpointStores.directory(dir.resolve("in-process"))).build()
        .start(pipeline(servers, topic, "in-process"));
    try {
      await().atMost(WAIT).until(() -> stream.progress().recordsRead() == 10
          && inProcess.rows().size() == 6);
    } finally {
      stream.close();
    }
    assertThat(inProcess.rows()).containsExactlyElementsOf(sink.rows());
    assertThat(stream.completion().get().lateDropped()).isEqualTo(1);
    assertThat(stream.completion().get().windowsEmitted()).isEqualTo(6);
  }

  @Test
  void aBoundedSourceOrNoCheckpointDirectoryIsRefusedBeforeAnyJobStarts(@TempDir Path dir) {
    SINKS.put("refused", AnalyticsSinks.inMemory("sales").build());
    assertThatThrownBy(() -> FlinkPipelineEngine.builder()
        .checkpoints(dir, Duration.ofSeconds(1)).build()
        .start(() -> Pipeline.from("list", Sources.of("orders", List.of("a:1"), s -> T0))
            .keyBy(s -> s)
            .aggregate(WindowedAggregation.<String>builder(HOURLY).value(s -> 1).build())
            .into(SINKS.get("refused"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("pipeline list cannot stream on Flink")
        .hasMessageContaining("orders");
    assertThatThrownBy(() -> FlinkPipelineEngine.builder().build()
        .start(() -> pipeline("127.0.0.1:1", "absent", "refused")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("without checkpoints");
    assertThat(Files.exists(dir.resolve("list"))).isFalse();
  }
}
