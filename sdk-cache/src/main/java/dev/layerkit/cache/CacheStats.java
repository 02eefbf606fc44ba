package dev.layerkit.cache;

/**
 * A snapshot of a {@link CacheAside}'s counters since it was built.
 *
 * <p>Immutable. The counters are read one after another without a lock, so a snapshot taken
 * under load may be off by the calls in flight.
 *
 * @param hits gets answered by a fresh entry (negative entries included)
 * @param misses gets (and keys of bulk gets) that had to load
 * @param staleHits gets answered by a stale entry while a refresh ran
 * @param loadSuccesses loads that returned (refreshes included)
 * @param loadFailures loads that threw
 * @param totalLoadNanos time spent in loads
 * @param earlyRefreshes refreshes started early by probabilistic early refresh
 * @param evictions entries the backend evicted for size
 * @param remoteErrors remote calls of the backend that failed, timed out or were skipped by an open
 *     circuit breaker
 * @param rejected values not cached because they exceeded the backend's maximum size
 */
public record CacheStats(long hits, long misses, long staleHits, long loadSuccesses, long loadFailures,
    long totalLoadNanos, long earlyRefreshes, long evictions, long remoteErrors, long rejected) {

  /**
   * Returns the share of gets answered from the cache, fresh or stale.
   *
   * @return a ratio in [0, 1]; 1 when there were no gets
   */
  public double hitRate() {
    long answered = hits + staleHits;
    long total = answered + misses;
    return total == 0 ? 1.0 : (double) answered / total;
  }
}
