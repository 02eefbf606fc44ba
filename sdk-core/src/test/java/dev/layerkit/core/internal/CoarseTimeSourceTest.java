package dev.layerkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.test.Concurrently;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The coarse clock's lifecycle, its sanity bounds (never ahead of the system clock, never
 * backwards, moving) and its choice between reading the clock and caching it. No assertion on how
 * stale a cached reading is, which depends on the scheduler.
 */
class CoarseTimeSourceTest {

  /** How long a test waits for the ticking thread or the collector before it gives up. */
  private static final long GIVE_UP_NANOS = Duration.ofSeconds(20).toNanos();

  @Test
  void theThreadRunsFromTheFirstAcquireToTheLastClose() {
    int before = CoarseTimeSource.openLeases();

    CoarseTimeSource first = CoarseTimeSource.acquire();
    CoarseTimeSource second = CoarseTimeSource.acquire();
    assertThat(CoarseTimeSource.openLeases()).isEqualTo(before + 2);
    assertThat(CoarseTimeSource.running()).isTrue();

    first.close();
    assertThat(CoarseTimeSource.running()).isTrue();
    second.close();

    assertThat(CoarseTimeSource.openLeases()).isEqualTo(before);
    if (before == 0) {
      assertThat(CoarseTimeSource.running()).isFalse();
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

  @Test
  void aLeaseReadSeldomReadsTheClockItself() {
    try (CoarseTimeSource clock = CoarseTimeSource.acquire()) {
      awaitMeasuring();
      int fresh = 0;
      for (int i = 0; i < 20; i++) {
        boolean cachingBefore = CoarseTimeSource.caching();
        long before = System.nanoTime();
        long reading = clock.nanoTime();
        if (!cachingBefore && !CoarseTimeSource.caching()) {
          // A cached value would be from the last tick, before `before` (a reading is never ahead).
          assertThat(reading - before).as("reading %d", i).isNotNegative();
          fresh++;
        }
        spinWithoutReading(Duration.ofMillis(1)); // one reading a millisecond: far too few to cache
      }
      assertThat(fresh).as("readings taken while measuring").isEqualTo(20);
    }
  }

  @Test
  void frequentReadingsAreCachedAndTheTicksStopWhenTheReadingsDo() {
    try (CoarseTimeSource clock = CoarseTimeSource.acquire()) {
      long deadline = System.nanoTime() + GIVE_UP_NANOS;
      long sum = 0;
      while (!CoarseTimeSource.caching() && System.nanoTime() - deadline < 0) {
        for (int i = 0; i < 10_000; i++) {
          sum += clock.nanoTime();
        }
      }
      assertThat(sum).isNotZero();
      assertThat(CoarseTimeSource.caching()).as("caching under a hot loop of readings").isTrue();

      awaitMeasuring();
      assertThat(CoarseTimeSource.caching()).as("caching once nothing reads").isFalse();
    }
  }

  @Test
  void readingsNeverDecreaseAcrossThreadsWhileTheModeChanges() throws Exception {
    AtomicLong latest = new AtomicLong(Long.MIN_VALUE);
    try (CoarseTimeSource clock = CoarseTimeSource.acquire()) {
      awaitMeasuring();
      // Each thread reads until it has seen the clock cached, then measured (the thread measures
      // again after RECHECK, however busy), then cached again, checking every reading against the
      // latest of all threads' readings.
      Concurrently.run(3, () -> {
        long deadline = System.nanoTime() + GIVE_UP_NANOS;
        int changes = 0;
        boolean wasCaching = false;
        while (changes < 3 && System.nanoTime() - deadline < 0) {
          for (int i = 0; i < 1_000; i++) {
            long seen = latest.get();
            long reading = clock.nanoTime();
            assertThat(System.nanoTime() - reading).isNotNegative();
            if (seen != Long.MIN_VALUE) {
              assertThat(reading - seen).as("a reading after %d", seen).isNotNegative();
            }
            latest.accumulateAndGet(reading, Math::max);
          }
          if (CoarseTimeSource.caching() != wasCaching) {
            wasCaching = !wasCaching;
            changes++;
          }
        }
        assertThat(changes).as("changes of mode seen while reading").isEqualTo(3);
      });
    }
  }

  /** Waits, reading no lease, until the thread measures (it caches at most RECHECK more). */
  private static void awaitMeasuring() {
    long deadline = System.nanoTime() + GIVE_UP_NANOS;
    while (CoarseTimeSource.caching() && System.nanoTime() - deadline < 0) {
      Thread.onSpinWait();
    }
    assertThat(CoarseTimeSource.caching()).as("caching after %s without readings",
        Duration.ofNanos(GIVE_UP_NANOS)).isFalse();
  }

  private static void spinWithoutReading(Duration duration) {
    long until = System.nanoTime() + duration.toNanos();
    while (System.nanoTime() - until < 0) {
      Thread.onSpinWait();
    }
  }
}
