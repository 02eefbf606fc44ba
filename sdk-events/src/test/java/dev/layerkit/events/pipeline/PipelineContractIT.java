package dev.layerkit.events.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.test.servers.PostgresSchema;
import dev.layerkit.test.servers.TestKafka;
import dev.layerkit.test.servers.TestServers;
import dev.layerkit.events.kafka.KafkaTopics;
import dev.layerkit.events.pipeline.OrderFixture.Expected;
import dev.layerkit.events.pipeline.OrderFixture.Input;
import dev.layerkit.events.pipeline.OrderFixture.Order;
import dev.layerkit.events.pipeline.duckdb.DuckDbAnalyticsSink;
import dev.layerkit.events.pipeline.jdbc.PostgresAnalyticsSink;
import dev.layerkit.events.pipeline.kafka.KafkaTopicSource;
import dev.layerkit.events.stream.WindowedAggregate;
import java.nio.file.Path;
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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract of the pipeline and its sinks: one pipeline (a topic of 100,000 order events with
 * out-of-order, late and malformed events, windows by hour, a join with the catalog) on the
 * in-process engine into the in-memory, DuckDB and PostgreSQL sinks gives identical tables, equal
 * to the existing windowed aggregator's computed by hand, and identical reports. Kafka is the
 * in-JVM KRaft cluster, PostgreSQL the real server (a schema of its own).
 */
class PipelineContractIT {

  private static final int EVENTS = 100_000;
  private static final List<Input> INPUTS = OrderFixture.inputs(EVENTS);
  private static final Expected EXPECTED = OrderFixture.expected(INPUTS);
  private static String bootstrap;
  private static String topic;

  @BeforeAll
  static void publishTheOrders() throws Exception {
    TestKafka kafka = TestServers.kafka();
    bootstrap = kafka.bootstrapServers();
    topic = kafka.newTopicName("orders");
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
  }

  private static PipelineSource<Order> topicSource() {
    return KafkaTopicSource.builder(bootstrap, topic, OrderFixture.CODEC).build();
  }

  private record Run(List<WindowedAggregate> rows, PipelineReport report,
      List<DeadLetter> deadLetters) {}

  private static Run run(AnalyticsSink sink) {
    List<DeadLetter> deadLetters = new ArrayList<>();
    try (sink) {
      PipelineReport report = PipelineEngines.inProcess().build()
          .run(OrderFixture.pipeline(topicSource(), sink, deadLetters::add));
      return new Run(sink.rows(), report, deadLetters);
    }
  }

  @Test
  void oneTopicPipelineGivesIdenticalTablesInMemoryDuckDbAndPostgres(@TempDir Path dir)
      throws Exception {
    PostgresSchema schema = TestServers.postgres().createSchema("pipeline_contract");
    PostgresAnalyticsSink.Builder postgres =
        PostgresAnalyticsSink.builder(schema.jdbcUrl(), "revenue_by_hour").user(schema.user());
    if (schema.password() != null) {
      postgres.password(schema.password());
    }

    Run memory = run(AnalyticsSinks.inMemory("revenue_by_hour").build());
    Run duckdb = run(DuckDbAnalyticsSink.builder(dir.resolve("warehouse.duckdb"),
        "revenue_by_hour").build());
    Run pg = run(postgres.build());

    assertThat(EXPECTED.rows()).hasSizeGreaterThan(2_000);
    assertThat(memory.rows()).containsExactlyElementsOf(EXPECTED.rows());
    assertThat(duckdb.rows()).containsExactlyElementsOf(EXPECTED.rows());
    assertThat(pg.rows()).containsExactlyElementsOf(EXPECTED.rows());
    for (Run run : List.of(memory, duckdb, pg)) {
      PipelineReport report = run.report();
      assertThat(report.recordsRead()).isEqualTo(EVENTS);
      assertThat(report.deadLetters()).isEqualTo(EXPECTED.deadLetters()).isPositive();
      assertThat(report.filtered()).isEqualTo(EXPECTED.filtered()).isPositive();
      assertThat(report.lateDropped()).isEqualTo(EXPECTED.late()).isPositive();
      assertThat(report.windowsEmitted()).isEqualTo(EXPECTED.rows().size());
      assertThat(run.deadLetters()).hasSize((int) EXPECTED.deadLetters())
          .allSatisfy(d -> assertThat(d.position()).matches("p0@\\d+"));
    }
  }

  @Test
  void theTopicSourceReadsWhatTheListSourceReads() {
    InMemoryAnalyticsSink fromList = AnalyticsSinks.inMemory("t").build();
    PipelineEngines.inProcess().build()
        .run(OrderFixture.pipeline(OrderFixture.source(INPUTS), fromList, d -> { }));
    assertThat(fromList.rows()).containsExactlyElementsOf(EXPECTED.rows());
  }

  @Test
  void aRerunIntoTheSameDuckDbFileUpsertsAndNeverDoubleCounts(@TempDir Path dir) {
    Path file = dir.resolve("warehouse.duckdb");
    run(DuckDbAnalyticsSink.builder(file, "revenue").build());
    Run again = run(DuckDbAnalyticsSink.builder(file, "revenue").build());
    assertThat(again.rows()).containsExactlyElementsOf(EXPECTED.rows());
  }
}
