package dev.layerkit.gateway.ratelimit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.core.testing.Concurrently;
import dev.layerkit.gateway.ratelimit.Limit;
import dev.layerkit.gateway.ratelimit.RateLimitPolicy;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

class BucketArithmeticTest {

  @Test
  void aSingleLimitStateIsOnlyDecidedLockFree() {
    BucketArithmetic arithmetic = new BucketArithmetic(RateLimitPolicy.of(Limit.perSecond(10)));
    long[] state = arithmetic.newState(0);
    assertThat(arithmetic.tryAcquireLockFree(state, 0, 4)).isEqualTo(6);
    assertThat(arithmetic.remainingLockFree(state)).isEqualTo(6);
    assertThat(arithmetic.tryAcquireLockFree(state, 0, 7)).isEqualTo(BucketArithmetic.DENIED);
    assertThat(arithmetic.retryAfterNanosLockFree(state, 0, 7)).isEqualTo(100_000_000);
    assertThatThrownBy(() -> arithmetic.tryAcquire(state, 0, 1))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("tryAcquireLockFree");
  }

  /**
   * Credit is conserved under contention: four threads decide on one state while each moves a
   * shared clock forward, so refills race with takes and with each other, and readings arrive out
   * of order. Every microsecond must be refilled exactly once, every permit taken once and every
   * denied request's overdraft returned: at the end, credit taken plus credit left equals the
   * refill of the time covered, to the unit. (The
   * bucket starts empty and is too large to fill, so no refill is cut at capacity.)
   */
  @Test
  void lockFreeDecisionsConserveCreditUnderContention() throws Exception {
    long period = 10_000;  // 10 ms in microsecond units: one token per 10,000 credit
    BucketArithmetic arithmetic = new BucketArithmetic(
        RateLimitPolicy.of(Limit.greedy(1_000_000_000, 1, Duration.ofMillis(10))));
    long[] state = arithmetic.newState(0);
    assertThat(arithmetic.tryAcquireLockFree(state, 0, 1_000_000_000)).isZero();
    AtomicLong clock = new AtomicLong();
    LongAdder admitted = new LongAdder();
    Concurrently.run(4, () -> {
      for (int i = 0; i < 200_000; i++) {
        long now = clock.addAndGet(1_000);
        // Mixed sizes: a denied take of 3 briefly overdraws credit that a take of 1 would find.
        long permits = 1 + i % 3;
        if (arithmetic.tryAcquireLockFree(state, now, permits) != BucketArithmetic.DENIED) {
          admitted.add(permits);
        }
      }
    });
    long lastRefillUnits = state[BucketArithmetic.LAST_REFILL];
    long creditLeft = state[BucketArithmetic.CREDIT];
    assertThat(lastRefillUnits).isEqualTo(clock.get() / 1_000);
    assertThat(creditLeft).isNotNegative();
    // 80 tokens refilled; a refill added after the last take may leave a few of them untaken.
    assertThat(admitted.sum()).isBetween(70L, 80L);
    assertThat(admitted.sum() * period + creditLeft).isEqualTo(lastRefillUnits);
  }

  /**
   * A denied request briefly overdraws the credit before returning it; a refill in between must not
   * let the returned credit fill the bucket past its capacity. Four threads take a whole bucket or
   * one permit while refilling it fast, and no decision ever reports more than a full bucket.
   */
  @Test
  void returnedOverdraftsNeverFillPastCapacity() throws Exception {
    long capacity = 4;
    BucketArithmetic arithmetic = new BucketArithmetic(
        RateLimitPolicy.of(Limit.greedy(capacity, capacity, Duration.ofMillis(1))));
    long[] state = arithmetic.newState(0);
    AtomicLong clock = new AtomicLong();
    AtomicLong mostAfterTake = new AtomicLong();
    AtomicLong mostSeen = new AtomicLong();
    Concurrently.run(4, () -> {
      for (int i = 0; i < 200_000; i++) {
        long now = clock.addAndGet(100_000);  // 0.4 tokens
        long permits = i % 2 == 0 ? capacity : 1;
        long remaining = arithmetic.tryAcquireLockFree(state, now, permits);
        if (remaining != BucketArithmetic.DENIED) {
          mostAfterTake.accumulateAndGet(remaining + permits, Math::max);
        }
        mostSeen.accumulateAndGet(arithmetic.remainingLockFree(state), Math::max);
      }
    });
    assertThat(mostAfterTake.get()).isEqualTo(capacity);
    assertThat(mostSeen.get()).isEqualTo(capacity);
    assertThat(state[BucketArithmetic.CREDIT]).isBetween(0L, capacity * 1_000);
  }
}
