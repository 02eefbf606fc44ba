package dev.layerkit.events.internal;

import dev.layerkit.core.codec.Codec;
import dev.layerkit.core.internal.Arguments;
import dev.layerkit.events.EventPublishException;
import dev.layerkit.events.EventPublisher;
import dev.layerkit.events.PublishReceipt;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * The part of a publish every backend runs the same way, so that both fail alike: check the
 * arguments, refuse after close, encode with the codec (a failure counts in {@code
 * layerkit.events.publish.failed} and fails the future, nothing is stored), then hand the bytes to
 * the backend's {@link #store} (or, for {@link #publishAndForget}, {@link #storeAndForget}). With an observation registry, the publish is observed ({@link
 * EventObservations#PUBLISH}) and its trace context stored in the event's headers.
 *
 * <p>The topic-name check runs once per change of topic, not per event: most publishers use a
 * few topics. The cache is racy on purpose; a stale value only means checking again.
 *
 * <p>Thread-safe if {@link #store} is.
 *
 * @param <T> the payload type
 */
public abstract class EncodingPublisher<T> implements EventPublisher<T> {

  private final Codec<T> codec;
  private final EventMetrics metrics;
  private volatile boolean closed;
  private @Nullable String lastCheckedTopic;

  /**
   * Creates the publisher's shared part.
   *
   * @param codec encodes payloads
   * @param metrics counts failed encodings
   */
  protected EncodingPublisher(Codec<T> codec, EventMetrics metrics) {
    this.codec = codec;
    this.metrics = metrics;
  }

  /**
   * Returns the event time of a {@link #publish} in epoch milliseconds, or null to let the backend
   * stamp it with the same clock.
   *
   * @return the time, or null
   */
  protected abstract @Nullable Long nowMillis();

  /**
   * Stores an encoded event.
   *
   * @param eventId the caller's event id, or null for the event's place in the log
   * @param timestampMillis the event time, or null for the backend's
   * @param topic the checked topic
   * @param key the key
   * @param value the encoded payload
   * @param headers the checked application headers
   * @return the future of the receipt
   */
  protected abstract CompletableFuture<PublishReceipt> store(@Nullable String eventId,
      @Nullable Long timestampMillis, String topic, String key, byte[] value,
      Map<String, String> headers);

  /**
   * Stores an encoded event without application headers or an id of its own, and makes no
   * receipt: the path of {@link #publishAndForget}.
   *
   * @param timestampMillis the event time, or null for the backend's
   * @param topic the checked topic
   * @param key the key
   * @param value the encoded payload
   * @throws EventPublishException if the event is known not to be stored when this returns
   */
  protected abstract void storeAndForget(@Nullable Long timestampMillis, String topic, String key,
      byte[] value);

  @Override
  public final CompletableFuture<PublishReceipt> publish(
      String topic, String key, T payload, Map<String, String> headers) {
    return send(null, nowMillis(), topic, key, payload, headers);
  }

  /**
   * {@inheritDoc}
   *
   * <p>With an observation registry that is not no-op, this publishes through {@link #publish}
   * (the observation needs the outcome) and throws if its future has already failed.
   */
  @Override
  public final void publishAndForget(String topic, String key, T payload) {
    checkTopic(topic);
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(payload, "payload");
    if (!metrics.observations().isNoop()) {
      EventPublisher.super.publishAndForget(topic, key, payload);
      return;
    }
    if (closed) {
      throw EventPublishException.closed(topic);
    }
    byte[] value;
    try {
      value = codec.encode(payload);
    } catch (RuntimeException e) {
      metrics.publishFailed(topic);
      throw EventPublishException.encodeFailed(topic, e);
    }
    storeAndForget(nowMillis(), topic, key, value);
  }

  private void checkTopic(String topic) {
    if (topic != lastCheckedTopic) {
      TopicNames.check(topic);
      lastCheckedTopic = topic;
    }
  }

  @Override
  public final CompletableFuture<PublishReceipt> publishWithId(String eventId, Instant timestamp,
      String topic, String key, T payload, Map<String, String> headers) {
    Arguments.notBlank(eventId, "eventId");
    return send(eventId, Objects.requireNonNull(timestamp, "timestamp").toEpochMilli(), topic,
        key, payload, headers);
  }

  private CompletableFuture<PublishReceipt> send(@Nullable String eventId,
      @Nullable Long timestampMillis, String topic, String key, T payload,
      Map<String, String> headers) {
    checkTopic(topic);
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(payload, "payload");
    EventHeaders.checkApplicationHeaders(Objects.requireNonNull(headers, "headers"));
    if (closed) {
      return CompletableFuture.failedFuture(EventPublishException.closed(topic));
    }
    byte[] value;
    try {
      value = codec.encode(payload);
    } catch (RuntimeException e) {
      metrics.publishFailed(topic);
      return CompletableFuture.failedFuture(EventPublishException.encodeFailed(topic, e));
    }
    ObservationRegistry observations = metrics.observations();
    if (observations.isNoop()) {
      return store(eventId, timestampMillis, topic, key, value, headers);
    }
    return storeObserved(observations, eventId, timestampMillis, topic, key, value, headers);
  }

  /**
   * Stores under a producer observation whose context travels in the stored headers. Kept out of
   * {@link #send} so that the untraced path stays as small as it was before tracing, for the JIT
   * to inline it as before.
   */
  private CompletableFuture<PublishReceipt> storeObserved(ObservationRegistry observations,
      @Nullable String eventId, @Nullable Long timestampMillis, String topic, String key, byte[] value,
      Map<String, String> headers) {
    EventObservations.Propagated traced = EventObservations.send(observations,
        EventObservations.PUBLISH, topic, headers);
    if (traced == null) {   // a registry that became no-op in between
      return store(eventId, timestampMillis, topic, key, value, headers);
    }
    Observation observation = traced.observation();
    CompletableFuture<PublishReceipt> stored;
    try {
      stored = store(eventId, timestampMillis, topic, key, value, traced.headers());
    } catch (RuntimeException e) {
      EventObservations.stop(observation, e);
      throw e;
    }
    stored.whenComplete((receipt, error) -> EventObservations.stop(observation, error));
    return stored;
  }

  /**
   * Returns whether {@link #markClosed()} was called.
   *
   * @return whether the publisher is closed
   */
  protected final boolean isClosed() {
    return closed;
  }

  /**
   * Makes later publishes fail with {@link EventPublishException#closed}.
   *
   * @return true on the first call, false if it was already closed
   */
  protected final synchronized boolean markClosed() {
    if (closed) {
      return false;
    }
    closed = true;
    return true;
  }

  /**
   * Returns the codec.
   *
   * @return the codec
   */
  protected final Codec<T> codec() {
    return codec;
  }
}
