package dev.layerkit.events.internal;

import dev.layerkit.core.observation.ObservationTags;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.transport.Kind;
import io.micrometer.observation.transport.ReceiverContext;
import io.micrometer.observation.transport.SenderContext;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The events block's observations, shared by every backend so that they trace alike: {@value
 * #PUBLISH} per publish (a producer observation; the tracer writes its {@code traceparent} into
 * the event's headers, which Kafka carries as record headers), {@value #CONSUME} per handler call
 * (a consumer observation whose parent the tracer reads from those headers), and the outbox's
 * {@value #OUTBOX_ADD} (the row's headers carry the context) and {@value #OUTBOX_RELAY} (continues
 * it; the relay's publish is its child). Tags: {@code topic}, {@code group} (consumers), {@code
 * outcome}.
 *
 * <p>With a no-op registry every method returns before allocating. Not API; thread-safe.
 */
public final class EventObservations {

  /** A publish, from the call to the stored receipt. */
  public static final String PUBLISH = "layerkit.events.publish";
  /** One handler call on one event. */
  public static final String CONSUME = "layerkit.events.consume";
  /** An event added to an outbox table within the caller's transaction. */
  public static final String OUTBOX_ADD = "layerkit.outbox.add";
  /** The relay's publish of one outbox row. */
  public static final String OUTBOX_RELAY = "layerkit.outbox.relay";

  private static final String TOPIC = "topic";
  private static final String GROUP = "group";

  private EventObservations() {}

  /**
   * An observation with the headers that carry its context.
   *
   * @param observation the started observation, NOOP when off
   * @param headers the caller's headers plus the tracer's ({@code traceparent}), read-only
   */
  public record Propagated(Observation observation, Map<String, String> headers) {}

  /**
   * Starts a producer observation ({@link #PUBLISH} or {@link #OUTBOX_ADD}), child of the current
   * one, and returns the headers to store with the event.
   *
   * @param registry the registry
   * @param name the observation's name
   * @param topic the topic
   * @param headers the caller's checked headers
   * @return the observation and the headers to store, or null with a no-op registry (then store
   *     the caller's {@code headers} as they are)
   */
  public static @Nullable Propagated send(ObservationRegistry registry, String name, String topic,
      Map<String, String> headers) {
    if (registry.isNoop()) {
      return null;
    }
    Map<String, String> carrier = new HashMap<>(headers);
    SenderContext<Map<String, String>> context = new SenderContext<>(Map::put, Kind.PRODUCER);
    context.setCarrier(carrier);
    context.setRemoteServiceName(topic);
    Observation observation = Observation.createNotStarted(name, () -> context, registry)
        .lowCardinalityKeyValue(TOPIC, topic).start();
    return new Propagated(observation, Map.copyOf(carrier));
  }

  /**
   * Starts a consumer observation ({@link #CONSUME} or {@link #OUTBOX_RELAY}) that continues the
   * context in an event's headers.
   *
   * @param registry the registry
   * @param name the observation's name
   * @param topic the topic
   * @param group the consumer group, or null
   * @param headers the event's headers
   * @return the started observation, NOOP with a no-op registry
   */
  public static Observation receive(ObservationRegistry registry, String name, String topic,
      @Nullable String group, Map<String, String> headers) {
    if (registry.isNoop()) {
      return Observation.NOOP;
    }
    ReceiverContext<Map<String, String>> context =
        new ReceiverContext<>(Map::get, Kind.CONSUMER);
    context.setCarrier(headers);
    context.setRemoteServiceName(topic);
    Observation observation = Observation.createNotStarted(name, () -> context, registry)
        .lowCardinalityKeyValue(TOPIC, topic);
    if (group != null) {
      observation.lowCardinalityKeyValue(GROUP, group);
    }
    return observation.start();
  }

  /**
   * Stops an observation with its outcome.
   *
   * @param observation the observation
   * @param error the failure, or null on success
   */
  public static void stop(Observation observation, @Nullable Throwable error) {
    if (observation.isNoop()) {
      return;
    }
    if (error != null) {
      observation.error(error);
    }
    observation.lowCardinalityKeyValue(ObservationTags.OUTCOME,
        error == null ? ObservationTags.SUCCESS : ObservationTags.ERROR).stop();
  }
}
