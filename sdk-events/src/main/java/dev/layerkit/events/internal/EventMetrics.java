package dev.layerkit.events.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.jspecify.annotations.Nullable;

/**
 * The {@code layerkit.events.*} counters, tagged with {@code backend}, {@code topic} and, for
 * consumers, {@code group}. Without a registry every method does nothing. A counter is looked up
 * once per topic (and group) and cached, so a count costs one map read and an add.
 */
public final class EventMetrics {

  private final @Nullable MeterRegistry registry;
  private final ObservationRegistry observations;
  private final String backend;
  private final ConcurrentMap<String, Counter> counters = new ConcurrentHashMap<>();

  /**
   * Creates the metrics.
   *
   * @param registry the registry, or null for none
   * @param backend the backend's tag value, e.g. {@code memory} or {@code kafka}
   */
  public EventMetrics(@Nullable MeterRegistry registry, String backend) {
    this(registry, backend, ObservationRegistry.NOOP);
  }

  /**
   * Creates the metrics with the observations that go beside them ({@link EventObservations}).
   *
   * @param registry the registry, or null for none
   * @param backend the backend's tag value, e.g. {@code memory} or {@code kafka}
   * @param observations where publishes and handler calls are observed
   */
  public EventMetrics(@Nullable MeterRegistry registry, String backend,
      ObservationRegistry observations) {
    this.registry = registry;
    this.backend = backend;
    this.observations = observations;
  }

  /**
   * Returns where publishes and handler calls are observed.
   *
   * @return the registry, {@link ObservationRegistry#NOOP} when off
   */
  public ObservationRegistry observations() {
    return observations;
  }

  /**
   * Returns whether counts are recorded, that is whether a registry was given: a hot path can skip
   * working out the tags of a count that does nothing, as Kafka's I/O thread does for every
   * acknowledged publish.
   *
   * @return true with a registry
   */
  public boolean isCounting() {
    return registry != null;
  }

  /**
   * Counts an event stored by a publisher ({@code layerkit.events.published}).
   *
   * @param topic the topic
   */
  public void published(String topic) {
    count("layerkit.events.published", topic, null);
  }

  /**
   * Counts a failed publish ({@code layerkit.events.publish.failed}).
   *
   * @param topic the topic
   */
  public void publishFailed(String topic) {
    count("layerkit.events.publish.failed", topic, null);
  }

  /**
   * Counts an event a handler handled ({@code layerkit.events.handled}).
   *
   * @param topic the topic
   * @param group the group
   */
  public void handled(String topic, String group) {
    count("layerkit.events.handled", topic, group);
  }

  /**
   * Counts a failed handler call that will be retried ({@code layerkit.events.retried}).
   *
   * @param topic the topic
   * @param group the group
   */
  public void retried(String topic, String group) {
    count("layerkit.events.retried", topic, group);
  }

  /**
   * Counts an event sent to the dead-letter topic ({@code layerkit.events.dead-lettered}).
   *
   * @param topic the topic
   * @param group the group
   */
  public void deadLettered(String topic, String group) {
    count("layerkit.events.dead-lettered", topic, group);
  }

  private void count(String name, String topic, @Nullable String group) {
    MeterRegistry r = registry;
    if (r == null) {
      return;
    }
    String id = name + '|' + topic + '|' + group;
    counters.computeIfAbsent(id, unused -> {
      Counter.Builder builder = Counter.builder(name).tag("backend", backend).tag("topic", topic);
      if (group != null) {
        builder.tag("group", group);
      }
      return builder.register(r);
    }).increment();
  }
}
