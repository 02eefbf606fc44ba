package dev.layerkit.events;

import java.util.Objects;

/**
 * The dead-letter topic's name and the headers a dead-lettered event carries.
 *
 * <p>An event whose handler failed {@link RetryPolicy#maxAttempts()} times, or whose bytes the
 * codec could not decode, is published unchanged (same key, payload bytes, event id and headers) to
 * {@code <topic>.DLT} with these headers added. A dead-letter topic is an ordinary topic: subscribe
 * to it with a codec of the same type to inspect or replay its events.
 */
public final class DeadLetters {

  /** The suffix of a dead-letter topic: {@value}. */
  public static final String SUFFIX = ".DLT";

  /** Header: the class name of the handler's last exception, or of the codec's. */
  public static final String EXCEPTION_CLASS = "layerkit.dlt.exception-class";

  /** Header: the message of that exception (at most 1,000 characters). */
  public static final String EXCEPTION_MESSAGE = "layerkit.dlt.exception-message";

  /** Header: how many times the handler was called (0 for an undecodable record). */
  public static final String ATTEMPTS = "layerkit.dlt.attempts";

  /** Header: the topic the event was read from. */
  public static final String ORIGINAL_TOPIC = "layerkit.dlt.original-topic";

  /** Header: the partition the event was read from. */
  public static final String ORIGINAL_PARTITION = "layerkit.dlt.original-partition";

  /** Header: the event's offset in that partition. */
  public static final String ORIGINAL_OFFSET = "layerkit.dlt.original-offset";

  /** Header: the consumer group that gave up on the event. */
  public static final String GROUP = "layerkit.dlt.group";

  /** Header: why the event was dead-lettered: {@code handler-failed} or {@code undecodable}. */
  public static final String REASON = "layerkit.dlt.reason";

  /** {@link #REASON} for an event whose handler failed every attempt. */
  public static final String REASON_HANDLER_FAILED = "handler-failed";

  /** {@link #REASON} for a record the codec could not decode. */
  public static final String REASON_UNDECODABLE = "undecodable";

  private DeadLetters() {}

  /**
   * Returns the dead-letter topic of a topic.
   *
   * @param topic the topic
   * @return {@code topic + ".DLT"}
   * @throws NullPointerException if {@code topic} is null
   */
  public static String topicFor(String topic) {
    return Objects.requireNonNull(topic, "topic") + SUFFIX;
  }
}
