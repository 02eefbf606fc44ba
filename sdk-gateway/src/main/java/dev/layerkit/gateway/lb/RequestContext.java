package dev.layerkit.gateway.lb;

import dev.layerkit.core.hash.Hashing;
import dev.layerkit.core.internal.Arguments;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link LoadBalancer} may look at when it picks an endpoint for one request: an optional
 * hash key (a user id, a session id, a cart id) for {@link LoadBalancers#consistentHash()}, and
 * free-form attributes for custom routing.
 *
 * <p>Immutable and thread-safe, so one context can serve any number of requests: strategies that
 * ignore the key take {@link #empty()}, a shared constant, and a caller that routes by a small set
 * of keys may keep their contexts. The key's 64-bit hash ({@link Hashing#hash(String)}) is computed
 * once, when the context is created, so a pick never hashes.
 *
 * <pre>{@code
 * Endpoint any = lb.pick(RequestContext.empty());
 * Endpoint sticky = cartLb.pick(RequestContext.ofKey(cartId));
 * }</pre>
 */
public final class RequestContext {

  private static final RequestContext EMPTY = new RequestContext(null, 0L, false, Map.of());

  private final @Nullable String key;
  private final long keyHash;
  private final boolean hasKey;
  private final Map<String, Object> attributes;

  private RequestContext(@Nullable String key, long keyHash, boolean hasKey, Map<String, Object> attributes) {
    this.key = key;
    this.keyHash = keyHash;
    this.hasKey = hasKey;
    this.attributes = attributes;
  }

  /**
   * Returns the context without key or attributes, a shared constant.
   *
   * @return the empty context
   */
  public static RequestContext empty() {
    return EMPTY;
  }

  /**
   * Returns a context keyed by {@code key}; requests with equal keys go to the same endpoint under
   * consistent hashing while the endpoint set is unchanged.
   *
   * @param key the routing key, not empty
   * @return the context
   * @throws NullPointerException if {@code key} is null
   * @throws IllegalArgumentException if {@code key} is empty
   */
  public static RequestContext ofKey(String key) {
    return new RequestContext(requireKey(key), Hashing.hash(key), true, Map.of());
  }

  /**
   * Returns a context keyed by an already computed 64-bit hash, for callers that hash keys
   * themselves (for example with {@link Hashing#hash(long)} on a numeric id).
   *
   * @param keyHash the key's hash
   * @return the context
   */
  public static RequestContext ofKeyHash(long keyHash) {
    return new RequestContext(null, keyHash, true, Map.of());
  }

  /**
   * Starts building a context with attributes.
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns whether this context has a routing key (given as a string or as a hash).
   *
   * @return true if {@link #keyHash()} may be called
   */
  public boolean hasKey() {
    return hasKey;
  }

  /**
   * Returns the routing key if it was given as a string.
   *
   * @return the key, or null if there is none or only its hash was given
   */
  public @Nullable String key() {
    return key;
  }

  /**
   * Returns the routing key's 64-bit hash.
   *
   * @return the hash
   * @throws IllegalStateException if this context has no key; check {@link #hasKey()}
   */
  public long keyHash() {
    if (!hasKey) {
      throw new IllegalStateException("this RequestContext has no key");
    }
    return keyHash;
  }

  /**
   * Returns the attributes.
   *
   * @return an unmodifiable map in insertion order, possibly empty
   */
  public Map<String, Object> attributes() {
    return attributes;
  }

  /**
   * Returns one attribute.
   *
   * @param name the attribute's name
   * @return its value, or null if absent
   */
  public @Nullable Object attribute(String name) {
    return attributes.get(name);
  }

  @Override
  public String toString() {
    if (!hasKey && attributes.isEmpty()) {
      return "RequestContext.empty()";
    }
    StringBuilder sb = new StringBuilder("RequestContext{");
    if (hasKey) {
      sb.append(key != null ? "key=" + key : "keyHash=" + keyHash);
    }
    if (!attributes.isEmpty()) {
      sb.append(hasKey ? ", " : "").append("attributes=").append(attributes);
    }
    return sb.append('}').toString();
  }

  private static String requireKey(String key) {
    Objects.requireNonNull(key, "key");
    if (key.isEmpty()) {
      throw new IllegalArgumentException("key must not be empty but was ''");
    }
    return key;
  }

  /** Builds a {@link RequestContext}; each setting may be given once. Not thread-safe. */
  public static final class Builder {

    private @Nullable String key;
    private long keyHash;
    private boolean hasKey;
    private final Map<String, Object> attributes = new LinkedHashMap<>();

    private Builder() {}

    /**
     * Sets the routing key.
     *
     * @param key the key, not empty
     * @return this builder
     * @throws NullPointerException if {@code key} is null
     * @throws IllegalArgumentException if {@code key} is empty
     * @throws IllegalStateException if a key or key hash was already set
     */
    public Builder key(String key) {
      requireKey(key);
      checkNoKey();
      this.key = key;
      this.keyHash = Hashing.hash(key);
      this.hasKey = true;
      return this;
    }

    /**
     * Sets the routing key by its hash.
     *
     * @param keyHash the key's 64-bit hash
     * @return this builder
     * @throws IllegalStateException if a key or key hash was already set
     */
    public Builder keyHash(long keyHash) {
      checkNoKey();
      this.keyHash = keyHash;
      this.hasKey = true;
      return this;
    }

    /**
     * Adds an attribute.
     *
     * @param name the name, not blank
     * @param value the value
     * @return this builder
     * @throws NullPointerException if {@code name} or {@code value} is null
     * @throws IllegalArgumentException if {@code name} is blank
     * @throws IllegalStateException if {@code name} was already added
     */
    public Builder attribute(String name, Object value) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(value, "value");
      Arguments.notBlank(name, "attribute name");
      if (attributes.containsKey(name)) {
        throw new IllegalStateException("attribute '" + name + "' was already set to " + attributes.get(name));
      }
      attributes.put(name, value);
      return this;
    }

    /**
     * Builds the context.
     *
     * @return the context; {@link RequestContext#empty()} if nothing was set
     */
    public RequestContext build() {
      if (!hasKey && attributes.isEmpty()) {
        return EMPTY;
      }
      return new RequestContext(key, keyHash, hasKey,
          Collections.unmodifiableMap(new LinkedHashMap<>(attributes)));
    }

    private void checkNoKey() {
      if (hasKey) {
        throw new IllegalStateException("key was already set" + (key != null ? " to '" + key + "'" : " (as a hash)"));
      }
    }
  }
}
