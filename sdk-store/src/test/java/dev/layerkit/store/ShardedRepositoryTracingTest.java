package dev.layerkit.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.test.TestTracing;
import dev.layerkit.store.sharding.ShardedRepository;
import io.micrometer.observation.Observation;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link ShardedRepository}'s observations with a real tracer: one span per call, child of the
 * caller's, tagged with the operation, the shard it was routed to or a scatter.
 */
class ShardedRepositoryTracingTest {

  private static final String OPERATION = "layerkit.store.operation";

  private static String attr(SpanData span, String key) {
    return span.getAttributes().get(AttributeKey.stringKey(key));
  }

  private static List<Repository<String, TestOrder>> shards(int n) {
    List<Repository<String, TestOrder>> shards = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      shards.add(InMemoryRepository.create("shard-" + i, TestOrder.DESCRIPTOR));
    }
    return shards;
  }

  @Test
  @SuppressWarnings("try") // the scope makes the observation current; the body need not name it
  void aWriteIsASpanUnderTheCallersTaggedWithItsShard() {
    try (TestTracing tracing = TestTracing.start();
        ShardedRepository<String, TestOrder> repo = ShardedRepository.builder(shards(4))
            .name("orders").observationRegistry(tracing.registry()).build()) {
      TestOrder order = TestOrder.of("o-17", "c-1", 100, "NEW");
      int shard = repo.shards().indexOf(repo.shardOf(order));

      Observation request = Observation.start("request", tracing.registry());
      try (Observation.Scope scope = request.openScope()) {
        repo.save(order);
      }
      request.stop();

      SpanData parent = tracing.awaitSpan("request");
      SpanData save = tracing.awaitSpan(OPERATION);
      assertThat(save.getParentSpanId()).isEqualTo(parent.getSpanId());
      assertThat(save.getTraceId()).isEqualTo(parent.getTraceId());
      assertThat(attr(save, "name")).isEqualTo("orders");
      assertThat(attr(save, "operation")).isEqualTo("save");
      assertThat(attr(save, "shard")).isEqualTo(Integer.toString(shard));
      assertThat(attr(save, "scatter")).isEqualTo("false");
      assertThat(attr(save, "outcome")).isEqualTo("success");
    }
  }

  @Test
  void aQueryOverEveryShardIsTaggedAsAScatterAndAReadByIdWithItsShard() {
    try (TestTracing tracing = TestTracing.start();
        ShardedRepository<String, TestOrder> repo = ShardedRepository.builder(shards(4))
            .name("orders").observationRegistry(tracing.registry()).build()) {
      TestOrder order = TestOrder.of("o-1", "c-1", 100, "NEW");
      repo.save(order);

      assertThat(repo.findAll(Filter.eq("status", "NEW"))).hasSize(1);
      assertThat(repo.findById("o-1")).isPresent();

      List<SpanData> spans = tracing.awaitSpans(span -> span.getName().equals(OPERATION), 3,
          "store spans");
      SpanData findAll = spans.stream().filter(s -> "findAll".equals(attr(s, "operation")))
          .findFirst().orElseThrow();
      assertThat(attr(findAll, "scatter")).isEqualTo("true");
      assertThat(attr(findAll, "shard")).isEqualTo("all");
      SpanData findById = spans.stream().filter(s -> "findById".equals(attr(s, "operation")))
          .findFirst().orElseThrow();
      assertThat(attr(findById, "shard"))
          .isEqualTo(Integer.toString(repo.shards().indexOf(repo.shardOf(order))));
    }
  }

  @Test
  void aFailedWriteEndsItsSpanAsAnError() {
    try (TestTracing tracing = TestTracing.start();
        ShardedRepository<String, TestOrder> repo = ShardedRepository.builder(shards(2))
            .name("orders").observationRegistry(tracing.registry()).build()) {
      repo.save(TestOrder.of("o-1", "c-1", 100, "NEW"));

      // Saving version 0 again conflicts with the stored version 1.
      assertThatThrownBy(() -> repo.save(TestOrder.of("o-1", "c-1", 100, "NEW")))
          .isInstanceOf(OptimisticLockException.class);

      List<SpanData> saves = tracing.awaitSpans(span -> span.getName().equals(OPERATION), 2,
          "saves");
      assertThat(saves).extracting(span -> attr(span, "outcome"))
          .containsExactly("success", "error");
    }
  }
}
