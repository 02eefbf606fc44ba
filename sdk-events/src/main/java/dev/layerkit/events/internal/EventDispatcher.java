package dev.layerkit.events.internal;

import dev.layerkit.core.codec.Codec;
import dev.layerkit.core.time.TimeSource;
import dev.layerkit.events.DeadLetters;
import dev.layerkit.events.Event;
import dev.layerkit.events.EventHandler;
import dev.layerkit.events.RetryPolicy;
import io.micrometer.observation.Observation;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers raw records of one subscription to its handler: decodes, calls the handler, counts
 * attempts, schedules retries on the {@link TimeSource} and dead-letters what fails for good.
 *
 * <p>Design: delivery never sleeps. {@link #deliver} returns {@code false} when a record must wait
 * for its next attempt and records when in the partition's {@link RetryState}; the caller (a poll
 * loop) keeps the partition's later records back, serves its other partitions, and calls again.
 * That is what keeps a poison event from blocking anything but its own partition, and then only
 * for the policy's bounded backoff. A dead-letter send that fails is retried the same way, so an
 * event is never committed before it is handled or stored in the dead-letter topic.
 *
 * <p>Not thread-safe: one instance per subscription, called from its poll thread.
 *
 * @param <T> the payload type
 */
public final class EventDispatcher<T> {

  /** Stores a dead-lettered record; returns only once it is stored. */
  @FunctionalInterface
  public interface DeadLetterSink {

    /**
     * Publishes the record's key and value to {@code deadLetterTopic} with {@code headers}. The
     * record is valid only during the call: what the dead letter needs of it is copied.
     *
     * @param deadLetterTopic the dead-letter topic
     * @param original the record
     * @param headers the original headers plus the dead-letter headers
     * @throws Exception if it was not stored
     */
    void send(String deadLetterTopic, EncodedRecord original, Map<String, String> headers)
        throws Exception;
  }

  /** The delivery state of one partition's head record. Not thread-safe. */
  public static final class RetryState {
    private long offset = -1;
    private int attempts;
    private long notBeforeNanos;
    private @Nullable Map<String, String> deadLetterHeaders;

    /** Creates an empty state. */
    public RetryState() {}

    /**
     * Returns how many times the handler failed on the head record.
     *
     * @return the failed attempts
     */
    public int attempts() {
      return attempts;
    }
  }

  private static final Logger LOG = LoggerFactory.getLogger(EventDispatcher.class);
  private static final int MAX_MESSAGE_LENGTH = 1000;
  private static final Duration DEAD_LETTER_RETRY = Duration.ofMillis(500);

  private final Codec<T> codec;
  private final EventHandler<T> handler;
  private final RetryPolicy policy;
  private final DeadLetterSink sink;
  private final TimeSource time;
  private final String group;
  private final EventMetrics metrics;
  private @Nullable Instant lastInstant;
  private long lastInstantMillis;

  /**
   * Creates a dispatcher.
   *
   * @param codec decodes payloads
   * @param handler the handler
   * @param policy the retry policy
   * @param sink stores dead letters
   * @param time measures backoff
   * @param group the consumer group, for headers and metrics
   * @param metrics the metrics
   */
  public EventDispatcher(Codec<T> codec, EventHandler<T> handler, RetryPolicy policy,
      DeadLetterSink sink, TimeSource time, String group, EventMetrics metrics) {
    this.codec = codec;
    this.handler = handler;
    this.policy = policy;
    this.sink = sink;
    this.time = time;
    this.group = group;
    this.metrics = metrics;
  }

  /**
   * Delivers a record unless it waits for a retry.
   *
   * @param record the partition's head record, read only during the call
   * @param state the partition's state
   * @return true if the record is done (handled or dead-lettered) and its offset may be committed;
   *     false if it waits for a later attempt
   */
  public boolean deliver(EncodedRecord record, RetryState state) {
    if (state.offset != record.offset()) {
      state.offset = record.offset();
      state.attempts = 0;
      state.notBeforeNanos = 0;
      state.deadLetterHeaders = null;
    }
    if ((state.attempts > 0 || state.deadLetterHeaders != null)
        && time.nanoTime() - state.notBeforeNanos < 0) {
      return false;
    }
    if (state.deadLetterHeaders != null) {
      return sendDeadLetter(record, state, state.deadLetterHeaders);
    }
    T payload;
    try {
      payload = codec.decode(record.value());
    } catch (RuntimeException e) {
      LOG.warn("Undecodable record at {}-{}@{} for group {}; sending it to {}: {}",
          record.topic(), record.partition(), record.offset(), group,
          DeadLetters.topicFor(record.topic()), e.toString());
      return sendDeadLetter(record, state,
          deadLetterHeaders(record, e, 0, DeadLetters.REASON_UNDECODABLE));
    }
    String ownId = record.headers().get(EventHeaders.EVENT_ID);
    // An id that is the record's place is built only if the handler asks (Event.id()).
    Event<T> event = new Event<>(ownId != null ? ownId : EventIds.AT_POSITION, record.topic(),
        record.key(), instant(record.timestampMillis()), record.headers(), payload,
        record.partition(), record.offset());
    while (true) {
      // Each handler call continues the publisher's trace; its scope is open while the handler
      // runs, so the handler's own observations are children and its logs carry the ids.
      Observation observation = EventObservations.receive(metrics.observations(),
          EventObservations.CONSUME, record.topic(), group, record.headers());
      try {
        if (observation.isNoop()) {
          handler.handle(event); // Observation.NOOP's scope would still cost an allocation
        } else {
          handleInScope(observation, event);
        }
      } catch (Exception e) {
        EventObservations.stop(observation, e);
        // An InterruptedException from a handler is a failure like any other: the thread is the
        // subscription's, and it stops by its own flag, not by interruption.
        state.attempts++;
        if (state.attempts >= policy.maxAttempts()) {
          LOG.warn("Handler of group {} failed {} time(s) on event {} at {}-{}@{}; sending it to {}",
              group, state.attempts, event.id(), record.topic(), record.partition(),
              record.offset(), DeadLetters.topicFor(record.topic()), e);
          return sendDeadLetter(record, state, deadLetterHeaders(record, e, state.attempts,
              DeadLetters.REASON_HANDLER_FAILED));
        }
        metrics.retried(record.topic(), group);
        Duration backoff = policy.backoff(state.attempts);
        LOG.debug("Handler of group {} failed attempt {} on event {}; retrying in {}", group,
            state.attempts, event.id(), backoff, e);
        if (!backoff.isZero()) {
          state.notBeforeNanos = time.nanoTime() + backoff.toNanos();
          return false;
        }
        continue;
      }
      EventObservations.stop(observation, null);
      metrics.handled(record.topic(), group);
      return true;
    }
  }

  /**
   * Returns the event time as an {@link Instant}, reusing the last one while the millisecond is
   * the same: events published close together share it, and {@code Instant} is a value-based
   * class, so sharing one is invisible to handlers.
   */
  private Instant instant(long millis) {
    Instant last = lastInstant;
    if (last == null || millis != lastInstantMillis) {
      last = Instant.ofEpochMilli(millis);
      lastInstant = last;
      lastInstantMillis = millis;
    }
    return last;
  }

  @SuppressWarnings("try") // the scope makes the observation current; the body need not name it
  private void handleInScope(Observation observation, Event<T> event) throws Exception {
    try (Observation.Scope scope = observation.openScope()) {
      handler.handle(event);
    }
  }

  private boolean sendDeadLetter(EncodedRecord record, RetryState state, Map<String, String> headers) {
    try {
      sink.send(DeadLetters.topicFor(record.topic()), record, headers);
      metrics.deadLettered(record.topic(), group);
      state.deadLetterHeaders = null;
      return true;
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      LOG.warn("Could not store event at {}-{}@{} in its dead-letter topic; retrying in {}",
          record.topic(), record.partition(), record.offset(), DEAD_LETTER_RETRY, e);
      state.deadLetterHeaders = headers;
      state.notBeforeNanos = time.nanoTime() + DEAD_LETTER_RETRY.toNanos();
      return false;
    }
  }

  private Map<String, String> deadLetterHeaders(
      EncodedRecord record, Throwable error, int attempts, String reason) {
    Map<String, String> headers = new LinkedHashMap<>(record.headers());
    // The dead letter keeps the event's id, even one that was its place in the original log.
    headers.putIfAbsent(EventHeaders.EVENT_ID, record.eventId());
    headers.put(DeadLetters.EXCEPTION_CLASS, error.getClass().getName());
    String message = String.valueOf(error.getMessage());
    headers.put(DeadLetters.EXCEPTION_MESSAGE, message.length() <= MAX_MESSAGE_LENGTH
        ? message : message.substring(0, MAX_MESSAGE_LENGTH));
    headers.put(DeadLetters.ATTEMPTS, Integer.toString(attempts));
    headers.put(DeadLetters.ORIGINAL_TOPIC, record.topic());
    headers.put(DeadLetters.ORIGINAL_PARTITION, Integer.toString(record.partition()));
    headers.put(DeadLetters.ORIGINAL_OFFSET, Long.toString(record.offset()));
    headers.put(DeadLetters.GROUP, group);
    headers.put(DeadLetters.REASON, reason);
    return headers;
  }
}
