package dev.layerkit.core.time;

import java.time.Instant;

/** The {@link TimeSource} of the running JVM. */
enum SystemTimeSource implements TimeSource {
  INSTANCE;

  @Override
  public long nanoTime() {
    return System.nanoTime();
  }

  @Override
  public Instant instant() {
    return Instant.now();
  }

  @Override
  public long epochMillis() {
    return System.currentTimeMillis();
  }

  @Override
  public String toString() {
    return "TimeSource.system()";
  }
}
