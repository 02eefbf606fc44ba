package dev.layerkit.gateway.http;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Spreads one route's requests over several upstreams by weight (a canary: 95 to {@code stable},
 * 5 to {@code canary}), with pins that send a request to one variant whatever the weights: a
 * header ({@code X-Canary: 1}) or a cookie ({@code canary=1}). The first pin that matches wins;
 * pins need not name a weighted variant (a variant of weight 0 is reached by its pin only).
 *
 * <p>The weighted choice is deterministic and evenly spread: request {@code n} of the split goes
 * to the variant whose share of the weights holds the fractional part of {@code n} times the
 * golden ratio (a Weyl sequence), so any run of requests lands within a few requests of the
 * weights, interleaved rather than in blocks, without a random source or a lock. Why by hand:
 * Layerkit's weighted balancers choose among endpoints of one service by their health and load,
 * while a split must hold its percentages exactly whatever the endpoints do. A split is
 * changed at runtime by giving the gateway routes with the new weights ({@link Gateway#reload};
 * a watched routes file does it on save).
 *
 * <p>A response cache on a split route serves a cached answer to every variant's callers (the
 * choice is made only for requests that are forwarded); leave caching off where variants differ.
 *
 * <p>Immutable configuration and thread-safe; {@link #choose} is one atomic increment and a scan
 * of the pins.
 *
 * <pre>{@code
 * Route.builder("orders").pathPrefix("/orders")
 *     .split(TrafficSplit.builder()
 *         .variant(stable, 95).variant(canary, 5)
 *         .pinHeader("X-Canary", "1", canary)
 *         .build())
 *     .build();
 * }</pre>
 */
public final class TrafficSplit {

  private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

  private final Upstream[] upstreams;
  private final long[] cumulative;
  private final long total;
  private final List<Pin> pins;
  private final EvenSequence sequence = new EvenSequence();

  private TrafficSplit(Builder builder) {
    this.upstreams = builder.upstreams.toArray(Upstream[]::new);
    this.cumulative = new long[upstreams.length];
    long sum = 0;
    for (int i = 0; i < upstreams.length; i++) {
      sum += builder.weights.get(i);
      cumulative[i] = sum;
    }
    this.total = sum;
    this.pins = List.copyOf(builder.pins);
  }

  /**
   * Starts a split.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns the upstream for a request: a pinned variant if a pin matches, else the next of the
   * weighted sequence.
   *
   * @param request the request
   * @return the upstream
   */
  public Upstream choose(GatewayRequest request) {
    for (Pin pin : pins) {
      if (pin.matches(request)) {
        return pin.target;
      }
    }
    long point = sequence.next(total);
    for (int i = 0; i < cumulative.length; i++) {
      if (point < cumulative[i]) {
        return upstreams[i];
      }
    }
    return upstreams[upstreams.length - 1];
  }

  /**
   * Returns every upstream the split can send to, weighted or pinned, without repeats.
   *
   * @return the upstreams
   */
  public List<Upstream> upstreams() {
    Set<Upstream> all = new LinkedHashSet<>(List.of(upstreams));
    for (Pin pin : pins) {
      all.add(pin.target);
    }
    return List.copyOf(all);
  }

  /**
   * Returns the weight of an upstream.
   *
   * @param upstream an upstream
   * @return its weight, 0 if it is only pinned or not in the split
   */
  public long weight(Upstream upstream) {
    for (int i = 0; i < upstreams.length; i++) {
      if (upstreams[i] == upstream) {
        return cumulative[i] - (i == 0 ? 0 : cumulative[i - 1]);
      }
    }
    return 0;
  }

  @Override
  public String toString() {
    StringBuilder text = new StringBuilder("TrafficSplit[");
    for (int i = 0; i < upstreams.length; i++) {
      text.append(i == 0 ? "" : ", ").append(upstreams[i].name()).append('=').append(weight(upstreams[i]));
    }
    for (Pin pin : pins) {
      text.append(", ").append(pin);
    }
    return text.append(']').toString();
  }

  private record Pin(boolean cookie, String name, String value, Upstream target) {
    boolean matches(GatewayRequest request) {
      if (!cookie) {
        return value.equals(request.header(name));
      }
      for (String header : request.headers("Cookie")) {
        for (String pair : header.split(";")) {
          int eq = pair.indexOf('=');
          if (eq > 0 && pair.substring(0, eq).trim().equals(name)
              && pair.substring(eq + 1).trim().equals(value)) {
            return true;
          }
        }
      }
      return false;
    }

    @Override
    public String toString() {
      return (cookie ? "cookie " : "header ") + name + "=" + value + " -> " + target.name();
    }
  }

  /**
   * Builds a {@link TrafficSplit}. Not thread-safe. Every method adds, so each may be called
   * again; an upstream may have one weight.
   */
  public static final class Builder {

    private final List<Upstream> upstreams = new ArrayList<>();
    private final List<Long> weights = new ArrayList<>();
    private final List<Pin> pins = new ArrayList<>();

    private Builder() {}

    /**
     * Adds a variant with a weight; its share is its weight over the sum of the weights (95 and 5
     * are 95% and 5%).
     *
     * @param upstream the variant's upstream
     * @param weight 0 (reached by pins only) to 1,000,000
     * @return this builder
     * @throws NullPointerException if {@code upstream} is null
     * @throws IllegalArgumentException if {@code weight} is out of range
     * @throws IllegalStateException if the upstream was added already
     */
    public Builder variant(Upstream upstream, int weight) {
      Objects.requireNonNull(upstream, "upstream");
      if (weight < 0 || weight > 1_000_000) {
        throw new IllegalArgumentException("weight of '" + upstream.name()
            + "' must be 0 to 1000000 but was " + weight);
      }
      if (upstreams.contains(upstream)) {
        throw new IllegalStateException("upstream '" + upstream.name() + "' was added already");
      }
      upstreams.add(upstream);
      weights.add((long) weight);
      return this;
    }

    /**
     * Sends every request with a header of this exact value to an upstream.
     *
     * @param name the header name
     * @param value the value, compared exactly
     * @param target the upstream
     * @return this builder
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code name} is not a header name
     */
    public Builder pinHeader(String name, String value, Upstream target) {
      return pin(false, name, value, target);
    }

    /**
     * Sends every request with a cookie of this exact value to an upstream.
     *
     * @param name the cookie name
     * @param value the value, compared exactly
     * @param target the upstream
     * @return this builder
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code name} is not a cookie name
     */
    public Builder pinCookie(String name, String value, Upstream target) {
      return pin(true, name, value, target);
    }

    private Builder pin(boolean cookie, String name, String value, Upstream target) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(value, "value");
      Objects.requireNonNull(target, "target");
      if (!TOKEN.matcher(name).matches()) {
        throw new IllegalArgumentException((cookie ? "cookie" : "header")
            + " name must be a token but was '" + name + "'");
      }
      pins.add(new Pin(cookie, name, value, target));
      return this;
    }

    /**
     * Builds the split.
     *
     * @return the split, thread-safe
     * @throws IllegalStateException if no variant has a positive weight
     */
    public TrafficSplit build() {
      long sum = 0;
      for (long weight : weights) {
        sum += weight;
      }
      if (sum <= 0) {
        throw new IllegalStateException(
            "a split needs at least one variant with a positive weight but had " + upstreams.size()
                + " variants weighing " + sum);
      }
      return new TrafficSplit(this);
    }
  }
}
