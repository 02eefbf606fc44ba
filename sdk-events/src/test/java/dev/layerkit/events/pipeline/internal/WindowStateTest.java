package dev.layerkit.events.pipeline.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.events.stream.InMemoryWindowedAggregator;
import dev.layerkit.events.stream.WindowFixture;
import dev.layerkit.events.stream.WindowFixture.Input;
import dev.layerkit.events.stream.WindowedAggregate;
import dev.layerkit.events.stream.WindowedAggregation;
import dev.layerkit.events.stream.WindowedAggregator;
import dev.layerkit.events.stream.Windows;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The pipeline's window state follows the windowed aggregator's rules (the fixed sequence of the
 * streaming engines, and hopping windows on random events), and a checkpoint written after any
 * event and read into a new state continues to the same results.
 */
class WindowStateTest {

  @Test
  void theFixedSequenceGivesTheStreamingEnginesResultsAndDrops() {
    WindowState state = new WindowState(WindowFixture.TUMBLING);
    List<WindowedAggregate> out = new ArrayList<>();
    for (Input input : WindowFixture.SEQUENCE) {
      state.add(input.key(), input.value(), input.atSeconds() * 1000, out);
    }
    assertThat(out).containsExactlyElementsOf(WindowFixture.EMITTED_WHILE_RUNNING);
    state.closeAll(out);
    assertThat(out).containsExactlyElementsOf(WindowFixture.allEmitted());
    assertThat(state.dropped()).isEqualTo(WindowFixture.DROPPED);
  }

  private record Event(String key, double value, long at) {}

  private static List<Event> randomEvents() {
    Random random = new Random(7);
    List<Event> events = new ArrayList<>();
    for (int i = 0; i < 3_000; i++) {
      long at = i * 100L + random.nextInt(50) - (random.nextInt(10) == 0 ? 8_000 : 0);
      events.add(new Event("k" + random.nextInt(7), random.nextDouble(), Math.max(0, at)));
    }
    return events;
  }

  @Test
  void hoppingWindowsAgreeWithTheInMemoryAggregator() {
    Windows hopping = Windows.hopping(Duration.ofSeconds(3), Duration.ofSeconds(1))
        .grace(Duration.ofSeconds(2));
    List<WindowedAggregate> expected = new ArrayList<>();
    InMemoryWindowedAggregator<Double> aggregator = WindowedAggregator
        .inMemory(WindowedAggregation.<Double>builder(hopping).value(d -> d).build())
        .sink(expected::add).build();
    WindowState state = new WindowState(hopping);
    List<WindowedAggregate> out = new ArrayList<>();
    for (Event e : randomEvents()) {
      aggregator.accept(e.key(), e.value(), java.time.Instant.ofEpochMilli(e.at()));
      state.add(e.key(), e.value(), e.at(), out);
    }
    aggregator.close();
    state.closeAll(out);

    assertThat(out).hasSizeGreaterThan(1_000).containsExactlyElementsOf(expected);
    assertThat(state.dropped()).isEqualTo(aggregator.droppedLateEvents()).isPositive();
  }

  @Test
  void aCheckpointAfterAnyEventContinuesToTheSameResults() throws IOException {
    Windows windows = Windows.tumbling(Duration.ofSeconds(2)).grace(Duration.ofMillis(500));
    List<Event> events = randomEvents().subList(0, 400);
    WindowState whole = new WindowState(windows);
    List<WindowedAggregate> expected = new ArrayList<>();
    events.forEach(e -> whole.add(e.key(), e.value(), e.at(), expected));
    whole.closeAll(expected);

    for (int cut = 0; cut <= events.size(); cut += 37) {
      WindowState first = new WindowState(windows);
      List<WindowedAggregate> out = new ArrayList<>();
      for (Event e : events.subList(0, cut)) {
        first.add(e.key(), e.value(), e.at(), out);
      }
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      first.writeTo(new DataOutputStream(bytes));
      WindowState resumed = new WindowState(windows);
      resumed.readFrom(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
      for (Event e : events.subList(cut, events.size())) {
        resumed.add(e.key(), e.value(), e.at(), out);
      }
      resumed.closeAll(out);

      assertThat(out).as("cut at %d", cut).containsExactlyElementsOf(expected);
      assertThat(resumed.dropped()).isEqualTo(whole.dropped());
    }
  }
}
