package dev.layerkit.events;

/**
 * Subscribes handlers to topics as members of consumer groups.
 *
 * <p>Each {@link #subscribe} call makes one group member with its own thread. Delivery is at least
 * once: an event's offset is committed only after its handler returned, or after it was sent to
 * the dead-letter topic {@code <topic>.DLT} once the {@link RetryPolicy} gave up. A record the
 * codec cannot decode goes to the dead-letter topic at once, with the reason. A new group starts
 * at the beginning of the retained log.
 *
 * <p>Thread-safe. Closing the subscriber closes every subscription it made.
 *
 * <pre>{@code
 * Subscription subscription = subscriber.subscribe("orders", "billing", event ->
 *     billing.charge(event.payload()));
 * // ...
 * subscription.close(); // drains and commits
 * }</pre>
 *
 * @param <T> the payload type
 */
public interface EventSubscriber<T> extends AutoCloseable {

  /**
   * Starts a member of {@code group} that handles the events of {@code topic}.
   *
   * @param topic the topic, a legal topic name
   * @param group the consumer group, not blank
   * @param handler the handler, called from the subscription's thread
   * @return the running subscription
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code topic} is not a legal topic name or {@code group} is
   *     blank
   * @throws IllegalStateException if the subscriber is closed
   */
  Subscription subscribe(String topic, String group, EventHandler<T> handler);

  /** Closes every subscription this subscriber made, each draining and committing. Idempotent. */
  @Override
  void close();
}
