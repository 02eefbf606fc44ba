package dev.layerkit.events.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.core.codec.Codecs;
import dev.layerkit.events.stream.Aggregate;
import dev.layerkit.events.stream.InMemoryWindowedAggregator;
import dev.layerkit.events.stream.WindowFixture;
import dev.layerkit.events.stream.WindowFixture.Input;
import dev.layerkit.events.stream.WindowedAggregate;
import dev.layerkit.events.stream.WindowedAggregation;
import dev.layerkit.events.stream.WindowedAggregator;
import dev.layerkit.events.stream.Windows;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.Test;

/**
 * {@link KafkaStreamsAggregator}'s topology under Kafka's {@link TopologyTestDriver}: the fixed
 * sequence gives the same windows, emitted at the same points, and the same dropped count as the
 * in-memory engine.
 */
class KafkaStreamsAggregatorTest {

  @Test
  void theFixedSequenceGivesTheSameResultsAsTheInMemoryEngine() {
    List<WindowedAggregate> emitted = new CopyOnWriteArrayList<>();
    KafkaStreamsAggregator<String> aggregator = KafkaStreamsAggregator
        .builder("sales", Codecs.utf8(), WindowFixture.AGGREGATION, emitted::add).build();
    List<WindowedAggregate> inMemoryEmitted = new CopyOnWriteArrayList<>();
    InMemoryWindowedAggregator<String> inMemory =
        WindowedAggregator.inMemory(WindowFixture.AGGREGATION).sink(inMemoryEmitted::add).build();
    Properties properties = new Properties();
    properties.put(StreamsConfig.APPLICATION_ID_CONFIG, "windowed-test");
    properties.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");

    try (TopologyTestDriver driver = new TopologyTestDriver(aggregator.topology(), properties)) {
      TestInputTopic<String, byte[]> input = driver.createInputTopic("sales",
          new StringSerializer(), new ByteArraySerializer());
      for (Input event : WindowFixture.SEQUENCE) {
        input.pipeInput(event.key(), event.payload().getBytes(StandardCharsets.UTF_8),
            event.timestamp());
        inMemory.accept(event.key(), event.payload(), event.timestamp());
      }
      input.pipeInput("junk", "not a number".getBytes(StandardCharsets.UTF_8), Instant.EPOCH);

      assertThat(emitted).containsExactlyElementsOf(WindowFixture.EMITTED_WHILE_RUNNING)
          .containsExactlyElementsOf(inMemoryEmitted);
      assertThat(aggregator.droppedLateEvents()).isEqualTo(WindowFixture.DROPPED)
          .isEqualTo(inMemory.droppedLateEvents());

      aggregator.useStore(driver.<String, Aggregate>getWindowStore(aggregator.storeName()));
      assertThat(aggregator.openWindows()).containsExactlyElementsOf(WindowFixture.EMITTED_ON_CLOSE)
          .containsExactlyElementsOf(inMemory.openWindows());
      assertThat(aggregator.get("a", Instant.ofEpochSecond(20))).get()
          .extracting(WindowedAggregate::count).isEqualTo(2L);
      assertThat(aggregator.topN(Instant.ofEpochSecond(20), 2))
          .isEqualTo(inMemory.topN(Instant.ofEpochSecond(20), 2))
          .extracting(WindowedAggregate::key).containsExactly("a", "b");

      aggregator.close();
      inMemory.close();
    }
    assertThat(emitted).containsExactlyElementsOf(WindowFixture.allEmitted())
        .containsExactlyElementsOf(inMemoryEmitted);
  }

  @Test
  void hoppingWindowsWithGraceGiveTheSameResultsAsTheInMemoryEngine() {
    WindowedAggregation<String> hopping = WindowedAggregation.<String>builder(
            Windows.hopping(Duration.ofSeconds(10), Duration.ofSeconds(5))
                .grace(Duration.ofSeconds(2)))
        .value(Double::parseDouble).build();
    List<WindowedAggregate> emitted = new CopyOnWriteArrayList<>();
    KafkaStreamsAggregator<String> aggregator = KafkaStreamsAggregator
        .builder("sales", Codecs.utf8(), hopping, emitted::add).build();
    List<WindowedAggregate> inMemoryEmitted = new CopyOnWriteArrayList<>();
    InMemoryWindowedAggregator<String> inMemory =
        WindowedAggregator.inMemory(hopping).sink(inMemoryEmitted::add).build();
    Properties properties = new Properties();
    properties.put(StreamsConfig.APPLICATION_ID_CONFIG, "hopping-test");
    properties.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    long[][] events = {{1, 1}, {6, 2}, {12, 3}, {4, 4}, {18, 5}, {9, 6}, {23, 7}, {3, 8}, {31, 9}};

    try (TopologyTestDriver driver = new TopologyTestDriver(aggregator.topology(), properties)) {
      TestInputTopic<String, byte[]> input = driver.createInputTopic("sales",
          new StringSerializer(), new ByteArraySerializer());
      for (long[] event : events) {
        String key = event[1] % 2 == 0 ? "even" : "odd";
        String payload = Long.toString(event[1]);
        Instant at = Instant.ofEpochSecond(event[0]);
        input.pipeInput(key, payload.getBytes(StandardCharsets.UTF_8), at);
        inMemory.accept(key, payload, at);
      }
      assertThat(emitted).isNotEmpty().containsExactlyElementsOf(inMemoryEmitted);
      assertThat(aggregator.droppedLateEvents()).isEqualTo(inMemory.droppedLateEvents())
          .isEqualTo(3);
      aggregator.useStore(driver.<String, Aggregate>getWindowStore(aggregator.storeName()));
      assertThat(aggregator.openWindows()).containsExactlyElementsOf(inMemory.openWindows());
      aggregator.close();
      inMemory.close();
    }
    assertThat(emitted).containsExactlyElementsOf(inMemoryEmitted);
  }
}
