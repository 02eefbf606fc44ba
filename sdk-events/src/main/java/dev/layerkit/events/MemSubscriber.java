package dev.layerkit.events;

import dev.layerkit.core.codec.Codec;
import java.util.ArrayList;
import java.util.List;

/** The in-memory bus's subscriber. Thread-safe. */
final class MemSubscriber<T> implements EventSubscriber<T> {

  private final MemEventBus bus;
  private final Codec<T> codec;
  private final RetryPolicy policy;
  private final List<MemSubscription<T>> subscriptions = new ArrayList<>();
  private boolean closed;

  MemSubscriber(MemEventBus bus, Codec<T> codec, RetryPolicy policy) {
    this.bus = bus;
    this.codec = codec;
    this.policy = policy;
  }

  @Override
  public Subscription subscribe(String topic, String group, EventHandler<T> handler) {
    synchronized (subscriptions) {
      if (closed) {
        throw new IllegalStateException("the subscriber is closed");
      }
      MemSubscription<T> subscription = bus.subscribe(topic, group, handler, codec, policy);
      subscriptions.add(subscription);
      return subscription;
    }
  }

  @Override
  public void close() {
    List<MemSubscription<T>> all;
    synchronized (subscriptions) {
      closed = true;
      all = new ArrayList<>(subscriptions);
      subscriptions.clear();
    }
    all.forEach(MemSubscription::close);
  }
}
