package dev.layerkit.events.internal;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * New event ids: random (version 4) UUIDs drawn from {@link ThreadLocalRandom}. Event ids must be
 * unique, not unguessable, and {@link UUID#randomUUID()} draws from a shared {@code SecureRandom}
 * that costs about a microsecond and contends between publisher threads.
 */
public final class EventIds {

  private EventIds() {}

  /**
   * Returns a new id.
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
