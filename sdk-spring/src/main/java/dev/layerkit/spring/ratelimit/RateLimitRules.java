package dev.layerkit.spring.ratelimit;

import dev.layerkit.gateway.http.GatewayRequest;
import dev.layerkit.gateway.http.TrustedProxies;
import dev.layerkit.gateway.ratelimit.RateLimiter;
import dev.layerkit.spring.LayerkitProperties;
import dev.layerkit.spring.LayerkitProperties.KeySource;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.springframework.http.server.PathContainer;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

/**
 * The request rules of {@code layerkit.ratelimit.web}, compiled: which limiter a request meets
 * (the first rule whose method and path pattern match) and the key it counts against.
 *
 * <p>Keys are {@code ip:<address>}, {@code key:<api key>} or {@code user:<principal>}; a rule keyed
 * by API key or principal falls back to the client IP when the request has none, so anonymous
 * traffic is still limited. The client IP is the connection's peer, or behind
 * {@linkplain TrustedProxies trusted proxies} the first untrusted {@code X-Forwarded-For} hop
 * from the right (the Layerkit gateway's rule). Immutable and thread-safe.
 */
public final class RateLimitRules {

  private final List<Rule> rules;
  private final TrustedProxies trustedProxies;
  private final String apiKeyHeader;

  private RateLimitRules(List<Rule> rules, TrustedProxies trustedProxies, String apiKeyHeader) {
    this.rules = List.copyOf(rules);
    this.trustedProxies = trustedProxies;
    this.apiKeyHeader = apiKeyHeader;
  }

  /**
   * Compiles the rules of validated settings.
   *
   * @param web the filter settings
   * @param registry where the rules' limiters are
   * @return the rules
   * @throws IllegalArgumentException if a rule names an unknown limiter or a bad pattern (the
   *     properties' validation reports these at start)
   */
  public static RateLimitRules of(LayerkitProperties.Web web, RateLimiterRegistry registry) {
    List<Rule> rules = new ArrayList<>();
    for (LayerkitProperties.Rule rule : web.getRules()) {
      String name = Objects.requireNonNull(rule.getLimiter(), "limiter");
      List<PathPattern> patterns = new ArrayList<>();
      for (String path : rule.getPaths()) {
        patterns.add(PathPatternParser.defaultInstance.parse(path));
      }
      Set<String> methods = rule.getMethods().stream()
          .map(m -> m.toUpperCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
      rules.add(new Rule(name, registry.get(name), patterns, methods, rule.getKey(), rule.getPermits(),
          registry.isNonBlocking(name)));
    }
    return new RateLimitRules(rules, TrustedProxies.of(web.getTrustedProxies()), web.getApiKeyHeader());
  }

  /**
   * Returns whether there are no rules.
   *
   * @return true if no request is limited by rules
   */
  public boolean isEmpty() {
    return rules.isEmpty();
  }

  /**
   * Returns the first rule matching the request, or null.
   *
   * @param request the request
   * @return the rule, or null if none applies
   */
  public @Nullable Rule match(RequestView request) {
    if (rules.isEmpty()) {
      return null;
    }
    PathContainer path = PathContainer.parsePath(request.path());
    String method = request.method();
    for (Rule rule : rules) {
      if (rule.matches(method, path)) {
        return rule;
      }
    }
    return null;
  }

  /**
   * Returns the key a request counts against.
   *
   * @param source who it counts against
   * @param request the request
   * @param principal the authenticated principal's name, or null
   * @return the key
   */
  public String key(KeySource source, RequestView request, @Nullable String principal) {
    switch (source) {
      case API_KEY -> {
        String key = request.header(apiKeyHeader);
        if (key != null && !key.isBlank()) {
          return "key:" + key.trim();
        }
      }
      case PRINCIPAL -> {
        if (principal != null && !principal.isEmpty()) {
          return "user:" + principal;
        }
      }
      case IP -> {
        // below
      }
    }
    return "ip:" + clientIp(request);
  }

  /**
   * Returns the client IP of a request, behind the trusted proxies.
   *
   * @param request the request
   * @return the address as text
   */
  public String clientIp(RequestView request) {
    return trustedProxies.clientIp(new GatewayView(request));
  }

  /** One compiled rule. Immutable. */
  public static final class Rule {
    private final String limiterName;
    private final RateLimiter limiter;
    private final List<PathPattern> patterns;
    private final Set<String> methods;
    private final KeySource keySource;
    private final long permits;
    private final boolean nonBlocking;

    Rule(String limiterName, RateLimiter limiter, List<PathPattern> patterns, Set<String> methods,
        KeySource keySource, long permits, boolean nonBlocking) {
      this.limiterName = limiterName;
      this.limiter = limiter;
      this.patterns = List.copyOf(patterns);
      this.methods = methods;
      this.keySource = keySource;
      this.permits = permits;
      this.nonBlocking = nonBlocking;
    }

    boolean matches(String method, PathContainer path) {
      if (!methods.isEmpty() && !methods.contains(method)) {
        return false;
      }
      for (PathPattern pattern : patterns) {
        if (pattern.matches(path)) {
          return true;
        }
      }
      return false;
    }

    /**
     * Returns the limiter's name.
     *
     * @return the name
     */
    public String limiterName() {
      return limiterName;
    }

    /**
     * Returns the limiter.
     *
     * @return the limiter
     */
    public RateLimiter limiter() {
      return limiter;
    }

    /**
     * Returns who a request counts against.
     *
     * @return the key source
     */
    public KeySource keySource() {
      return keySource;
    }

    /**
     * Returns the permits a request takes.
     *
     * @return the permits
     */
    public long permits() {
      return permits;
    }

    /**
     * Returns whether the limiter answers without I/O.
     *
     * @return true for in-memory limiters
     */
    public boolean nonBlocking() {
      return nonBlocking;
    }
  }

  /** The request as the gateway's {@link TrustedProxies} reads it. */
  private static final class GatewayView implements GatewayRequest {
    private final RequestView request;

    GatewayView(RequestView request) {
      this.request = request;
    }

    @Override
    public String method() {
      return request.method();
    }

    @Override
    public String uri() {
      return request.path();
    }

    @Override
    public String path() {
      return request.path();
    }

    @Override
    public String host() {
      String host = request.header("Host");
      return host == null ? "" : host;
    }

    @Override
    public @Nullable String header(String name) {
      return request.header(name);
    }

    @Override
    public List<String> headers(String name) {
      return request.headers(name);
    }

    @Override
    public InetSocketAddress remoteAddress() {
      return request.remoteAddress();
    }

    @Override
    public String requestId() {
      return "";
    }
  }
}
