package dev.layerkit.service.saga;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A saga's meters, all tagged {@code name}: {@code layerkit.saga.finished} ({@code status}),
 * {@code layerkit.saga.steps} ({@code step}, {@code outcome}), {@code layerkit.saga.step.duration}
 * ({@code step}), {@code layerkit.saga.compensations} ({@code step}, {@code outcome}) and {@code
 * layerkit.saga.resumed}. No-ops without a registry; Micrometer caches each meter, so a lookup per
 * event costs a map read.
 */
final class SagaMeters {

  private final String name;
  private final @Nullable MeterRegistry registry;

  SagaMeters(String name, @Nullable MeterRegistry registry) {
    this.name = name;
    this.registry = registry;
  }

  void finished(SagaStatus status) {
    if (registry != null) {
      registry.counter("layerkit.saga.finished", "name", name, "status", tag(status.name())).increment();
    }
  }

  void step(String step, String outcome, long nanos) {
    if (registry != null) {
      registry.counter("layerkit.saga.steps", "name", name, "step", step, "outcome", outcome).increment();
      Timer.builder("layerkit.saga.step.duration").tags("name", name, "step", step).register(registry)
          .record(nanos, TimeUnit.NANOSECONDS);
    }
  }

  void compensation(String step, String outcome) {
    if (registry != null) {
      registry.counter("layerkit.saga.compensations", "name", name, "step", step, "outcome", outcome).increment();
    }
  }

  void resumed() {
    if (registry != null) {
      registry.counter("layerkit.saga.resumed", "name", name).increment();
    }
  }

  private static String tag(String value) {
    return value.toLowerCase(Locale.ROOT);
  }
}
