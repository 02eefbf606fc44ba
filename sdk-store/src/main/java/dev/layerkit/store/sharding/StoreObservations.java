package dev.layerkit.store.sharding;

import dev.layerkit.core.observation.ObservationTags;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import java.util.function.Supplier;

/**
 * A sharded repository's observations: {@value #OPERATION} per call, tagged {@code name} (the
 * repository), {@code operation} ({@code findById}, {@code save}, {@code insertIfAbsent}, {@code
 * deleteById}, {@code findAll}, {@code count}), {@code shard} (the shard's index for a routed
 * call, {@code all} for a scatter) and {@code scatter} ({@code true} when every shard is asked),
 * and {@code outcome}. The observation is current while the call runs, so a shard backend's own
 * observations (a driver's) are its children.
 *
 * <p>Callers check {@link #off()} first and call the repository directly when it is: with the
 * default no-op registry a call allocates nothing for tracing. Thread-safe.
 */
final class StoreObservations {

  static final String OPERATION = "layerkit.store.operation";
  static final String ALL = "all";

  private final ObservationRegistry registry;
  private final String name;

  StoreObservations(ObservationRegistry registry, String name) {
    this.registry = registry;
    this.name = name;
  }

  boolean off() {
    return registry.isNoop();
  }

  /** Runs one call under its observation. */
  @SuppressWarnings("try") // the scope makes the observation current; the body need not name it
  <R> R observe(String operation, String shard, boolean scatter, Supplier<R> call) {
    Observation observation = Observation.createNotStarted(OPERATION, registry)
        .lowCardinalityKeyValue(ObservationTags.NAME, name)
        .lowCardinalityKeyValue("operation", operation)
        .lowCardinalityKeyValue("shard", shard)
        .lowCardinalityKeyValue("scatter", scatter ? "true" : "false")
        .start();
    try (Observation.Scope scope = observation.openScope()) {
      R result = call.get();
      observation.lowCardinalityKeyValue(ObservationTags.OUTCOME, ObservationTags.SUCCESS);
      return result;
    } catch (RuntimeException | Error e) {
      observation.error(e);
      observation.lowCardinalityKeyValue(ObservationTags.OUTCOME, ObservationTags.ERROR);
      throw e;
    } finally {
      observation.stop();
    }
  }
}
