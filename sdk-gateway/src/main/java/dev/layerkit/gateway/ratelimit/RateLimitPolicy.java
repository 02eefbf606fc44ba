package dev.layerkit.gateway.ratelimit;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The limits a {@link RateLimiter} enforces for every key: one or more token buckets that must all
 * have the permits, for example "100 per minute and 10 per second".
 *
 * <p>Immutable and thread-safe.
 *
 * <pre>{@code
 * RateLimitPolicy policy = RateLimitPolicy.of(Limit.perMinute(100), Limit.perSecond(10));
 * }</pre>
 */
public final class RateLimitPolicy {

  private final List<Limit> limits;
  private final long minCapacity;

  private RateLimitPolicy(List<Limit> limits) {
    this.limits = List.copyOf(limits);
    long min = Long.MAX_VALUE;
    for (Limit limit : this.limits) {
      min = Math.min(min, limit.capacity());
    }
    this.minCapacity = min;
  }

  /**
   * Returns a policy of the given limits, all enforced together.
   *
   * @param limits one or more limits
   * @return the policy
   * @throws NullPointerException if {@code limits} or one of them is null
   * @throws IllegalArgumentException if there is no limit or the same limit is given twice
   */
  public static RateLimitPolicy of(Limit... limits) {
    Objects.requireNonNull(limits, "limits");
    Builder builder = builder();
    for (Limit limit : limits) {
      builder.limit(limit);
    }
    return builder.build();
  }

  /**
   * Returns a builder with no limits.
   *
   * @return the builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns the limits in the order they were added.
   *
   * @return an immutable, non-empty list
   */
  public List<Limit> limits() {
    return limits;
  }

  /**
   * Returns the smallest capacity of the limits: the most permits one request may ask for.
   *
   * @return the smallest capacity
   */
  public long minCapacity() {
    return minCapacity;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RateLimitPolicy other && limits.equals(other.limits);
  }

  @Override
  public int hashCode() {
    return limits.hashCode();
  }

  @Override
  public String toString() {
    return "RateLimitPolicy" + limits;
  }

  /** Builds a {@link RateLimitPolicy}; not thread-safe. */
  public static final class Builder {
    private final List<Limit> limits = new ArrayList<>();

    private Builder() {}

    /**
     * Adds a limit.
     *
     * @param limit the limit
     * @return this builder
     * @throws NullPointerException if {@code limit} is null
     * @throws IllegalArgumentException if an equal limit was already added
     */
    public Builder limit(Limit limit) {
      Objects.requireNonNull(limit, "limit");
      if (limits.contains(limit)) {
        throw new IllegalArgumentException("limit " + limit + " was already added");
      }
      limits.add(limit);
      return this;
    }

    /**
     * Builds the policy.
     *
     * @return the policy
     * @throws IllegalArgumentException if no limit was added
     */
    public RateLimitPolicy build() {
      if (limits.isEmpty()) {
        throw new IllegalArgumentException("limits must not be empty but no limit was added");
      }
      return new RateLimitPolicy(limits);
    }
  }
}
