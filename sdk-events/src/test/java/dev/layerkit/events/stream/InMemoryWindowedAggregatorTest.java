package dev.layerkit.events.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.core.codec.Codecs;
import dev.layerkit.events.EventBuses;
import dev.layerkit.events.EventPublisher;
import dev.layerkit.events.InMemoryEventBus;
import dev.layerkit.events.stream.WindowFixture.Input;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

import static org.awaitility.Awaitility.await;

/** The in-memory engine: the fixed sequence, hopping windows, queries, top-N and bad input. */
class InMemoryWindowedAggregatorTest {

  @Test
  void theFixedSequenceGivesTheExpectedWindowsAndDropsTheLateEvents() {
    List<WindowedAggregate> emitted = new CopyOnWriteArrayList<>();
    InMemoryWindowedAggregator<String> aggregator =
        WindowedAggregator.inMemory(WindowFixture.AGGREGATION).sink(emitted::add).build();
    for (Input input : WindowFixture.SEQUENCE) {
      aggregator.accept(input.key(), input.payload(), input.timestamp());
    }
    assertThat(emitted).containsExactlyElementsOf(WindowFixture.EMITTED_WHILE_RUNNING);
    assertThat(aggregator.droppedLateEvents()).isEqualTo(WindowFixture.DROPPED);
    assertThat(aggregator.openWindows()).containsExactlyElementsOf(WindowFixture.EMITTED_ON_CLOSE);

    aggregator.close();

    assertThat(emitted).containsExactlyElementsOf(WindowFixture.allEmitted());
    assertThat(aggregator.openWindows()).isEmpty();
    assertThatThrownBy(() -> aggregator.accept("a", "1", Instant.EPOCH))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void openWindowsAreQueryableAndRankedWhileEventsArrive() {
    InMemoryWindowedAggregator<String> aggregator =
        WindowedAggregator.inMemory(WindowFixture.AGGREGATION).sink(r -> { }).build();
    for (String key : List.of("x", "y", "y", "z", "z", "z", "w", "w", "w")) {
      aggregator.accept(key, "1", Instant.ofEpochSecond(3));
    }
    assertThat(aggregator.get("z", Instant.EPOCH)).get()
        .extracting(WindowedAggregate::count).isEqualTo(3L);
    assertThat(aggregator.get("q", Instant.EPOCH)).isEmpty();
    assertThat(aggregator.topN(Instant.EPOCH, 3)).extracting(WindowedAggregate::key)
        .containsExactly("w", "z", "y");
    assertThat(aggregator.topN(Instant.ofEpochSecond(10), 3)).isEmpty();
    assertThatThrownBy(() -> aggregator.topN(Instant.EPOCH, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("n must be >= 1 but was 0");
  }

  @Test
  void hoppingWindowsCountAnEventInEveryWindowThatContainsIt() {
    List<WindowedAggregate> emitted = new CopyOnWriteArrayList<>();
    InMemoryWindowedAggregator<String> aggregator = WindowedAggregator.inMemory(
        WindowedAggregation.<String>builder(
            Windows.hopping(Duration.ofSeconds(10), Duration.ofSeconds(5))).build())
        .sink(emitted::add).build();
    aggregator.accept("a", "x", Instant.ofEpochSecond(1));
    aggregator.accept("a", "x", Instant.ofEpochSecond(6));
    aggregator.accept("a", "x", Instant.ofEpochSecond(12));
    aggregator.close();
    assertThat(emitted).extracting(r -> r.windowStart().getEpochSecond(), WindowedAggregate::count)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(0L, 2L),
            org.assertj.core.groups.Tuple.tuple(5L, 2L),
            org.assertj.core.groups.Tuple.tuple(10L, 1L));
  }

  @Test
  void aggregatesEventsFromABusSubscription() {
    List<WindowedAggregate> emitted = new CopyOnWriteArrayList<>();
    InMemoryWindowedAggregator<String> aggregator =
        WindowedAggregator.inMemory(WindowFixture.AGGREGATION).sink(emitted::add).build();
    try (InMemoryEventBus bus = EventBuses.inMemory().partitions(1).build()) {
      EventPublisher<String> publisher = bus.publisher(Codecs.utf8());
      bus.subscriber(Codecs.utf8()).subscribe("sales", "analytics", aggregator);
      for (Input input : WindowFixture.SEQUENCE) {
        publisher.publishWithId("id-" + input.key() + input.atSeconds(), input.timestamp(),
            "sales", input.key(), input.payload(), Map.of());
      }
      await().atMost(Duration.ofSeconds(30))
          .until(() -> emitted.size() == WindowFixture.EMITTED_WHILE_RUNNING.size()
              && aggregator.openWindows().size() == 3);
    }
    aggregator.close();
    assertThat(emitted).containsExactlyElementsOf(WindowFixture.allEmitted());
  }

  @Test
  void windowsRejectBadValuesNamingTheParameter() {
    assertThatThrownBy(() -> Windows.tumbling(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("size must be >= 1 ms but was PT0S");
    assertThatThrownBy(() -> Windows.hopping(Duration.ofSeconds(1), Duration.ofSeconds(2)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("advance must be <= size");
    assertThatThrownBy(() -> Windows.tumbling(Duration.ofSeconds(1)).grace(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("grace must be >= 0");
  }

  @Test
  void theBuilderNeedsOneSinkAndEachSettingOnce() {
    assertThatThrownBy(() -> WindowedAggregator.inMemory(WindowFixture.AGGREGATION).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("sink is not set");
    assertThatThrownBy(() -> WindowedAggregator.inMemory(WindowFixture.AGGREGATION)
        .sink(r -> { }).sink(r -> { }))
        .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("sink was already set");
    assertThatThrownBy(() -> WindowedAggregation.<String>builder(Windows.tumbling(
        Duration.ofSeconds(1))).value(s -> 1).value(s -> 2))
        .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("value was already set");
  }
}
