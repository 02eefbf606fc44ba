package dev.layerkit.events;

import dev.layerkit.core.codec.Codec;
import dev.layerkit.events.internal.TopicNames;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/** The in-memory bus's publisher: encodes, then appends synchronously. Thread-safe. */
final class MemPublisher<T> implements EventPublisher<T> {

  private final MemEventBus bus;
  private final Codec<T> codec;
  private volatile boolean closed;

  MemPublisher(MemEventBus bus, Codec<T> codec) {
    this.bus = bus;
    this.codec = codec;
  }

  @Override
  public CompletableFuture<PublishReceipt> publish(
      String topic, String key, T payload, Map<String, String> headers) {
    return send(null, bus.now(), topic, key, payload, headers);
  }

  @Override
  public CompletableFuture<PublishReceipt> publishWithId(String eventId, Instant timestamp,
      String topic, String key, T payload, Map<String, String> headers) {
    MemEventBus.checkEventId(eventId);
    return send(eventId, timestamp, topic, key, payload, headers);
  }

  private CompletableFuture<PublishReceipt> send(@Nullable String eventId, Instant timestamp,
      String topic, String key, T payload, Map<String, String> headers) {
    Objects.requireNonNull(timestamp, "timestamp");
    TopicNames.check(topic);
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(payload, "payload");
    Objects.requireNonNull(headers, "headers");
    Map<String, String> allHeaders = MemEventBus.withEventId(headers, eventId);
    if (closed) {
      return CompletableFuture.failedFuture(EventPublishException.closed(topic));
    }
    byte[] value;
    try {
      value = codec.encode(payload);
    } catch (RuntimeException e) {
      bus.metrics().publishFailed(topic);
      return CompletableFuture.failedFuture(EventPublishException.encodeFailed(topic, e));
    }
    return bus.append(topic, key, value, allHeaders, eventId, timestamp.toEpochMilli());
  }

  /** Does nothing: every publish is stored before it returns. */
  @Override
  public void flush() {}

  @Override
  public void close() {
    closed = true;
  }

  @Override
  public String toString() {
    return "InMemoryEventPublisher{codec=" + codec + '}';
  }
}
