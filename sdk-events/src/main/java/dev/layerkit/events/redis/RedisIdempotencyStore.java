package dev.layerkit.events.redis;

import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.internal.BuilderSettings;
import dev.layerkit.core.internal.redis.RedisKeys;
import dev.layerkit.core.internal.redis.RedisScript;
import dev.layerkit.core.redis.RedisConnections;
import dev.layerkit.events.IdempotencyStore;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link IdempotencyStore} in Redis, shared by every instance of a service: a claim is {@code
 * SET <prefix>{<id>} <token> NX PX <ttl>}, one atomic command, so that of any number of concurrent
 * claims of one id across processes exactly one succeeds; {@link #release} is {@code DEL}. Redis
 * expires the keys, so memory is bounded by the claims of one TTL. Keys follow the key rule of
 * {@link dev.layerkit.core.redis}.
 *
 * <h2>Failure</h2>
 *
 * <p>A Redis that is down or does not answer within the {@linkplain Builder#timeout(Duration)
 * timeout} makes {@link #tryClaim} throw Lettuce's {@code RedisException} (a
 * {@code RedisCommandTimeoutException} for the timeout); a handler wrapped with {@link
 * #idempotent} then fails and is retried (and, after its retries, dead-lettered) rather than run
 * its effect without the check.
 *
 * <p>A claim that timed out is not forgotten: Redis may still run it (a server that hung and
 * continues). Its token is kept, so that the next claim of the same id in this process (the
 * handler's retry) takes over the claim that landed late instead of seeing it as someone else's
 * and skipping the event; and if no such claim comes first, the late claim is deleted as soon as
 * Redis confirms it. Both are sent under one lock per id, so they reach Redis in the order they
 * were decided. (A retry on another instance that runs before Redis answers sees the late claim
 * and skips the event: the limit every claim-then-effect store has, documented on {@link
 * IdempotencyStore}.) A release that times out stays queued on the connection and runs before any
 * later claim sent on it; it is counted, not thrown.
 *
 * <p>Commands are bounded: at most {@linkplain Builder#maxInFlight(int) maxInFlight} of this
 * store's commands wait for Redis at once (a command counts until Redis answers it or the
 * connection fails); beyond that a claim throws at once, without a call. So a Redis that hangs
 * costs each caller at most one timeout and neither threads nor queued commands pile up. Errors
 * count in {@code layerkit.events.idempotency.errors} (tags {@code name}, {@code kind} =
 * {@code timeout}, {@code failure} or {@code overload}) with a registry.
 *
 * <p>Durability is Redis's: a failover to a replica that had not received a claim can let one
 * duplicate through; use {@code WAIT} or an effect-side unique key where that matters.
 *
 * <p>Thread-safe; the connection may be shared with other users (every Layerkit Redis backend
 * takes the same one) and is not closed by the store.
 *
 * <pre>{@code
 * RedisClient client = RedisClient.create("redis://cache:6379");
 * StatefulRedisConnection<String, byte[]> redis = RedisConnections.connect(client);
 * IdempotencyStore store = RedisIdempotencyStore.builder(redis, "billing:seen:")
 *     .timeout(Duration.ofMillis(500)).build();
 * subscriber.subscribe("orders", "billing",
 *     store.idempotent(event -> billing.charge(event.payload()), Duration.ofDays(7)));
 * }</pre>
 */
public final class RedisIdempotencyStore implements IdempotencyStore {

  /** The default time one call waits for Redis. */
  public static final long DEFAULT_TIMEOUT_MILLIS = 1_000;

  /** The default bound on this store's commands waiting for Redis at once. */
  public static final int DEFAULT_MAX_IN_FLIGHT = 256;

  /** The most claims of uncertain outcome remembered; beyond, the oldest are dropped. */
  static final int MAX_UNCERTAIN = 10_000;

  private static final Logger LOG = LoggerFactory.getLogger(RedisIdempotencyStore.class);

  /** Claims the id if free, or takes over a claim that holds {@code ARGV[3]} (ours, landed late). */
  private static final RedisScript<Long> CLAIM_OR_TAKE_OVER = RedisScript.of(String.join("\n",
      "local held = redis.call('get', KEYS[1])",
      "if (not held) or held == ARGV[3] then",
      "  redis.call('set', KEYS[1], ARGV[1], 'px', ARGV[2])",
      "  return 1",
      "end",
      "return 0"), ScriptOutputType.INTEGER);

  /** Deletes the claim only while it holds {@code ARGV[1]}. */
  private static final RedisScript<Long> COMPARE_AND_DELETE = RedisScript.of(
      "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end",
      ScriptOutputType.INTEGER);

  private final String name;
  private final RedisClusterAsyncCommands<String, byte[]> commands;
  private final String keyPrefix;
  private final long timeoutNanos;
  private final int maxInFlight;
  private final Semaphore inFlight;
  /** Tokens of claims that timed out, by id: Redis may still run them. */
  private final Map<String, byte[]> uncertain = new ConcurrentHashMap<>();
  private final LongAdder timeouts = new LongAdder();
  private final LongAdder failures = new LongAdder();
  private final LongAdder overloads = new LongAdder();

  private RedisIdempotencyStore(Builder b) {
    this.name = b.name;
    this.commands = b.commands;
    this.keyPrefix = b.keyPrefix;
    this.timeoutNanos = b.timeout.toNanos();
    this.maxInFlight = b.maxInFlight;
    this.inFlight = new Semaphore(b.maxInFlight);
    if (b.meterRegistry != null) {
      register(b.meterRegistry, "timeout", timeouts);
      register(b.meterRegistry, "failure", failures);
      register(b.meterRegistry, "overload", overloads);
      Gauge.builder("layerkit.events.idempotency.in.flight", this, RedisIdempotencyStore::inFlight)
          .description("Idempotency store commands waiting for Redis").tag("name", name).register(b.meterRegistry);
    }
  }

  private void register(MeterRegistry registry, String kind, LongAdder count) {
    FunctionCounter.builder("layerkit.events.idempotency.errors", count, LongAdder::sum)
        .description("Idempotency store calls that timed out, failed, or were refused over maxInFlight")
        .tags("name", name, "kind", kind).register(registry);
  }

  /**
   * Returns a store with the default settings whose keys are {@code keyPrefix + "{" + eventId +
   * "}"}; the same as {@code builder(connection, keyPrefix).build()}.
   *
   * @param connection a connection with Layerkit's codec ({@link RedisConnections#connect(
   *     io.lettuce.core.RedisClient)})
   * @param keyPrefix the prefix that keeps this store's keys apart, e.g. {@code billing:seen:}
   * @return the store
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code keyPrefix} is empty or contains a brace
   */
  public static RedisIdempotencyStore create(StatefulRedisConnection<String, byte[]> connection, String keyPrefix) {
    return builder(connection, keyPrefix).build();
  }

  /**
   * Returns a store on a Redis Cluster with the default settings; each claim goes to the node that
   * owns its id's slot.
   *
   * @param connection a cluster connection with Layerkit's codec ({@link
   *     RedisConnections#connect(io.lettuce.core.cluster.RedisClusterClient)})
   * @param keyPrefix the prefix that keeps this store's keys apart
   * @return the store
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code keyPrefix} is empty or contains a brace
   */
  public static RedisIdempotencyStore create(StatefulRedisClusterConnection<String, byte[]> connection,
      String keyPrefix) {
    return builder(connection, keyPrefix).build();
  }

  /**
   * Starts a store on a standalone connection.
   *
   * @param connection a connection with Layerkit's codec
   * @param keyPrefix the prefix that keeps this store's keys apart
   * @return a builder
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code keyPrefix} is empty or contains a brace
   */
  public static Builder builder(StatefulRedisConnection<String, byte[]> connection, String keyPrefix) {
    return new Builder(Objects.requireNonNull(connection, "connection").async(), keyPrefix);
  }

  /**
   * Starts a store on a Redis Cluster connection.
   *
   * @param connection a cluster connection with Layerkit's codec
   * @param keyPrefix the prefix that keeps this store's keys apart
   * @return a builder
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code keyPrefix} is empty or contains a brace
   */
  public static Builder builder(StatefulRedisClusterConnection<String, byte[]> connection, String keyPrefix) {
    return new Builder(Objects.requireNonNull(connection, "connection").async(), keyPrefix);
  }

  private static String checkPrefix(String keyPrefix) {
    RedisKeys.checkPrefix(keyPrefix);
    if (keyPrefix.isEmpty()) {
      throw new IllegalArgumentException("keyPrefix must not be empty but was ''");
    }
    return keyPrefix;
  }

  @Override
  public boolean tryClaim(String id, Duration ttl) {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(ttl, "ttl");
    if (ttl.toMillis() < 1) {
      throw new IllegalArgumentException("ttl must be >= 1 ms but was " + ttl);
    }
    String key = RedisKeys.key(keyPrefix, id);
    byte[] token = UUID.randomUUID().toString().getBytes(StandardCharsets.US_ASCII);
    byte[] ttlMillis = Long.toString(ttl.toMillis()).getBytes(StandardCharsets.US_ASCII);
    permit(key);
    CompletableFuture<Boolean> claimed;
    try {
      claimed = send(id, key, token, ttl, ttlMillis);
    } catch (RuntimeException e) {
      inFlight.release();
      failures.increment();
      throw e;
    }
    claimed.whenComplete((reply, error) -> inFlight.release());
    try {
      return claimed.get(timeoutNanos, TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      timeouts.increment();
      rememberUncertain(id, key, token, claimed);
      throw new RedisCommandTimeoutException("claim of '" + id + "' in idempotency store '" + name
          + "' not answered within " + Duration.ofNanos(timeoutNanos).toMillis() + " ms");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      rememberUncertain(id, key, token, claimed);
      throw new RedisException("interrupted while claiming '" + id + "'", e);
    } catch (ExecutionException e) {
      failures.increment();
      // A connection that failed with the claim in flight may have run it first.
      rememberUncertain(id, key, token, claimed);
      Throwable cause = e.getCause();
      throw cause instanceof RedisException redis ? redis
          : new RedisException("claim of '" + id + "' failed: " + cause, cause);
    }
  }

  /**
   * Sends the claim: a plain {@code SET NX}, or the takeover script for an id whose last claim
   * here is uncertain.
   */
  private CompletableFuture<Boolean> send(String id, String key, byte[] token, Duration ttl, byte[] ttlMillis) {
    if (uncertain.isEmpty()) {
      return claim(key, token, ttl);
    } else {
      // Under the id's lock, so that the deletion of a late claim and this claim reach Redis in
      // the order they were decided.
      CompletableFuture<?>[] sent = new CompletableFuture<?>[1];
      uncertain.compute(id, (k, mine) -> {
        sent[0] = mine == null ? claim(key, token, ttl)
            : CLAIM_OR_TAKE_OVER.runAsync(commands, new String[] {key}, token, ttlMillis, mine)
                .thenApply(reply -> reply == 1L);
        return null;
      });
      @SuppressWarnings("unchecked")
      CompletableFuture<Boolean> cast = (CompletableFuture<Boolean>) sent[0];
      return cast;
    }
  }

  private CompletableFuture<Boolean> claim(String key, byte[] token, Duration ttl) {
    return commands.set(key, token, SetArgs.Builder.nx().px(ttl.toMillis())).toCompletableFuture()
        .thenApply("OK"::equals);
  }

  private void permit(String key) {
    if (!inFlight.tryAcquire()) {
      overloads.increment();
      throw new RedisException("idempotency store '" + name + "': " + maxInFlight
          + " commands wait for Redis already; not claiming " + key);
    }
  }

  /**
   * Keeps the token of a claim whose outcome is unknown, so that the next claim of the id here
   * takes it over; if none does before Redis confirms it, the claim is deleted.
   */
  private void rememberUncertain(String id, String key, byte[] token, CompletionStage<Boolean> claimed) {
    if (uncertain.size() >= MAX_UNCERTAIN) {
      uncertain.keySet().stream().findFirst().ifPresent(uncertain::remove);
    }
    uncertain.put(id, token);
    claimed.whenComplete((won, error) -> {
      if (error != null) {
        return; // still unknown: the token stays for the retry to take over
      }
      uncertain.compute(id, (k, mine) -> {
        if (mine != null && Arrays.equals(mine, token)) {
          if (won) {
            // Nobody here retried yet: the claim is nobody's, so the retry, wherever, may run.
            COMPARE_AND_DELETE.runAsync(commands, new String[] {key}, token);
          }
          return null;
        }
        return mine;
      });
    });
  }

  @Override
  public void release(String id) {
    String key = RedisKeys.key(keyPrefix, Objects.requireNonNull(id, "id"));
    if (!inFlight.tryAcquire()) {
      overloads.increment();
      LOG.warn("idempotency store '{}': not releasing {}: {} commands wait for Redis; it expires with its TTL",
          name, key, maxInFlight);
      return;
    }
    CompletableFuture<Long> deleted = commands.del(key).toCompletableFuture();
    deleted.whenComplete((reply, error) -> inFlight.release());
    try {
      deleted.get(timeoutNanos, TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      // Not cancelled: it runs before any later claim sent on this connection.
      timeouts.increment();
      LOG.warn("idempotency store '{}': releasing {} not answered within the timeout; it stays queued", name, key);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException e) {
      failures.increment();
      LOG.warn("idempotency store '{}': releasing {} failed; it expires with its TTL: {}", name, key,
          String.valueOf(e.getCause()));
    }
  }

  /**
   * Returns how many of this store's commands wait for Redis now; at most {@code maxInFlight}.
   *
   * @return the number
   */
  public int inFlight() {
    return maxInFlight - inFlight.availablePermits();
  }

  /**
   * Returns how many calls timed out, failed, or were refused over {@code maxInFlight}.
   *
   * @return the count since the store was built
   */
  public long errorCount() {
    return timeouts.sum() + failures.sum() + overloads.sum();
  }

  @Override
  public String toString() {
    return "RedisIdempotencyStore{name=" + name + ", keyPrefix=" + keyPrefix + '}';
  }

  /**
   * Configures a {@link RedisIdempotencyStore}. Setters validate at once; each may be given once.
   * Not thread-safe; the store it builds is.
   */
  public static final class Builder {
    private final BuilderSettings settings = new BuilderSettings();
    private final RedisClusterAsyncCommands<String, byte[]> commands;
    private final String keyPrefix;
    private String name = "default";
    private Duration timeout = Duration.ofMillis(DEFAULT_TIMEOUT_MILLIS);
    private int maxInFlight = DEFAULT_MAX_IN_FLIGHT;
    private @Nullable MeterRegistry meterRegistry;

    private Builder(RedisClusterAsyncCommands<String, byte[]> commands, String keyPrefix) {
      this.commands = commands;
      this.keyPrefix = checkPrefix(Objects.requireNonNull(keyPrefix, "keyPrefix"));
    }

    /**
     * Sets the name in metrics, logs and errors; {@code default} by default.
     *
     * @param name the name
     * @return this builder
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if {@code name} is blank
     * @throws IllegalStateException if already set
     */
    public Builder name(String name) {
      Arguments.notBlank(name, "name");
      settings.requireUnset("name", this.name);
      this.name = name;
      return this;
    }

    /**
     * Sets how long one call waits for Redis; {@value RedisIdempotencyStore#DEFAULT_TIMEOUT_MILLIS}
     * ms by default.
     *
     * @param timeout the timeout
     * @return this builder
     * @throws NullPointerException if {@code timeout} is null
     * @throws IllegalArgumentException if it is not positive
     * @throws IllegalStateException if already set
     */
    public Builder timeout(Duration timeout) {
      Arguments.positive(timeout, "timeout");
      settings.requireUnset("timeout", this.timeout);
      this.timeout = timeout;
      return this;
    }

    /**
     * Sets how many of the store's commands may wait for Redis at once;
     * {@value RedisIdempotencyStore#DEFAULT_MAX_IN_FLIGHT} by default. Beyond it a claim throws
     * at once.
     *
     * @param maxInFlight the bound, positive
     * @return this builder
     * @throws IllegalArgumentException if it is not positive
     * @throws IllegalStateException if already set
     */
    public Builder maxInFlight(int maxInFlight) {
      if (maxInFlight <= 0) {
        throw new IllegalArgumentException("maxInFlight must be > 0 but was " + maxInFlight);
      }
      settings.requireUnset("maxInFlight", this.maxInFlight);
      this.maxInFlight = maxInFlight;
      return this;
    }

    /**
     * Registers the store's meters in {@code registry}.
     *
     * @param registry the registry
     * @return this builder
     * @throws NullPointerException if {@code registry} is null
     * @throws IllegalStateException if already set
     */
    public Builder meterRegistry(MeterRegistry registry) {
      Objects.requireNonNull(registry, "registry");
      settings.requireUnset("meterRegistry", this.meterRegistry);
      this.meterRegistry = registry;
      return this;
    }

    /**
     * Builds the store; no Redis call is made until the first claim.
     *
     * @return the store
     */
    public RedisIdempotencyStore build() {
      return new RedisIdempotencyStore(this);
    }
  }
}
