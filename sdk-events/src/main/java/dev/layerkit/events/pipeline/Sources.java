package dev.layerkit.events.pipeline;

import dev.layerkit.core.internal.Arguments;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Factory of in-memory {@link PipelineSource}s, for tests and small jobs. The Kafka topic source
 * is {@code dev.layerkit.events.pipeline.kafka.KafkaTopicSource}, the repository source {@code
 * dev.layerkit.events.pipeline.store.RepositorySource}.
 */
public final class Sources {

  private Sources() {}

  /**
   * Returns a source of payloads in list order, each at the event time {@code eventTime} gives,
   * in one partition named after the source, offsets being list indexes.
   *
   * @param name the source's name
   * @param payloads the payloads, copied
   * @param eventTime each payload's event time
   * @param <T> the payload type
   * @return the source
   * @throws NullPointerException if an argument or a payload is null
   * @throws IllegalArgumentException if {@code name} is blank
   */
  public static <T> PipelineSource<T> of(String name, List<? extends T> payloads,
      Function<? super T, Instant> eventTime) {
    Arguments.notBlank(name, "name");
    Objects.requireNonNull(payloads, "payloads");
    Objects.requireNonNull(eventTime, "eventTime");
    List<SourceRecord<T>> records = new ArrayList<>(payloads.size());
    for (int i = 0; i < payloads.size(); i++) {
      T payload = Objects.requireNonNull(payloads.get(i), "payloads[" + i + "]");
      records.add(SourceRecord.of(name, i, eventTime.apply(payload), payload));
    }
    return new ListSource<>(name, records);
  }

  /**
   * Returns a source of the given records in list order (use {@link SourceRecord#encoded} to
   * include malformed ones). Resuming skips the number of records already read.
   *
   * @param name the source's name
   * @param records the records, copied
   * @param <T> the payload type
   * @return the source
   * @throws NullPointerException if an argument or a record is null
   * @throws IllegalArgumentException if {@code name} is blank
   */
  public static <T> PipelineSource<T> list(String name, List<SourceRecord<T>> records) {
    Arguments.notBlank(name, "name");
    return new ListSource<>(name, List.copyOf(records));
  }

  private record ListSource<T>(String name, List<SourceRecord<T>> records)
      implements PipelineSource<T> {

    private static final String READ = "read";

    @Override
    public SourceReader<T> open(Map<String, Long> resumeFrom) {
      Objects.requireNonNull(resumeFrom, "resumeFrom");
      long start = resumeFrom.getOrDefault(READ, 0L);
      if (!resumeFrom.keySet().stream().allMatch(READ::equals) || start < 0
          || start > records.size()) {
        throw new IllegalArgumentException("resumeFrom is not a position of source '" + name
            + "' (" + records.size() + " records): " + resumeFrom);
      }
      return new SourceReader<>() {
        private int next = (int) start;

        @Override
        public @Nullable SourceRecord<T> next() {
          return next < records.size() ? records.get(next++) : null;
        }

        @Override
        public Map<String, Long> position() {
          return Map.of(READ, (long) next);
        }

        @Override
        public long remaining() {
          return records.size() - next;
        }

        @Override
        public void close() {}
      };
    }

    @Override
    public String toString() {
      return "Sources.list{" + name + ", " + records.size() + " records}";
    }
  }
}
