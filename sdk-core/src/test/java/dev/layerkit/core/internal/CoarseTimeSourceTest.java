package dev.layerkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.test.Concurrently;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The coarse clock's lifecycle and its sanity bounds: never ahead of the system clock, never
 * backwards, moving. No assertion on how stale a reading is, which depends on the scheduler.
 */
class CoarseTimeSourceTest {

  /** How long a test waits for the ticking thread or the collector before it gives up. */
  private static final long GIVE_UP_NANOS = Duration.ofSeconds(20).toNanos();

  @Test
  void theThreadTicksFromTheFirstAcquireToTheLastClose() {
    int before = CoarseTimeSource.openLeases();

    CoarseTimeSource first = CoarseTimeSource.acquire();
    CoarseTimeSource second = CoarseTimeSource.acquire();
    assertThat(CoarseTimeSource.openLeases()).isEqualTo(before + 2);
    assertThat(CoarseTimeSource.ticking()).isTrue();

    first.close();
    assertThat(CoarseTimeSource.ticking()).isTrue();
    second.close();

    assertThat(CoarseTimeSource.openLeases()).isEqualTo(before);
    if (before == 0) {
      assertThat(CoarseTimeSource.ticking()).isFalse();
    }
  }

  @Test
  void closeIsIdempotentAndReleasesOnce() {
    int before = CoarseTimeSource.openLeases();
    CoarseTimeSource kept = CoarseTimeSource.acquire();
    CoarseTimeSource closed = CoarseTimeSource.acquire();

    closed.close();
    closed.close();

    assertThat(closed.isOpen()).isFalse();
    assertThat(kept.isOpen()).isTrue();
    assertThat(CoarseTimeSource.openLeases()).isEqualTo(before + 1);
    kept.close();
    assertThat(CoarseTimeSource.openLeases()).isEqualTo(before);
  }

  @Test
  void aReadingIsNeverAheadOfTheSystemClock() {
    try (CoarseTimeSource clock = CoarseTimeSource.acquire()) {
      for (int i = 0; i < 100_000; i++) {
        long coarse = clock.nanoTime();
        long system = System.nanoTime();
        assertThat(system - coarse).isNotNegative();
      }
      assertThat(clock.epochMillis()).isLessThanOrEqualTo(System.currentTimeMillis());
      assertThat(clock.instant().toEpochMilli()).isLessThanOrEqualTo(System.currentTimeMillis());
    }
  }

  @Test
  void advancesWithTheSystemClock() {
    try (CoarseTimeSource clock = CoarseTimeSource.acquire()) {
      long start = clock.nanoTime();
      long deadline = System.nanoTime() + GIVE_UP_NANOS;
      while (clock.nanoTime() == start && System.nanoTime() - deadline < 0) {
        Thread.onSpinWait();
      }
      assertThat(clock.nanoTime()).isGreaterThan(start);
    }
  }

  @Test
  void readingsOfOneLeaseNeverDecreaseAcrossItsClose() {
    CoarseTimeSource clock = CoarseTimeSource.acquire();
    long last = Long.MIN_VALUE;
    for (int i = 0; i < 200_000; i++) {
      if (i == 100_000) {
        clock.close();
      }
      long now = clock.nanoTime();
      if (last != Long.MIN_VALUE) {
        assertThat(now - last).as("reading %d", i).isNotNegative();
      }
      last = now;
    }
  }

  @Test
  void aClosedLeaseReadsTheSystemClock() {
    CoarseTimeSource clock = CoarseTimeSource.acquire();
    clock.close();

    long before = System.nanoTime();
    long reading = clock.nanoTime();
    assertThat(reading - before).isNotNegative();
  }

  @Test
  void aDroppedLeaseIsReleasedOnceCollected() {
    int before = CoarseTimeSource.openLeases();
    acquireAndDrop();
    assertThat(CoarseTimeSource.openLeases()).isEqualTo(before + 1);

    long deadline = System.nanoTime() + GIVE_UP_NANOS;
    while (CoarseTimeSource.openLeases() > before && System.nanoTime() - deadline < 0) {
      System.gc();
      Thread.onSpinWait();
    }

    assertThat(CoarseTimeSource.openLeases()).isEqualTo(before);
  }

  private static void acquireAndDrop() {
    CoarseTimeSource.acquire().nanoTime();
  }

  @Test
  void concurrentAcquiresAndClosesLeaveNoLeaseBehindAndEveryThreadSeesTimeMoveForward() throws Exception {
    int before = CoarseTimeSource.openLeases();
    int threads = 8;
    try (CoarseTimeSource shared = CoarseTimeSource.acquire()) {
      Concurrently.run(threads, () -> {
        long last = shared.nanoTime();
        for (int i = 0; i < 2_000; i++) {
          try (CoarseTimeSource own = CoarseTimeSource.acquire()) {
            long mine = own.nanoTime();
            long common = shared.nanoTime();
            assertThat(common - last).isNotNegative();
            assertThat(System.nanoTime() - mine).isNotNegative();
            last = common;
          }
        }
      });
      assertThat(CoarseTimeSource.openLeases()).isEqualTo(before + 1);
    }
    assertThat(CoarseTimeSource.openLeases()).isEqualTo(before);
  }
}
