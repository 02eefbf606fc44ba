package dev.layerkit.events;

import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.internal.BuilderSettings;
import dev.layerkit.core.time.TimeSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Entry point to the event backends: {@link #inMemory()}, a bus in this JVM with Kafka's model.
 * The Kafka backend is built the same way, from its own builders in {@code
 * dev.layerkit.events.kafka} (they need {@code org.apache.kafka:kafka-clients}):
 * {@code KafkaEventPublisher.builder(...)}, {@code KafkaEventSubscriber.builder(...)} and, for
 * windowed analytics (with {@code kafka-streams}), {@code KafkaStreamsAggregator.builder(...)}.
 * The in-memory windowed aggregator is {@link dev.layerkit.events.stream.WindowedAggregator#inMemory}
 * and the outbox {@link dev.layerkit.events.outbox.Outbox#builder}.
 *
 * <pre>{@code
 * InMemoryEventBus bus = EventBuses.inMemory().partitions(8).retention(100_000).build();
 * }</pre>
 */
public final class EventBuses {

  /** Default partitions of a topic created on first use: {@value}. */
  public static final int DEFAULT_PARTITIONS = 4;

  /** Default records retained per partition: {@value}. */
  public static final int DEFAULT_RETENTION = 10_000;

  /** Default longest wait of a publish for room in a full partition: 5 s. */
  public static final Duration DEFAULT_PUBLISH_TIMEOUT = Duration.ofSeconds(5);

  /** Default longest wait of {@link Subscription#close()} for the handler: 30 s. */
  public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);

  private EventBuses() {}

  /**
   * Returns a builder of an in-memory event bus.
   *
   * @return a new builder with the defaults above
   */
  public static InMemoryBuilder inMemory() {
    return new InMemoryBuilder();
  }

  /**
   * Configures an {@link InMemoryEventBus}. Setters validate at once; each may be given once. Not
   * thread-safe; the bus it builds is.
   */
  public static final class InMemoryBuilder {

    private final BuilderSettings settings = new BuilderSettings();
    private int partitions = DEFAULT_PARTITIONS;
    private int retention = DEFAULT_RETENTION;
    private Duration publishTimeout = DEFAULT_PUBLISH_TIMEOUT;
    private Duration drainTimeout = DEFAULT_DRAIN_TIMEOUT;
    private TimeSource timeSource = TimeSource.system();
    private @Nullable MeterRegistry meterRegistry;
    private ObservationRegistry observationRegistry = ObservationRegistry.NOOP;

    private InMemoryBuilder() {}

    /**
     * Sets the partitions of topics created on first use. Default {@value
     * EventBuses#DEFAULT_PARTITIONS}.
     *
     * @param partitions at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code partitions} is less than 1
     * @throws IllegalStateException if already set
     */
    public InMemoryBuilder partitions(int partitions) {
      settings.requireUnset("partitions", this.partitions);
      if (partitions < 1) {
        throw new IllegalArgumentException("partitions must be >= 1 but was " + partitions);
      }
      this.partitions = partitions;
      return this;
    }

    /**
     * Sets how many records each partition retains, the bound of its memory and of how far a
     * group may fall behind before publishers wait. Default {@value EventBuses#DEFAULT_RETENTION}.
     *
     * @param retention records per partition, at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code retention} is less than 1
     * @throws IllegalStateException if already set
     */
    public InMemoryBuilder retention(int retention) {
      settings.requireUnset("retention", this.retention);
      if (retention < 1) {
        throw new IllegalArgumentException("retention must be >= 1 but was " + retention);
      }
      this.retention = retention;
      return this;
    }

    /**
     * Sets how long a publish waits for room in a full partition before it fails. Default 5 s.
     *
     * @param publishTimeout zero (fail at once) or more
     * @return this builder
     * @throws NullPointerException if {@code publishTimeout} is null
     * @throws IllegalArgumentException if it is negative
     * @throws IllegalStateException if already set
     */
    public InMemoryBuilder publishTimeout(Duration publishTimeout) {
      settings.requireUnset("publishTimeout", this.publishTimeout);
      this.publishTimeout = Arguments.notNegative(publishTimeout, "publishTimeout");
      return this;
    }

    /**
     * Sets how long {@link Subscription#close()} waits for the handler to finish its batch.
     * Default 30 s.
     *
     * @param drainTimeout more than zero
     * @return this builder
     * @throws NullPointerException if {@code drainTimeout} is null
     * @throws IllegalArgumentException if it is zero or negative
     * @throws IllegalStateException if already set
     */
    public InMemoryBuilder drainTimeout(Duration drainTimeout) {
      settings.requireUnset("drainTimeout", this.drainTimeout);
      this.drainTimeout = Arguments.positive(drainTimeout, "drainTimeout");
      return this;
    }

    /**
     * Sets the clock of event timestamps and retry backoff; meant for tests ({@code
     * ManualTimeSource}). Default {@link TimeSource#system()}.
     *
     * @param timeSource the clock
     * @return this builder
     * @throws NullPointerException if {@code timeSource} is null
     * @throws IllegalStateException if already set
     */
    public InMemoryBuilder timeSource(TimeSource timeSource) {
      settings.requireUnset("timeSource", this.timeSource);
      this.timeSource = Objects.requireNonNull(timeSource, "timeSource");
      return this;
    }

    /**
     * Records {@code layerkit.events.*} counters (tags {@code backend=memory}, {@code topic},
     * {@code group}). Costs a map lookup and an add per event. Off by default.
     *
     * @param meterRegistry the registry
     * @return this builder
     * @throws NullPointerException if {@code meterRegistry} is null
     * @throws IllegalStateException if already set
     */
    public InMemoryBuilder meterRegistry(MeterRegistry meterRegistry) {
      settings.requireUnset("meterRegistry", this.meterRegistry);
      this.meterRegistry = Objects.requireNonNull(meterRegistry, "meterRegistry");
      return this;
    }

    /**
     * Sets where publishes and handler calls are observed: {@code layerkit.events.publish} (a
     * producer span whose W3C {@code traceparent} goes in the event's headers) and {@code
     * layerkit.events.consume} per handler call (a consumer span continuing it, current while the
     * handler runs). {@link ObservationRegistry#NOOP} by default: nothing is observed or added.
     *
     * @param observationRegistry the registry, with the tracer's handlers registered on it
     * @return this builder
     * @throws NullPointerException if {@code observationRegistry} is null
     * @throws IllegalStateException if already set
     */
    public InMemoryBuilder observationRegistry(ObservationRegistry observationRegistry) {
      settings.requireUnset("observationRegistry", this.observationRegistry);
      this.observationRegistry =
          Objects.requireNonNull(observationRegistry, "observationRegistry");
      return this;
    }

    /**
     * Builds the bus. The builder can be used again afterwards.
     *
     * @return the bus, thread-safe
     */
    public InMemoryEventBus build() {
      return new MemEventBus(partitions, retention, publishTimeout, drainTimeout, timeSource,
          meterRegistry, observationRegistry);
    }
  }
}
