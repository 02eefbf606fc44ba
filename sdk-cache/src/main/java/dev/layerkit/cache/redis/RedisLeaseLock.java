package dev.layerkit.cache.redis;

import dev.layerkit.cache.LoadLock;
import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.internal.BuilderSettings;
import dev.layerkit.core.internal.redis.RedisKeys;
import dev.layerkit.core.internal.redis.RedisScript;
import dev.layerkit.core.redis.RedisConnections;
import io.lettuce.core.RedisFuture;
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
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link LoadLock} in Redis: distributed single-flight for {@code CacheAside}.
 *
 * <p>Acquiring is one {@code SET <prefix>{<key>} <token> NX PX <lease>} with a random token (the
 * key rule of {@link dev.layerkit.core.redis}); releasing is a Lua compare-and-delete, run by
 * Layerkit's one script runner, that removes the key only while it still holds this lease's
 * token, so a holder whose lease expired (a long GC pause, say) cannot release the lock another
 * process took since. This is a best-effort lock for load deduplication, not for mutual exclusion
 * that correctness depends on: a lease can expire while its holder still loads, and on a failover
 * a replica may not have the lock yet; the worst case is one extra load.
 *
 * <h2>Failure</h2>
 *
 * <p>When Redis fails or does not answer within the {@linkplain Builder#timeout(Duration)
 * timeout}, {@link #tryAcquire} returns a lease that holds nothing, so the caller loads for itself
 * (single-flight stays per JVM) instead of waiting for a lock nobody can grant. An acquire that
 * timed out is not forgotten: if Redis runs it later (a server that hung and continues, or Lettuce
 * replaying it after a reconnect) and it took the lock, the lock is released at once, so no
 * lease nobody holds blocks other processes' loads after an outage.
 *
 * <p>Commands are bounded: at most {@linkplain Builder#maxInFlight(int) maxInFlight} of this
 * lock's commands wait for Redis at once (a command counts until Redis answers it or the
 * connection fails, not only until its caller gave up). Beyond that {@link #tryAcquire} returns a
 * lease that holds nothing at once, without a call, and a release is left to the lease's expiry;
 * so a Redis that hangs costs each caller at most one timeout, then nothing, and neither threads
 * nor commands pile up. Errors count in {@code layerkit.cache.lock.errors} (tags {@code name},
 * {@code kind} = {@code timeout}, {@code failure} or {@code overload}) with a registry.
 *
 * <p>Thread-safe; the connection (Layerkit's codec, {@link RedisConnections}) may be shared with
 * every other Layerkit Redis backend.
 *
 * <pre>{@code
 * CacheAside<String, Order> orders = CacheAside.builder(Caches.redis(redis, Codecs.json(Order.class)))
 *     .loadLock(RedisLeaseLock.builder(redis, "orders:lock:").timeout(Duration.ofMillis(50)).build(),
 *         KeyCodec.strings(), Duration.ofSeconds(5), Duration.ofSeconds(1))
 *     .build();
 * }</pre>
 */
public final class RedisLeaseLock implements LoadLock {

  /** The default time one call waits for Redis. */
  public static final long DEFAULT_TIMEOUT_MILLIS = 100;

  /** The default bound on this lock's commands waiting for Redis at once. */
  public static final int DEFAULT_MAX_IN_FLIGHT = 256;

  private static final Logger LOG = LoggerFactory.getLogger(RedisLeaseLock.class);
  private static final RedisScript<Long> COMPARE_AND_DELETE = RedisScript.of(
      "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end",
      ScriptOutputType.INTEGER);
  private static final Lease NOTHING_HELD = () -> { };

  private final String name;
  private final RedisClusterAsyncCommands<String, byte[]> commands;
  private final String keyPrefix;
  private final long timeoutNanos;
  private final int maxInFlight;
  private final Semaphore inFlight;
  private final LongAdder timeouts = new LongAdder();
  private final LongAdder failures = new LongAdder();
  private final LongAdder overloads = new LongAdder();

  private RedisLeaseLock(Builder b) {
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
      Gauge.builder("layerkit.cache.lock.in.flight", this, RedisLeaseLock::inFlight)
          .description("Lock commands waiting for Redis").tag("name", name).register(b.meterRegistry);
    }
  }

  private void register(MeterRegistry registry, String kind, LongAdder count) {
    FunctionCounter.builder("layerkit.cache.lock.errors", count, LongAdder::sum)
        .description("Lock calls answered without Redis: timed out, failed, or refused over maxInFlight")
        .tags("name", name, "kind", kind).register(registry);
  }

  /**
   * Returns a lock on a standalone connection with the default settings but the timeout; the
   * same as {@code builder(connection, keyPrefix).timeout(timeout).build()}.
   *
   * @param connection a connection with Layerkit's codec ({@link RedisConnections})
   * @param keyPrefix the prefix of lock keys, for example {@code "orders:lock:"}
   * @param timeout how long one Redis call may take
   * @return the lock
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code keyPrefix} is empty or has a brace, or
   *     {@code timeout} is not positive
   */
  public static RedisLeaseLock create(StatefulRedisConnection<String, byte[]> connection, String keyPrefix,
      Duration timeout) {
    return builder(connection, keyPrefix).timeout(timeout).build();
  }

  /**
   * Returns a lock on a Redis Cluster connection with the default settings but the timeout.
   *
   * @param connection a cluster connection with Layerkit's codec ({@link RedisConnections})
   * @param keyPrefix the prefix of lock keys
   * @param timeout how long one Redis call may take
   * @return the lock
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code keyPrefix} is empty or has a brace, or
   *     {@code timeout} is not positive
   */
  public static RedisLeaseLock create(StatefulRedisClusterConnection<String, byte[]> connection, String keyPrefix,
      Duration timeout) {
    return builder(connection, keyPrefix).timeout(timeout).build();
  }

  /**
   * Starts a lock on a standalone connection.
   *
   * @param connection a connection with Layerkit's codec ({@link RedisConnections})
   * @param keyPrefix the prefix of lock keys, for example {@code "orders:lock:"}
   * @return a builder
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code keyPrefix} is empty or has a brace
   */
  public static Builder builder(StatefulRedisConnection<String, byte[]> connection, String keyPrefix) {
    return new Builder(Objects.requireNonNull(connection, "connection").async(), keyPrefix);
  }

  /**
   * Starts a lock on a Redis Cluster connection.
   *
   * @param connection a cluster connection with Layerkit's codec ({@link RedisConnections})
   * @param keyPrefix the prefix of lock keys
   * @return a builder
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code keyPrefix} is empty or has a brace
   */
  public static Builder builder(StatefulRedisClusterConnection<String, byte[]> connection, String keyPrefix) {
    return new Builder(Objects.requireNonNull(connection, "connection").async(), keyPrefix);
  }

  @Override
  public @Nullable Lease tryAcquire(String key, Duration leaseTime) {
    Objects.requireNonNull(key, "key");
    Arguments.positive(leaseTime, "leaseTime");
    String lockKey = RedisKeys.key(keyPrefix, key);
    byte[] token = UUID.randomUUID().toString().getBytes(StandardCharsets.US_ASCII);
    if (!inFlight.tryAcquire()) {
      overloads.increment();
      LOG.debug("Lease lock on {}: {} commands wait for Redis already; loading without it", lockKey, maxInFlight);
      return NOTHING_HELD;
    }
    RedisFuture<String> set = commands.set(lockKey, token, SetArgs.Builder.nx().px(leaseTime));
    set.whenComplete((reply, error) -> inFlight.release());
    String reply;
    try {
      // Not cancelled on a timeout: the command counts as in flight until Redis answers it.
      reply = set.get(timeoutNanos, TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      timeouts.increment();
      releaseIfTakenLate(set, lockKey, token);
      LOG.debug("Lease lock on {} not decidable within the timeout; loading without it", lockKey);
      return NOTHING_HELD;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      releaseIfTakenLate(set, lockKey, token);
      return NOTHING_HELD;
    } catch (ExecutionException | RuntimeException e) {
      failures.increment();
      LOG.debug("Lease lock on {} not decidable ({}); loading without it", lockKey, e.toString());
      return NOTHING_HELD;
    }
    if (!"OK".equals(reply)) {
      return null;
    }
    return () -> release(lockKey, token);
  }

  /**
   * If Redis runs an abandoned SET later and it takes the lock, nobody holds it: delete it then.
   * Runs on Lettuce's thread, so it only sends (never waits), and is not refused by the bound: it
   * follows a command that was counted, one for one.
   */
  private void releaseIfTakenLate(RedisFuture<String> set, String lockKey, byte[] token) {
    set.thenAccept(late -> {
      if ("OK".equals(late)) {
        COMPARE_AND_DELETE.runAsync(commands, new String[] {lockKey}, token).whenComplete((deleted, error) -> {
          if (error != null) {
            LOG.debug("Releasing the late lease on {} failed ({}); it expires with its lease time", lockKey,
                error.toString());
          }
        });
      }
    });
  }

  /** Sends the compare-and-delete without waiting longer than the timeout for it. */
  private void release(String lockKey, byte[] token) {
    if (!inFlight.tryAcquire()) {
      overloads.increment();
      return; // the lease expires by itself
    }
    CompletableFuture<Long> deleted = COMPARE_AND_DELETE.runAsync(commands, new String[] {lockKey}, token);
    deleted.whenComplete((reply, error) -> inFlight.release());
    try {
      deleted.get(timeoutNanos, TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (TimeoutException e) {
      timeouts.increment();
      LOG.debug("Releasing the lease on {} timed out; Redis deletes it when it answers, or it expires", lockKey);
    } catch (ExecutionException | RuntimeException e) {
      failures.increment();
      // The lease expires by itself.
      LOG.debug("Releasing the lease on {} failed ({}); it expires with its lease time", lockKey, e.toString());
    }
  }

  /**
   * Returns how many of this lock's commands wait for Redis now; at most {@code maxInFlight}.
   *
   * @return the number
   */
  public int inFlight() {
    return maxInFlight - inFlight.availablePermits();
  }

  /**
   * Returns how many calls were answered without Redis: timed out, failed, or refused over
   * {@code maxInFlight}.
   *
   * @return the count since the lock was built
   */
  public long errorCount() {
    return timeouts.sum() + failures.sum() + overloads.sum();
  }

  @Override
  public String toString() {
    return "RedisLeaseLock{name=" + name + ", keyPrefix=" + keyPrefix + ", inFlight=" + inFlight() + '}';
  }

  /**
   * Configures a {@link RedisLeaseLock}. Setters validate at once; each may be given once. Not
   * thread-safe; the lock it builds is.
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
      RedisKeys.checkPrefix(keyPrefix);
      if (keyPrefix.isEmpty()) {
        throw new IllegalArgumentException("keyPrefix must not be empty");
      }
      this.commands = commands;
      this.keyPrefix = keyPrefix;
    }

    /**
     * Sets the name in metrics and logs; {@code default} by default.
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
     * Sets how long one call waits for Redis; {@value RedisLeaseLock#DEFAULT_TIMEOUT_MILLIS} ms by
     * default. Past it, {@code tryAcquire} answers with a lease that holds nothing.
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
     * Sets how many of the lock's commands may wait for Redis at once;
     * {@value RedisLeaseLock#DEFAULT_MAX_IN_FLIGHT} by default. Beyond it, {@code tryAcquire}
     * answers at once with a lease that holds nothing.
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
     * Registers the lock's meters in {@code registry}.
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
     * Builds the lock; no Redis call is made until the first use.
     *
     * @return the lock
     */
    public RedisLeaseLock build() {
      return new RedisLeaseLock(this);
    }
  }
}
