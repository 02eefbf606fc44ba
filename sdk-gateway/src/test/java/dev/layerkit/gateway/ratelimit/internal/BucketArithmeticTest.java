package dev.layerkit.gateway.ratelimit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.gateway.ratelimit.Limit;
import dev.layerkit.gateway.ratelimit.RateLimitPolicy;
import dev.layerkit.test.Concurrently;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

class BucketArithmeticTest {

  @Test
  void anAllowedDecisionReportsTheLimitWithTheFewestTokensLeft() {
    BucketArithmetic arithmetic = new BucketArithmetic(
        RateLimitPolicy.of(Limit.perMinute(100), Limit.perSecond(10)));
    long[] state = arithmetic.newState(0);
    long outcome = arithmetic.tryAcquire(state, 0, 4);
    assertThat(BucketArithmetic.remaining(outcome)).isEqualTo(6);
    assertThat(arithmetic.limit(outcome)).isEqualTo(10);
    long current = arithmetic.current(state);
    assertThat(BucketArithmetic.remaining(current)).isEqualTo(6);
    assertThat(arithmetic.limit(current)).isEqualTo(10);
    assertThat(arithmetic.tryAcquire(state, 0, 7)).isEqualTo(BucketArithmetic.DENIED);
    assertThat(arithmetic.retryAfterNanos(state, 0, 7)).isEqualTo(100_000_000);
  }

  /**
   * A request the second limit denies takes nothing from the first: what it took there is back,
   * and the denial's retry-after is the longer wait, the second limit's.
   */
  @Test
  void aRequestOneLimitDeniesTakesNothingFromTheOthers() {
    BucketArithmetic arithmetic = new BucketArithmetic(
        RateLimitPolicy.of(Limit.perSecond(10), Limit.perMinute(12)));
    long[] state = arithmetic.newState(0);
    assertThat(BucketArithmetic.remaining(arithmetic.tryAcquire(state, 0, 10))).isZero();
    long oneSecond = 1_000_000_000;
    // The first limit is full again (10); the second has 2 + 0.2 tokens.
    assertThat(arithmetic.tryAcquire(state, oneSecond, 3)).isEqualTo(BucketArithmetic.DENIED);
    assertThat(state[arithmetic.creditIndex(0)]).as("first limit's credit returned, full")
        .isEqualTo(10 * 1_000_000);
    long current = arithmetic.current(state);
    assertThat(BucketArithmetic.remaining(current)).isEqualTo(2);
    assertThat(arithmetic.limit(current)).isEqualTo(12);
    // 0.8 tokens at 0.2 a second.
    assertThat(arithmetic.retryAfterNanos(state, oneSecond, 3)).isEqualTo(4 * oneSecond);
    assertThat(BucketArithmetic.remaining(arithmetic.tryAcquire(state, oneSecond, 2)))
        .as("the first limit still has all ten").isZero();
  }

  /**
   * The credits, which every decision writes, share a 64-byte line with no word decisions only
   * read, in the state or in the next object in the heap (the cache entry, allocated just after
   * the state): at least seven words on each side of them belong to the state and are not written
   * on every decision.
   */
  @Test
  void theCreditsHaveACacheLineOfTheirOwnWhateverTheArraysAlignment() {
    for (int limits = 1; limits <= 3; limits++) {
      RateLimitPolicy.Builder builder = RateLimitPolicy.builder();
      for (int i = 1; i <= limits; i++) {
        builder.limit(Limit.greedy(10L * i, i, Duration.ofSeconds(1)));
      }
      BucketArithmetic arithmetic = new BucketArithmetic(builder.build());
      long[] state = arithmetic.newState(0);
      int first = arithmetic.creditIndex(0);
      int last = arithmetic.creditIndex(limits - 1);
      assertThat(first - arithmetic.touchedIndex())
          .as("words from the last read-mostly word, %d limits", limits)
          .isGreaterThanOrEqualTo(8);
      assertThat(state.length - 1 - last)
          .as("unused words after the last credit, %d limits", limits)
          .isGreaterThanOrEqualTo(7);
      for (int i = last + 1; i < state.length; i++) {
        assertThat(state[i]).as("word %d after the credits", i).isZero();
      }
      arithmetic.tryAcquire(state, 5_000_000_000L, 1);
      for (int i = last + 1; i < state.length; i++) {
        assertThat(state[i]).as("word %d after a decision", i).isZero();
      }
    }
  }

  @Test
  void aPolicyOfTooManyLimitsIsRejected() {
    RateLimitPolicy.Builder builder = RateLimitPolicy.builder();
    for (int i = 1; i <= 513; i++) {
      builder.limit(Limit.greedy(i, i, Duration.ofSeconds(1)));
    }
    RateLimitPolicy policy = builder.build();
    assertThatThrownBy(() -> new BucketArithmetic(policy))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a policy must have at most 512 limits but had 513");
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
    AtomicLong clock = new AtomicLong();
    long admitted = drainThenRace(arithmetic, state, clock);
    long lastRefillUnits = state[0];
    long creditLeft = state[arithmetic.creditIndex(0)];
    assertThat(lastRefillUnits).isEqualTo(clock.get() / 1_000);
    assertThat(creditLeft).isNotNegative();
    // 80 tokens refilled; a refill added after the last take may leave a few of them untaken.
    assertThat(admitted).isBetween(70L, 80L);
    assertThat(admitted * period + creditLeft).isEqualTo(lastRefillUnits);
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
        long outcome = arithmetic.tryAcquire(state, now, permits);
        if (outcome != BucketArithmetic.DENIED) {
          mostAfterTake.accumulateAndGet(BucketArithmetic.remaining(outcome) + permits, Math::max);
        }
        mostSeen.accumulateAndGet(BucketArithmetic.remaining(arithmetic.current(state)), Math::max);
      }
    });
    assertThat(mostAfterTake.get()).isEqualTo(capacity);
    assertThat(mostSeen.get()).isLessThanOrEqualTo(capacity);
    assertThat(state[arithmetic.creditIndex(0)]).isBetween(0L, capacity * 1_000);
  }

  /**
   * With two limits, a request takes from both or from neither, under contention: four threads
   * race refills, takes and denials (the first limit refills faster, so most denials come from
   * the second, after the first has taken), and each limit's credit is conserved to the unit.
   */
  @Test
  void twoLimitsTakeFromBothOrNeitherUnderContention() throws Exception {
    long periodA = 10_000;  // 1 token per 10 ms, in microsecond units
    long periodB = 20_000;  // 3 tokens per 20 ms
    BucketArithmetic arithmetic = new BucketArithmetic(RateLimitPolicy.of(
        Limit.greedy(1_000_000_000, 3, Duration.ofMillis(20)),
        Limit.greedy(1_000_000_000, 1, Duration.ofMillis(10))));
    long[] state = arithmetic.newState(0);
    AtomicLong clock = new AtomicLong();
    long admitted = drainThenRace(arithmetic, state, clock);
    long lastUnits = clock.get() / 1_000;
    assertThat(state[0]).isEqualTo(lastUnits);
    assertThat(state[1]).isEqualTo(lastUnits);
    assertThat(admitted).isBetween(70L, 80L);
    assertThat(admitted * periodB + state[arithmetic.creditIndex(0)]).isEqualTo(3 * lastUnits);
    assertThat(admitted * periodA + state[arithmetic.creditIndex(1)]).isEqualTo(lastUnits);
  }

  /**
   * The general path, for three limits or more (one and two limits have paths of their own): the
   * same race as {@link #twoLimitsTakeFromBothOrNeitherUnderContention} with a third limit that
   * never binds, and each limit's credit conserved to the unit.
   */
  @Test
  void threeLimitsTakeFromAllOrNoneUnderContention() throws Exception {
    long periodA = 10_000;
    long periodB = 20_000;
    long periodC = 5_000;   // 2 tokens per 5 ms: never the binding one
    BucketArithmetic arithmetic = new BucketArithmetic(RateLimitPolicy.of(
        Limit.greedy(1_000_000_000, 3, Duration.ofMillis(20)),
        Limit.greedy(1_000_000_000, 1, Duration.ofMillis(10)),
        Limit.greedy(1_000_000_000, 2, Duration.ofMillis(5))));
    long[] state = arithmetic.newState(0);
    AtomicLong clock = new AtomicLong();
    long admitted = drainThenRace(arithmetic, state, clock);
    long lastUnits = clock.get() / 1_000;
    assertThat(admitted).isBetween(70L, 80L);
    assertThat(admitted * periodB + state[arithmetic.creditIndex(0)]).isEqualTo(3 * lastUnits);
    assertThat(admitted * periodA + state[arithmetic.creditIndex(1)]).isEqualTo(lastUnits);
    assertThat(admitted * periodC + state[arithmetic.creditIndex(2)]).isEqualTo(2 * lastUnits);
  }

  /**
   * Empties every bucket of a policy whose capacities are 10^9, then has four threads each make
   * 200,000 decisions of 1 to 3 permits while moving {@code clock} forward a microsecond per
   * decision (mixed sizes: a denied take of 3 briefly overdraws credit a take of 1 would find).
   * Returns the permits admitted.
   */
  private static long drainThenRace(BucketArithmetic arithmetic, long[] state, AtomicLong clock)
      throws Exception {
    assertThat(BucketArithmetic.remaining(arithmetic.tryAcquire(state, 0, 1_000_000_000))).isZero();
    LongAdder admitted = new LongAdder();
    Concurrently.run(4, () -> {
      for (int i = 0; i < 200_000; i++) {
        long now = clock.addAndGet(1_000);
        long permits = 1 + i % 3;
        if (arithmetic.tryAcquire(state, now, permits) != BucketArithmetic.DENIED) {
          admitted.add(permits);
        }
      }
    });
    return admitted.sum();
  }
}
