package dev.layerkit.events.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.events.pipeline.duckdb.DuckDbAnalyticsSink;
import dev.layerkit.events.pipeline.jdbc.PostgresAnalyticsSink;
import dev.layerkit.events.pipeline.kafka.KafkaTopicSource;
import dev.layerkit.events.stream.WindowedAggregation;
import dev.layerkit.events.stream.Windows;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The pipeline definition: stages are immutable, a sink can be swapped, and every bad argument
 * gets an error naming it and the value.
 */
class PipelineDefinitionTest {

  private static final WindowedAggregation<Integer> SUM =
      WindowedAggregation.<Integer>builder(Windows.tumbling(Duration.ofSeconds(10)))
          .value(i -> i).build();

  private static PipelineSource<Integer> numbers(Integer... values) {
    return Sources.of("numbers", List.of(values), i -> Instant.ofEpochSecond(i));
  }

  @Test
  void eachStageIsANewObjectAndTheEarlierOneIsUnchanged() {
    Pipeline.Stage<Integer> all = Pipeline.from("p", numbers(1, 2, 3, 4, 5, 6, 12));
    Pipeline.Stage<Integer> even = all.filter(i -> i % 2 == 0);
    InMemoryAnalyticsSink allSink = AnalyticsSinks.inMemory("all").build();
    InMemoryAnalyticsSink evenSink = AnalyticsSinks.inMemory("even").build();
    InProcessPipelineEngine engine = PipelineEngines.inProcess().build();

    engine.run(all.keyBy(i -> "k").aggregate(SUM).into(allSink));
    engine.run(even.keyBy(i -> "k").aggregate(SUM).into(evenSink));

    assertThat(allSink.rows()).extracting(r -> r.sum()).containsExactly(21.0, 12.0);
    assertThat(evenSink.rows()).extracting(r -> r.sum()).containsExactly(12.0, 12.0);
  }

  @Test
  void withSinkRunsTheSameDefinitionIntoAnotherSink() {
    InMemoryAnalyticsSink first = AnalyticsSinks.inMemory("first").build();
    InMemoryAnalyticsSink second = AnalyticsSinks.inMemory("second").build();
    Pipeline pipeline = Pipeline.from("p", numbers(1, 2, 3))
        .map(i -> i * 10).keyBy(i -> "k" + (i % 20)).aggregate(SUM).into(first);
    Pipeline other = pipeline.withSink(second);

    PipelineEngines.inProcess().build().run(other);

    assertThat(first.rows()).isEmpty();
    assertThat(pipeline.sink()).isSameAs(first);
    assertThat(second.rows()).extracting(r -> r.key() + "=" + r.sum())
        .containsExactly("k0=20.0", "k10=40.0");
    assertThat(other.toString()).contains("p: numbers -> [map[1]]");
  }

  @Test
  void aTransformThatThrowsSendsTheRecordToTheDeadLettersNamingTheStage() {
    List<DeadLetter> dead = new java.util.ArrayList<>();
    InMemoryAnalyticsSink sink = AnalyticsSinks.inMemory("t").build();
    PipelineReport report = PipelineEngines.inProcess().build().run(
        Pipeline.from("p", numbers(1, 2, 3))
            .map(i -> 6 / (i - 2))
            .deadLetters(dead::add)
            .keyBy(i -> i < 0 ? null : "k")
            .aggregate(SUM).into(sink));

    assertThat(dead).extracting(DeadLetter::position, DeadLetter::stage)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("numbers@0", "keyBy"),
            org.assertj.core.groups.Tuple.tuple("numbers@1", "map[1]"));
    assertThat(dead.get(1).reason()).isEqualTo("ArithmeticException: / by zero");
    assertThat(report.deadLetters()).isEqualTo(2);
    assertThat(sink.rows()).extracting(r -> r.sum()).containsExactly(6.0);
  }

  @Test
  void badNamesAreRejectedNamingTheValue() {
    assertThatThrownBy(() -> Pipeline.from("has space", numbers()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("name must be").hasMessageContaining("'has space'");
    assertThatThrownBy(() -> Pipeline.from("../etc", numbers()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'../etc'");
    assertThatThrownBy(() -> AnalyticsSinks.inMemory("drop table;"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("table must be").hasMessageContaining("'drop table;'");
    assertThatThrownBy(() -> DuckDbAnalyticsSink.inMemoryDatabase("1abc"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'1abc'");
    assertThatThrownBy(() -> PostgresAnalyticsSink.builder("jdbc:mysql://x/y", "t"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("jdbcUrl must start with jdbc:postgresql: but was"
            + " 'jdbc:mysql://x/y'");
    assertThatThrownBy(() -> Sources.of(" ", List.of(), i -> Instant.EPOCH))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("name");
    assertThatThrownBy(() -> DimensionTable.of("", Map.of()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("name");
  }

  @Test
  void nullArgumentsAreNamed() {
    Pipeline.Stage<Integer> stage = Pipeline.from("p", numbers());
    assertThatThrownBy(() -> Pipeline.from("p", null)).hasMessage("source");
    assertThatThrownBy(() -> stage.filter(null)).hasMessage("predicate");
    assertThatThrownBy(() -> stage.map(null)).hasMessage("function");
    assertThatThrownBy(() -> stage.keyBy(null)).hasMessage("key");
    assertThatThrownBy(() -> stage.deadLetters(null)).hasMessage("deadLetters");
    assertThatThrownBy(() -> stage.keyBy(i -> "k").aggregate(null)).hasMessage("aggregation");
    assertThatThrownBy(() -> stage.keyBy(i -> "k").aggregate(SUM).into(null)).hasMessage("sink");
  }

  @Test
  void engineSettingsAreCheckedAndGivenOnce() {
    assertThatThrownBy(() -> PipelineEngines.inProcess().checkpointEvery(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("checkpointEvery").hasMessageContaining("0");
    assertThatThrownBy(() -> PipelineEngines.inProcess().progressEvery(-5))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-5");
    assertThatThrownBy(() -> PipelineEngines.inProcess().checkpointEvery(5).checkpointEvery(6))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("checkpointEvery");
    assertThatThrownBy(() -> KafkaTopicSource.builder("localhost:9092", "t",
        OrderFixture.CODEC).property("group.id", "g"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("group.id");
    assertThatThrownBy(() -> KafkaTopicSource.builder("localhost:9092", " ", OrderFixture.CODEC))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("topic");
  }

  @Test
  void aListSourceRefusesAPositionThatIsNotItsOwn() {
    assertThatThrownBy(() -> numbers(1, 2).open(Map.of("read", 3L)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a position of source 'numbers' (2 records): {read=3}");
    assertThatThrownBy(() -> numbers(1, 2).open(Map.of("p0", 1L)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("{p0=1}");
  }
}
