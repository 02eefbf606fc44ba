package dev.layerkit.events.internal;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * New event ids: random (version 4) UUIDs drawn from {@link ThreadLocalRandom}. Event ids must be
 * unique, not unguessable, and {@link UUID#randomUUID()} draws from a shared {@code SecureRandom}
 * that costs about a microsecond and contends between publisher threads.
 */
public final class EventIds {

  /**
   * Stands, by identity, for the id of an event whose id is its place in the log: the dispatcher
   * gives it to {@link dev.layerkit.events.Event}'s constructor, and {@code Event.id()} then builds
   * the id from the event's topic, partition and offset when asked, so that a delivery whose
   * handler never reads the id does not build it. Never equal by identity to a caller's string.
   */
  public static final String AT_POSITION = new String("<place in the log>");

  private EventIds() {}

  /**
   * Returns the id of an event published without one of its own: its place in the log, {@code
   * <topic>-<partition>@<offset>}. Unique for as long as the topic exists, the same on every
   * redelivery, and free: nothing is generated and nothing travels in the record.
   *
   * @param topic the topic
   * @param partition the partition
   * @param offset the offset
   * @return the id
   */
  public static String fromPosition(String topic, int partition, long offset) {
    return topic + '-' + partition + '@' + offset;
  }

  /**
   * Returns a new id, for events that need one before they are published (the outbox).
   *
   * @return a random UUID in its usual text form
   */
  public static String newId() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    long most = (random.nextLong() & ~0xF000L) | 0x4000L;
    long least = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    return new UUID(most, least).toString();
  }
}
