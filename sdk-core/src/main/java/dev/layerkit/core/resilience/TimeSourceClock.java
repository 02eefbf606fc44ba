package dev.layerkit.core.resilience;

import dev.layerkit.core.time.TimeSource;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;

/**
 * A {@link Clock} that reads a {@link TimeSource}, so that Resilience4j's circuit breaker, which
 * measures its open-state wait on a {@code Clock}, moves with a {@code ManualTimeSource} in tests.
 *
 * <p>Thread-safe if the time source is.
 */
final class TimeSourceClock extends Clock {

  private final TimeSource timeSource;
  private final ZoneId zone;

  TimeSourceClock(TimeSource timeSource) {
    this(timeSource, ZoneOffset.UTC);
  }

  private TimeSourceClock(TimeSource timeSource, ZoneId zone) {
    this.timeSource = Objects.requireNonNull(timeSource, "timeSource");
    this.zone = Objects.requireNonNull(zone, "zone");
  }

  @Override
  public ZoneId getZone() {
    return zone;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return zone.equals(this.zone) ? this : new TimeSourceClock(timeSource, zone);
  }

  @Override
  public Instant instant() {
    return timeSource.instant();
  }

  @Override
  public long millis() {
    return timeSource.epochMillis();
  }

  @Override
  public String toString() {
    return "TimeSourceClock{" + timeSource + ", " + zone + '}';
  }
}
