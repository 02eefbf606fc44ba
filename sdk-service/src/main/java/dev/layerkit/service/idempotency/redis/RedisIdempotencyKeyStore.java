package dev.layerkit.service.idempotency.redis;

import dev.layerkit.core.health.Health;
import dev.layerkit.core.health.HealthCheck;
import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.internal.BuilderSettings;
import dev.layerkit.core.internal.redis.RedisCalls;
import dev.layerkit.core.internal.redis.RedisKeys;
import dev.layerkit.core.internal.redis.RedisScript;
import dev.layerkit.service.idempotency.ClaimResult;
import dev.layerkit.service.idempotency.IdempotencyKeyStore;
import dev.layerkit.service.idempotency.IdempotentResponse;
import dev.layerkit.service.idempotency.RequestFingerprint;
import dev.layerkit.service.idempotency.internal.ResponseBytes;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * An {@link IdempotencyKeyStore} in Redis, shared by every instance of a service.
 *
 * <p><b>Layout.</b> One hash per key, {@code <keyPrefix>{<key>}} (the key is the Redis Cluster
 * hash tag), with fields {@code state} ({@code P} in flight, {@code C} completed), {@code fp},
 * {@code token}, {@code exp} (expiry in epoch milliseconds on the caller's clock) and {@code resp}
 * (the response's bytes).
 *
 * <p><b>Atomicity.</b> Each of claim, complete and release is one Lua script on one key, so of any
 * number of concurrent claims of a free key exactly one succeeds, across processes. Scripts run
 * by {@code EVALSHA}, falling back to {@code EVAL} once on {@code NOSCRIPT}. Expiry is decided in
 * the script by comparing {@code exp} with the caller's time, so it follows the {@code
 * Idempotency}'s {@code TimeSource}; each write also sets {@code PEXPIRE} to the lease or TTL, so
 * Redis frees the memory of a key once it expired in real time.
 *
 * <p><b>Failure.</b> A Redis that is down or slow makes each call throw Lettuce's {@code
 * RedisException} within the store's {@linkplain Builder#timeout(java.time.Duration) timeout}
 * ({@value #DEFAULT_TIMEOUT_MILLIS} ms by default; a {@code RedisCommandTimeoutException} when it
 * ran out), not the connection's much longer command timeout; {@code Idempotency} then fails the
 * request without running its action. A claim that timed out may still run when a Redis that hung
 * continues, and would hold the key as in flight for its whole lease (the client's retry would get
 * 409): so it is released right after, on the same connection, with its token (a release of a
 * claim it does not hold does nothing). Durability is Redis's: a failover to a replica that had not
 * received a claim can let one duplicate run. {@link #healthCheck()} reports the server's state.
 *
 * <p>Works on a standalone, Sentinel-managed or Cluster connection. Thread-safe; the connection
 * may be shared with other users and is not closed by the store.
 *
 * <pre>{@code
 * StatefulRedisConnection<String, byte[]> redis = client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
 * IdempotencyKeyStore store = RedisIdempotencyKeyStore.builder(redis).name("orders").build();
 * }</pre>
 */
public final class RedisIdempotencyKeyStore implements IdempotencyKeyStore {

  /** The default name. */
  public static final String DEFAULT_NAME = "default";

  /** The default time one call waits for Redis. */
  public static final long DEFAULT_TIMEOUT_MILLIS = 1_000;

  private static final byte[] NOTHING = new byte[0];

  private static final RedisScript<List<Object>> CLAIM = RedisScript.of(String.join("\n",
      "local held = redis.call('HMGET', KEYS[1], 'state', 'fp', 'exp', 'resp')",
      "if held[3] and tonumber(held[3]) > tonumber(ARGV[3]) then",
      "  return {held[1], held[2], held[3], held[4] or ''}",
      "end",
      "redis.call('DEL', KEYS[1])",
      "redis.call('HSET', KEYS[1], 'state', 'P', 'fp', ARGV[1], 'token', ARGV[2],",
      "  'exp', tostring(tonumber(ARGV[3]) + tonumber(ARGV[4])))",
      "redis.call('PEXPIRE', KEYS[1], ARGV[4])",
      "return {'A'}"), ScriptOutputType.MULTI);

  private static final RedisScript<Long> COMPLETE = RedisScript.of(String.join("\n",
      "local held = redis.call('HMGET', KEYS[1], 'state', 'token')",
      "if held[1] ~= 'P' or held[2] ~= ARGV[1] then return 0 end",
      "redis.call('HSET', KEYS[1], 'state', 'C', 'resp', ARGV[2],",
      "  'exp', tostring(tonumber(ARGV[3]) + tonumber(ARGV[4])))",
      "redis.call('PEXPIRE', KEYS[1], ARGV[4])",
      "return 1"), ScriptOutputType.INTEGER);

  private static final RedisScript<Long> RELEASE = RedisScript.of(String.join("\n",
      "local held = redis.call('HMGET', KEYS[1], 'state', 'token')",
      "if held[1] == 'P' and held[2] == ARGV[1] then return redis.call('DEL', KEYS[1]) end",
      "return 0"), ScriptOutputType.INTEGER);

  private final String name;
  private final String keyPrefix;
  private final RedisClusterAsyncCommands<String, byte[]> commands;
  private final long timeoutNanos;

  private RedisIdempotencyKeyStore(Builder b) {
    this.name = b.name;
    this.keyPrefix = b.keyPrefix != null ? b.keyPrefix : RedisKeys.defaultPrefix("idempotency", b.name);
    this.commands = b.commands;
    this.timeoutNanos = b.timeout.toNanos();
  }

  /** Waits for a command within the timeout (cancelling it past that), as Lettuce's exceptions. */
  private <T> T await(CompletableFuture<T> command, String what) {
    try {
      return RedisCalls.await(command, timeoutNanos);
    } catch (TimeoutException e) {
      throw new RedisCommandTimeoutException("idempotency store '" + name + "': " + what + " not answered within "
          + timeoutNanos / 1_000_000 + " ms");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RedisException("idempotency store '" + name + "': interrupted during " + what, e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw cause instanceof RedisException redis ? redis
          : new RedisException("idempotency store '" + name + "': " + what + " failed: " + cause, cause);
    }
  }

  /**
   * Starts a store on a standalone (or Sentinel-managed) connection.
   *
   * @param connection a connection with {@code String} keys and {@code byte[]} values, owned by
   *     the caller
   * @return a builder
   * @throws NullPointerException if {@code connection} is null
   */
  public static Builder builder(StatefulRedisConnection<String, byte[]> connection) {
    return new Builder(Objects.requireNonNull(connection, "connection").async());
  }

  /**
   * Starts a store on a Redis Cluster connection. Each script touches one key, whose hash tag is
   * the idempotency key, so keys spread over the masters and each call goes to one of them.
   *
   * @param connection a cluster connection with {@code String} keys and {@code byte[]} values,
   *     owned by the caller
   * @return a builder
   * @throws NullPointerException if {@code connection} is null
   */
  public static Builder builder(StatefulRedisClusterConnection<String, byte[]> connection) {
    return new Builder(Objects.requireNonNull(connection, "connection").async());
  }

  @Override
  public String name() {
    return name;
  }

  /**
   * Returns the prefix of this store's Redis keys.
   *
   * @return the prefix
   */
  public String keyPrefix() {
    return keyPrefix;
  }

  /**
   * Returns the Redis key that holds an idempotency key's record.
   *
   * @param key the idempotency key
   * @return {@code <keyPrefix>{<key>}}
   */
  public String redisKey(String key) {
    return RedisKeys.key(keyPrefix, Objects.requireNonNull(key, "key"));
  }

  @Override
  public ClaimResult claim(String key, RequestFingerprint fingerprint, String token, long nowMillis, long leaseMillis) {
    Objects.requireNonNull(fingerprint, "fingerprint");
    Objects.requireNonNull(token, "token");
    String[] keys = {redisKey(key)};
    List<Object> reply;
    try {
      reply = await(CLAIM.runAsync(commands, keys, utf8(fingerprint.sha256()), utf8(token),
          utf8(Long.toString(nowMillis)), utf8(Long.toString(leaseMillis))), "claim of '" + key + "'");
    } catch (RedisException e) {
      // The claim may still run later; its release, sent after it, undoes it. Not awaited.
      RELEASE.runAsync(commands, keys, utf8(token));
      throw e;
    }
    String state = text(reply.get(0));
    if ("A".equals(state)) {
      return ClaimResult.acquired();
    }
    RequestFingerprint held = new RequestFingerprint(text(reply.get(1)));
    long expiresAt = Long.parseLong(text(reply.get(2)));
    if ("C".equals(state)) {
      return ClaimResult.completed(held, ResponseBytes.decode(bytes(reply.get(3))), expiresAt);
    }
    return ClaimResult.inFlight(held, expiresAt);
  }

  @Override
  public boolean complete(String key, String token, IdempotentResponse response, long nowMillis, long ttlMillis) {
    Objects.requireNonNull(token, "token");
    Objects.requireNonNull(response, "response");
    Long stored = await(COMPLETE.runAsync(commands, new String[] {redisKey(key)}, utf8(token),
        ResponseBytes.encode(response), utf8(Long.toString(nowMillis)), utf8(Long.toString(ttlMillis))),
        "completion of '" + key + "'");
    return stored != null && stored == 1L;
  }

  @Override
  public void release(String key, String token) {
    Objects.requireNonNull(token, "token");
    await(RELEASE.runAsync(commands, new String[] {redisKey(key)}, utf8(token)), "release of '" + key + "'");
  }

  /**
   * Returns a health check named after the store: {@code UP} when Redis answers {@code PING},
   * {@code DOWN} with the error otherwise (after the store's timeout).
   *
   * @return the check
   */
  public HealthCheck healthCheck() {
    return HealthCheck.of("idempotency-" + name, () -> {
      try {
        await(commands.ping().toCompletableFuture(), "PING");
        return Health.up().build();
      } catch (RuntimeException e) {
        return Health.down(e).build();
      }
    });
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] bytes(@Nullable Object value) {
    return value instanceof byte[] b ? b : NOTHING;
  }

  private static String text(@Nullable Object value) {
    if (value instanceof byte[] b) {
      return new String(b, StandardCharsets.UTF_8);
    }
    return String.valueOf(value);
  }

  @Override
  public String toString() {
    return "RedisIdempotencyKeyStore{name=" + name + ", keyPrefix=" + keyPrefix + '}';
  }

  /**
   * Configures a {@link RedisIdempotencyKeyStore}. Each setting may be given once ({@link
   * IllegalStateException} otherwise). Not thread-safe; the store it builds is.
   */
  public static final class Builder {
    private final BuilderSettings settings = new BuilderSettings();
    private final RedisClusterAsyncCommands<String, byte[]> commands;
    private String name = DEFAULT_NAME;
    private @Nullable String keyPrefix;
    private Duration timeout = Duration.ofMillis(DEFAULT_TIMEOUT_MILLIS);

    private Builder(RedisClusterAsyncCommands<String, byte[]> commands) {
      this.commands = commands;
    }

    /**
     * Sets how long one call waits for Redis before it fails with a
     * {@code RedisCommandTimeoutException}; {@value RedisIdempotencyKeyStore#DEFAULT_TIMEOUT_MILLIS}
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
     * Sets the store's name, for logs and the default key prefix; {@value #DEFAULT_NAME} by
     * default.
     *
     * @param name the name
     * @return this builder
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if {@code name} is blank
     * @throws IllegalStateException if already set
     */
    public Builder name(String name) {
      settings.requireUnset("name", this.name);
      this.name = Arguments.notBlank(name, "name");
      return this;
    }

    /**
     * Sets the prefix of the store's Redis keys; {@code layerkit:idempotency:<name>:} by default.
     *
     * @param keyPrefix the prefix, without braces (the key after it is the hash tag)
     * @return this builder
     * @throws NullPointerException if {@code keyPrefix} is null
     * @throws IllegalArgumentException if it is empty or contains a brace
     * @throws IllegalStateException if already set
     */
    public Builder keyPrefix(String keyPrefix) {
      settings.requireUnset("keyPrefix", this.keyPrefix);
      RedisKeys.checkPrefix(keyPrefix);
      if (keyPrefix.isEmpty()) {
        throw new IllegalArgumentException("keyPrefix must not be empty but was ''");
      }
      this.keyPrefix = keyPrefix;
      return this;
    }

    /**
     * Builds the store.
     *
     * @return a thread-safe store
     */
    public RedisIdempotencyKeyStore build() {
      return new RedisIdempotencyKeyStore(this);
    }
  }
}
