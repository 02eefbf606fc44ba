package dev.layerkit.core.time;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.test.Concurrently;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ManualTimeSourceTest {

  @Test
  void advanceMovesBothClocksTogether() {
    ManualTimeSource time = new ManualTimeSource(Instant.parse("2026-05-01T00:00:00Z"));
    assertThat(time.nanoTime()).isZero();
    time.advance(Duration.ofMillis(1500)).advanceNanos(7);
    assertThat(time.nanoTime()).isEqualTo(1_500_000_007L);
    assertThat(time.instant()).isEqualTo(Instant.parse("2026-05-01T00:00:01.500000007Z"));
    assertThat(time.epochMillis()).isEqualTo(Instant.parse("2026-05-01T00:00:01.500Z").toEpochMilli());
  }

  @Test
  void wallClockCanJumpWithoutMovingTheMonotonicCounter() {
    ManualTimeSource time = new ManualTimeSource();
    time.advance(Duration.ofSeconds(5));
    time.setInstant(Instant.parse("2020-01-01T00:00:00Z"));
    assertThat(time.instant()).isEqualTo(Instant.parse("2020-01-01T00:00:00Z"));
    assertThat(time.nanoTime()).isEqualTo(5_000_000_000L);
  }

  @Test
  void instantsBeforeTheEpochWork() {
    ManualTimeSource time = new ManualTimeSource(Instant.parse("1969-12-31T23:59:59.999Z"));
    assertThat(time.instant()).isEqualTo(Instant.parse("1969-12-31T23:59:59.999Z"));
    assertThat(time.epochMillis()).isEqualTo(-1);
  }

  @Test
  void rejectsGoingBackwards() {
    ManualTimeSource time = new ManualTimeSource();
    assertThatThrownBy(() -> time.advance(Duration.ofNanos(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("duration must be >= 0 but was PT-0.000000001S");
    assertThatThrownBy(() -> time.advanceNanos(-5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("nanos must be >= 0 but was -5");
  }

  @Test
  void sleeperAdvancesInsteadOfBlocking() throws InterruptedException {
    ManualTimeSource time = new ManualTimeSource();
    time.sleeper().sleep(Duration.ofHours(3));
    assertThat(time.nanoTime()).isEqualTo(Duration.ofHours(3).toNanos());
  }

  @Test
  void systemSleeperHonoursAnInterruptEvenForAZeroWait() {
    Thread.currentThread().interrupt();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Sleeper.system().sleep(Duration.ZERO))
        .isInstanceOf(InterruptedException.class);
    assertThat(Thread.currentThread().isInterrupted()).as("the flag is consumed, as Thread.sleep does").isFalse();
  }

  @Test
  void concurrentAdvancesAreNotLost() throws Exception {
    ManualTimeSource time = new ManualTimeSource();
    int threads = 8;
    int perThread = 10_000;
    Concurrently.run(threads, () -> {
      for (int i = 0; i < perThread; i++) {
        time.advanceNanos(1);
      }
    });
    assertThat(time.nanoTime()).isEqualTo((long) threads * perThread);
  }

  @Test
  void systemSourceIsMonotonicAndCloseToTheWallClock() {
    TimeSource system = TimeSource.system();
    long a = system.nanoTime();
    long b = system.nanoTime();
    assertThat(b).isGreaterThanOrEqualTo(a);
    assertThat(Math.abs(system.epochMillis() - system.instant().toEpochMilli())).isLessThan(1_000);
  }
}
