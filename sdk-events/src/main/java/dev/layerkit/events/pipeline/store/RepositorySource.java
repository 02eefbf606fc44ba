package dev.layerkit.events.pipeline.store;

import dev.layerkit.events.pipeline.PipelineSource;
import dev.layerkit.events.pipeline.SourceReader;
import dev.layerkit.events.pipeline.SourceRecord;
import dev.layerkit.store.Repository;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Repository}'s records as a bounded {@link PipelineSource}, sharded or not (a {@code
 * ShardedRepository} scans every shard). A repository scans in no particular order, so the reader
 * sorts the records by event time, then id: a table has no arrival order, and this one is the
 * same on every run, which a resumed job relies on. Its position is the number of records read in
 * that order.
 *
 * <p>Cost: the reader holds every record in memory while it runs; for more than fits, export the
 * records to a topic and read that. A record whose event time function throws or returns null
 * becomes a dead letter at {@code <repository>@<index>} with the error. Thread-safe.
 *
 * @param <ID> the id type
 * @param <T> the entity type
 */
public final class RepositorySource<ID, T> implements PipelineSource<T> {

  private static final String READ = "read";

  private final Repository<ID, T> repository;
  private final Function<? super T, Instant> eventTime;

  private RepositorySource(Repository<ID, T> repository, Function<? super T, Instant> eventTime) {
    this.repository = repository;
    this.eventTime = eventTime;
  }

  /**
   * Returns a source of a repository's records.
   *
   * @param repository the repository
   * @param eventTime a record's event time
   * @param <ID> the id type
   * @param <T> the entity type
   * @return the source
   * @throws NullPointerException if an argument is null
   */
  public static <ID, T> RepositorySource<ID, T> of(Repository<ID, T> repository,
      Function<? super T, Instant> eventTime) {
    return new RepositorySource<>(Objects.requireNonNull(repository, "repository"),
        Objects.requireNonNull(eventTime, "eventTime"));
  }

  @Override
  public String name() {
    return "repository:" + repository.name();
  }

  private record Row<T>(T entity, long timestampMillis, String id, @Nullable String error) {}

  @Override
  public SourceReader<T> open(Map<String, Long> resumeFrom) {
    Objects.requireNonNull(resumeFrom, "resumeFrom");
    if (!resumeFrom.keySet().stream().allMatch(READ::equals)) {
      throw new IllegalArgumentException("resumeFrom is not a position of " + name() + ": "
          + resumeFrom);
    }
    List<Row<T>> rows = new ArrayList<>();
    try (Stream<T> scan = repository.scan()) {
      scan.forEach(entity -> {
        String id = String.valueOf(repository.descriptor().idOf(entity));
        try {
          Instant at = Objects.requireNonNull(eventTime.apply(entity), "event time is null");
          rows.add(new Row<>(entity, at.toEpochMilli(), id, null));
        } catch (RuntimeException e) {
          rows.add(new Row<>(entity, Long.MAX_VALUE, id, e.toString()));
        }
      });
    }
    rows.sort(Comparator.comparingLong((Row<T> r) -> r.timestampMillis).thenComparing(Row::id));
    long start = resumeFrom.getOrDefault(READ, 0L);
    if (start < 0 || start > rows.size()) {
      throw new IllegalArgumentException("resumeFrom " + resumeFrom + " is past the "
          + rows.size() + " records of " + name());
    }
    String partition = repository.name();
    return new SourceReader<>() {
      private int next = (int) start;

      @Override
      public @Nullable SourceRecord<T> next() {
        if (next >= rows.size()) {
          return null;
        }
        int index = next++;
        Row<T> row = rows.get(index);
        if (row.error != null) {
          String error = row.error;
          return SourceRecord.unreadable(partition, index,
              new IllegalArgumentException("no event time for id " + row.id + ": " + error));
        }
        return SourceRecord.of(partition, index, Instant.ofEpochMilli(row.timestampMillis),
            row.entity);
      }

      @Override
      public Map<String, Long> position() {
        return Map.of(READ, (long) next);
      }

      @Override
      public long remaining() {
        return rows.size() - next;
      }

      @Override
      public void close() {}
    };
  }

  @Override
  public String toString() {
    return "RepositorySource{" + repository.name() + '}';
  }
}
