package dev.layerkit.gateway.lb;

import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.internal.BuilderSettings;
import java.net.InetSocketAddress;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One instance of a service that a {@link LoadBalancer} can send requests to: an address, a
 * relative weight and optional placement facts.
 *
 * <p>An endpoint is identified by its {@link #id()}, by default {@code host:port}: a balancer keeps
 * an endpoint's outstanding count, latency estimate and ejection history across endpoint-set
 * changes for as long as an endpoint with the same id stays in the set, even if its weight or
 * metadata changes.
 *
 * <p>Immutable and thread-safe. {@link #hashCode()} is computed once, so endpoints are cheap map
 * keys.
 *
 * <pre>{@code
 * Endpoint a = Endpoint.of("10.0.0.1", 8080);
 * Endpoint b = Endpoint.builder("10.0.0.2", 8080).weight(3).zone("eu-west-1b").build();
 * }</pre>
 */
public final class Endpoint {

  /** The weight of an endpoint built without one. */
  public static final int DEFAULT_WEIGHT = 1;

  /**
   * The largest weight an endpoint may have. Weights are relative, so small numbers (1 to 100)
   * express any realistic ratio; the bound keeps weighted arithmetic far from overflow.
   */
  public static final int MAX_WEIGHT = 1_000_000;

  private final String id;
  private final String host;
  private final int port;
  private final int weight;
  private final @Nullable String zone;
  private final Map<String, String> metadata;
  private final int hash;

  private Endpoint(Builder builder) {
    this.host = builder.host;
    this.port = builder.port;
    this.id = builder.id != null ? builder.id : defaultId(builder.host, builder.port);
    this.weight = builder.weight;
    this.zone = builder.zone;
    this.metadata = Collections.unmodifiableMap(new LinkedHashMap<>(builder.metadata));
    this.hash = Objects.hash(id, host, port, weight, zone, metadata);
  }

  /**
   * Returns an endpoint of weight {@value #DEFAULT_WEIGHT} with id {@code host:port}.
   *
   * @param host a host name or IP literal, not blank
   * @param port the TCP port, 1 to 65535
   * @return the endpoint
   * @throws NullPointerException if {@code host} is null
   * @throws IllegalArgumentException if {@code host} is blank or {@code port} is out of range
   */
  public static Endpoint of(String host, int port) {
    return builder(host, port).build();
  }

  /**
   * Returns an endpoint with a weight and id {@code host:port}.
   *
   * @param host a host name or IP literal, not blank
   * @param port the TCP port, 1 to 65535
   * @param weight the relative weight, 1 to {@value #MAX_WEIGHT}
   * @return the endpoint
   * @throws NullPointerException if {@code host} is null
   * @throws IllegalArgumentException if {@code host} is blank, or {@code port} or {@code weight}
   *     is out of range
   */
  public static Endpoint of(String host, int port, int weight) {
    return builder(host, port).weight(weight).build();
  }

  /**
   * Starts building an endpoint.
   *
   * @param host a host name or IP literal, not blank
   * @param port the TCP port, 1 to 65535
   * @return a builder
   * @throws NullPointerException if {@code host} is null
   * @throws IllegalArgumentException if {@code host} is blank or {@code port} is out of range
   */
  public static Builder builder(String host, int port) {
    return new Builder(host, port);
  }

  /**
   * Returns a builder that starts from this endpoint's values: id, weight and zone may each be set
   * once more, and metadata added under new keys.
   *
   * @return a builder
   */
  public Builder toBuilder() {
    Builder builder = new Builder(host, port);
    builder.id = id;
    builder.weight = weight;
    builder.zone = zone;
    builder.metadata.putAll(metadata);
    return builder;
  }

  /**
   * Returns the id that tells this endpoint apart within a service, by default {@code host:port}
   * ({@code [v6-literal]:port} for IPv6).
   *
   * @return the id, not blank
   */
  public String id() {
    return id;
  }

  /**
   * Returns the host name or IP literal.
   *
   * @return the host
   */
  public String host() {
    return host;
  }

  /**
   * Returns the TCP port.
   *
   * @return the port, 1 to 65535
   */
  public int port() {
    return port;
  }

  /**
   * Returns the relative weight: an endpoint of weight 2 gets twice the requests of one of weight
   * 1 under the weighted strategies.
   *
   * @return the weight, 1 to {@value #MAX_WEIGHT}
   */
  public int weight() {
    return weight;
  }

  /**
   * Returns the zone (availability zone, rack) the endpoint runs in, if known.
   *
   * @return the zone or null
   */
  public @Nullable String zone() {
    return zone;
  }

  /**
   * Returns free-form facts about the endpoint (version, canary flag, ...).
   *
   * @return an unmodifiable map in insertion order, possibly empty
   */
  public Map<String, String> metadata() {
    return metadata;
  }

  /**
   * Returns the address as an unresolved socket address; resolving is left to the caller's
   * client, which may cache or refresh it as it sees fit.
   *
   * @return a new unresolved address
   */
  public InetSocketAddress address() {
    return InetSocketAddress.createUnresolved(host, port);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof Endpoint)) {
      return false;
    }
    Endpoint other = (Endpoint) o;
    return hash == other.hash
        && port == other.port
        && weight == other.weight
        && id.equals(other.id)
        && host.equals(other.host)
        && Objects.equals(zone, other.zone)
        && metadata.equals(other.metadata);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  /**
   * Returns a description such as {@code Endpoint{10.0.0.1:8080, weight=3, zone=eu-west-1b}}.
   *
   * @return the description
   */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("Endpoint{").append(id);
    if (!id.equals(defaultId(host, port))) {
      sb.append(", address=").append(defaultId(host, port));
    }
    sb.append(", weight=").append(weight);
    if (zone != null) {
      sb.append(", zone=").append(zone);
    }
    if (!metadata.isEmpty()) {
      sb.append(", metadata=").append(metadata);
    }
    return sb.append('}').toString();
  }

  private static String defaultId(String host, int port) {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ':' + port;
  }

  /**
   * Builds an {@link Endpoint}. Each property may be set once; not thread-safe.
   */
  public static final class Builder {

    private final String host;
    private final int port;
    private @Nullable String id;
    private int weight = DEFAULT_WEIGHT;
    private @Nullable String zone;
    private final Map<String, String> metadata = new LinkedHashMap<>();
    private final BuilderSettings settings = new BuilderSettings();

    private Builder(String host, int port) {
      Arguments.notBlank(host, "host");
      if (port < 1 || port > 65_535) {
        throw new IllegalArgumentException("port must be in [1, 65535] but was " + port);
      }
      this.host = host;
      this.port = port;
    }

    /**
     * Sets the id, for example a pod name or an instance id from a registry; by default
     * {@code host:port}.
     *
     * @param id the id, not blank
     * @return this builder
     * @throws NullPointerException if {@code id} is null
     * @throws IllegalArgumentException if {@code id} is blank
     * @throws IllegalStateException if the id was already set on this builder
     */
    public Builder id(String id) {
      Arguments.notBlank(id, "id");
      settings.requireUnset("id", this.id);
      this.id = id;
      return this;
    }

    /**
     * Sets the relative weight; default {@value Endpoint#DEFAULT_WEIGHT}.
     *
     * @param weight the weight, 1 to {@value Endpoint#MAX_WEIGHT}
     * @return this builder
     * @throws IllegalArgumentException if {@code weight} is out of range
     * @throws IllegalStateException if the weight was already set on this builder
     */
    public Builder weight(int weight) {
      Arguments.positive(weight, "weight");
      if (weight > MAX_WEIGHT) {
        throw new IllegalArgumentException("weight must be <= " + MAX_WEIGHT + " but was " + weight);
      }
      settings.requireUnset("weight", this.weight);
      this.weight = weight;
      return this;
    }

    /**
     * Sets the zone the endpoint runs in.
     *
     * @param zone the zone, not blank
     * @return this builder
     * @throws NullPointerException if {@code zone} is null
     * @throws IllegalArgumentException if {@code zone} is blank
     * @throws IllegalStateException if the zone was already set on this builder
     */
    public Builder zone(String zone) {
      Arguments.notBlank(zone, "zone");
      settings.requireUnset("zone", this.zone);
      this.zone = zone;
      return this;
    }

    /**
     * Adds one metadata entry.
     *
     * @param key the key, not blank
     * @param value the value
     * @return this builder
     * @throws NullPointerException if {@code key} or {@code value} is null
     * @throws IllegalArgumentException if {@code key} is blank
     * @throws IllegalStateException if {@code key} was already added on this builder
     */
    public Builder metadata(String key, String value) {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(value, "value");
      Arguments.notBlank(key, "metadata key");
      if (metadata.containsKey(key)) {
        throw new IllegalStateException("metadata '" + key + "' was already set to '" + metadata.get(key) + "'");
      }
      metadata.put(key, value);
      return this;
    }

    /**
     * Builds the endpoint.
     *
     * @return the endpoint
     */
    public Endpoint build() {
      return new Endpoint(this);
    }
  }
}
