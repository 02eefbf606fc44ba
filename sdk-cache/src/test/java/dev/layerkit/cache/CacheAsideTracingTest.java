package dev.layerkit.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.layerkit.test.TestTracing;
import io.micrometer.observation.Observation;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link CacheAside}'s observations with a real tracer: hits and misses are events on the caller's
 * span, a load is a span under it (and parent of the loader's work), and a caller that waits for
 * another's load of the key has a wait span.
 */
class CacheAsideTracingTest {

  private static String attr(SpanData span, String key) {
    return span.getAttributes().get(AttributeKey.stringKey(key));
  }

  @Test
  @SuppressWarnings("try") // the scope makes the observation current; the body need not name it
  void aMissLoadsUnderTheCallersSpanAndAHitIsAnEventOnIt() {
    try (TestTracing tracing = TestTracing.start()) {
      CacheAside<String, String> cache = CacheAside.builder(Caches.<String, String>inMemory())
          .name("products").observationRegistry(tracing.registry()).build();

      Observation request = Observation.start("request", tracing.registry());
      try (Observation.Scope scope = request.openScope()) {
        cache.get("k", key -> Observation.createNotStarted("database", tracing.registry())
            .observe(() -> "v"));
        assertThat(cache.get("k", key -> "unused")).isEqualTo("v");
      }
      request.stop();

      SpanData parent = tracing.awaitSpan("request");
      SpanData load = tracing.awaitSpan(CacheAside.LOAD_OBSERVATION);
      SpanData database = tracing.awaitSpan("database");
      assertThat(load.getParentSpanId()).isEqualTo(parent.getSpanId());
      assertThat(database.getParentSpanId()).isEqualTo(load.getSpanId());
      assertThat(attr(load, "name")).isEqualTo("products");
      assertThat(attr(load, "outcome")).isEqualTo("success");
      assertThat(parent.getEvents()).extracting(EventData::getName)
          .containsExactly("layerkit.cache.miss", "layerkit.cache.hit");
    }
  }

  @Test
  @SuppressWarnings("try") // the scope makes the observation current; the body need not name it
  void withAStaleWindowAFreshHitIsAnEventToo() {
    try (TestTracing tracing = TestTracing.start()) {
      CacheAside<String, String> cache = CacheAside.builder(Caches.<String, String>inMemory())
          .name("products").staleWhileRevalidate(Duration.ofMinutes(1)).observationRegistry(tracing.registry())
          .build();
      Observation request = Observation.start("request", tracing.registry());
      try (Observation.Scope scope = request.openScope()) {
        cache.get("k", key -> "v");
        assertThat(cache.get("k", key -> "unused")).isEqualTo("v");
      }
      request.stop();
      assertThat(tracing.awaitSpan("request").getEvents()).extracting(EventData::getName)
          .containsExactly("layerkit.cache.miss", "layerkit.cache.hit");
    }
  }

  @Test
  void aFailedLoadsSpanSaysErrorAndRecordsTheException() {
    try (TestTracing tracing = TestTracing.start()) {
      CacheAside<String, String> cache = CacheAside.builder(Caches.<String, String>inMemory())
          .name("products").observationRegistry(tracing.registry()).build();
      IllegalStateException failure = new IllegalStateException("database down");
      try {
        cache.get("k", key -> {
          throw failure;
        });
      } catch (IllegalStateException expected) {
        assertThat(expected).isSameAs(failure);
      }
      SpanData load = tracing.awaitSpan(CacheAside.LOAD_OBSERVATION);
      assertThat(attr(load, "outcome")).isEqualTo("error");
      assertThat(load.getEvents()).extracting(EventData::getName).contains("exception");
    }
  }

  @Test
  void aCallerThatWaitsForAnotherCallersLoadHasAWaitSpan() throws Exception {
    try (TestTracing tracing = TestTracing.start()) {
      CacheAside<String, String> cache = CacheAside.builder(Caches.<String, String>inMemory())
          .name("products").observationRegistry(tracing.registry()).build();
      CountDownLatch release = new CountDownLatch(1);
      CountDownLatch loading = new CountDownLatch(1);
      CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> cache.get("k", key -> {
        loading.countDown();
        try {
          release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
        return "v";
      }));
      assertThat(loading.await(30, TimeUnit.SECONDS)).isTrue();
      CompletableFuture<String> second = new CompletableFuture<>();
      Thread thread = new Thread(() -> second.complete(cache.get("k", key -> "second load")));
      thread.start();
      // The second caller is parked on the first one's load before that load may finish.
      await().atMost(Duration.ofSeconds(30))
          .until(() -> thread.getState() == Thread.State.WAITING);
      release.countDown();

      assertThat(first.get(30, TimeUnit.SECONDS)).isEqualTo("v");
      assertThat(second.get(30, TimeUnit.SECONDS)).isEqualTo("v");
      SpanData load = tracing.awaitSpan(CacheAside.LOAD_OBSERVATION);
      SpanData wait = tracing.awaitSpan(CacheAside.WAIT_OBSERVATION);
      assertThat(attr(wait, "outcome")).isEqualTo("success");
      assertThat(wait.getTraceId()).isNotEqualTo(load.getTraceId()); // two separate callers
      assertThat(tracing.spans()).filteredOn(s -> s.getName().equals(CacheAside.LOAD_OBSERVATION))
          .hasSize(1);
    }
  }
}
