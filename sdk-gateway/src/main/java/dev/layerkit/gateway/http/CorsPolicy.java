package dev.layerkit.gateway.http;

import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.internal.BuilderSettings;
import dev.layerkit.gateway.http.internal.HttpSyntax;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Which cross-origin browser requests a route allows (CORS, per the WHATWG Fetch standard), and
 * the headers that say so.
 *
 * <p>The gateway asks {@link #isPreflight} first. A preflight ({@code OPTIONS} with {@code Origin}
 * and {@code Access-Control-Request-Method}) is answered by the gateway itself, never forwarded:
 * with 204 and {@link #preflightHeaders} when that map is non-empty, with 403 when it is empty
 * (origin, method or a requested header not allowed). Any other request is forwarded and {@link
 * #responseHeaders} are added to the upstream's response (appending to an existing {@code Vary}).
 *
 * <p>Origins are compared exactly, ignoring case ({@code https://shop.example.com:8443}), or
 * {@code *} allows any origin (then {@code Access-Control-Allow-Origin: *} is sent, and
 * credentials cannot be allowed: browsers reject that combination). Methods are compared exactly
 * (they are case-sensitive); header names ignoring case, or {@code *} allows any requested header.
 *
 * <p>Immutable and thread-safe; the header methods do not block and allocate only the returned
 * map. Built by {@link #builder()}:
 *
 * <pre>{@code
 * CorsPolicy cors = CorsPolicy.builder()
 *     .allowedOrigins("https://shop.example.com")
 *     .allowedMethods("GET", "POST", "PUT")
 *     .allowedHeaders("Content-Type", "Authorization", "X-API-Key")
 *     .exposedHeaders("X-Request-Id", "RateLimit-Remaining")
 *     .allowCredentials(true)
 *     .build();
 * }</pre>
 */
public final class CorsPolicy {

  /** The methods allowed by default: the CORS-safelisted ones. */
  public static final List<String> DEFAULT_METHODS = List.of("GET", "HEAD", "POST");

  /** How long browsers may cache a preflight answer by default. */
  public static final Duration DEFAULT_MAX_AGE = Duration.ofMinutes(10);

  /** The {@code *} of origins and headers: any. */
  public static final String ANY = "*";

  private static final Pattern ORIGIN =
      Pattern.compile("[a-z][a-z0-9+.-]*://(\\[[0-9a-f:.]+\\]|[a-z0-9._~%-]+)(:[0-9]{1,5})?");

  private static final String VARY_PREFLIGHT =
      "Origin, Access-Control-Request-Method, Access-Control-Request-Headers";

  private final Set<String> origins;
  private final boolean anyOrigin;
  private final Set<String> methods;
  private final Set<String> headers;
  private final boolean anyHeader;
  private final boolean allowCredentials;
  private final String allowMethods;
  private final @Nullable String exposeHeaders;
  private final String maxAge;

  private CorsPolicy(Builder builder) {
    this.origins = Set.copyOf(builder.origins);
    this.anyOrigin = origins.contains(ANY);
    this.methods = Set.copyOf(builder.methods);
    this.headers = Set.copyOf(builder.headers);
    this.anyHeader = headers.contains(ANY);
    this.allowCredentials = builder.allowCredentials;
    this.allowMethods = String.join(", ", builder.methods);
    this.exposeHeaders =
        builder.exposedHeaders.isEmpty() ? null : String.join(", ", builder.exposedHeaders);
    this.maxAge = Long.toString(builder.maxAge.toSeconds());
  }

  /**
   * Returns a builder with the defaults: no origins (at least one must be added), methods {@link
   * #DEFAULT_METHODS}, no extra request headers, no exposed headers, no credentials, max age
   * {@link #DEFAULT_MAX_AGE}.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns whether a request is a CORS preflight: {@code OPTIONS} with an {@code Origin} and an
   * {@code Access-Control-Request-Method} header. A plain {@code OPTIONS} is not.
   *
   * @param request the request
   * @return true if the gateway should answer it with {@link #preflightHeaders}
   */
  public boolean isPreflight(GatewayRequest request) {
    return "OPTIONS".equals(request.method()) && request.header("Origin") != null
        && request.header("Access-Control-Request-Method") != null;
  }

  /**
   * Returns the headers of the answer to a preflight: {@code Access-Control-Allow-Origin}, {@code
   * -Allow-Methods}, {@code -Allow-Headers} (the requested ones, when any), {@code -Max-Age},
   * {@code -Allow-Credentials} (when allowed) and {@code Vary}.
   *
   * @param request the preflight
   * @return the headers, or an empty map if the request is not a preflight or its origin, method
   *     or one of its requested headers is not allowed (the gateway then answers 403)
   */
  public Map<String, String> preflightHeaders(GatewayRequest request) {
    if (!isPreflight(request)) {
      return Map.of();
    }
    String origin = Objects.requireNonNull(request.header("Origin"));
    if (!isAllowedOrigin(origin)
        || !methods.contains(
            Objects.requireNonNull(request.header("Access-Control-Request-Method")))) {
      return Map.of();
    }
    List<String> requested = requestedHeaders(request);
    if (requested == null) {
      return Map.of();
    }
    List<Map.Entry<String, String>> entries = new ArrayList<>(6);
    entries.add(Map.entry("Access-Control-Allow-Origin", anyOrigin ? ANY : origin));
    entries.add(Map.entry("Access-Control-Allow-Methods", allowMethods));
    if (!requested.isEmpty()) {
      entries.add(Map.entry("Access-Control-Allow-Headers", String.join(", ", requested)));
    }
    entries.add(Map.entry("Access-Control-Max-Age", maxAge));
    if (allowCredentials) {
      entries.add(Map.entry("Access-Control-Allow-Credentials", "true"));
    }
    entries.add(Map.entry("Vary", VARY_PREFLIGHT));
    return toMap(entries);
  }

  /**
   * Returns the headers to add to the response to an actual (not preflight) request: {@code
   * Access-Control-Allow-Origin}, {@code -Allow-Credentials} and {@code -Expose-Headers} when its
   * origin is allowed, and always {@code Vary: Origin}, so that a shared cache never serves a
   * response made for one origin (or none) to another.
   *
   * @param request the request
   * @return the headers; just {@code Vary: Origin} if the request has no {@code Origin} or one that
   *     is not allowed (the browser then withholds the response from the page)
   */
  public Map<String, String> responseHeaders(GatewayRequest request) {
    @Nullable String origin = request.header("Origin");
    if (origin == null || !isAllowedOrigin(origin)) {
      return Map.of("Vary", "Origin");
    }
    List<Map.Entry<String, String>> entries = new ArrayList<>(4);
    entries.add(Map.entry("Access-Control-Allow-Origin", anyOrigin ? ANY : origin));
    if (allowCredentials) {
      entries.add(Map.entry("Access-Control-Allow-Credentials", "true"));
    }
    if (exposeHeaders != null) {
      entries.add(Map.entry("Access-Control-Expose-Headers", exposeHeaders));
    }
    entries.add(Map.entry("Vary", "Origin"));
    return toMap(entries);
  }

  /**
   * Returns whether an {@code Origin} value is allowed.
   *
   * @param origin the header value
   * @return true if any origin is allowed or this one is listed
   */
  public boolean isAllowedOrigin(String origin) {
    return anyOrigin || origins.contains(origin.toLowerCase(Locale.ROOT));
  }

  /** Returns the requested header names, lower case, or null if one is not allowed. */
  private @Nullable List<String> requestedHeaders(GatewayRequest request) {
    List<String> requested = new ArrayList<>();
    for (String value : request.headers("Access-Control-Request-Headers")) {
      for (String name : value.split(",")) {
        String header = name.trim().toLowerCase(Locale.ROOT);
        if (header.isEmpty()) {
          continue;
        }
        if (!anyHeader && !headers.contains(header)) {
          return null;
        }
        requested.add(header);
      }
    }
    return requested;
  }

  private static Map<String, String> toMap(List<Map.Entry<String, String>> entries) {
    Map<String, String> map = new LinkedHashMap<>();
    for (Map.Entry<String, String> entry : entries) {
      map.put(entry.getKey(), entry.getValue());
    }
    return Collections.unmodifiableMap(map);
  }

  @Override
  public String toString() {
    return "CorsPolicy[origins=" + origins + ", methods=" + allowMethods + ", headers=" + headers
        + ", credentials=" + allowCredentials + ", maxAge=" + maxAge + "s]";
  }

  /**
   * Configures a {@link CorsPolicy}. {@link #allowedMethods}, {@link #allowCredentials} and {@link
   * #maxAge} may be given once (a second call throws {@link IllegalStateException}); the other
   * methods add.
   *
   * <p>Not thread-safe; {@link #build} returns an immutable policy that does not change when the
   * builder does.
   */
  public static final class Builder {

    private final BuilderSettings settings = new BuilderSettings();

    private final Set<String> origins = new LinkedHashSet<>();
    private final Set<String> methods = new LinkedHashSet<>(DEFAULT_METHODS);
    private final Set<String> headers = new LinkedHashSet<>();
    private final Set<String> exposedHeaders = new LinkedHashSet<>();
    private boolean allowCredentials;
    private Duration maxAge = DEFAULT_MAX_AGE;

    private Builder() {}

    /**
     * Adds allowed origins.
     *
     * @param origins {@code scheme://host[:port]} as browsers send it in {@code Origin} (no path,
     *     no trailing slash; any case), or {@code *} for any origin
     * @return this builder
     * @throws NullPointerException if {@code origins} or an element is null
     * @throws IllegalArgumentException if an origin is malformed
     */
    public Builder allowedOrigins(String... origins) {
      Objects.requireNonNull(origins, "origins");
      for (String origin : origins) {
        Objects.requireNonNull(origin, "origin");
        String lower = origin.toLowerCase(Locale.ROOT);
        if (!lower.equals(ANY) && !ORIGIN.matcher(lower).matches()) {
          throw new IllegalArgumentException("origin must be scheme://host[:port] or * but was '"
              + origin + "'");
        }
        this.origins.add(lower);
      }
      return this;
    }

    /**
     * Sets the allowed methods, replacing the default {@link #DEFAULT_METHODS}.
     *
     * @param methods method names, compared case-sensitively ({@code PUT}, {@code DELETE})
     * @return this builder
     * @throws NullPointerException if {@code methods} or an element is null
     * @throws IllegalArgumentException if {@code methods} is empty or a name is not a token
     * @throws IllegalStateException if already set
     */
    public Builder allowedMethods(String... methods) {
      settings.requireUnset("allowedMethods", this.methods);
      Objects.requireNonNull(methods, "methods");
      if (methods.length == 0) {
        throw new IllegalArgumentException("methods must not be empty but was []");
      }
      Set<String> set = new LinkedHashSet<>();
      for (String method : methods) {
        Objects.requireNonNull(method, "method");
        if (!HttpSyntax.isToken(method)) {
          throw new IllegalArgumentException("method must be a token but was '" + method + "'");
        }
        set.add(method);
      }
      this.methods.clear();
      this.methods.addAll(set);
      return this;
    }

    /**
     * Adds request headers a page may send ({@code Access-Control-Allow-Headers}).
     *
     * @param headers header names, any case, or {@code *} for any
     * @return this builder
     * @throws NullPointerException if {@code headers} or an element is null
     * @throws IllegalArgumentException if a name is not a valid header name
     */
    public Builder allowedHeaders(String... headers) {
      addNames(this.headers, headers, "header", true);
      return this;
    }

    /**
     * Adds response headers a page may read beyond the safelisted ones ({@code
     * Access-Control-Expose-Headers}).
     *
     * @param headers header names, as they should be sent
     * @return this builder
     * @throws NullPointerException if {@code headers} or an element is null
     * @throws IllegalArgumentException if a name is not a valid header name
     */
    public Builder exposedHeaders(String... headers) {
      addNames(this.exposedHeaders, headers, "exposedHeader", false);
      return this;
    }

    private static void addNames(Set<String> into, String[] names, String parameter,
        boolean lowerCase) {
      Objects.requireNonNull(names, parameter + "s");
      for (String name : names) {
        Objects.requireNonNull(name, parameter);
        if (!HttpSyntax.isToken(name) || (!lowerCase && name.equals(ANY))) {
          throw new IllegalArgumentException(
              parameter + " must be a header name but was '" + name + "'");
        }
        into.add(lowerCase ? name.toLowerCase(Locale.ROOT) : name);
      }
    }

    /**
     * Sets whether pages may send credentials (cookies, HTTP authentication) and read the
     * response: {@code Access-Control-Allow-Credentials: true}. Not allowed with origin {@code *}.
     *
     * @param allowCredentials true to allow
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder allowCredentials(boolean allowCredentials) {
      settings.requireUnset("allowCredentials", this.allowCredentials);
      this.allowCredentials = allowCredentials;
      return this;
    }

    /**
     * Sets how long browsers may cache a preflight answer ({@code Access-Control-Max-Age}, sent in
     * whole seconds; browsers cap it, Chromium at two hours).
     *
     * @param maxAge the duration, zero or more
     * @return this builder
     * @throws NullPointerException if {@code maxAge} is null
     * @throws IllegalArgumentException if {@code maxAge} is negative
     * @throws IllegalStateException if already set
     */
    public Builder maxAge(Duration maxAge) {
      settings.requireUnset("maxAge", this.maxAge);
      this.maxAge = Arguments.notNegative(maxAge, "maxAge");
      return this;
    }

    /**
     * Builds the policy.
     *
     * @return the policy, immutable and thread-safe
     * @throws IllegalArgumentException if credentials are allowed with origin {@code *}
     * @throws IllegalStateException if no origin was added, or {@code *} was added beside exact
     *     origins
     */
    public CorsPolicy build() {
      if (origins.isEmpty()) {
        throw new IllegalStateException("no origin was added: call allowedOrigins");
      }
      if (origins.contains(ANY) && origins.size() > 1) {
        throw new IllegalStateException(
            "allowedOrigins has * beside exact origins " + origins + ": keep one or the other");
      }
      if (allowCredentials && origins.contains(ANY)) {
        throw new IllegalArgumentException(
            "allowCredentials must be false with allowedOrigins * but was true: list the origins");
      }
      return new CorsPolicy(this);
    }
  }
}
