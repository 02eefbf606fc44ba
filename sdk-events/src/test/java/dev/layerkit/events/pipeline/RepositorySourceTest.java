package dev.layerkit.events.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.core.codec.Codecs;
import dev.layerkit.events.pipeline.OrderFixture.Order;
import dev.layerkit.events.pipeline.store.RepositorySource;
import dev.layerkit.events.stream.WindowedAggregate;
import dev.layerkit.store.EntityDescriptor;
import dev.layerkit.store.Repositories;
import dev.layerkit.store.Repository;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A repository's records as a source, on the in-memory repository and a sharded one over four:
 * records come in event-time order whatever the scan order, so both give the same table; a record
 * without an event time is a dead letter; a resumed read continues where it stopped.
 */
class RepositorySourceTest {

  /** An order as stored, with the version a repository needs. */
  record Stored(Order order, long version) {}

  private static final EntityDescriptor<String, Stored> ORDERS =
      EntityDescriptor.builder(Stored.class, (Stored s) -> s.order().orderId())
          .version(Stored::version, (s, v) -> new Stored(s.order(), v))
          .codec(Codecs.json(Stored.class))
          .build();

  private static List<Stored> orders() {
    List<Stored> orders = new ArrayList<>();
    long start = OrderFixture.START.toEpochMilli();
    for (int i = 0; i < 2_000; i++) {
      orders.add(new Stored(new Order("o-" + i, "P-" + (i % 9), 1 + i % 3,
          start + (i * 7_919L) % 7_200_000), 0));
    }
    orders.add(new Stored(new Order("o-no-time", "P-1", 1, -1), 0));
    return orders;
  }

  private static List<WindowedAggregate> run(Repository<String, Stored> repository,
      List<DeadLetter> dead) {
    InMemoryAnalyticsSink sink = AnalyticsSinks.inMemory("t").build();
    PipelineEngines.inProcess().build().run(Pipeline.from("stored-orders",
            RepositorySource.of(repository, s -> {
              if (s.order().atMillis() < 0) {
                throw new IllegalArgumentException("no time");
              }
              return Instant.ofEpochMilli(s.order().atMillis());
            }))
        .map(Stored::order)
        .join(OrderFixture.CATALOG, Order::productId,
            (order, product) -> order.quantity() * product.price())
        .deadLetters(dead::add)
        .keyBy(revenue -> "all")
        .aggregate(dev.layerkit.events.stream.WindowedAggregation.<Double>builder(
            OrderFixture.HOURLY).value(d -> d).build())
        .into(sink));
    return sink.rows();
  }

  @Test
  void aPlainAndAShardedRepositoryGiveTheSameTableAndDeadLetterTheRecordWithoutTime() {
    Repository<String, Stored> plain = Repositories.inMemory(ORDERS).build();
    List<Repository<String, Stored>> shards = new ArrayList<>();
    for (int s = 0; s < 4; s++) {
      shards.add(Repositories.inMemory(ORDERS).name("shard-" + s).build());
    }
    Repository<String, Stored> sharded = Repositories.sharded(shards).build();
    orders().forEach(o -> {
      plain.save(o);
      sharded.save(o);
    });
    List<DeadLetter> plainDead = new ArrayList<>();
    List<DeadLetter> shardedDead = new ArrayList<>();

    List<WindowedAggregate> fromPlain = run(plain, plainDead);
    List<WindowedAggregate> fromSharded = run(sharded, shardedDead);

    assertThat(fromPlain).hasSize(2).containsExactlyElementsOf(fromSharded);
    assertThat(fromPlain.stream().mapToLong(WindowedAggregate::count).sum()).isEqualTo(2_000);
    assertThat(plainDead).singleElement().satisfies(d -> {
      assertThat(d.stage()).isEqualTo("decode");
      assertThat(d.reason()).contains("no event time for id o-no-time");
    });
    assertThat(shardedDead).hasSize(1);
  }

  @Test
  void aResumedReadContinuesAfterTheRecordsRead() {
    Repository<String, Stored> plain = Repositories.inMemory(ORDERS).build();
    orders().subList(0, 10).forEach(plain::save);
    RepositorySource<String, Stored> source =
        RepositorySource.of(plain, s -> Instant.ofEpochMilli(s.order().atMillis()));
    List<Long> all = new ArrayList<>();
    Map<String, Long> position;
    try (SourceReader<Stored> reader = source.open(Map.of())) {
      for (int i = 0; i < 4; i++) {
        all.add(reader.next().timestampMillis());
      }
      position = reader.position();
      assertThat(reader.remaining()).isEqualTo(6);
    }
    try (SourceReader<Stored> reader = source.open(position)) {
      SourceRecord<Stored> r;
      while ((r = reader.next()) != null) {
        all.add(r.timestampMillis());
      }
    }
    assertThat(all).hasSize(10).isSorted();
  }
}
