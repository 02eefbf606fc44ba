package dev.layerkit.cache.redis;

import dev.layerkit.cache.LoadLock;
import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.internal.redis.RedisCalls;
import dev.layerkit.core.internal.redis.RedisKeys;
import dev.layerkit.core.internal.redis.RedisScript;
import dev.layerkit.core.redis.RedisConnections;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
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
 * <p>When Redis fails or does not answer within the timeout, {@link #tryAcquire} returns a lease
 * that holds nothing, so the caller loads for itself (single-flight stays per JVM) instead of
 * waiting for a lock nobody can grant. Thread-safe; the connection (Layerkit's codec,
 * {@link RedisConnections}) may be shared with every other Layerkit Redis backend.
 *
 * <pre>{@code
 * CacheAside<String, Order> orders = CacheAside.builder(Caches.redis(redis, Codecs.json(Order.class)))
 *     .loadLock(RedisLeaseLock.create(redis, "orders:lock:", Duration.ofMillis(50)),
 *         KeyCodec.strings(), Duration.ofSeconds(5), Duration.ofSeconds(1))
 *     .build();
 * }</pre>
 */
public final class RedisLeaseLock implements LoadLock {

  private static final Logger LOG = LoggerFactory.getLogger(RedisLeaseLock.class);
  private static final RedisScript<Long> COMPARE_AND_DELETE = RedisScript.of(
      "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end",
      ScriptOutputType.INTEGER);
  private static final Lease NOTHING_HELD = () -> { };

  private final RedisClusterAsyncCommands<String, byte[]> commands;
  private final String keyPrefix;
  private final long timeoutNanos;

  private RedisLeaseLock(RedisClusterAsyncCommands<String, byte[]> commands, String keyPrefix, Duration timeout) {
    this.commands = commands;
    RedisKeys.checkPrefix(keyPrefix);
    if (keyPrefix.isEmpty()) {
      throw new IllegalArgumentException("keyPrefix must not be empty");
    }
    this.keyPrefix = keyPrefix;
    this.timeoutNanos = Arguments.positive(timeout, "timeout").toNanos();
  }

  /**
   * Returns a lock on a standalone connection.
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
    return new RedisLeaseLock(Objects.requireNonNull(connection, "connection").async(), keyPrefix, timeout);
  }

  /**
   * Returns a lock on a Redis Cluster connection.
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
    return new RedisLeaseLock(Objects.requireNonNull(connection, "connection").async(), keyPrefix, timeout);
  }

  @Override
  public @Nullable Lease tryAcquire(String key, Duration leaseTime) {
    Objects.requireNonNull(key, "key");
    Arguments.positive(leaseTime, "leaseTime");
    String lockKey = RedisKeys.key(keyPrefix, key);
    byte[] token = UUID.randomUUID().toString().getBytes(StandardCharsets.US_ASCII);
    String reply;
    try {
      reply = RedisCalls.await(commands.set(lockKey, token, SetArgs.Builder.nx().px(leaseTime)), timeoutNanos);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return NOTHING_HELD;
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      LOG.debug("Lease lock on {} not decidable ({}); loading without it", lockKey, e.toString());
      return NOTHING_HELD;
    }
    if (!"OK".equals(reply)) {
      return null;
    }
    return () -> release(lockKey, token);
  }

  private void release(String lockKey, byte[] token) {
    try {
      RedisCalls.await(COMPARE_AND_DELETE.runAsync(commands, new String[] {lockKey}, token), timeoutNanos);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      // The lease expires by itself.
      LOG.debug("Releasing the lease on {} failed ({}); it expires with its lease time", lockKey, e.toString());
    }
  }

  @Override
  public String toString() {
    return "RedisLeaseLock{keyPrefix=" + keyPrefix + '}';
  }
}
