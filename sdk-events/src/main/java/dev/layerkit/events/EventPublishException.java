package dev.layerkit.events;

import org.jspecify.annotations.Nullable;

/**
 * A publish that did not store its event: the payload could not be encoded, the partition stayed
 * full past the publish timeout, the broker did not acknowledge within the delivery timeout, or the
 * publisher was closed. Nothing was stored (for Kafka: nothing acknowledged).
 *
 * <p>Unchecked; built by the static factories, which name the topic.
 */
public final class EventPublishException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final String topic;

  private EventPublishException(String topic, String message, @Nullable Throwable cause) {
    super(message, cause);
    this.topic = topic;
  }

  /**
   * The payload could not be encoded; nothing was sent.
   *
   * @param topic the topic
   * @param cause the codec's exception
   * @return the exception
   */
  public static EventPublishException encodeFailed(String topic, Throwable cause) {
    return new EventPublishException(topic, "cannot publish to '" + topic
        + "': the payload could not be encoded, nothing was sent: " + cause.getMessage(), cause);
  }

  /**
   * The partition stayed full for the whole publish timeout.
   *
   * @param topic the topic
   * @param partition the full partition
   * @param capacity its capacity
   * @param timeoutMillis how long the publish waited
   * @return the exception
   */
  public static EventPublishException partitionFull(
      String topic, int partition, int capacity, long timeoutMillis) {
    return new EventPublishException(topic, "cannot publish to '" + topic + "': partition "
        + partition + " held " + capacity + " events not yet handled by every active group for "
        + timeoutMillis + " ms (publish timeout); slow consumers or a too small retention", null);
  }

  /**
   * The backend did not store the event.
   *
   * @param topic the topic
   * @param cause what the backend reported
   * @return the exception
   */
  public static EventPublishException notStored(String topic, Throwable cause) {
    return new EventPublishException(topic, "cannot publish to '" + topic + "': "
        + cause.getClass().getSimpleName() + ": " + cause.getMessage(), cause);
  }

  /**
   * The publisher was closed.
   *
   * @param topic the topic
   * @return the exception
   */
  public static EventPublishException closed(String topic) {
    return new EventPublishException(topic, "cannot publish to '" + topic
        + "': the publisher is closed", null);
  }

  /**
   * The thread was interrupted while waiting.
   *
   * @param topic the topic, or {@code *} for a flush
   * @param cause the interruption
   * @return the exception
   */
  public static EventPublishException interrupted(String topic, InterruptedException cause) {
    return new EventPublishException(topic, "interrupted while publishing to '" + topic + "'",
        cause);
  }

  /**
   * Returns the topic of the failed publish.
   *
   * @return the topic
   */
  public String topic() {
    return topic;
  }
}
