package dev.layerkit.events;

import dev.layerkit.core.codec.Codec;
import dev.layerkit.events.internal.EncodingPublisher;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/** The in-memory bus's publisher: encodes, then appends synchronously. Thread-safe. */
final class MemPublisher<T> extends EncodingPublisher<T> {

  private final MemEventBus bus;

  MemPublisher(MemEventBus bus, Codec<T> codec) {
    super(codec, bus.metrics());
    this.bus = bus;
  }

  /** Returns null: {@link #store} stamps the event with the bus's clock, boxing nothing. */
  @Override
  protected @Nullable Long nowMillis() {
    return null;
  }

  @Override
  protected CompletableFuture<PublishReceipt> store(@Nullable String eventId,
      @Nullable Long timestampMillis, String topic, String key, byte[] value,
      Map<String, String> headers) {
    long timestamp = timestampMillis != null ? timestampMillis : bus.nowMillis();
    return bus.append(topic, key, value, MemEventBus.withEventId(headers, eventId), eventId,
        timestamp);
  }

  @Override
  protected void storeAndForget(@Nullable Long timestampMillis, String topic, String key,
      byte[] value) {
    bus.appendOrThrow(topic, key, value, Map.of(),
        timestampMillis != null ? timestampMillis : bus.nowMillis());
  }

  /** Does nothing: every publish is stored before it returns. */
  @Override
  public void flush() {}

  @Override
  public void close() {
    markClosed();
  }

  @Override
  public String toString() {
    return "InMemoryEventPublisher{codec=" + codec() + '}';
  }
}
