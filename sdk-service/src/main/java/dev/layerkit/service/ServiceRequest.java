package dev.layerkit.service;

import dev.layerkit.core.codec.Codec;
import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.internal.BuilderSettings;
import dev.layerkit.gateway.lb.RequestContext;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One call to make through a {@link ServiceClient}: method, path, headers, body and the settings
 * that decide how it is retried.
 *
 * <p>A request is <b>retryable</b> when its method is idempotent by RFC 9110 (GET, HEAD, OPTIONS,
 * TRACE, PUT, DELETE) or it carries an {@code Idempotency-Key} header (then the service promises
 * to apply it once, as {@code dev.layerkit.service.idempotency} does). Only retryable requests are
 * retried or hedged.
 *
 * <p>Immutable and thread-safe; one request may be sent any number of times.
 *
 * <pre>{@code
 * ServiceRequest get = ServiceRequest.get("/orders/42").build();
 * ServiceRequest place = ServiceRequest.post("/orders", order, Codecs.json(Order.class))
 *     .idempotencyKey(UUID.randomUUID().toString())   // retried safely
 *     .deadline(Duration.ofSeconds(2))
 *     .build();
 * }</pre>
 */
public final class ServiceRequest {

  /** The header that makes a non-idempotent request safe to retry (IETF httpapi draft). */
  public static final String IDEMPOTENCY_KEY_HEADER = "Idempotency-Key";

  /** The media type a response must have unless {@link Builder#accept(String)} says otherwise. */
  public static final String DEFAULT_ACCEPT = "application/json";

  private static final Set<String> IDEMPOTENT_METHODS = Set.of("GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE");
  private static final byte[] NO_BODY = new byte[0];

  private final String method;
  private final String path;
  private final Map<String, String> headers;
  private final byte[] body;
  private final @Nullable String contentType;
  private final String accept;
  private final @Nullable Duration deadline;
  private final RequestContext context;
  private final boolean retryable;

  private ServiceRequest(Builder b) {
    this.method = b.method;
    this.path = b.path;
    // Most requests carry no headers of their own: no copy for them.
    this.headers = b.headers.isEmpty() ? Collections.emptyMap() : Collections.unmodifiableMap(new LinkedHashMap<>(b.headers));
    this.body = b.body;
    this.contentType = b.contentType;
    this.accept = b.accept;
    this.deadline = b.deadline;
    this.context = b.routingKey != null ? RequestContext.ofKey(b.routingKey) : RequestContext.empty();
    this.retryable = IDEMPOTENT_METHODS.contains(method) || headers.containsKey(IDEMPOTENCY_KEY_HEADER);
  }

  /**
   * Starts a GET request.
   *
   * @param path the path and query, starting with {@code /}
   * @return a builder
   * @throws NullPointerException if {@code path} is null
   * @throws IllegalArgumentException if {@code path} does not start with {@code /}
   */
  public static Builder get(String path) {
    return new Builder("GET", path);
  }

  /**
   * Starts a DELETE request.
   *
   * @param path the path and query, starting with {@code /}
   * @return a builder
   * @throws NullPointerException if {@code path} is null
   * @throws IllegalArgumentException if {@code path} does not start with {@code /}
   */
  public static Builder delete(String path) {
    return new Builder("DELETE", path);
  }

  /**
   * Starts a POST request with a body encoded by {@code codec} and sent as
   * {@code application/json}.
   *
   * @param path the path and query, starting with {@code /}
   * @param body the body
   * @param codec encodes the body
   * @param <B> the body type
   * @return a builder
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code path} does not start with {@code /}
   * @throws dev.layerkit.core.codec.CodecException if the body cannot be encoded
   */
  public static <B> Builder post(String path, B body, Codec<B> codec) {
    return new Builder("POST", path).body(codec.encode(Objects.requireNonNull(body, "body")), DEFAULT_ACCEPT);
  }

  /**
   * Starts a PUT request with a body encoded by {@code codec} and sent as {@code application/json}.
   *
   * @param path the path and query, starting with {@code /}
   * @param body the body
   * @param codec encodes the body
   * @param <B> the body type
   * @return a builder
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code path} does not start with {@code /}
   * @throws dev.layerkit.core.codec.CodecException if the body cannot be encoded
   */
  public static <B> Builder put(String path, B body, Codec<B> codec) {
    return new Builder("PUT", path).body(codec.encode(Objects.requireNonNull(body, "body")), DEFAULT_ACCEPT);
  }

  /**
   * Starts a request with any method.
   *
   * @param method the HTTP method, for example {@code PATCH}; upper-cased
   * @param path the path and query, starting with {@code /}
   * @return a builder
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code method} is blank or {@code path} does not start
   *     with {@code /}
   */
  public static Builder builder(String method, String path) {
    return new Builder(Arguments.notBlank(method, "method").toUpperCase(Locale.ROOT), path);
  }

  /**
   * Returns the HTTP method.
   *
   * @return the method, upper case
   */
  public String method() {
    return method;
  }

  /**
   * Returns the path and query.
   *
   * @return the path, starting with {@code /}
   */
  public String path() {
    return path;
  }

  /**
   * Returns the extra headers, the {@code Idempotency-Key} among them if set.
   *
   * @return an unmodifiable map in insertion order
   */
  public Map<String, String> headers() {
    return headers;
  }

  /**
   * Returns the body.
   *
   * @return a copy of the body, empty if there is none
   */
  public byte[] body() {
    return body.clone();
  }

  byte[] bodyBytes() {
    return body;
  }

  /**
   * Returns the body's media type.
   *
   * @return the content type, or null without a body
   */
  public @Nullable String contentType() {
    return contentType;
  }

  /**
   * Returns the media type a successful response must have to be decoded.
   *
   * @return the expected media type, {@link #DEFAULT_ACCEPT} unless set
   */
  public String accept() {
    return accept;
  }

  /**
   * Returns this request's overall deadline, which overrides the client's.
   *
   * @return the deadline, or null to use the client's
   */
  public @Nullable Duration deadline() {
    return deadline;
  }

  /**
   * Returns what the load balancer may route by (the routing key for consistent hashing).
   *
   * @return the context
   */
  public RequestContext context() {
    return context;
  }

  /**
   * Returns whether the request may be sent more than once: an idempotent method, or an
   * {@code Idempotency-Key} header.
   *
   * @return true if the client may retry and hedge it
   */
  public boolean isRetryable() {
    return retryable;
  }

  @Override
  public String toString() {
    return "ServiceRequest{" + method + ' ' + path + (retryable ? ", retryable" : "") + '}';
  }

  /** Builds a {@link ServiceRequest}; each setting may be given once. Not thread-safe. */
  public static final class Builder {

    private final BuilderSettings settings = new BuilderSettings();
    private final String method;
    private final String path;
    private final Map<String, String> headers = new LinkedHashMap<>();
    private byte[] body = NO_BODY;
    private @Nullable String contentType;
    private String accept = DEFAULT_ACCEPT;
    private @Nullable Duration deadline;
    private @Nullable String routingKey;

    private Builder(String method, String path) {
      Objects.requireNonNull(path, "path");
      if (!path.startsWith("/")) {
        throw new IllegalArgumentException("path must start with '/' but was '" + path + "'");
      }
      this.method = method;
      this.path = path;
    }

    /**
     * Sets the body and its media type.
     *
     * @param body the bytes to send
     * @param contentType the media type, for example {@code application/json}
     * @return this builder
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code contentType} is blank
     * @throws IllegalStateException if already set
     */
    public Builder body(byte[] body, String contentType) {
      Objects.requireNonNull(body, "body");
      Arguments.notBlank(contentType, "contentType");
      settings.requireUnset("body", this.contentType);
      this.body = body.clone();
      this.contentType = contentType;
      return this;
    }

    /**
     * Adds a header.
     *
     * @param name the header name, not blank
     * @param value the value
     * @return this builder
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code name} is blank
     * @throws IllegalStateException if this header was already added
     */
    public Builder header(String name, String value) {
      Arguments.notBlank(name, "name");
      Objects.requireNonNull(value, "value");
      settings.requireUnset("header " + name, headers.get(name));
      headers.put(name, value);
      return this;
    }

    /**
     * Sets the {@code Idempotency-Key} header, which makes the request retryable whatever its
     * method: the service must apply a key's request once and replay its answer to repeats.
     *
     * @param key the key, for example a UUID; not blank
     * @return this builder
     * @throws NullPointerException if {@code key} is null
     * @throws IllegalArgumentException if {@code key} is blank
     * @throws IllegalStateException if already set
     */
    public Builder idempotencyKey(String key) {
      return header(IDEMPOTENCY_KEY_HEADER, Arguments.notBlank(key, "key"));
    }

    /**
     * Sets the media type a successful response must have; {@link #DEFAULT_ACCEPT} by default.
     * Parameters such as {@code charset} are ignored when comparing.
     *
     * @param mediaType the media type, for example {@code text/plain}
     * @return this builder
     * @throws NullPointerException if {@code mediaType} is null
     * @throws IllegalArgumentException if {@code mediaType} is blank
     * @throws IllegalStateException if already set
     */
    public Builder accept(String mediaType) {
      Arguments.notBlank(mediaType, "mediaType");
      settings.requireUnset("accept", this.accept);
      this.accept = mediaType;
      return this;
    }

    /**
     * Sets this request's overall deadline (every attempt, backoff and hedge), overriding the
     * client's {@link ServiceClientBuilder#deadline(Duration)}.
     *
     * @param deadline the deadline, at least 1 ms
     * @return this builder
     * @throws NullPointerException if {@code deadline} is null
     * @throws IllegalArgumentException if {@code deadline} is under 1 ms
     * @throws IllegalStateException if already set
     */
    public Builder deadline(Duration deadline) {
      Arguments.atLeastOneMilli(deadline, "deadline");
      settings.requireUnset("deadline", this.deadline);
      this.deadline = deadline;
      return this;
    }

    /**
     * Sets the key a consistent-hash balancer routes by.
     *
     * @param key the routing key, not empty
     * @return this builder
     * @throws NullPointerException if {@code key} is null
     * @throws IllegalArgumentException if {@code key} is blank
     * @throws IllegalStateException if already set
     */
    public Builder routingKey(String key) {
      Arguments.notBlank(key, "key");
      settings.requireUnset("routingKey", this.routingKey);
      this.routingKey = key;
      return this;
    }

    /**
     * Builds the request.
     *
     * @return the request
     */
    public ServiceRequest build() {
      return new ServiceRequest(this);
    }
  }
}
