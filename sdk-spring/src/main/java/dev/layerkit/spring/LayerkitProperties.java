package dev.layerkit.spring;

import dev.layerkit.gateway.ratelimit.FailMode;
import dev.layerkit.gateway.ratelimit.Limit;
import dev.layerkit.spring.internal.PropertiesValidation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.Errors;
import org.springframework.validation.Validator;

/**
 * Every {@code layerkit.*} setting of the starter: Redis, rate limits, caches and health.
 *
 * <p>Bound once at start; unknown {@code layerkit.*} keys fail the start (a misspelled property is
 * an error, not a silent default), and {@link #validate(Object, Errors)} checks the values when
 * Spring binds them, reporting every problem at once, each with its property and the fix (shown
 * by the starter's failure analyzer). Mutable JavaBean, as Spring binding needs; not thread-safe,
 * and not meant to be changed after start.
 */
@ConfigurationProperties(prefix = "layerkit", ignoreUnknownFields = false)
public class LayerkitProperties implements Validator {

  /** Where Layerkit's Redis backends connect. */
  private final Redis redis = new Redis();

  /** Named rate limiters and the web filters that apply them. */
  private final RateLimit ratelimit = new RateLimit();

  /** The Spring CacheManager on Layerkit's CacheAside. */
  private final Cache cache = new Cache();

  /** Layerkit's health checks in Actuator. */
  private final HealthSettings health = new HealthSettings();

  /** Service clients by service name, each a ServiceClient bean named NAMEServiceClient. */
  private Map<String, Service> services = new LinkedHashMap<>();

  /**
   * Returns the services by name.
   *
   * @return the services
   */
  public Map<String, Service> getServices() {
    return services;
  }

  /**
   * Sets the services by name.
   *
   * @param services the services
   */
  public void setServices(Map<String, Service> services) {
    this.services = services;
  }

  /**
   * Sharded repositories by name, each a ShardedRepository bean named NAMERepository over the
   * listed shards (JDBC data sources or URLs, or MongoDB databases).
   */
  private Map<String, RepositorySettings> repositories = new LinkedHashMap<>();

  /** Event publishers, subscribers and @LayerkitSubscriber handlers. */
  private final Events events = new Events();

  /**
   * Returns the sharded repositories by name.
   *
   * @return the repositories
   */
  public Map<String, RepositorySettings> getRepositories() {
    return repositories;
  }

  /**
   * Sets the sharded repositories by name.
   *
   * @param repositories the repositories
   */
  public void setRepositories(Map<String, RepositorySettings> repositories) {
    this.repositories = repositories;
  }

  /**
   * Returns the event settings.
   *
   * @return the settings
   */
  public Events getEvents() {
    return events;
  }

  /** The Idempotency-Key filter of servlet routes. */
  private final IdempotencySettings idempotency = new IdempotencySettings();

  /**
   * Returns the idempotency settings.
   *
   * @return the settings
   */
  public IdempotencySettings getIdempotency() {
    return idempotency;
  }

  /**
   * Returns whether {@code type} is this class; Spring asks before {@link #validate}.
   *
   * @param type the class to validate
   * @return whether it is {@code LayerkitProperties}
   */
  @Override
  public boolean supports(Class<?> type) {
    return LayerkitProperties.class.isAssignableFrom(type);
  }

  /**
   * Checks every setting and records each problem in {@code errors} (nothing is thrown here:
   * Spring fails the start with all of them). Each error's code is
   * {@value PropertiesValidation#ERROR_CODE}, its first argument the fix.
   *
   * @param target the bound properties
   * @param errors where problems go
   */
  @Override
  public void validate(Object target, Errors errors) {
    new PropertiesValidation((LayerkitProperties) target, errors).run();
  }

  /**
   * Returns the Redis settings.
   *
   * @return the settings
   */
  public Redis getRedis() {
    return redis;
  }

  /**
   * Returns the rate-limit settings.
   *
   * @return the settings
   */
  public RateLimit getRatelimit() {
    return ratelimit;
  }

  /**
   * Returns the cache settings.
   *
   * @return the settings
   */
  public Cache getCache() {
    return cache;
  }

  /**
   * Returns the health settings.
   *
   * @return the settings
   */
  public HealthSettings getHealth() {
    return health;
  }

  /** Where a block keeps its state. */
  public enum Backend {
    /** Redis when a Redis client is available, else in memory. */
    AUTO,
    /** In this process. */
    MEMORY,
    /** In Redis, shared by every instance. */
    REDIS,
    /** Caches only: an in-memory near cache in front of Redis, invalidated across instances. */
    TIERED
  }

  /** {@code layerkit.redis.*}. */
  public static class Redis {

    /**
     * Redis URI (for example redis://localhost:6379) for Layerkit's own client, used when the
     * application defines neither a Lettuce RedisClient bean nor Spring Data Redis's
     * LettuceConnectionFactory.
     */
    private @Nullable String url;

    /**
     * Returns the URI.
     *
     * @return the URI, or null for none
     */
    public @Nullable String getUrl() {
      return url;
    }

    /**
     * Sets the URI.
     *
     * @param url the URI
     */
    public void setUrl(@Nullable String url) {
      this.url = url;
    }
  }

  /** {@code layerkit.ratelimit.*}. */
  public static class RateLimit {

    /** Whether to create the rate limiters and filters. */
    private boolean enabled = true;

    /**
     * Default backend of every limiter: AUTO (Redis when a Redis client is there), MEMORY or
     * REDIS.
     */
    private Backend backend = Backend.AUTO;

    /** Default of Redis limiters: what a decision does when Redis fails (OPEN allows, CLOSED denies). */
    private FailMode failMode = FailMode.OPEN;

    /** Default of Redis limiters: how long a decision waits for Redis before the fail mode applies. */
    private Duration redisTimeout = Duration.ofMillis(100);

    /** Named limiters, each a RateLimiter bean named after its key. */
    private Map<String, Limiter> limiters = new LinkedHashMap<>();

    /** The servlet and WebFlux filters. */
    private final Web web = new Web();

    /**
     * Returns whether enabled.
     *
     * @return whether enabled
     */
    public boolean isEnabled() {
      return enabled;
    }

    /**
     * Sets whether enabled.
     *
     * @param enabled whether enabled
     */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    /**
     * Returns the default backend.
     *
     * @return the backend
     */
    public Backend getBackend() {
      return backend;
    }

    /**
     * Sets the default backend.
     *
     * @param backend the backend
     */
    public void setBackend(Backend backend) {
      this.backend = backend;
    }

    /**
     * Returns the default fail mode.
     *
     * @return the fail mode
     */
    public FailMode getFailMode() {
      return failMode;
    }

    /**
     * Sets the default fail mode.
     *
     * @param failMode the fail mode
     */
    public void setFailMode(FailMode failMode) {
      this.failMode = failMode;
    }

    /**
     * Returns the default Redis timeout.
     *
     * @return the timeout
     */
    public Duration getRedisTimeout() {
      return redisTimeout;
    }

    /**
     * Sets the default Redis timeout.
     *
     * @param redisTimeout the timeout
     */
    public void setRedisTimeout(Duration redisTimeout) {
      this.redisTimeout = redisTimeout;
    }

    /**
     * Returns the limiters by name.
     *
     * @return the limiters
     */
    public Map<String, Limiter> getLimiters() {
      return limiters;
    }

    /**
     * Sets the limiters by name.
     *
     * @param limiters the limiters
     */
    public void setLimiters(Map<String, Limiter> limiters) {
      this.limiters = limiters;
    }

    /**
     * Returns the filter settings.
     *
     * @return the settings
     */
    public Web getWeb() {
      return web;
    }
  }

  /** {@code layerkit.ratelimit.limiters.<name>.*}: one named limiter. */
  public static class Limiter {

    /** The limits, all of which a request must pass; at least one. */
    private List<LimitSpec> limits = new ArrayList<>();

    /** This limiter's backend; the ratelimit default when not set. */
    private @Nullable Backend backend;

    /** This limiter's fail mode on Redis errors; the ratelimit default when not set. */
    private @Nullable FailMode failMode;

    /** Prefix of this limiter's Redis keys; layerkit:ratelimit:NAME: when not set. */
    private @Nullable String keyPrefix;

    /**
     * Returns the limits.
     *
     * @return the limits
     */
    public List<LimitSpec> getLimits() {
      return limits;
    }

    /**
     * Sets the limits.
     *
     * @param limits the limits
     */
    public void setLimits(List<LimitSpec> limits) {
      this.limits = limits;
    }

    /**
     * Returns the backend.
     *
     * @return the backend, or null for the default
     */
    public @Nullable Backend getBackend() {
      return backend;
    }

    /**
     * Sets the backend.
     *
     * @param backend the backend
     */
    public void setBackend(@Nullable Backend backend) {
      this.backend = backend;
    }

    /**
     * Returns the fail mode.
     *
     * @return the fail mode, or null for the default
     */
    public @Nullable FailMode getFailMode() {
      return failMode;
    }

    /**
     * Sets the fail mode.
     *
     * @param failMode the fail mode
     */
    public void setFailMode(@Nullable FailMode failMode) {
      this.failMode = failMode;
    }

    /**
     * Returns the Redis key prefix.
     *
     * @return the prefix, or null for the default
     */
    public @Nullable String getKeyPrefix() {
      return keyPrefix;
    }

    /**
     * Sets the Redis key prefix.
     *
     * @param keyPrefix the prefix
     */
    public void setKeyPrefix(@Nullable String keyPrefix) {
      this.keyPrefix = keyPrefix;
    }
  }

  /** One token-bucket limit: {@code permits} per {@code period}, bursting to {@code burst}. */
  public static class LimitSpec {

    /** Permits added back per period; at least 1. */
    private long permits;

    /** The refill period, from 1ms to 366d (for example 1s, 1m). */
    private @Nullable Duration period;

    /** The bucket's capacity (the largest burst); permits when not set. */
    private @Nullable Long burst;

    /** GREEDY refills continuously, INTERVAL all permits at once at the end of each period. */
    private Limit.Refill refill = Limit.Refill.GREEDY;

    /**
     * Returns the permits per period.
     *
     * @return the permits
     */
    public long getPermits() {
      return permits;
    }

    /**
     * Sets the permits per period.
     *
     * @param permits the permits
     */
    public void setPermits(long permits) {
      this.permits = permits;
    }

    /**
     * Returns the period.
     *
     * @return the period, or null if not set
     */
    public @Nullable Duration getPeriod() {
      return period;
    }

    /**
     * Sets the period.
     *
     * @param period the period
     */
    public void setPeriod(@Nullable Duration period) {
      this.period = period;
    }

    /**
     * Returns the burst.
     *
     * @return the burst, or null for the permits
     */
    public @Nullable Long getBurst() {
      return burst;
    }

    /**
     * Sets the burst.
     *
     * @param burst the burst
     */
    public void setBurst(@Nullable Long burst) {
      this.burst = burst;
    }

    /**
     * Returns the refill style.
     *
     * @return the refill
     */
    public Limit.Refill getRefill() {
      return refill;
    }

    /**
     * Sets the refill style.
     *
     * @param refill the refill
     */
    public void setRefill(Limit.Refill refill) {
      this.refill = refill;
    }

    /**
     * Returns the limit these settings describe.
     *
     * @return the limit
     * @throws IllegalArgumentException if the settings are invalid (the validator reports them
     *     first, at start)
     * @throws NullPointerException if the period is missing
     */
    public Limit toLimit() {
      Duration p = java.util.Objects.requireNonNull(period, "period");
      long capacity = burst != null ? burst : permits;
      return refill == Limit.Refill.GREEDY
          ? Limit.greedy(capacity, permits, p)
          : Limit.interval(capacity, permits, p);
    }
  }

  /** {@code layerkit.ratelimit.web.*}: the servlet and WebFlux filters. */
  public static class Web {

    /** Whether to register the rate-limit filter (servlet or WebFlux, whichever the app is). */
    private boolean enabled = true;

    /** The filter's rules, tried in order; the first whose path and method match applies. */
    private List<Rule> rules = new ArrayList<>();

    /** The request header that carries an API key, for rules keyed by API_KEY. */
    private String apiKeyHeader = "X-API-Key";

    /**
     * Proxies (IP addresses or CIDR ranges) whose X-Forwarded-For is believed when finding the
     * client IP; none by default, so the client IP is the connection's peer.
     */
    private List<String> trustedProxies = new ArrayList<>();

    /** The filter's order among servlet filters or WebFilters; 0 runs it after Spring Security (-100), so PRINCIPAL keys see the user. */
    private int order = 0;

    /**
     * Returns whether enabled.
     *
     * @return whether enabled
     */
    public boolean isEnabled() {
      return enabled;
    }

    /**
     * Sets whether enabled.
     *
     * @param enabled whether enabled
     */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    /**
     * Returns the rules.
     *
     * @return the rules
     */
    public List<Rule> getRules() {
      return rules;
    }

    /**
     * Sets the rules.
     *
     * @param rules the rules
     */
    public void setRules(List<Rule> rules) {
      this.rules = rules;
    }

    /**
     * Returns the API key header.
     *
     * @return the header name
     */
    public String getApiKeyHeader() {
      return apiKeyHeader;
    }

    /**
     * Sets the API key header.
     *
     * @param apiKeyHeader the header name
     */
    public void setApiKeyHeader(String apiKeyHeader) {
      this.apiKeyHeader = apiKeyHeader;
    }

    /**
     * Returns the trusted proxies.
     *
     * @return the CIDRs
     */
    public List<String> getTrustedProxies() {
      return trustedProxies;
    }

    /**
     * Sets the trusted proxies.
     *
     * @param trustedProxies the CIDRs
     */
    public void setTrustedProxies(List<String> trustedProxies) {
      this.trustedProxies = trustedProxies;
    }

    /**
     * Returns the filter order.
     *
     * @return the order
     */
    public int getOrder() {
      return order;
    }

    /**
     * Sets the filter order.
     *
     * @param order the order
     */
    public void setOrder(int order) {
      this.order = order;
    }
  }

  /** Who a request counts against. */
  public enum KeySource {
    /** The client IP (behind trusted proxies, the first untrusted X-Forwarded-For hop). */
    IP,
    /** The API key header; the client IP when the header is missing. */
    API_KEY,
    /** The authenticated principal's name; the client IP when there is none. */
    PRINCIPAL
  }

  /** {@code layerkit.ratelimit.web.rules[i].*}: which requests a limiter applies to. */
  public static class Rule {

    /** Path patterns (Spring PathPattern syntax, for example /api/**); at least one. */
    private List<String> paths = new ArrayList<>();

    /** HTTP methods the rule applies to; all when empty. */
    private List<String> methods = new ArrayList<>();

    /** The name of the limiter (a key of layerkit.ratelimit.limiters). */
    private @Nullable String limiter;

    /** Who a request counts against: IP, API_KEY or PRINCIPAL. */
    private KeySource key = KeySource.IP;

    /** Permits one request takes; at least 1 and at most the limiter's smallest burst. */
    private long permits = 1;

    /**
     * Returns the paths.
     *
     * @return the paths
     */
    public List<String> getPaths() {
      return paths;
    }

    /**
     * Sets the paths.
     *
     * @param paths the paths
     */
    public void setPaths(List<String> paths) {
      this.paths = paths;
    }

    /**
     * Returns the methods.
     *
     * @return the methods
     */
    public List<String> getMethods() {
      return methods;
    }

    /**
     * Sets the methods.
     *
     * @param methods the methods
     */
    public void setMethods(List<String> methods) {
      this.methods = methods;
    }

    /**
     * Returns the limiter name.
     *
     * @return the name, or null if not set
     */
    public @Nullable String getLimiter() {
      return limiter;
    }

    /**
     * Sets the limiter name.
     *
     * @param limiter the name
     */
    public void setLimiter(@Nullable String limiter) {
      this.limiter = limiter;
    }

    /**
     * Returns the key source.
     *
     * @return the key source
     */
    public KeySource getKey() {
      return key;
    }

    /**
     * Sets the key source.
     *
     * @param key the key source
     */
    public void setKey(KeySource key) {
      this.key = key;
    }

    /**
     * Returns the permits per request.
     *
     * @return the permits
     */
    public long getPermits() {
      return permits;
    }

    /**
     * Sets the permits per request.
     *
     * @param permits the permits
     */
    public void setPermits(long permits) {
      this.permits = permits;
    }
  }

  /** {@code layerkit.cache.*}. */
  public static class Cache {

    /** Whether to create the CacheManager (it backs off to an application-defined one anyway). */
    private boolean enabled = true;

    /** Backend of every cache: AUTO (Redis when a Redis client is there), MEMORY, REDIS or TIERED. */
    private Backend backend = Backend.AUTO;

    /**
     * Whether caches not listed under layerkit.cache.caches are created on first use, with the
     * defaults; when false, only listed names exist.
     */
    private boolean dynamic = true;

    /**
     * With Redis (or tiered), whether a miss takes a Redis lease lock so that one instance loads
     * while the others wait for its value: single flight across instances.
     */
    private boolean distributedLock = true;

    /** How long a lease lock holds if its holder dies; longer than a load takes. */
    private Duration lockLease = Duration.ofSeconds(30);

    /** How long an instance waits for another's load before loading itself. */
    private Duration lockWait = Duration.ofSeconds(10);

    /**
     * How long one Redis call of a cache (or its lease lock) may take; past it a read is a miss, a
     * lock is loaded without.
     */
    private Duration redisTimeout = Duration.ofMillis(100);

    /** Prefix of every Redis key (and lock) of the caches; the cache name follows it. */
    private String keyPrefix = "layerkit:cache:";

    /** Settings of every cache, unless the cache's own entry says otherwise. */
    private CacheSpec defaults = new CacheSpec();

    /** Settings per cache name, over the defaults. */
    private Map<String, CacheSpec> caches = new LinkedHashMap<>();

    /**
     * Returns whether enabled.
     *
     * @return whether enabled
     */
    public boolean isEnabled() {
      return enabled;
    }

    /**
     * Sets whether enabled.
     *
     * @param enabled whether enabled
     */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    /**
     * Returns the backend.
     *
     * @return the backend
     */
    public Backend getBackend() {
      return backend;
    }

    /**
     * Sets the backend.
     *
     * @param backend the backend
     */
    public void setBackend(Backend backend) {
      this.backend = backend;
    }

    /**
     * Returns whether unlisted caches are created.
     *
     * @return whether dynamic
     */
    public boolean isDynamic() {
      return dynamic;
    }

    /**
     * Sets whether unlisted caches are created.
     *
     * @param dynamic whether dynamic
     */
    public void setDynamic(boolean dynamic) {
      this.dynamic = dynamic;
    }

    /**
     * Returns whether misses take a Redis lease lock.
     *
     * @return whether locking
     */
    public boolean isDistributedLock() {
      return distributedLock;
    }

    /**
     * Sets whether misses take a Redis lease lock.
     *
     * @param distributedLock whether locking
     */
    public void setDistributedLock(boolean distributedLock) {
      this.distributedLock = distributedLock;
    }

    /**
     * Returns the lock lease.
     *
     * @return the lease
     */
    public Duration getLockLease() {
      return lockLease;
    }

    /**
     * Sets the lock lease.
     *
     * @param lockLease the lease
     */
    public void setLockLease(Duration lockLease) {
      this.lockLease = lockLease;
    }

    /**
     * Returns the lock wait.
     *
     * @return the wait
     */
    public Duration getLockWait() {
      return lockWait;
    }

    /**
     * Sets the lock wait.
     *
     * @param lockWait the wait
     */
    public void setLockWait(Duration lockWait) {
      this.lockWait = lockWait;
    }

    /**
     * Returns the Redis call timeout.
     *
     * @return the timeout
     */
    public Duration getRedisTimeout() {
      return redisTimeout;
    }

    /**
     * Sets the Redis call timeout.
     *
     * @param redisTimeout the timeout
     */
    public void setRedisTimeout(Duration redisTimeout) {
      this.redisTimeout = redisTimeout;
    }

    /**
     * Returns the Redis key prefix.
     *
     * @return the prefix
     */
    public String getKeyPrefix() {
      return keyPrefix;
    }

    /**
     * Sets the Redis key prefix.
     *
     * @param keyPrefix the prefix
     */
    public void setKeyPrefix(String keyPrefix) {
      this.keyPrefix = keyPrefix;
    }

    /**
     * Returns the defaults.
     *
     * @return the defaults
     */
    public CacheSpec getDefaults() {
      return defaults;
    }

    /**
     * Sets the defaults.
     *
     * @param defaults the defaults
     */
    public void setDefaults(CacheSpec defaults) {
      this.defaults = defaults;
    }

    /**
     * Returns the per-cache settings.
     *
     * @return the settings by cache name
     */
    public Map<String, CacheSpec> getCaches() {
      return caches;
    }

    /**
     * Sets the per-cache settings.
     *
     * @param caches the settings by cache name
     */
    public void setCaches(Map<String, CacheSpec> caches) {
      this.caches = caches;
    }
  }

  /** One cache's settings; a setting left out comes from layerkit.cache.defaults, then CacheAside. */
  public static class CacheSpec {

    /** How long a loaded value is fresh (CacheAside default 5m). */
    private @Nullable Duration ttl;

    /** Each entry's TTL is shortened by a random share up to this percent, 0 to 100 (default 0). */
    private @Nullable Double ttlJitterPercent;

    /** How long an absent (null) value is cached; 0 turns negative caching off (default 30s). */
    private @Nullable Duration negativeTtl;

    /** How long past its TTL an entry is still served while one refresh runs (default 0). */
    private @Nullable Duration staleWhileRevalidate;

    /** XFetch beta of probabilistic early refresh; 0 is off, 1 the paper's optimum (default 0). */
    private @Nullable Double earlyRefreshBeta;

    /** Largest number of entries of an in-memory cache or a tiered cache's local tier (default 10000). */
    private @Nullable Long maximumSize;

    /** Longest time an entry stays in a tiered cache's local tier (default 10s). */
    private @Nullable Duration localTtl;

    /**
     * Returns the TTL.
     *
     * @return the TTL, or null to inherit
     */
    public @Nullable Duration getTtl() {
      return ttl;
    }

    /**
     * Sets the TTL.
     *
     * @param ttl the TTL
     */
    public void setTtl(@Nullable Duration ttl) {
      this.ttl = ttl;
    }

    /**
     * Returns the TTL jitter in percent.
     *
     * @return the jitter, or null to inherit
     */
    public @Nullable Double getTtlJitterPercent() {
      return ttlJitterPercent;
    }

    /**
     * Sets the TTL jitter in percent.
     *
     * @param ttlJitterPercent the jitter
     */
    public void setTtlJitterPercent(@Nullable Double ttlJitterPercent) {
      this.ttlJitterPercent = ttlJitterPercent;
    }

    /**
     * Returns the negative TTL.
     *
     * @return the negative TTL, or null to inherit
     */
    public @Nullable Duration getNegativeTtl() {
      return negativeTtl;
    }

    /**
     * Sets the negative TTL.
     *
     * @param negativeTtl the negative TTL
     */
    public void setNegativeTtl(@Nullable Duration negativeTtl) {
      this.negativeTtl = negativeTtl;
    }

    /**
     * Returns the stale-while-revalidate window.
     *
     * @return the window, or null to inherit
     */
    public @Nullable Duration getStaleWhileRevalidate() {
      return staleWhileRevalidate;
    }

    /**
     * Sets the stale-while-revalidate window.
     *
     * @param staleWhileRevalidate the window
     */
    public void setStaleWhileRevalidate(@Nullable Duration staleWhileRevalidate) {
      this.staleWhileRevalidate = staleWhileRevalidate;
    }

    /**
     * Returns the early-refresh beta.
     *
     * @return the beta, or null to inherit
     */
    public @Nullable Double getEarlyRefreshBeta() {
      return earlyRefreshBeta;
    }

    /**
     * Sets the early-refresh beta.
     *
     * @param earlyRefreshBeta the beta
     */
    public void setEarlyRefreshBeta(@Nullable Double earlyRefreshBeta) {
      this.earlyRefreshBeta = earlyRefreshBeta;
    }

    /**
     * Returns the maximum size.
     *
     * @return the size, or null to inherit
     */
    public @Nullable Long getMaximumSize() {
      return maximumSize;
    }

    /**
     * Sets the maximum size.
     *
     * @param maximumSize the size
     */
    public void setMaximumSize(@Nullable Long maximumSize) {
      this.maximumSize = maximumSize;
    }

    /**
     * Returns the local TTL of a tiered cache.
     *
     * @return the local TTL, or null to inherit
     */
    public @Nullable Duration getLocalTtl() {
      return localTtl;
    }

    /**
     * Sets the local TTL of a tiered cache.
     *
     * @param localTtl the local TTL
     */
    public void setLocalTtl(@Nullable Duration localTtl) {
      this.localTtl = localTtl;
    }
  }

  /** {@code layerkit.health.*}. */
  public static class HealthSettings {

    /** Whether Layerkit's health checks are Actuator health indicators (under "layerkit"). */
    private boolean enabled = true;

    /**
     * Names of the Layerkit checks that also decide readiness (for example ratelimit-redis-api);
     * all of them when empty. A check that is DOWN then takes the readiness group DOWN.
     */
    private List<String> readiness = new ArrayList<>();

    /**
     * Returns whether enabled.
     *
     * @return whether enabled
     */
    public boolean isEnabled() {
      return enabled;
    }

    /**
     * Sets whether enabled.
     *
     * @param enabled whether enabled
     */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    /**
     * Returns the readiness check names.
     *
     * @return the names; empty for all
     */
    public List<String> getReadiness() {
      return readiness;
    }

    /**
     * Sets the readiness check names.
     *
     * @param readiness the names
     */
    public void setReadiness(List<String> readiness) {
      this.readiness = readiness;
    }
  }

  /** {@code layerkit.idempotency.*}. */
  public static class IdempotencySettings {

    /** Path patterns (Spring PathPattern syntax) whose writes honour the key; the filter is off when empty. */
    private List<String> paths = new ArrayList<>();

    /** HTTP methods the filter applies to. */
    private List<String> methods = new ArrayList<>(List.of("POST", "PATCH"));

    /** The request header that carries the key. */
    private String header = "Idempotency-Key";

    /** Whether a matching request without the header is answered 400. */
    private boolean required = false;

    /** How long a response is stored for replay. */
    private Duration ttl = Duration.ofHours(24);

    /** Where keys are kept: AUTO (Redis when a Redis client is there), MEMORY or REDIS. */
    private Backend backend = Backend.AUTO;

    /** The name in metrics and the store's key prefix. */
    private String name = "http";

    /** The largest request body read to fingerprint a request; larger ones are answered 413. */
    private int maxBodyBytes = 1 << 20;

    /** The filter's order; 10 runs it after the rate-limit filter (0). */
    private int order = 10;

    /**
     * Returns the paths.
     *
     * @return the patterns
     */
    public List<String> getPaths() {
      return paths;
    }

    /**
     * Sets the paths.
     *
     * @param paths the patterns
     */
    public void setPaths(List<String> paths) {
      this.paths = paths;
    }

    /**
     * Returns the methods.
     *
     * @return the methods
     */
    public List<String> getMethods() {
      return methods;
    }

    /**
     * Sets the methods.
     *
     * @param methods the methods
     */
    public void setMethods(List<String> methods) {
      this.methods = methods;
    }

    /**
     * Returns the header name.
     *
     * @return the header
     */
    public String getHeader() {
      return header;
    }

    /**
     * Sets the header name.
     *
     * @param header the header
     */
    public void setHeader(String header) {
      this.header = header;
    }

    /**
     * Returns whether the header is required.
     *
     * @return whether required
     */
    public boolean isRequired() {
      return required;
    }

    /**
     * Sets whether the header is required.
     *
     * @param required whether required
     */
    public void setRequired(boolean required) {
      this.required = required;
    }

    /**
     * Returns the TTL.
     *
     * @return the TTL
     */
    public Duration getTtl() {
      return ttl;
    }

    /**
     * Sets the TTL.
     *
     * @param ttl the TTL
     */
    public void setTtl(Duration ttl) {
      this.ttl = ttl;
    }

    /**
     * Returns the backend.
     *
     * @return the backend
     */
    public Backend getBackend() {
      return backend;
    }

    /**
     * Sets the backend.
     *
     * @param backend the backend
     */
    public void setBackend(Backend backend) {
      this.backend = backend;
    }

    /**
     * Returns the name.
     *
     * @return the name
     */
    public String getName() {
      return name;
    }

    /**
     * Sets the name.
     *
     * @param name the name
     */
    public void setName(String name) {
      this.name = name;
    }

    /**
     * Returns the body limit.
     *
     * @return bytes
     */
    public int getMaxBodyBytes() {
      return maxBodyBytes;
    }

    /**
     * Sets the body limit.
     *
     * @param maxBodyBytes bytes
     */
    public void setMaxBodyBytes(int maxBodyBytes) {
      this.maxBodyBytes = maxBodyBytes;
    }

    /**
     * Returns the filter order.
     *
     * @return the order
     */
    public int getOrder() {
      return order;
    }

    /**
     * Sets the filter order.
     *
     * @param order the order
     */
    public void setOrder(int order) {
      this.order = order;
    }
  }

  /** {@code layerkit.services.<name>.*}: one service's client; static endpoints or DNS. */
  public static class Service {

    /** Static endpoints as host:port; give these or dns-host. */
    private List<String> endpoints = new ArrayList<>();

    /** A DNS name whose A/AAAA records are the endpoints, re-resolved periodically. */
    private @Nullable String dnsHost;

    /** The port of the DNS endpoints. */
    private int dnsPort = 80;

    /** The overall deadline of a call, retries included (client default 5s). */
    private @Nullable Duration deadline;

    /** The timeout of one attempt (client default 2s). */
    private @Nullable Duration perTryTimeout;

    /** The TCP connect timeout (client default 1s). */
    private @Nullable Duration connectTimeout;

    /**
     * Returns the static endpoints.
     *
     * @return host:port entries
     */
    public List<String> getEndpoints() {
      return endpoints;
    }

    /**
     * Sets the static endpoints.
     *
     * @param endpoints host:port entries
     */
    public void setEndpoints(List<String> endpoints) {
      this.endpoints = endpoints;
    }

    /**
     * Returns the DNS host.
     *
     * @return the host, or null
     */
    public @Nullable String getDnsHost() {
      return dnsHost;
    }

    /**
     * Sets the DNS host.
     *
     * @param dnsHost the host
     */
    public void setDnsHost(@Nullable String dnsHost) {
      this.dnsHost = dnsHost;
    }

    /**
     * Returns the DNS port.
     *
     * @return the port
     */
    public int getDnsPort() {
      return dnsPort;
    }

    /**
     * Sets the DNS port.
     *
     * @param dnsPort the port
     */
    public void setDnsPort(int dnsPort) {
      this.dnsPort = dnsPort;
    }

    /**
     * Returns the deadline.
     *
     * @return the deadline, or null for the client's default
     */
    public @Nullable Duration getDeadline() {
      return deadline;
    }

    /**
     * Sets the deadline.
     *
     * @param deadline the deadline
     */
    public void setDeadline(@Nullable Duration deadline) {
      this.deadline = deadline;
    }

    /**
     * Returns the per-try timeout.
     *
     * @return the timeout, or null for the client's default
     */
    public @Nullable Duration getPerTryTimeout() {
      return perTryTimeout;
    }

    /**
     * Sets the per-try timeout.
     *
     * @param perTryTimeout the timeout
     */
    public void setPerTryTimeout(@Nullable Duration perTryTimeout) {
      this.perTryTimeout = perTryTimeout;
    }

    /**
     * Returns the connect timeout.
     *
     * @return the timeout, or null for the client's default
     */
    public @Nullable Duration getConnectTimeout() {
      return connectTimeout;
    }

    /**
     * Sets the connect timeout.
     *
     * @param connectTimeout the timeout
     */
    public void setConnectTimeout(@Nullable Duration connectTimeout) {
      this.connectTimeout = connectTimeout;
    }
  }

  /**
   * What a sharded repository does with a query that must ask every shard (the store's
   * {@code ScatterPolicy}; its own enum here so that these properties load without the store).
   */
  public enum Scatter {
    /** Ask every shard and merge. */
    ALLOW,
    /** Throw ScatterQueryRejectedException: every query must name its shard key. */
    REJECT
  }

  /** {@code layerkit.repositories.<name>.*}: one sharded repository. */
  public static class RepositorySettings {

    /**
     * Bean name of the EntityDescriptor of the repository's entities; may be left out when the
     * application defines exactly one EntityDescriptor bean.
     */
    private @Nullable String descriptor;

    /** The table (JDBC) or collection (MongoDB) of every shard; the repository's name when not set. */
    private @Nullable String table;

    /** The shards, in index order (the order decides where each id lives: do not reorder); at least one. */
    private List<ShardSettings> shards = new ArrayList<>();

    /** What a query that must ask every shard does: ALLOW, or REJECT (throws ScatterQueryRejectedException). */
    private Scatter scatterPolicy = Scatter.ALLOW;

    /** How long a scatter query waits for all shards; 0 for no limit beyond the backends' timeouts. */
    private Duration scatterTimeout = Duration.ZERO;

    /** How long a shard whose call failed is considered down (its breaker's open wait); 0 for no breaker. */
    private Duration unavailableFor = Duration.ofSeconds(5);

    /**
     * Returns the descriptor's bean name.
     *
     * @return the bean name, or null for the only EntityDescriptor bean
     */
    public @Nullable String getDescriptor() {
      return descriptor;
    }

    /**
     * Sets the descriptor's bean name.
     *
     * @param descriptor the bean name
     */
    public void setDescriptor(@Nullable String descriptor) {
      this.descriptor = descriptor;
    }

    /**
     * Returns the table or collection.
     *
     * @return the name, or null for the repository's name
     */
    public @Nullable String getTable() {
      return table;
    }

    /**
     * Sets the table or collection.
     *
     * @param table the name
     */
    public void setTable(@Nullable String table) {
      this.table = table;
    }

    /**
     * Returns the shards.
     *
     * @return the shards
     */
    public List<ShardSettings> getShards() {
      return shards;
    }

    /**
     * Sets the shards.
     *
     * @param shards the shards
     */
    public void setShards(List<ShardSettings> shards) {
      this.shards = shards;
    }

    /**
     * Returns the scatter policy.
     *
     * @return the policy
     */
    public Scatter getScatterPolicy() {
      return scatterPolicy;
    }

    /**
     * Sets the scatter policy.
     *
     * @param scatterPolicy the policy
     */
    public void setScatterPolicy(Scatter scatterPolicy) {
      this.scatterPolicy = scatterPolicy;
    }

    /**
     * Returns the scatter timeout.
     *
     * @return the timeout; zero for none
     */
    public Duration getScatterTimeout() {
      return scatterTimeout;
    }

    /**
     * Sets the scatter timeout.
     *
     * @param scatterTimeout the timeout
     */
    public void setScatterTimeout(Duration scatterTimeout) {
      this.scatterTimeout = scatterTimeout;
    }

    /**
     * Returns how long a failed shard is considered down.
     *
     * @return the duration
     */
    public Duration getUnavailableFor() {
      return unavailableFor;
    }

    /**
     * Sets how long a failed shard is considered down.
     *
     * @param unavailableFor the duration
     */
    public void setUnavailableFor(Duration unavailableFor) {
      this.unavailableFor = unavailableFor;
    }
  }

  /**
   * {@code layerkit.repositories.<name>.shards[i].*}: where one shard lives; exactly one of
   * data-source, jdbc-url and mongo-database.
   */
  public static class ShardSettings {

    /** Bean name of a javax.sql.DataSource (PostgreSQL) the shard's table lives in; the application's pool. */
    private @Nullable String dataSource;

    /** A jdbc:postgresql:// URL; the starter makes a HikariCP pool for the shard and closes it at shutdown. */
    private @Nullable String jdbcUrl;

    /** The user of jdbc-url. */
    private @Nullable String user;

    /** The password of jdbc-url. */
    private @Nullable String password;

    /** The PostgreSQL schema of the shard's table (created if absent); the connection's search path when not set. */
    private @Nullable String schema;

    /** The MongoDB database of the shard, on the application's MongoClient bean. */
    private @Nullable String mongoDatabase;

    /** Bean name of the MongoClient of mongo-database; the only MongoClient bean when not set. */
    private @Nullable String mongoClient;

    /**
     * Returns the data source bean name.
     *
     * @return the name, or null
     */
    public @Nullable String getDataSource() {
      return dataSource;
    }

    /**
     * Sets the data source bean name.
     *
     * @param dataSource the name
     */
    public void setDataSource(@Nullable String dataSource) {
      this.dataSource = dataSource;
    }

    /**
     * Returns the JDBC URL.
     *
     * @return the URL, or null
     */
    public @Nullable String getJdbcUrl() {
      return jdbcUrl;
    }

    /**
     * Sets the JDBC URL.
     *
     * @param jdbcUrl the URL
     */
    public void setJdbcUrl(@Nullable String jdbcUrl) {
      this.jdbcUrl = jdbcUrl;
    }

    /**
     * Returns the JDBC user.
     *
     * @return the user, or null
     */
    public @Nullable String getUser() {
      return user;
    }

    /**
     * Sets the JDBC user.
     *
     * @param user the user
     */
    public void setUser(@Nullable String user) {
      this.user = user;
    }

    /**
     * Returns the JDBC password.
     *
     * @return the password, or null
     */
    public @Nullable String getPassword() {
      return password;
    }

    /**
     * Sets the JDBC password.
     *
     * @param password the password
     */
    public void setPassword(@Nullable String password) {
      this.password = password;
    }

    /**
     * Returns the schema.
     *
     * @return the schema, or null
     */
    public @Nullable String getSchema() {
      return schema;
    }

    /**
     * Sets the schema.
     *
     * @param schema the schema
     */
    public void setSchema(@Nullable String schema) {
      this.schema = schema;
    }

    /**
     * Returns the MongoDB database.
     *
     * @return the database name, or null
     */
    public @Nullable String getMongoDatabase() {
      return mongoDatabase;
    }

    /**
     * Sets the MongoDB database.
     *
     * @param mongoDatabase the database name
     */
    public void setMongoDatabase(@Nullable String mongoDatabase) {
      this.mongoDatabase = mongoDatabase;
    }

    /**
     * Returns the MongoClient bean name.
     *
     * @return the name, or null for the only one
     */
    public @Nullable String getMongoClient() {
      return mongoClient;
    }

    /**
     * Sets the MongoClient bean name.
     *
     * @param mongoClient the name
     */
    public void setMongoClient(@Nullable String mongoClient) {
      this.mongoClient = mongoClient;
    }
  }

  /** Where events go. */
  public enum EventsBackend {
    /** Kafka when spring.kafka.bootstrap-servers is set and kafka-clients is present, else in memory. */
    AUTO,
    /** An in-memory bus in this process. */
    MEMORY,
    /** Kafka, configured from Spring Boot's spring.kafka.* properties. */
    KAFKA
  }

  /** {@code layerkit.events.*}. */
  public static class Events {

    /** Whether to create the event beans and run @LayerkitSubscriber handlers. */
    private boolean enabled = true;

    /** AUTO (Kafka when spring.kafka.bootstrap-servers is set), MEMORY or KAFKA. */
    private EventsBackend backend = EventsBackend.AUTO;

    /** The in-memory bus. */
    private final MemoryEvents memory = new MemoryEvents();

    /**
     * Returns whether enabled.
     *
     * @return whether enabled
     */
    public boolean isEnabled() {
      return enabled;
    }

    /**
     * Sets whether enabled.
     *
     * @param enabled whether enabled
     */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    /**
     * Returns the backend.
     *
     * @return the backend
     */
    public EventsBackend getBackend() {
      return backend;
    }

    /**
     * Sets the backend.
     *
     * @param backend the backend
     */
    public void setBackend(EventsBackend backend) {
      this.backend = backend;
    }

    /**
     * Returns the in-memory bus settings.
     *
     * @return the settings
     */
    public MemoryEvents getMemory() {
      return memory;
    }
  }

  /** {@code layerkit.events.memory.*}: the in-memory bus. */
  public static class MemoryEvents {

    /** Partitions of each topic, created on first use. */
    private int partitions = 4;

    /** Records retained per partition: the bound of memory and of how far a group may lag before publishers wait. */
    private int retention = 10_000;

    /**
     * Returns the partitions.
     *
     * @return the partitions
     */
    public int getPartitions() {
      return partitions;
    }

    /**
     * Sets the partitions.
     *
     * @param partitions the partitions
     */
    public void setPartitions(int partitions) {
      this.partitions = partitions;
    }

    /**
     * Returns the retention.
     *
     * @return records per partition
     */
    public int getRetention() {
      return retention;
    }

    /**
     * Sets the retention.
     *
     * @param retention records per partition
     */
    public void setRetention(int retention) {
      this.retention = retention;
    }
  }
}
