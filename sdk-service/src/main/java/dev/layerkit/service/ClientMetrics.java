package dev.layerkit.service;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/** The meters of one {@link ServiceClient}, all tagged {@code name}; no-ops without a registry. */
final class ClientMetrics {

  /** How a call ended, the {@code outcome} tag. */
  enum Outcome {
    SUCCESS, CLIENT_ERROR, SERVER_ERROR, INVALID_RESPONSE, TRANSPORT_ERROR, UNAVAILABLE, DEADLINE_EXCEEDED, OTHER;

    String tag() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    static Outcome of(@Nullable Throwable failure) {
      if (failure == null) {
        return SUCCESS;
      } else if (failure instanceof ClientErrorException) {
        return CLIENT_ERROR;
      } else if (failure instanceof ServerErrorException) {
        return SERVER_ERROR;
      } else if (failure instanceof InvalidResponseException) {
        return INVALID_RESPONSE;
      } else if (failure instanceof TransportException) {
        return TRANSPORT_ERROR;
      } else if (failure instanceof ServiceUnavailableException) {
        return UNAVAILABLE;
      } else if (failure instanceof DeadlineExceededException) {
        return DEADLINE_EXCEEDED;
      }
      return OTHER;
    }
  }

  private final @Nullable MeterRegistry registry;
  private final Map<Outcome, Timer> calls = new EnumMap<>(Outcome.class);
  private final @Nullable Counter first;
  private final @Nullable Counter retry;
  private final @Nullable Counter hedge;
  private final @Nullable Counter budgetDenied;
  private final List<Meter> meters = new ArrayList<>();

  ClientMetrics(String name, @Nullable MeterRegistry registry) {
    this.registry = registry;
    if (registry == null) {
      first = retry = hedge = budgetDenied = null;
      return;
    }
    for (Outcome outcome : Outcome.values()) {
      Timer timer = Timer.builder("layerkit.service.client.calls")
          .description("Calls to a service, from start to result, by outcome")
          .tag("name", name).tag("outcome", outcome.tag())
          .register(registry);
      calls.put(outcome, timer);
      meters.add(timer);
    }
    first = attempts(name, "first");
    retry = attempts(name, "retry");
    hedge = attempts(name, "hedge");
    budgetDenied = Counter.builder("layerkit.service.client.retries.denied")
        .description("Retries and hedges not sent because the retry budget was spent")
        .tag("name", name).tag("reason", "budget")
        .register(registry);
    meters.add(budgetDenied);
  }

  private Counter attempts(String name, String kind) {
    Counter counter = Counter.builder("layerkit.service.client.attempts")
        .description("Attempts sent to a service, by kind")
        .tag("name", name).tag("kind", kind)
        .register(java.util.Objects.requireNonNull(registry));
    meters.add(counter);
    return counter;
  }

  void call(long nanos, @Nullable Throwable failure) {
    Timer timer = calls.get(Outcome.of(failure));
    if (timer != null) {
      timer.record(nanos, TimeUnit.NANOSECONDS);
    }
  }

  void attempt(boolean isFirst) {
    Counter counter = isFirst ? first : retry;
    if (counter != null) {
      counter.increment();
    }
  }

  void hedge() {
    if (hedge != null) {
      hedge.increment();
    }
  }

  void budgetDenied() {
    if (budgetDenied != null) {
      budgetDenied.increment();
    }
  }

  void close() {
    if (registry != null) {
      meters.forEach(registry::remove);
    }
  }
}
