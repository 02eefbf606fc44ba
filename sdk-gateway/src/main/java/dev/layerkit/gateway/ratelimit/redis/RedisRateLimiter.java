package dev.layerkit.gateway.ratelimit.redis;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.layerkit.core.health.Health;
import dev.layerkit.core.health.HealthCheck;
import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.time.TimeSource;
import dev.layerkit.gateway.ratelimit.FailMode;
import dev.layerkit.gateway.ratelimit.Limit;
import dev.layerkit.gateway.ratelimit.RateLimitDecision;
import dev.layerkit.gateway.ratelimit.RateLimitPolicy;
import dev.layerkit.gateway.ratelimit.RateLimiter;
import dev.layerkit.gateway.ratelimit.internal.BucketArithmetic;
import dev.layerkit.gateway.ratelimit.internal.BucketUnit;
import dev.layerkit.gateway.ratelimit.internal.RateLimitArguments;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.BaseRedisAsyncCommands;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link RateLimiter} whose buckets live in Redis, shared by every process that uses the same
 * key prefix.
 *
 * <h2>One round trip</h2>
 *
 * <p>Each decision is one {@code EVALSHA} of a Lua script that reads the key's buckets, refills
 * them, takes the permits from all limits or none, writes them back with a TTL and returns the
 * decision: one network round trip and one atomic server-side step, so there is no
 * read-compare-and-swap retry loop under contention (Bucket4j's Redis backend needs a GET and a
 * compare-and-swap per attempt). The script is called by its SHA-1; on a server that does not
 * know it yet (new or restarted), the first call sends it with {@code EVAL} and Redis caches it.
 *
 * <h2>Correctness</h2>
 *
 * <ul>
 *   <li>Time is the server's {@code TIME}, so client clocks do not matter; see
 *       {@link Builder#clientClock(TimeSource)} for tests.</li>
 *   <li>Arithmetic is integer-exact in Lua's doubles: every value stays at or below 2^53 and
 *       divisions use {@code math.fmod} (see {@link BucketArithmetic}, which the script mirrors and
 *       which {@link Limit} validates against).</li>
 *   <li>A key's state is one hash, {@code <prefix>{<key>}}: the braces make it a Redis Cluster
 *       hash tag, so the script's single key always lives in one slot. It expires after the
 *       policy's full-refill time, when a new state would be identical.</li>
 *   <li>A denial writes nothing.</li>
 * </ul>
 *
 * <h2>Failure</h2>
 *
 * <p>When Redis errors or does not answer within the {@linkplain Builder#timeout(Duration)
 * timeout} (default {@value #DEFAULT_TIMEOUT_MILLIS} ms), the decision follows the
 * {@link FailMode}: {@code OPEN} allows with {@code remaining} the smallest capacity minus the
 * permits (the limiter cannot know better), {@code CLOSED} denies with a
 * {@linkplain Builder#failClosedRetryAfter(Duration) configured retry-after}. Each such decision is
 * counted in {@code layerkit.ratelimit.errors} and logged at most once per outage; the
 * {@link #healthCheck()} reports {@code DEGRADED} (open) or {@code DOWN} (closed) while Redis is
 * unreachable. Nothing is retried: a retry would only add latency to a request the gateway is
 * holding.
 *
 * <h2>Local batching</h2>
 *
 * <p>Off by default; {@link Builder#localBatch(long, Duration)} lets an instance reserve a few
 * permits per Redis call for hot keys, trading some under-admission for fewer round trips.
 *
 * <p>Thread-safe; Lettuce multiplexes concurrent decisions over the one connection.
 *
 * <p>Metrics, when a registry is given, tagged {@code limiter=<name>}:
 * {@code layerkit.ratelimit.decisions} ({@code result=allowed|denied}),
 * {@code layerkit.ratelimit.errors} ({@code kind=timeout|error}) and
 * {@code layerkit.ratelimit.redis.latency} (a timer of the round trip).
 *
 * <pre>{@code
 * RedisClient client = RedisClient.create("redis://localhost:6379");
 * RateLimiter limiter = RedisRateLimiter.builder(policy, client.connect())
 *     .name("api").failMode(FailMode.OPEN).timeout(Duration.ofMillis(5))
 *     .build();
 * }</pre>
 */
public final class RedisRateLimiter implements RateLimiter {

  /** The default time a decision waits for Redis before applying the fail mode. */
  public static final long DEFAULT_TIMEOUT_MILLIS = 5;

  /** The default retry-after of a decision denied because Redis failed under FailMode.CLOSED. */
  public static final Duration DEFAULT_FAIL_CLOSED_RETRY_AFTER = Duration.ofSeconds(1);

  /** Keys for which an instance holds a local batch at most, when batching is on. */
  public static final long LOCAL_RESERVE_KEYS = 100_000;

  /** The default limiter name. */
  public static final String DEFAULT_NAME = "default";

  private static final long CLIENT_CLOCK_MIN_TTL_MILLIS = TimeUnit.DAYS.toMillis(1);
  private static final Logger LOG = LoggerFactory.getLogger(RedisRateLimiter.class);
  private static final String SCRIPT = loadScript();
  private static final String SCRIPT_SHA = sha1Hex(SCRIPT);

  private final String name;
  private final RateLimitPolicy policy;
  private final BucketArithmetic arithmetic;
  private final RedisScriptingAsyncCommands<String, String> scripting;
  private final BaseRedisAsyncCommands<String, String> base;
  private final String keyPrefix;
  private final long timeoutNanos;
  private final FailMode failMode;
  private final Duration failClosedRetryAfter;
  private final TimeSource timeSource;
  private final @Nullable TimeSource clientClock;
  private final String[] limitArgs;
  private final String ttlMillis;
  private final @Nullable Counter allowedCounter;
  private final @Nullable Counter deniedCounter;
  private final @Nullable Counter timeoutCounter;
  private final @Nullable Counter errorCounter;
  private final @Nullable Timer latency;
  private final @Nullable Counter localCounter;
  private final long localBatch;
  private final @Nullable Cache<String, AtomicLong> reserves;
  private volatile boolean failing;

  private RedisRateLimiter(Builder builder) {
    this.name = builder.name;
    this.policy = builder.policy;
    this.arithmetic = new BucketArithmetic(policy);
    this.scripting = builder.scripting;
    this.base = builder.base;
    this.keyPrefix = builder.keyPrefix != null ? builder.keyPrefix : "layerkit:ratelimit:" + name + ':';
    this.timeoutNanos = builder.timeout.toNanos();
    this.failMode = builder.failMode;
    this.failClosedRetryAfter = builder.failClosedRetryAfter;
    this.timeSource = builder.timeSource;
    this.clientClock = builder.clientClock;
    List<Limit> limits = policy.limits();
    this.limitArgs = new String[5 * limits.size()];
    for (int i = 0; i < limits.size(); i++) {
      Limit limit = limits.get(i);
      long unitNanos = BucketUnit.nanos(limit.capacity(), limit.refillTokens(), limit.refillPeriod());
      limitArgs[5 * i] = Long.toString(unitNanos / 1_000);
      limitArgs[5 * i + 1] = Long.toString(limit.refillPeriod().toNanos() / unitNanos);
      limitArgs[5 * i + 2] = Long.toString(limit.refillTokens());
      limitArgs[5 * i + 3] = Long.toString(limit.capacity());
      limitArgs[5 * i + 4] = limit.refill() == Limit.Refill.GREEDY ? "1" : "0";
    }
    long fullRefillMillis = TimeUnit.NANOSECONDS.toMillis(arithmetic.fullRefillNanos()) + 1;
    // A state may expire once its bucket is full again, which Redis's TTL (real server time)
    // tells only when bucket time is server time; on a client clock, keep states a day at least.
    this.ttlMillis = Long.toString(clientClock == null ? fullRefillMillis : Math.max(fullRefillMillis, CLIENT_CLOCK_MIN_TTL_MILLIS));
    MeterRegistry registry = builder.meterRegistry;
    if (registry != null) {
      allowedCounter = counter(registry, "layerkit.ratelimit.decisions", "result", "allowed");
      deniedCounter = counter(registry, "layerkit.ratelimit.decisions", "result", "denied");
      timeoutCounter = counter(registry, "layerkit.ratelimit.errors", "kind", "timeout");
      errorCounter = counter(registry, "layerkit.ratelimit.errors", "kind", "error");
      latency = Timer.builder("layerkit.ratelimit.redis.latency")
          .description("Round trip of one rate-limit decision to Redis")
          .tag("limiter", name).register(registry);
      localCounter = Counter.builder("layerkit.ratelimit.local.decisions")
          .description("Decisions served from this instance's local batch, without Redis")
          .tag("limiter", name).register(registry);
    } else {
      allowedCounter = null;
      deniedCounter = null;
      timeoutCounter = null;
      errorCounter = null;
      latency = null;
      localCounter = null;
    }
    this.localBatch = builder.localBatch;
    this.reserves = builder.localBatch == 0 ? null : Caffeine.newBuilder()
        .expireAfterWrite(builder.localHold)
        .maximumSize(LOCAL_RESERVE_KEYS)
        .ticker(timeSource::nanoTime)
        .executor(Runnable::run)
        .<String, AtomicLong>build();
  }

  private Counter counter(MeterRegistry registry, String meter, String tag, String value) {
    return Counter.builder(meter).tag("limiter", name).tag(tag, value).register(registry);
  }

  /**
   * Returns a builder on a standalone (or sentinel-managed) connection. The connection must use a
   * {@code String} codec ({@code client.connect()} does) and stays owned by the caller.
   *
   * @param policy the policy
   * @param connection the connection, shared with other users if wanted
   * @return the builder
   * @throws NullPointerException if an argument is null
   */
  public static Builder builder(RateLimitPolicy policy, StatefulRedisConnection<String, String> connection) {
    Objects.requireNonNull(connection, "connection");
    return new Builder(policy, connection.async(), connection.async());
  }

  /**
   * Returns a builder on a Redis Cluster connection. Keys are hash-tagged, so each decision goes
   * to the one node that owns its key's slot.
   *
   * @param policy the policy
   * @param connection the cluster connection, owned by the caller
   * @return the builder
   * @throws NullPointerException if an argument is null
   */
  public static Builder builder(RateLimitPolicy policy, StatefulRedisClusterConnection<String, String> connection) {
    Objects.requireNonNull(connection, "connection");
    return new Builder(policy, connection.async(), connection.async());
  }

  @Override
  public RateLimitDecision tryAcquire(String key, long permits) {
    RateLimitArguments.key(key);
    arithmetic.checkPermits(permits);
    if (reserves != null) {
      RateLimitDecision local = tryLocal(key, permits);
      if (local != null) {
        return local;
      }
    }
    long start = timeSource.nanoTime();
    RateLimitDecision decision;
    try {
      List<Object> reply = evaluate(stateKey(key), permits, start);
      long held = keepExtra(key, (Long) reply.get(4) - permits);
      decision = toDecision(reply, held);
      recovered();
    } catch (TimeoutException e) {
      decision = failed(timeoutCounter, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      decision = failed(errorCounter, e);
    } catch (RuntimeException | ExecutionException e) {
      decision = failed(errorCounter, e);
    }
    if (latency != null) {
      latency.record(timeSource.nanoTime() - start, TimeUnit.NANOSECONDS);
    }
    Counter counter = decision.allowed() ? allowedCounter : deniedCounter;
    if (counter != null) {
      counter.increment();
    }
    return decision;
  }

  /**
   * Serves the request from this instance's reserve for the key, if it holds enough permits. Every
   * reserved permit was taken from Redis, so local grants never exceed the limit.
   */
  private @Nullable RateLimitDecision tryLocal(String key, long permits) {
    AtomicLong reserve = reserves.getIfPresent(key);
    if (reserve == null) {
      return null;
    }
    long held;
    do {
      held = reserve.get();
      if (held < permits) {
        return null;
      }
    } while (!reserve.compareAndSet(held, held - permits));
    if (localCounter != null) {
      localCounter.increment();
    }
    if (allowedCounter != null) {
      allowedCounter.increment();
    }
    return RateLimitDecision.allowed(held - permits, policy.minCapacity());
  }

  /** Adds the extra permits a Redis call took to the key's reserve; returns the reserve. */
  private long keepExtra(String key, long extra) {
    if (extra <= 0 || reserves == null) {
      return 0;
    }
    AtomicLong reserve = reserves.get(key, k -> new AtomicLong());
    long held = reserve.addAndGet(extra);
    // Re-putting the same holder restarts its hold time without losing concurrent takes.
    reserves.put(key, reserve);
    return held;
  }

  /** Returns the Redis key holding the state of {@code key}: hash-tagged for Redis Cluster. */
  String stateKey(String key) {
    return keyPrefix + '{' + key + '}';
  }

  private List<Object> evaluate(String stateKey, long permits, long start)
      throws InterruptedException, ExecutionException, TimeoutException {
    String[] args = new String[4 + limitArgs.length];
    args[0] = Long.toString(permits);
    args[1] = Long.toString(localBatch);
    args[2] = clientClock == null ? "-1" : Long.toString(epochMicros(clientClock.instant()));
    args[3] = ttlMillis;
    System.arraycopy(limitArgs, 0, args, 4, limitArgs.length);
    String[] keys = {stateKey};
    try {
      return await(scripting.evalsha(SCRIPT_SHA, ScriptOutputType.MULTI, keys, args), start);
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof RedisNoScriptException)) {
        throw e;
      }
      // The server does not have the script (new, restarted or flushed): send it once; Redis
      // caches it for every later EVALSHA.
      return await(scripting.eval(SCRIPT, ScriptOutputType.MULTI, keys, args), start);
    }
  }

  private <T> T await(RedisFuture<T> future, long start)
      throws InterruptedException, ExecutionException, TimeoutException {
    long left = timeoutNanos - (timeSource.nanoTime() - start);
    try {
      return future.get(Math.max(0, left), TimeUnit.NANOSECONDS);
    } catch (TimeoutException | InterruptedException e) {
      // The fail mode decides now: a command still queued (Lettuce queues while disconnected)
      // must not take permits later, unseen.
      future.cancel(true);
      throw e;
    }
  }

  private static long epochMicros(Instant instant) {
    return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000);
  }

  private RateLimitDecision toDecision(List<Object> reply, long heldLocally) {
    boolean allowed = ((Long) reply.get(0)) == 1L;
    long remaining = (Long) reply.get(1) + heldLocally;
    long limit = (Long) reply.get(2);
    long retryMicros = (Long) reply.get(3);
    return allowed
        ? RateLimitDecision.allowed(remaining, limit)
        : RateLimitDecision.denied(remaining, limit, TimeUnit.MICROSECONDS.toNanos(retryMicros));
  }

  private RateLimitDecision failed(@Nullable Counter counter, Exception cause) {
    if (counter != null) {
      counter.increment();
    }
    if (!failing) {
      failing = true;
      LOG.warn("Rate limiter '{}': Redis failed ({}); failing {} until it answers again",
          name, cause instanceof TimeoutException ? "timed out after " + timeoutNanos / 1_000_000 + " ms" : cause.toString(),
          failMode);
    }
    long minCapacity = policy.minCapacity();
    return failMode == FailMode.OPEN
        ? RateLimitDecision.allowed(0, minCapacity)
        : RateLimitDecision.denied(0, minCapacity, failClosedRetryAfter.toNanos());
  }

  private void recovered() {
    if (failing) {
      failing = false;
      LOG.info("Rate limiter '{}': Redis answers again", name);
    }
  }

  /**
   * Returns a health check that pings Redis within the timeout: {@code UP} when it answers;
   * otherwise {@code DEGRADED} under {@link FailMode#OPEN} (requests still flow, unlimited) or
   * {@code DOWN} under {@link FailMode#CLOSED} (requests are being denied).
   *
   * @return the check, named {@code ratelimit-redis-<name>}
   */
  public HealthCheck healthCheck() {
    return HealthCheck.of("ratelimit-redis-" + name, () -> {
      long start = timeSource.nanoTime();
      try {
        String pong = base.ping().toCompletableFuture().get(Math.max(timeoutNanos, TimeUnit.MILLISECONDS.toNanos(100)),
            TimeUnit.NANOSECONDS);
        return Health.up().detail("ping", pong)
            .detail("latencyMicros", (timeSource.nanoTime() - start) / 1_000).detail("failMode", failMode.name()).build();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return unreachable(e);
      } catch (ExecutionException | TimeoutException | RuntimeException e) {
        return unreachable(e);
      }
    });
  }

  private Health unreachable(Exception e) {
    String reason = "Redis unreachable (" + e + "); failing " + failMode;
    return (failMode == FailMode.OPEN ? Health.degraded(reason) : Health.down(reason)).build();
  }

  @Override
  public RateLimitPolicy policy() {
    return policy;
  }

  /**
   * Returns the limiter's name.
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  @Override
  public String toString() {
    return "RedisRateLimiter{name=" + name + ", policy=" + policy + ", failMode=" + failMode + '}';
  }

  private static String loadScript() {
    try (InputStream in = RedisRateLimiter.class.getResourceAsStream("token-buckets.lua")) {
      if (in == null) {
        throw new IllegalStateException("token-buckets.lua is missing from the class path");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String sha1Hex(String script) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(script.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is required of every JVM", e);
    }
  }

  /** Builds a {@link RedisRateLimiter}; not thread-safe. */
  public static final class Builder {
    private final RateLimitPolicy policy;
    private final RedisScriptingAsyncCommands<String, String> scripting;
    private final BaseRedisAsyncCommands<String, String> base;
    private String name = DEFAULT_NAME;
    private @Nullable String keyPrefix;
    private Duration timeout = Duration.ofMillis(DEFAULT_TIMEOUT_MILLIS);
    private FailMode failMode = FailMode.OPEN;
    private Duration failClosedRetryAfter = DEFAULT_FAIL_CLOSED_RETRY_AFTER;
    private TimeSource timeSource = TimeSource.system();
    private @Nullable TimeSource clientClock;
    private @Nullable MeterRegistry meterRegistry;
    private long localBatch;
    private Duration localHold = Duration.ZERO;

    private Builder(RateLimitPolicy policy, RedisScriptingAsyncCommands<String, String> scripting,
        BaseRedisAsyncCommands<String, String> base) {
      this.policy = Objects.requireNonNull(policy, "policy");
      this.scripting = scripting;
      this.base = base;
    }

    /**
     * Sets the name used in metrics, logs, the health check and the default key prefix.
     *
     * @param name the name
     * @return this builder
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if {@code name} is blank
     */
    public Builder name(String name) {
      this.name = Arguments.notBlank(name, "name");
      return this;
    }

    /**
     * Sets the prefix of the Redis keys; by default {@code layerkit:ratelimit:<name>:}. Limiters
     * that share a prefix share their buckets, so give different policies different prefixes.
     *
     * @param keyPrefix the prefix; must not contain braces, which would break the hash tag
     * @return this builder
     * @throws NullPointerException if {@code keyPrefix} is null
     * @throws IllegalArgumentException if {@code keyPrefix} contains '{' or '}'
     */
    public Builder keyPrefix(String keyPrefix) {
      Objects.requireNonNull(keyPrefix, "keyPrefix");
      if (keyPrefix.indexOf('{') >= 0 || keyPrefix.indexOf('}') >= 0) {
        throw new IllegalArgumentException("keyPrefix must not contain '{' or '}' but was '" + keyPrefix + "'");
      }
      this.keyPrefix = keyPrefix;
      return this;
    }

    /**
     * Sets how long a decision waits for Redis before applying the fail mode.
     *
     * @param timeout the timeout
     * @return this builder
     * @throws NullPointerException if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is not positive
     */
    public Builder timeout(Duration timeout) {
      this.timeout = Arguments.positive(timeout, "timeout");
      return this;
    }

    /**
     * Sets what to decide when Redis fails; {@link FailMode#OPEN} by default.
     *
     * @param failMode the fail mode
     * @return this builder
     * @throws NullPointerException if {@code failMode} is null
     */
    public Builder failMode(FailMode failMode) {
      this.failMode = Objects.requireNonNull(failMode, "failMode");
      return this;
    }

    /**
     * Sets the retry-after of decisions denied because Redis failed under {@link FailMode#CLOSED}.
     *
     * @param failClosedRetryAfter the retry-after
     * @return this builder
     * @throws NullPointerException if {@code failClosedRetryAfter} is null
     * @throws IllegalArgumentException if {@code failClosedRetryAfter} is not positive
     */
    public Builder failClosedRetryAfter(Duration failClosedRetryAfter) {
      this.failClosedRetryAfter = Arguments.positive(failClosedRetryAfter, "failClosedRetryAfter");
      return this;
    }

    /**
     * Sets the time source that measures timeouts and latency (not bucket time, which is Redis's).
     *
     * @param timeSource the time source
     * @return this builder
     * @throws NullPointerException if {@code timeSource} is null
     */
    public Builder timeSource(TimeSource timeSource) {
      this.timeSource = Objects.requireNonNull(timeSource, "timeSource");
      return this;
    }

    /**
     * Makes buckets use this client's wall clock instead of the server's {@code TIME}. Meant for
     * tests that drive refills with a {@code ManualTimeSource}; in production every client's clock
     * would have to agree, which is what server time avoids. Because Redis expires keys in its own
     * time, states then live at least a day instead of the policy's full-refill time.
     *
     * @param clock the clock whose {@link TimeSource#instant()} is bucket time
     * @return this builder
     * @throws NullPointerException if {@code clock} is null
     */
    public Builder clientClock(TimeSource clock) {
      this.clientClock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Records decisions, errors and Redis latency in {@code registry}.
     *
     * @param registry the registry
     * @return this builder
     * @throws NullPointerException if {@code registry} is null
     */
    public Builder meterRegistry(MeterRegistry registry) {
      this.meterRegistry = Objects.requireNonNull(registry, "registry");
      return this;
    }

    /**
     * Turns on local batching for hot keys: when a decision goes to Redis, it also takes up to
     * {@code permits} extra permits, if available, and this instance serves following requests
     * for the key from them, without a round trip, for up to {@code maxHold}. Off by default.
     *
     * <p>The trade-off: the limit is never exceeded, since every permit served locally was taken
     * in Redis. But permits held by one instance are unavailable to the others until used or
     * dropped after {@code maxHold}, so a key may be denied while up to {@code permits} per
     * instance sit unused (under-admission). {@code remaining} is what this instance could still
     * use: Redis's remainder plus its reserve after a Redis call, its reserve alone after a local
     * grant. Use it for keys hot enough that Redis round trips
     * matter, with a batch small against the capacity (a tenth, say) and a hold shorter than the
     * refill period.
     *
     * @param permits extra permits to take per Redis call
     * @param maxHold how long unused reserved permits are kept
     * @return this builder
     * @throws NullPointerException if {@code maxHold} is null
     * @throws IllegalArgumentException if {@code permits} or {@code maxHold} is not positive
     */
    public Builder localBatch(long permits, Duration maxHold) {
      Arguments.positive(permits, "localBatch permits");
      this.localHold = Arguments.positive(maxHold, "maxHold");
      this.localBatch = permits;
      return this;
    }

    /**
     * Builds the limiter. No Redis call is made until the first decision.
     *
     * @return the limiter
     */
    public RedisRateLimiter build() {
      return new RedisRateLimiter(this);
    }
  }
}
