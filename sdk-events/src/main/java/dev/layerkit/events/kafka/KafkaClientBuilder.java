package dev.layerkit.events.kafka;

import dev.layerkit.core.codec.Codec;
import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.internal.BuilderSettings;
import dev.layerkit.core.time.TimeSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What the builders of {@link KafkaEventPublisher} and {@link KafkaEventSubscriber} share: the
 * codec, the Kafka client's properties over the client's defaults, the clock and the meter
 * registry, each setting given at most once ({@link BuilderSettings}). Not thread-safe.
 *
 * @param <T> the payload type
 * @param <B> the concrete builder, returned by the setters
 */
abstract class KafkaClientBuilder<T, B extends KafkaClientBuilder<T, B>> {

  final BuilderSettings settings = new BuilderSettings();
  final Codec<T> codec;
  final Map<String, Object> config;
  TimeSource time = TimeSource.system();
  @Nullable MeterRegistry meterRegistry;
  ObservationRegistry observationRegistry = ObservationRegistry.NOOP;

  KafkaClientBuilder(String bootstrapServers, Codec<T> codec,
      Map<String, Object> defaultConfig) {
    Arguments.notBlank(bootstrapServers, "bootstrapServers");
    this.codec = Objects.requireNonNull(codec, "codec");
    this.config = defaultConfig;
  }

  /**
   * Returns why a property cannot be set by the user to this value, or null if it can.
   *
   * @param name the property's name
   * @param value the value asked for
   * @return the message of the {@link IllegalArgumentException}, naming {@code name}, or null
   */
  abstract @Nullable String refusal(String name, Object value);

  @SuppressWarnings("unchecked")
  private B self() {
    return (B) this;
  }

  /**
   * Sets a Kafka client property, overriding the default. Settings the client owns (see the
   * builder's class) cannot be set.
   *
   * @param name a Kafka client setting's name
   * @param value its value
   * @return this builder
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code name} is a setting the client owns, or a value
   *     the client cannot work with (see the builder's class)
   * @throws IllegalStateException if this property was already set
   */
  public B property(String name, Object value) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(value, "value");
    settings.requireUnset("property " + name, config.get(name));
    String refusal = refusal(name, value);
    if (refusal != null) {
      throw new IllegalArgumentException(refusal);
    }
    config.put(name, value);
    return self();
  }

  /**
   * Sets the clock of event timestamps, retry backoff and failure timeouts; meant for tests
   * ({@code ManualTimeSource}). Default {@link TimeSource#system()}.
   *
   * @param timeSource the clock
   * @return this builder
   * @throws NullPointerException if {@code timeSource} is null
   * @throws IllegalStateException if already set
   */
  public B timeSource(TimeSource timeSource) {
    settings.requireUnset("timeSource", this.time);
    this.time = Objects.requireNonNull(timeSource, "timeSource");
    return self();
  }

  /**
   * Records the client's {@code layerkit.events.*} meters (listed in the client's class
   * documentation), tagged {@code backend=kafka}, {@code topic} and, for consumers, {@code group}.
   * Off by default. Costs a map lookup and an add per event.
   *
   * @param meterRegistry the registry
   * @return this builder
   * @throws NullPointerException if {@code meterRegistry} is null
   * @throws IllegalStateException if already set
   */
  public B meterRegistry(MeterRegistry meterRegistry) {
    settings.requireUnset("meterRegistry", this.meterRegistry);
    this.meterRegistry = Objects.requireNonNull(meterRegistry, "meterRegistry");
    return self();
  }

  /**
   * Sets where publishes and handler calls are observed: {@code layerkit.events.publish} (a
   * producer span whose W3C {@code traceparent} goes in the record's headers) and {@code
   * layerkit.events.consume} per handler call (a consumer span continuing the record's context,
   * current while the handler runs). {@link ObservationRegistry#NOOP} by default.
   *
   * @param observationRegistry the registry, with the tracer's handlers registered on it
   * @return this builder
   * @throws NullPointerException if {@code observationRegistry} is null
   * @throws IllegalStateException if already set
   */
  public B observationRegistry(ObservationRegistry observationRegistry) {
    settings.requireUnset("observationRegistry", this.observationRegistry);
    this.observationRegistry = Objects.requireNonNull(observationRegistry, "observationRegistry");
    return self();
  }
}
