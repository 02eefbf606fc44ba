package dev.layerkit.cache;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * A {@link CacheAside}'s counters: striped, so a hit costs one uncontended increment, and read as
 * a {@link CacheStats} snapshot or through function meters that cost nothing per call.
 *
 * <p>Thread-safe.
 */
final class CacheAsideCounters {

  final LongAdder hits = new LongAdder();
  final LongAdder misses = new LongAdder();
  final LongAdder staleHits = new LongAdder();
  final LongAdder earlyRefreshes = new LongAdder();
  private final LongAdder loadSuccesses = new LongAdder();
  private final LongAdder loadFailures = new LongAdder();
  private final LongAdder loadNanos = new LongAdder();

  void loadFailed(long nanos) {
    loadFailures.increment();
    loadNanos.add(nanos);
  }

  void loadSucceeded(long nanos) {
    loadSuccesses.increment();
    loadNanos.add(nanos);
  }

  CacheStats snapshot(Cache<?, ?> backend) {
    return new CacheStats(hits.sum(), misses.sum(), staleHits.sum(), loadSuccesses.sum(), loadFailures.sum(),
        loadNanos.sum(), earlyRefreshes.sum(), backend.evictionCount(), backend.errorCount(),
        backend.rejectedCount());
  }

  /**
   * Registers the facade's meters tagged {@code name=<name>}, and the backend's counts tagged with
   * the backend's name: the same meters a Redis backend registers itself (Micrometer then returns
   * the existing one), so an error is one count in one meter, not one here and one there.
   */
  void register(MeterRegistry registry, String name, Cache<?, ?> backend) {
    counter(registry, name, "layerkit.cache.gets", "Gets by outcome", hits, "result", "hit");
    counter(registry, name, "layerkit.cache.gets", "Gets by outcome", misses, "result", "miss");
    counter(registry, name, "layerkit.cache.gets", "Gets by outcome", staleHits, "result", "stale");
    counter(registry, name, "layerkit.cache.loads", "Loads by outcome", loadSuccesses, "result", "success");
    counter(registry, name, "layerkit.cache.loads", "Loads by outcome", loadFailures, "result", "failure");
    counter(registry, name, "layerkit.cache.early.refreshes", "Refreshes started by XFetch", earlyRefreshes,
        null, null);
    FunctionTimer.builder("layerkit.cache.load.duration", this,
            c -> c.loadSuccesses.sum() + c.loadFailures.sum(), c -> c.loadNanos.sum(), TimeUnit.NANOSECONDS)
        .description("Time spent loading").tag("name", name).register(registry);
    String backendName = backend.name();
    FunctionCounter.builder("layerkit.cache.evictions", backend, Cache::evictionCount)
        .description("Entries evicted for size").tag("name", backendName).register(registry);
    FunctionCounter.builder("layerkit.cache.errors", backend, Cache::errorCount)
        .description("Remote calls that failed, timed out or were skipped by the open breaker")
        .tag("name", backendName).register(registry);
    FunctionCounter.builder("layerkit.cache.rejected", backend, Cache::rejectedCount)
        .description("Values not cached for exceeding the maximum size").tag("name", backendName).register(registry);
  }

  private static void counter(MeterRegistry registry, String name, String meter, String description,
      LongAdder adder, @Nullable String tag, @Nullable String value) {
    FunctionCounter.Builder<LongAdder> builder = FunctionCounter.builder(meter, adder, LongAdder::sum)
        .description(description).tag("name", name);
    if (tag != null && value != null) {
      builder.tag(tag, value);
    }
    builder.register(registry);
  }
}
