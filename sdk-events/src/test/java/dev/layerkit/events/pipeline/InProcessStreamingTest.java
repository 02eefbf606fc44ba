package dev.layerkit.events.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.layerkit.core.time.ManualTimeSource;
import dev.layerkit.events.stream.WindowedAggregation;
import dev.layerkit.events.stream.Windows;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The streaming job's checkpoint rules and failure, on a source the test feeds (no broker): no
 * checkpoint while records of one open window come; one when the interval passes on the job's
 * time source; a failing source completes the job exceptionally, naming the pipeline, and keeps
 * the checkpoint before it.
 */
class InProcessStreamingTest {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");

  /** An unbounded source of what the test offers; {@code fail} makes the next read throw. */
  private static final class FedSource implements UnboundedSource<Long> {
    final LinkedBlockingQueue<Long> queue = new LinkedBlockingQueue<>();
    final AtomicInteger offset = new AtomicInteger();
    volatile boolean fail;

    @Override
    public String name() {
      return "fed";
    }

    @Override
    public SourceReader<Long> open(Map<String, Long> resumeFrom) {
      throw new UnsupportedOperationException("streaming only");
    }

    @Override
    public SourceReader<Long> openUnbounded(Map<String, Long> resumeFrom) {
      return new SourceReader<>() {
        @Override
        public @Nullable SourceRecord<Long> next() {
          if (fail) {
            throw new IllegalStateException("broker gone");
          }
          try {
            Long minute = queue.poll(20, TimeUnit.MILLISECONDS);
            return minute == null ? null : SourceRecord.of("fed", offset.getAndIncrement(),
                T0.plus(Duration.ofMinutes(minute)), minute);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
          }
        }

        @Override
        public Map<String, Long> position() {
          return Map.of("read", (long) offset.get());
        }

        @Override
        public long remaining() {
          return queue.size();
        }

        @Override
        public void close() {}
      };
    }
  }

  /** Checkpoints in a map, counting saves. */
  private static final class MapStore implements CheckpointStore {
    final Map<String, byte[]> saved = new ConcurrentHashMap<>();
    final AtomicInteger saves = new AtomicInteger();

    @Override
    public Optional<byte[]> load(String pipeline) {
      return Optional.ofNullable(saved.get(pipeline));
    }

    @Override
    public void save(String pipeline, byte[] checkpoint) {
      saved.put(pipeline, checkpoint);
      saves.incrementAndGet();
    }

    @Override
    public void delete(String pipeline) {
      saved.remove(pipeline);
    }
  }

  private static Pipeline pipeline(FedSource source) {
    return Pipeline.from("fed-counts", source)
        .keyBy(minute -> "all")
        .aggregate(WindowedAggregation.<Long>builder(Windows.tumbling(Duration.ofHours(1)))
            .value(minute -> 1).build())
        .into(AnalyticsSinks.inMemory("counts").build());
  }

  @Test
  void checkpointsWhenTheIntervalPassesOnTheJobsClockAndNotBefore() {
    FedSource source = new FedSource();
    MapStore store = new MapStore();
    ManualTimeSource time = new ManualTimeSource();
    RunningPipeline running = PipelineEngines.inProcess().checkpoints(store)
        .checkpointInterval(Duration.ofSeconds(10)).timeSource(time).build()
        .start(pipeline(source));
    try {
      for (long minute = 0; minute < 20; minute++) {
        source.queue.add(minute);
      }
      await().atMost(WAIT).until(() -> running.progress().recordsRead() == 20);
      // Idle, one window open and nothing closed: nothing to save yet.
      assertThat(store.saves.get()).isZero();
      time.advance(Duration.ofSeconds(10));
      await().atMost(WAIT).until(() -> store.saves.get() == 1);
      time.advance(Duration.ofSeconds(10)); // due again, but nothing new: no checkpoint
      source.queue.add(21L);
      await().atMost(WAIT).until(() -> running.progress().recordsRead() == 21);
      await().atMost(WAIT).until(() -> store.saves.get() == 2);
    } finally {
      running.close();
    }
    assertThat(store.saves.get()).isEqualTo(3); // and the last one, on close
    assertThat(running.completion().join().recordsRead()).isEqualTo(21);
  }

  @Test
  void aFailingSourceCompletesTheJobExceptionallyAndKeepsTheCheckpointBefore() {
    FedSource source = new FedSource();
    MapStore store = new MapStore();
    RunningPipeline running = PipelineEngines.inProcess().checkpoints(store).checkpointEvery(5)
        .build().start(pipeline(source));
    for (long minute = 0; minute < 5; minute++) {
      source.queue.add(minute);
    }
    await().atMost(WAIT).until(() -> store.saves.get() == 1);
    byte[] before = store.saved.get("fed-counts");
    source.fail = true;
    await().atMost(WAIT).until(() -> running.completion().isDone());
    assertThat(running.completion()).failsWithin(Duration.ZERO)
        .withThrowableOfType(ExecutionException.class)
        .havingCause().isInstanceOf(PipelineException.class)
        .withMessage("pipeline fed-counts failed after 5 records read: broker gone");
    assertThat(store.saved.get("fed-counts")).isSameAs(before);
    running.close(); // after a failure: returns at once
  }
}
