package dev.layerkit.events.pipeline.flink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.events.kafka.KafkaTopics;
import dev.layerkit.events.pipeline.AnalyticsSinks;
import dev.layerkit.events.pipeline.DeadLetter;
import dev.layerkit.events.pipeline.InMemoryAnalyticsSink;
import dev.layerkit.events.pipeline.OrderFixture;
import dev.layerkit.events.pipeline.OrderFixture.Input;
import dev.layerkit.events.pipeline.OrderFixture.Order;
import dev.layerkit.events.pipeline.PipelineEngines;
import dev.layerkit.events.pipeline.PipelineProgress;
import dev.layerkit.events.pipeline.PipelineReport;
import dev.layerkit.events.pipeline.PipelineSource;
import dev.layerkit.events.pipeline.duckdb.DuckDbAnalyticsSink;
import dev.layerkit.events.pipeline.jdbc.PostgresAnalyticsSink;
import dev.layerkit.events.pipeline.kafka.KafkaTopicSource;
import dev.layerkit.events.stream.WindowedAggregate;
import dev.layerkit.test.servers.PostgresSchema;
import dev.layerkit.test.servers.TestKafka;
import dev.layerkit.test.servers.TestServers;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline contract on Flink: the pipeline of {@code PipelineContractIT} (a topic of 100,000
 * order events with out-of-order, late and malformed events, windows by hour, a join with the
 * catalog) run by {@link FlinkPipelineEngine} on a Flink mini cluster of two slots (the
 * aggregation at parallelism 2), read through Flink's Kafka connector, into the in-memory, DuckDB
 * and PostgreSQL sinks, gives the in-process engine's table, row for row and double for double,
 * and its report, and the in-process engine's final progress and meters (same names) through
 * the progress callback and the meter registry. Also in streaming mode with checkpoints. Kafka is the in-JVM KRaft cluster,
 * PostgreSQL the real server (a schema of its own).
 */
class FlinkPipelineContractIT {

  @RegisterExtension
  static final MiniClusterExtension FLINK = new MiniClusterExtension(
      new MiniClusterResourceConfiguration.Builder()
          .setNumberTaskManagers(1)
          .setNumberSlotsPerTaskManager(2)
          .build());

  private static final int EVENTS = 100_000;
  private static final List<Input> INPUTS = OrderFixture.inputs(EVENTS);
  /** The tasks' sinks and dead letters: tasks run in this JVM, and find them by name here. */
  private static final Map<String, InMemoryAnalyticsSink> SINKS = new ConcurrentHashMap<>();
  private static final Map<String, Queue<DeadLetter>> DEAD_LETTERS = new ConcurrentHashMap<>();
  private static String bootstrap;
  private static String topic;
  private static List<WindowedAggregate> inProcessRows;
  private static PipelineReport inProcess;

  @BeforeAll
  static void publishTheOrdersAndRunTheInProcessEngine() throws Exception {
    TestKafka kafka = TestServers.kafka();
    bootstrap = kafka.bootstrapServers();
    topic = kafka.newTopicName("flink-orders");
    try (Admin admin = Admin.create(Map.<String, Object>of(
        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      KafkaTopics.create(admin, topic, 1, (short) 1, Map.of(), Duration.ofSeconds(90));
    }
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.<String, Object>of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
        ProducerConfig.LINGER_MS_CONFIG, 20))) {
      for (Input input : INPUTS) {
        producer.send(new ProducerRecord<>(topic, null, input.atMillis(), null, input.bytes()));
      }
      producer.flush();
    }
    InMemoryAnalyticsSink sink = AnalyticsSinks.inMemory("revenue_by_hour").build();
    inProcess = PipelineEngines.inProcess().build()
        .run(OrderFixture.pipeline(topicSource(), sink, d -> { }));
    inProcessRows = sink.rows();
    assertThat(inProcessRows).hasSizeGreaterThan(2_000);
    assertThat(inProcess.lateDropped()).isPositive();
    assertThat(inProcess.deadLetters()).isPositive();
  }

  private static PipelineSource<Order> topicSource() {
    return KafkaTopicSource.builder(bootstrap, topic, OrderFixture.CODEC).build();
  }

  private static void assertSameReport(PipelineReport flink) {
    assertThat(flink.recordsRead()).isEqualTo(EVENTS);
    assertThat(flink.filtered()).isEqualTo(inProcess.filtered());
    assertThat(flink.deadLetters()).isEqualTo(inProcess.deadLetters());
    assertThat(flink.lateDropped()).isEqualTo(inProcess.lateDropped());
    assertThat(flink.windowsEmitted()).isEqualTo(inProcess.windowsEmitted());
    assertThat(flink.resumedAt()).isZero();
  }

  @Test
  void theTopicOnFlinkGivesTheInProcessTableInMemoryDuckDbAndPostgres(@TempDir Path dir)
      throws Exception {
    FlinkPipelineEngine engine = FlinkPipelineEngine.builder().parallelism(2).build();

    SINKS.put("memory", AnalyticsSinks.inMemory("revenue_by_hour").build());
    DEAD_LETTERS.put("memory", new ConcurrentLinkedQueue<>());
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    List<PipelineProgress> progress = new CopyOnWriteArrayList<>();
    PipelineReport memory = FlinkPipelineEngine.builder().parallelism(2)
        .progress(progress::add).meterRegistry(registry).build()
        .run(() -> OrderFixture.pipeline(topicSource(),
            SINKS.get("memory"), DEAD_LETTERS.get("memory")::add));
    assertThat(SINKS.get("memory").rows()).containsExactlyElementsOf(inProcessRows);
    assertSameReport(memory);
    assertThat(DEAD_LETTERS.get("memory")).hasSize((int) inProcess.deadLetters())
        .allSatisfy(d -> assertThat(d.position()).matches("p0@\\d+"));
    // The in-process engine's progress and meters, by the same names, from Flink's accumulators.
    assertThat(progress).last().isEqualTo(new PipelineProgress("hourly-revenue", EVENTS,
        inProcess.windowsEmitted(), inProcess.deadLetters(), inProcess.lateDropped(), 0));
    assertThat(progress).allSatisfy(p -> assertThat(p.recordsRead()).isBetween(0L, (long) EVENTS));
    assertThat(registry.get("layerkit.pipeline.records.read").tag("name", "hourly-revenue")
        .counter().count()).isEqualTo(EVENTS);
    assertThat(registry.get("layerkit.pipeline.windows.emitted").counter().count())
        .isEqualTo(inProcess.windowsEmitted());
    assertThat(registry.get("layerkit.pipeline.dead.letters").counter().count())
        .isEqualTo(inProcess.deadLetters());
    assertThat(registry.get("layerkit.pipeline.late.dropped").counter().count())
        .isEqualTo(inProcess.lateDropped());
    assertThat(registry.find("layerkit.pipeline.lag").gauge()).as("removed at the end").isNull();

    String file = dir.resolve("warehouse.duckdb").toString();
    PipelineReport duckdb = engine.run(() -> OrderFixture.pipeline(topicSource(),
        DuckDbAnalyticsSink.builder(Path.of(file), "revenue_by_hour").build(), d -> { }));
    assertSameReport(duckdb);
    try (DuckDbAnalyticsSink sink =
        DuckDbAnalyticsSink.builder(Path.of(file), "revenue_by_hour").build()) {
      assertThat(sink.rows()).containsExactlyElementsOf(inProcessRows);
    }

    PostgresSchema schema = TestServers.postgres().createSchema("flink_contract");
    String url = schema.jdbcUrl();
    String user = schema.user();
    String password = schema.password();
    PipelineReport postgres = engine.run(() -> {
      PostgresAnalyticsSink.Builder builder =
          PostgresAnalyticsSink.builder(url, "revenue_by_hour").user(user);
      if (password != null) {
        builder.password(password);
      }
      return OrderFixture.pipeline(topicSource(), builder.build(), d -> { });
    });
    assertSameReport(postgres);
    PostgresAnalyticsSink.Builder reader =
        PostgresAnalyticsSink.builder(url, "revenue_by_hour").user(user);
    if (password != null) {
      reader.password(password);
    }
    try (PostgresAnalyticsSink sink = reader.build()) {
      assertThat(sink.rows()).containsExactlyElementsOf(inProcessRows);
    }
  }

  /** A sink whose every upsert fails. */
  private static final class BrokenSink implements dev.layerkit.events.pipeline.AnalyticsSink {
    @Override
    public String table() {
      return "broken";
    }

    @Override
    public void upsert(List<WindowedAggregate> rows) {
      throw new IllegalStateException("disk full");
    }

    @Override
    public List<WindowedAggregate> rows() {
      return List.of();
    }

    @Override
    public void close() {}
  }

  @Test
  void aSinkThatFailsFailsTheRunWithAPipelineExceptionNamingThePipelineAndTheCause() {
    FlinkPipelineEngine engine = FlinkPipelineEngine.builder().parallelism(1).build();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> engine.run(
            () -> OrderFixture.pipeline(OrderFixture.source(INPUTS.subList(0, 5_000)),
                new BrokenSink(), d -> { })))
        .isInstanceOf(dev.layerkit.events.pipeline.PipelineException.class)
        .hasMessageStartingWith("pipeline hourly-revenue failed on Flink: ")
        .hasMessageContaining("disk full");
  }

  @Test
  void streamingModeWithCheckpointsGivesTheSameTableAndDeletesItsCheckpoints(
      @TempDir Path dir) {
    SINKS.put("streaming", AnalyticsSinks.inMemory("revenue_by_hour").build());
    PipelineReport report = FlinkPipelineEngine.builder()
        .parallelism(2)
        .checkpoints(dir, Duration.ofMillis(200))
        .build()
        .run(() -> OrderFixture.pipeline(OrderFixture.source(INPUTS), SINKS.get("streaming"),
            d -> { }));
    assertThat(SINKS.get("streaming").rows()).containsExactlyElementsOf(inProcessRows);
    assertSameReport(report);
    assertThat(Files.exists(dir.resolve("hourly-revenue"))).isFalse();
  }
}
