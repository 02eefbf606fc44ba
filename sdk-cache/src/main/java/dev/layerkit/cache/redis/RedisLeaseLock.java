package dev.layerkit.cache.redis;

import dev.layerkit.cache.LoadLock;
import dev.layerkit.core.internal.Arguments;
import io.lettuce.core.RedisFuture;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link LoadLock} in Redis: distributed single-flight for {@code CacheAside}.
 *
 * <p>Acquiring is one {@code SET <prefix><key> <token> NX PX <lease>} with a random token;
 * releasing is a Lua compare-and-delete that removes the key only while it still holds this
 * lease's token, so a holder whose lease expired (a long GC pause, say) cannot release the lock
 * another process took since. This is a best-effort lock for load deduplication, not for mutual
 * exclusion that correctness depends on: a lease can expire while its holder still loads, and on a
 * failover a replica may not have the lock yet; the worst case is one extra load.
 *
 * <p>When Redis fails or does not answer within the timeout, {@link #tryAcquire} returns a lease
 * that holds nothing, so the caller loads for itself (single-flight stays per JVM) instead of
 * waiting for a lock nobody can grant. Thread-safe.
 *
 * <pre>{@code
 * CacheAside<String, Order> orders = CacheAside.builder(redisCache)
 *     .loadLock(RedisLeaseLock.create(connection, "orders:lock:", Duration.ofMillis(50)),
 *         KeyCodec.strings(), Duration.ofSeconds(5), Duration.ofSeconds(1))
 *     .build();
 * }</pre>
 */
public final class RedisLeaseLock implements LoadLock {

  private static final Logger LOG = LoggerFactory.getLogger(RedisLeaseLock.class);
  private static final String COMPARE_AND_DELETE =
      "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
  private static final Lease NOTHING_HELD = () -> { };

  private final RedisClusterAsyncCommands<String, byte[]> commands;
  private final String keyPrefix;
  private final long timeoutNanos;

  private RedisLeaseLock(RedisClusterAsyncCommands<String, byte[]> commands, String keyPrefix, Duration timeout) {
    this.commands = commands;
    Objects.requireNonNull(keyPrefix, "keyPrefix");
    if (keyPrefix.isEmpty()) {
      throw new IllegalArgumentException("keyPrefix must not be empty");
    }
    this.keyPrefix = keyPrefix;
    this.timeoutNanos = Arguments.positive(timeout, "timeout").toNanos();
  }

  /**
   * Returns a lock on a standalone connection.
   *
   * @param connection a connection with String keys and byte[] values
   * @param keyPrefix the prefix of lock keys, for example {@code "orders:lock:"}
   * @param timeout how long one Redis call may take
   * @return the lock
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code keyPrefix} is empty or {@code timeout} not positive
   */
  public static RedisLeaseLock create(StatefulRedisConnection<String, byte[]> connection, String keyPrefix,
      Duration timeout) {
    return new RedisLeaseLock(Objects.requireNonNull(connection, "connection").async(), keyPrefix, timeout);
  }

  /**
   * Returns a lock on a Redis Cluster connection.
   *
   * @param connection a cluster connection with String keys and byte[] values
   * @param keyPrefix the prefix of lock keys
   * @param timeout how long one Redis call may take
   * @return the lock
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code keyPrefix} is empty or {@code timeout} not positive
   */
  public static RedisLeaseLock create(StatefulRedisClusterConnection<String, byte[]> connection, String keyPrefix,
      Duration timeout) {
    return new RedisLeaseLock(Objects.requireNonNull(connection, "connection").async(), keyPrefix, timeout);
  }

  @Override
  public @Nullable Lease tryAcquire(String key, Duration leaseTime) {
    Objects.requireNonNull(key, "key");
    Arguments.positive(leaseTime, "leaseTime");
    String lockKey = keyPrefix + key;
    byte[] token = UUID.randomUUID().toString().getBytes(StandardCharsets.US_ASCII);
    String reply;
    try {
      reply = await(commands.set(lockKey, token, SetArgs.Builder.nx().px(leaseTime)));
    } catch (RuntimeException e) {
      LOG.debug("Lease lock on {} not decidable ({}); loading without it", lockKey, e.toString());
      return NOTHING_HELD;
    }
    if (!"OK".equals(reply)) {
      return null;
    }
    return () -> {
      try {
        await(commands.<Long>eval(COMPARE_AND_DELETE, ScriptOutputType.INTEGER, new String[] {lockKey}, token));
      } catch (RuntimeException e) {
        // The lease expires by itself.
        LOG.debug("Releasing the lease on {} failed ({}); it expires with its lease time", lockKey, e.toString());
      }
    };
  }

  private <T> T await(RedisFuture<T> future) {
    try {
      return future.get(timeoutNanos, TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      future.cancel(true);
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (TimeoutException e) {
      future.cancel(true);
      throw new IllegalStateException("timed out", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(String.valueOf(e.getCause()), e.getCause());
    }
  }

  @Override
  public String toString() {
    return "RedisLeaseLock{keyPrefix=" + keyPrefix + '}';
  }
}
