package dev.layerkit.gateway.ratelimit;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Pre-built allowing decisions, so that the common outcome of a rate-limit check allocates
 * nothing: for each distinct capacity of a policy, the decisions with {@code remaining} from 0 up
 * to {@value #CACHED_REMAINING} - 1 (or the capacity, if smaller). Decisions with more remaining,
 * and denials (whose retry-after is exact to the microsecond, so cannot be shared), are built per
 * call. Each cached decision has its completed stage too, for
 * {@link RateLimiter#tryAcquireAsync(String, long)}: a {@link CompletableFuture#completedStage}
 * cannot be completed again by a caller, so one stage can be handed to all. About 80 bytes a
 * cached decision with its stage: at most 80 KB per limit.
 *
 * <p>Immutable and thread-safe.
 */
final class AllowedDecisions {

  static final int CACHED_REMAINING = 1024;

  private final long[] capacities;
  private final RateLimitDecision[][] tables;
  private final CompletionStage<RateLimitDecision>[][] stages;

  AllowedDecisions(RateLimitPolicy policy) {
    Map<Long, RateLimitDecision[]> byCapacity = new HashMap<>();
    for (Limit limit : policy.limits()) {
      long capacity = limit.capacity();
      byCapacity.computeIfAbsent(capacity, c -> {
        RateLimitDecision[] table = new RateLimitDecision[(int) Math.min(c, CACHED_REMAINING)];
        for (int remaining = 0; remaining < table.length; remaining++) {
          table[remaining] = new RateLimitDecision(true, remaining, c, 0);
        }
        return table;
      });
    }
    capacities = new long[byCapacity.size()];
    tables = new RateLimitDecision[byCapacity.size()][];
    @SuppressWarnings({"unchecked", "rawtypes"}) // a generic array: filled with that type only
    CompletionStage<RateLimitDecision>[][] completed = new CompletionStage[byCapacity.size()][];
    stages = completed;
    int i = 0;
    for (Map.Entry<Long, RateLimitDecision[]> entry : byCapacity.entrySet()) {
      capacities[i] = entry.getKey();
      RateLimitDecision[] table = entry.getValue();
      tables[i] = table;
      @SuppressWarnings({"unchecked", "rawtypes"}) // as above
      CompletionStage<RateLimitDecision>[] stagesOfTable = new CompletionStage[table.length];
      for (int remaining = 0; remaining < table.length; remaining++) {
        stagesOfTable[remaining] = CompletableFuture.completedStage(table[remaining]);
      }
      stages[i++] = stagesOfTable;
    }
  }

  /**
   * Returns a completed stage of {@code decision}: the shared one if the decision is a pre-built
   * one of this table, else a new one.
   */
  CompletionStage<RateLimitDecision> completed(RateLimitDecision decision) {
    long remaining = decision.remaining();
    if (decision.allowed() && remaining < CACHED_REMAINING) {
      for (int i = 0; i < capacities.length; i++) {
        if (capacities[i] == decision.limit() && remaining < tables[i].length
            && tables[i][(int) remaining] == decision) {
          return stages[i][(int) remaining];
        }
      }
    }
    return CompletableFuture.completedStage(decision);
  }

  /** Returns the allowing decision for these numbers, shared when pre-built. */
  RateLimitDecision allowed(long remaining, long limit) {
    if (remaining < CACHED_REMAINING) {
      for (int i = 0; i < capacities.length; i++) {
        if (capacities[i] == limit && remaining < tables[i].length) {
          return tables[i][(int) remaining];
        }
      }
    }
    return new RateLimitDecision(true, remaining, limit, 0);
  }
}
