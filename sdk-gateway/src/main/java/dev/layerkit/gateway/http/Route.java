package dev.layerkit.gateway.http;

import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.internal.BuilderSettings;
import dev.layerkit.gateway.ratelimit.RateLimiter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * One rule of the {@link Gateway}: which requests it takes (predicates on path, method, host and
 * headers), what it does to them (filters) and where it sends them (an {@link Upstream}, or static
 * files).
 *
 * <p>A request goes to the first route, in the gateway's order, whose predicates all match; none
 * matching is a 404. The filters of the chosen route then run in this order:
 *
 * <ol>
 *   <li>body limit: a {@code Content-Length} over {@link #maxBodySize()} (the gateway's limit
 *       unless the route sets its own) is a 413 before anything is forwarded; a chunked body is
 *       counted as it streams and cut off with a 413 when it passes the limit;
 *   <li>CORS: a preflight {@code OPTIONS} is answered here, without authentication;
 *   <li>{@link Auth}: 401/403 with {@code WWW-Authenticate} on failure;
 *   <li>{@link Authorization}: 403 with {@code error="insufficient_scope"} when the caller lacks
 *       the route's scopes, roles or API-key groups;
 *   <li>rate limit: the {@link RateLimiter} decides on the key from the {@link KeyResolver} (so a
 *       limit counts authenticated callers, and unauthenticated requests never consume a
 *       caller's permits); 429 on denial, see below;
 *   <li>response cache (GET only): a fresh cached response is served, {@code If-None-Match}
 *       matching its {@code ETag} is a 304;
 *   <li>the target: static files, or the upstream, with retries and per-endpoint circuit breakers.
 *       With a {@link TrafficSplit} the upstream is a weighted or pinned variant; a {@link Mirror}
 *       gets a copy of the request beside it; {@link Builder#rewritePath} or {@link
 *       Builder#stripPrefix} change the path sent, and {@link HeaderRewrite}s the request's and
 *       the response's headers.
 * </ol>
 *
 * <h2>Rate limiting</h2>
 *
 * <p>Who a request counts against is the route's {@link KeyResolver}. {@link
 * Builder#rateLimit(RateLimiter)} keys by {@link KeyResolver#principal()}: the authenticated
 * caller ({@code "api-key:<id>"}, {@code "jwt:<sub>"}), and on a route without {@link Auth} the
 * client's IP address ({@code "ip:<address>"}), so that anonymous clients do not share one
 * bucket. Behind a proxy or load balancer, give the resolver the {@link TrustedProxies} whose
 * {@code X-Forwarded-For} it may believe ({@link KeyResolver#principal(TrustedProxies)}); an
 * {@code X-Forwarded-For} from any other peer is ignored, so a client cannot pick its own bucket.
 *
 * <p>A denied request is answered {@code 429 Too Many Requests} with a JSON body and these
 * headers (the IETF httpapi rate-limit-headers draft, lower-case on the wire):
 *
 * <ul>
 *   <li>{@code RateLimit-Limit}: the capacity of the limit that denied the request ({@link
 *       dev.layerkit.gateway.ratelimit.RateLimitDecision#limit()});
 *   <li>{@code RateLimit-Remaining}: the permits available now in that limit, fewer than asked
 *       ({@link dev.layerkit.gateway.ratelimit.RateLimitDecision#remaining()});
 *   <li>{@code RateLimit-Reset}: the delta in whole seconds, rounded up and at least 1, until the
 *       request would be allowed if nobody else takes the permits meanwhile ({@link
 *       dev.layerkit.gateway.ratelimit.RateLimitDecision#retryAfter()}) &mdash; a delay, not a
 *       point in time, and not when the bucket is full again;
 *   <li>{@code Retry-After}: the same number of seconds, for clients that know only RFC 9110.
 * </ul>
 *
 * <p>Allowed requests carry none of these headers. A limiter that throws is answered 503.
 *
 * <h2>Routing by key</h2>
 *
 * <p>A route to a consistent-hash upstream ({@link
 * dev.layerkit.gateway.lb.LoadBalancers#consistentHash()}) says what to hash on with {@link
 * Builder#hashOn(RoutingKey)}: requests with the same key go to the same endpoint while the
 * endpoint set is unchanged, which also makes sticky sessions ({@code
 * hashOn(RoutingKey.stickyCookie("lk-affinity"))}, a cookie the gateway sets on a client's first
 * request). A request without the key is spread at random, not refused (see {@link
 * RoutingKey}). A route without {@code hashOn} picks with an empty {@link
 * dev.layerkit.gateway.lb.RequestContext}, which a consistent-hash upstream cannot route: such a
 * request is answered 500 naming the route.
 *
 * <pre>{@code
 * Route orders = Route.builder("orders")
 *     .pathPrefix("/api/orders")
 *     .methods("GET", "POST")
 *     .stripPrefix("/api")
 *     .upstream(Upstream.of("order-service", loadBalancer))
 *     .auth(Auth.apiKeys().addKey("web", apiKey).build())
 *     .rateLimit(limiter)
 *     .build();
 * }</pre>
 *
 * <p>Routes are immutable and thread-safe.
 */
public final class Route {

  /** Default time allowed to open a connection to an endpoint. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);

  /** Default time allowed from sending the request to the end of the response headers. */
  public static final Duration DEFAULT_RESPONSE_TIMEOUT = Duration.ofSeconds(30);

  /** Default number of retries of an idempotent request on another endpoint. */
  public static final int DEFAULT_MAX_RETRIES = 2;

  private static final Set<String> IDEMPOTENT =
      Set.of("GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE");

  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

  private final String id;
  private final @Nullable String pathPrefix;
  private final @Nullable Pattern pathGlob;
  private final @Nullable String pathGlobText;
  private final Set<String> methods;
  private final @Nullable String host;
  private final List<HeaderPredicate> headers;
  private final @Nullable String stripPrefix;
  private final @Nullable Upstream upstream;
  private final @Nullable TrafficSplit split;
  private final @Nullable Mirror mirror;
  private final @Nullable PathTemplate pathRewrite;
  private final HeaderRewrite requestHeaders;
  private final HeaderRewrite responseHeaders;
  private final @Nullable StaticFiles staticFiles;
  private final Duration connectTimeout;
  private final Duration responseTimeout;
  private final int maxRetries;
  private final Auth auth;
  private final @Nullable Authorization authorization;
  private final @Nullable RateLimiter rateLimiter;
  private final KeyResolver keyResolver;
  private final @Nullable RoutingKey hashOn;
  private final @Nullable ResponseCache responseCache;
  private final @Nullable CorsPolicy cors;
  private final long maxBodySize;

  private Route(Builder builder) {
    this.id = builder.id;
    this.pathPrefix = builder.pathPrefix;
    this.pathGlobText = builder.pathGlob;
    this.pathGlob = builder.pathGlob == null ? null : Globs.toPattern(builder.pathGlob);
    this.methods = Set.copyOf(builder.methods);
    this.host = builder.host;
    this.headers = List.copyOf(builder.headers);
    this.stripPrefix = builder.stripPrefix;
    this.upstream = builder.upstream;
    this.split = builder.split;
    this.mirror = builder.mirror;
    this.pathRewrite = builder.pathRewrite;
    this.requestHeaders = builder.requestHeaders;
    this.responseHeaders = builder.responseHeaders;
    this.staticFiles = builder.staticFiles;
    this.connectTimeout = builder.connectTimeout;
    this.responseTimeout = builder.responseTimeout;
    this.maxRetries = builder.maxRetries;
    this.auth = builder.auth;
    this.authorization = builder.authorization;
    this.rateLimiter = builder.rateLimiter;
    this.keyResolver = builder.keyResolver;
    this.hashOn = builder.hashOn;
    this.responseCache = builder.responseCache;
    this.cors = builder.cors;
    this.maxBodySize = builder.maxBodySize;
  }

  /**
   * Starts a route.
   *
   * @param id the route's id, used in metrics and logs: 1 to 64 letters, digits, {@code .}, {@code
   *     _} or {@code -}, starting with a letter or digit
   * @return the builder
   * @throws IllegalArgumentException if {@code id} breaks that rule
   */
  public static Builder builder(String id) {
    return new Builder(id);
  }

  /**
   * Returns the route's id.
   *
   * @return the id
   */
  public String id() {
    return id;
  }

  /**
   * Returns whether every predicate of this route matches a request.
   *
   * @param request the request
   * @return true if the route takes the request
   */
  public boolean matches(GatewayRequest request) {
    String path = request.path();
    if (pathPrefix != null && !Paths.hasPrefix(path, pathPrefix)) {
      return false;
    }
    if (pathGlob != null && !pathGlob.matcher(path).matches()) {
      return false;
    }
    if (!methods.isEmpty() && !methods.contains(request.method())) {
      return false;
    }
    if (host != null && !Globs.hostMatches(host, request.host())) {
      return false;
    }
    for (HeaderPredicate header : headers) {
      if (!header.matches(request.header(header.name))) {
        return false;
      }
    }
    return true;
  }

  /**
   * Returns the target to send upstream: the request target rewritten by {@link
   * Builder#rewritePath}, or with {@link Builder#stripPrefix} removed; unchanged otherwise (and
   * when the path does not match the rewrite's source template).
   *
   * @param uri the request target as received (path and query)
   * @return the target to send
   */
  public String rewrite(String uri) {
    PathTemplate template = pathRewrite;
    if (template != null) {
      String rewritten = template.rewrite(uri);
      return rewritten != null ? rewritten : uri;
    }
    if (stripPrefix == null || !Paths.hasPrefix(uri, stripPrefix)) {
      return uri;
    }
    String rest = uri.substring(stripPrefix.length());
    return rest.isEmpty() || rest.charAt(0) != '/' ? "/" + rest : rest;
  }

  /**
   * Returns whether a request with this method may be retried on another endpoint: only
   * idempotent methods (RFC 9110 section 9.2.2).
   *
   * @param method the request method
   * @return true if retrying cannot repeat a side effect the client did not ask for twice
   */
  static boolean isIdempotent(String method) {
    return IDEMPOTENT.contains(method);
  }

  /**
   * Returns the upstream of a proxying route.
   *
   * @return the upstream, or {@code null} for a static-files route
   */
  public @Nullable Upstream upstream() {
    return upstream;
  }

  /**
   * Returns the weighted split of a route over several upstreams.
   *
   * @return the split, or {@code null} if the route has one upstream or static files
   */
  public @Nullable TrafficSplit split() {
    return split;
  }

  /**
   * Returns the mirror that gets copies of the route's requests.
   *
   * @return the mirror, or {@code null} if requests are not mirrored
   */
  public @Nullable Mirror mirror() {
    return mirror;
  }

  /**
   * Returns every upstream the route may send to: its upstream or split's variants, and its
   * mirror's shadow.
   *
   * @return the upstreams, empty for a static route
   */
  public List<Upstream> upstreams() {
    List<Upstream> all = new ArrayList<>();
    if (upstream != null) {
      all.add(upstream);
    }
    if (split != null) {
      all.addAll(split.upstreams());
    }
    if (mirror != null && !all.contains(mirror.upstream())) {
      all.add(mirror.upstream());
    }
    return List.copyOf(all);
  }

  /**
   * Returns the changes made to request headers on their way to the upstream.
   *
   * @return the rewrite, {@link HeaderRewrite#none()} by default
   */
  public HeaderRewrite requestHeaders() {
    return requestHeaders;
  }

  /**
   * Returns the changes made to response headers on their way to the client.
   *
   * @return the rewrite, {@link HeaderRewrite#none()} by default
   */
  public HeaderRewrite responseHeaders() {
    return responseHeaders;
  }

  /**
   * Returns the static files of a static route.
   *
   * @return the files, or {@code null} for a proxying route
   */
  public @Nullable StaticFiles staticFiles() {
    return staticFiles;
  }

  /**
   * Returns the time allowed to connect to an endpoint.
   *
   * @return the connect timeout
   */
  public Duration connectTimeout() {
    return connectTimeout;
  }

  /**
   * Returns the time allowed from sending a request until the response headers arrive.
   *
   * @return the response timeout
   */
  public Duration responseTimeout() {
    return responseTimeout;
  }

  /**
   * Returns how many times an idempotent request is retried on another endpoint.
   *
   * @return the retries, 0 for none
   */
  public int maxRetries() {
    return maxRetries;
  }

  /**
   * Returns the route's authentication.
   *
   * @return the auth, {@link Auth#none()} by default
   */
  public Auth auth() {
    return auth;
  }

  /**
   * Returns what an authenticated caller must hold to use this route.
   *
   * @return the authorization, or {@code null} if any authenticated caller may
   */
  public @Nullable Authorization authorization() {
    return authorization;
  }

  /**
   * Returns the route's rate limiter.
   *
   * @return the limiter, or {@code null} if the route is not limited
   */
  public @Nullable RateLimiter rateLimiter() {
    return rateLimiter;
  }

  /**
   * Returns who a request counts against for the rate limit.
   *
   * @return the key resolver
   */
  public KeyResolver keyResolver() {
    return keyResolver;
  }

  /**
   * Returns what the route hashes on to pick an endpoint.
   *
   * @return the key, or {@code null} if the route picks without a key
   */
  public @Nullable RoutingKey hashOn() {
    return hashOn;
  }

  /**
   * Returns the route's response cache.
   *
   * @return the cache, or {@code null} if responses are not cached
   */
  public @Nullable ResponseCache responseCache() {
    return responseCache;
  }

  /**
   * Returns the route's CORS policy.
   *
   * @return the policy, or {@code null} if the route does not answer cross-origin requests
   */
  public @Nullable CorsPolicy cors() {
    return cors;
  }

  /**
   * Returns the largest request body this route takes, if it sets its own limit.
   *
   * @return the limit in bytes, or empty when the gateway's {@link Gateway.Builder#maxBodySize}
   *     applies
   */
  public OptionalLong maxBodySize() {
    return maxBodySize < 0 ? OptionalLong.empty() : OptionalLong.of(maxBodySize);
  }

  @Override
  public String toString() {
    StringBuilder text = new StringBuilder("Route[").append(id);
    if (pathPrefix != null) {
      text.append(" prefix=").append(pathPrefix);
    }
    if (pathGlobText != null) {
      text.append(" glob=").append(pathGlobText);
    }
    if (!methods.isEmpty()) {
      text.append(" methods=").append(methods);
    }
    if (host != null) {
      text.append(" host=").append(host);
    }
    if (hashOn != null) {
      text.append(" hashOn=").append(hashOn);
    }
    text.append(upstream != null ? " -> " + upstream.name()
        : split != null ? " -> " + split : " -> static");
    return text.append(']').toString();
  }

  private record HeaderPredicate(String name, @Nullable String value) {
    boolean matches(@Nullable String actual) {
      return actual != null && (value == null || value.equals(actual));
    }
  }

  /**
   * Builds a {@link Route}. Not thread-safe. {@link #build()} reports every invalid value at
   * once; a setting given twice throws {@link IllegalStateException} at the second call ({@link
   * #methods} and {@link #header} add, so they may be called again).
   */
  public static final class Builder {

    private final BuilderSettings settings = new BuilderSettings();
    private final String id;
    private final List<String> problems = new ArrayList<>();
    private @Nullable String pathPrefix;
    private @Nullable String pathGlob;
    private final List<String> methods = new ArrayList<>();
    private @Nullable String host;
    private final List<HeaderPredicate> headers = new ArrayList<>();
    private @Nullable String stripPrefix;
    private @Nullable Upstream upstream;
    private @Nullable TrafficSplit split;
    private @Nullable Mirror mirror;
    private @Nullable PathTemplate pathRewrite;
    private HeaderRewrite requestHeaders = HeaderRewrite.none();
    private HeaderRewrite responseHeaders = HeaderRewrite.none();
    private @Nullable StaticFiles staticFiles;
    private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
    private Duration responseTimeout = DEFAULT_RESPONSE_TIMEOUT;
    private int maxRetries = DEFAULT_MAX_RETRIES;
    private Auth auth = Auth.none();
    private @Nullable Authorization authorization;
    private @Nullable RateLimiter rateLimiter;
    private KeyResolver keyResolver = KeyResolver.principal();
    private @Nullable RoutingKey hashOn;
    private @Nullable ResponseCache responseCache;
    private @Nullable CorsPolicy cors;
    private long maxBodySize = -1;

    private Builder(String id) {
      Objects.requireNonNull(id, "id");
      if (!ID.matcher(id).matches()) {
        throw new IllegalArgumentException("route id must be 1 to 64 of [A-Za-z0-9._-], starting"
            + " with a letter or digit, but was '" + id + "'");
      }
      this.id = id;
    }

    /**
     * Takes requests whose path is {@code prefix} or starts with {@code prefix + "/"} ({@code
     * /api} takes {@code /api} and {@code /api/x}, not {@code /apix}).
     *
     * @param prefix the prefix, starting with {@code /}
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder pathPrefix(String prefix) {
      settings.requireUnset("pathPrefix", pathPrefix);
      this.pathPrefix = checkPath(prefix, "pathPrefix");
      return this;
    }

    /**
     * Takes requests whose path matches a glob: {@code *} matches within one segment, {@code **}
     * across segments ({@code /static/**}, {@code /api/*}{@code /orders}).
     *
     * @param glob the glob, starting with {@code /}
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder pathGlob(String glob) {
      settings.requireUnset("pathGlob", pathGlob);
      this.pathGlob = checkPath(glob, "pathGlob");
      return this;
    }

    /**
     * Takes only requests with one of these methods (any method by default).
     *
     * @param methods the methods, upper case
     * @return this builder
     */
    public Builder methods(String... methods) {
      for (String method : methods) {
        Objects.requireNonNull(method, "method");
        if (method.isEmpty() || !method.equals(method.toUpperCase(Locale.ROOT))
            || !HEADER_NAME.matcher(method).matches()) {
          problems.add("methods: '" + method + "' is not an upper-case HTTP method token");
        } else {
          this.methods.add(method);
        }
      }
      return this;
    }

    /**
     * Takes only requests for this host: an exact name or {@code *.example.com} (any subdomain).
     *
     * @param host the host, without port
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder host(String host) {
      settings.requireUnset("host", this.host);
      Objects.requireNonNull(host, "host");
      if (host.isBlank() || host.contains(":") || host.contains("/")) {
        problems.add("host: '" + host + "' is not a host name without port");
      }
      this.host = host.toLowerCase(Locale.ROOT);
      return this;
    }

    /**
     * Takes only requests that carry a header, with any value.
     *
     * @param name the header name
     * @return this builder
     */
    public Builder header(String name) {
      return header(name, null);
    }

    /**
     * Takes only requests that carry a header with exactly this value.
     *
     * @param name the header name
     * @param value the value, or {@code null} for any value
     * @return this builder
     */
    public Builder header(String name, @Nullable String value) {
      Objects.requireNonNull(name, "name");
      if (!HEADER_NAME.matcher(name).matches()) {
        problems.add("header: '" + name + "' is not a header name");
      }
      headers.add(new HeaderPredicate(name, value));
      return this;
    }

    /**
     * Removes a prefix from the path before sending it upstream ({@code /api/orders/1} with
     * {@code stripPrefix("/api")} is sent as {@code /orders/1}).
     *
     * @param prefix the prefix, starting with {@code /}
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder stripPrefix(String prefix) {
      settings.requireUnset("stripPrefix", stripPrefix);
      this.stripPrefix = checkPath(prefix, "stripPrefix");
      return this;
    }

    /**
     * Sends matching requests to an upstream. A route has an upstream or static files.
     *
     * @param upstream the upstream
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder upstream(Upstream upstream) {
      settings.requireUnset("upstream", this.upstream);
      this.upstream = Objects.requireNonNull(upstream, "upstream");
      return this;
    }

    /**
     * Spreads matching requests over several upstreams by weight, with header or cookie pins (a
     * canary). A route has an upstream, a split or static files.
     *
     * @param split the split
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder split(TrafficSplit split) {
      settings.requireUnset("split", this.split);
      this.split = Objects.requireNonNull(split, "split");
      return this;
    }

    /**
     * Sends copies of a share of the route's requests to a shadow upstream, whose answers are
     * dropped and whose failures never reach the client (see {@link Mirror}).
     *
     * @param mirror the mirror
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder mirror(Mirror mirror) {
      settings.requireUnset("mirror", this.mirror);
      this.mirror = Objects.requireNonNull(mirror, "mirror");
      return this;
    }

    /**
     * Rewrites the path sent upstream from one template to another: {@code
     * rewritePath("/v1/orders/{id}", "/orders/{id}")}. {@code {name}} matches one segment,
     * {@code {name*}} (last only) the rest of the path; the query is kept. A path that does not
     * match {@code from} is sent unchanged. Instead of {@link #stripPrefix}.
     *
     * @param from the template requests are matched against, starting with {@code /}
     * @param to the template of the path sent, using only {@code from}'s variables
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder rewritePath(String from, String to) {
      settings.requireUnset("rewritePath", pathRewrite);
      try {
        this.pathRewrite = PathTemplate.of(from, to);
      } catch (IllegalArgumentException e) {
        problems.add("rewritePath: " + e.getMessage());
      }
      return this;
    }

    /**
     * Changes request headers on their way to the upstream (and to a mirror).
     *
     * @param rewrite the changes
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder requestHeaders(HeaderRewrite rewrite) {
      settings.requireUnset("requestHeaders", requestHeaders);
      this.requestHeaders = Objects.requireNonNull(rewrite, "rewrite");
      return this;
    }

    /**
     * Changes response headers of the upstream on their way to the client. Answers of the
     * gateway's own (errors, 429s) are not changed.
     *
     * @param rewrite the changes
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder responseHeaders(HeaderRewrite rewrite) {
      settings.requireUnset("responseHeaders", responseHeaders);
      this.responseHeaders = Objects.requireNonNull(rewrite, "rewrite");
      return this;
    }

    /**
     * Answers matching requests from static files. A route has an upstream or static files.
     *
     * @param files the files
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder staticFiles(StaticFiles files) {
      settings.requireUnset("staticFiles", staticFiles);
      this.staticFiles = Objects.requireNonNull(files, "files");
      return this;
    }

    /**
     * Sets the time allowed to connect to an endpoint; a connect that takes longer is a 504 (after
     * retries).
     *
     * @param timeout the timeout, positive
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder connectTimeout(Duration timeout) {
      settings.requireUnset("connectTimeout", connectTimeout);
      this.connectTimeout = checkPositive(timeout, "connectTimeout");
      return this;
    }

    /**
     * Sets the time allowed from sending the request until the response headers arrive; longer
     * is a 504. A response body that then streams for longer is not cut off.
     *
     * @param timeout the timeout, positive
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder responseTimeout(Duration timeout) {
      settings.requireUnset("responseTimeout", responseTimeout);
      this.responseTimeout = checkPositive(timeout, "responseTimeout");
      return this;
    }

    /**
     * Sets how many times an idempotent request (GET, HEAD, OPTIONS, PUT, DELETE, TRACE) without a
     * body is retried on another endpoint when connecting fails, the connection is reset before
     * a response, or the endpoint's circuit is open. Retries also draw on the upstream's
     * {@linkplain Upstream.Builder#retryBudget retry budget}.
     *
     * @param retries 0 to 10
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder maxRetries(int retries) {
      settings.requireUnset("maxRetries", maxRetries);
      if (retries < 0 || retries > 10) {
        problems.add("maxRetries: must be 0 to 10 but was " + retries);
      }
      this.maxRetries = retries;
      return this;
    }

    /**
     * Sets the authentication ({@link Auth#none()} by default).
     *
     * @param auth the auth
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder auth(Auth auth) {
      settings.requireUnset("auth", this.auth);
      this.auth = Objects.requireNonNull(auth, "auth");
      return this;
    }

    /**
     * Requires authenticated callers to hold scopes, roles or API-key groups; a caller without
     * them is answered 403 with {@code WWW-Authenticate: Bearer error="insufficient_scope"}
     * (see {@link Authorization}). Needs an {@link #auth}.
     *
     * @param authorization the rule
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder authorization(Authorization authorization) {
      settings.requireUnset("authorization", this.authorization);
      this.authorization = Objects.requireNonNull(authorization, "authorization");
      return this;
    }

    /**
     * Limits requests with a rate limiter keyed by {@link KeyResolver#principal()}: the
     * authenticated caller, or on a route without auth the client's IP address (the connected
     * peer; behind a proxy, use {@link #rateLimit(RateLimiter, KeyResolver)} with {@link
     * KeyResolver#principal(TrustedProxies)}). The gateway asks with {@link
     * RateLimiter#tryAcquireAsync(String)}, so a Redis limiter's round trip does not hold the
     * event loop. See the class doc for the 429 answer and its {@code RateLimit-*} headers.
     *
     * @param limiter the limiter
     * @return this builder
     * @throws IllegalStateException if a rate limit was already set
     */
    public Builder rateLimit(RateLimiter limiter) {
      return rateLimit(limiter, KeyResolver.principal());
    }

    /**
     * Limits requests with a rate limiter, keyed by a resolver. The gateway asks with {@link
     * RateLimiter#tryAcquireAsync(String)}, so the limiter must not block there (the default of
     * a custom limiter calls its {@code tryAcquire} on the event loop). See the class doc for the
     * 429 answer and its {@code RateLimit-*} headers.
     *
     * @param limiter the limiter
     * @param keyResolver who a request counts against
     * @return this builder
     * @throws IllegalStateException if a rate limit was already set
     */
    public Builder rateLimit(RateLimiter limiter, KeyResolver keyResolver) {
      settings.requireUnset("rateLimit", rateLimiter);
      this.rateLimiter = Objects.requireNonNull(limiter, "limiter");
      this.keyResolver = Objects.requireNonNull(keyResolver, "keyResolver");
      return this;
    }

    /**
     * Picks the endpoint of each request by a key taken from it, for consistent-hash upstreams
     * ({@link dev.layerkit.gateway.lb.LoadBalancers#consistentHash()}): the gateway picks with
     * {@link dev.layerkit.gateway.lb.RequestContext#ofKey(String)} of the key's value. Keys
     * chain with {@link RoutingKey#orElse}; a request that carries none of them gets a random
     * key hash of its own, so it is spread over the endpoints instead of failing (see {@link
     * RoutingKey} for this and for retries). Other strategies ignore the key. The key is read
     * once per request, before any header rewrite, and is also used to pick the {@link Mirror}'s
     * endpoint.
     *
     * <pre>{@code
     * .hashOn(RoutingKey.header("X-User-Id").orElse(RoutingKey.clientIp()))
     * }</pre>
     *
     * @param key what to hash on
     * @return this builder
     * @throws NullPointerException if {@code key} is null
     * @throws IllegalStateException if already set
     */
    public Builder hashOn(RoutingKey key) {
      settings.requireUnset("hashOn", hashOn);
      this.hashOn = Objects.requireNonNull(key, "key");
      return this;
    }

    /**
     * Caches GET responses by their {@code Cache-Control} and {@code ETag}.
     *
     * @param cache the cache
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder responseCache(ResponseCache cache) {
      settings.requireUnset("responseCache", responseCache);
      this.responseCache = Objects.requireNonNull(cache, "cache");
      return this;
    }

    /**
     * Answers CORS preflights and adds CORS headers to responses by a policy.
     *
     * @param policy the policy
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder cors(CorsPolicy policy) {
      settings.requireUnset("cors", cors);
      this.cors = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /**
     * Sets the largest request body this route takes, in place of the gateway's {@link
     * Gateway.Builder#maxBodySize} (larger or smaller: an upload route may take more than the
     * rest, a JSON API less). A request over it is answered 413 like the gateway-wide limit: by
     * its {@code Content-Length} before anything is forwarded, or while a chunked body streams
     * (the upstream request is then aborted).
     *
     * @param bytes at least 0
     * @return this builder
     * @throws IllegalArgumentException if {@code bytes} is negative
     * @throws IllegalStateException if already set
     */
    public Builder maxBodySize(long bytes) {
      settings.requireUnset("maxBodySize", maxBodySize);
      this.maxBodySize = Arguments.notNegative(bytes, "maxBodySize");
      return this;
    }

    /**
     * Builds the route.
     *
     * @return the route
     * @throws IllegalArgumentException listing every problem, if any
     */
    public Route build() {
      List<String> all = new ArrayList<>(problems);
      all.addAll(validate());
      if (!all.isEmpty()) {
        throw new IllegalArgumentException(
            "route '" + id + "' is invalid: " + String.join("; ", all));
      }
      return new Route(this);
    }

    List<String> validate() {
      List<String> found = new ArrayList<>();
      int targets = (upstream != null ? 1 : 0) + (split != null ? 1 : 0)
          + (staticFiles != null ? 1 : 0);
      if (targets == 0) {
        found.add("needs an upstream or static files (or a split)");
      }
      if (targets > 1) {
        found.add("has more than one of an upstream, a split and static files; choose one");
      }
      if (mirror != null && upstream == null && split == null) {
        found.add("mirror needs an upstream or a split: a static route forwards nothing");
      }
      if (pathRewrite != null && stripPrefix != null) {
        found.add("has both rewritePath and stripPrefix; choose one");
      }
      if (authorization != null && !settings.isSet("auth")) {
        found.add("authorization needs an auth: an anonymous caller holds no scope, role or group");
      }
      if (pathGlob != null) {
        try {
          Globs.toPattern(pathGlob);
        } catch (IllegalArgumentException e) {
          found.add("pathGlob: " + e.getMessage());
        }
      }
      return found;
    }

    private String checkPath(String path, String parameter) {
      Objects.requireNonNull(path, parameter);
      if (!path.startsWith("/")) {
        problems.add(parameter + ": must start with '/' but was '" + path + "'");
      } else if (path.length() > 1 && path.endsWith("/") && !parameter.equals("pathGlob")) {
        problems.add(parameter + ": must not end with '/' but was '" + path + "'");
      }
      return path;
    }

    private Duration checkPositive(Duration duration, String parameter) {
      Objects.requireNonNull(duration, parameter);
      if (duration.isNegative() || duration.isZero()) {
        problems.add(parameter + ": must be positive but was " + duration);
      }
      return duration;
    }
  }
}
