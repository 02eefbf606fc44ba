package dev.layerkit.gateway.ratelimit;

import java.util.HashMap;
import java.util.Map;

/**
 * Pre-built allowing decisions, so that the common outcome of a rate-limit check allocates
 * nothing: for each distinct capacity of a policy, the decisions with {@code remaining} from 0 up
 * to {@value #CACHED_REMAINING} - 1 (or the capacity, if smaller). Decisions with more remaining,
 * and denials (whose retry-after is exact to the microsecond, so cannot be shared), are built per
 * call. About 40 bytes a cached decision: at most 40 KB per limit.
 *
 * <p>Immutable and thread-safe.
 */
final class AllowedDecisions {

  static final int CACHED_REMAINING = 1024;

  private final long[] capacities;
  private final RateLimitDecision[][] tables;

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
    int i = 0;
    for (Map.Entry<Long, RateLimitDecision[]> entry : byCapacity.entrySet()) {
      capacities[i] = entry.getKey();
      tables[i++] = entry.getValue();
    }
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
