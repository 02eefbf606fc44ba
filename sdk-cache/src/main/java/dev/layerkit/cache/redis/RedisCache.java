package dev.layerkit.cache.redis;

import dev.layerkit.cache.CacheBuilder;
import dev.layerkit.cache.KeyCodec;
import dev.layerkit.cache.RemoteCache;
import dev.layerkit.cache.RemoteCacheBuilder;
import dev.layerkit.cache.internal.CacheArguments;
import dev.layerkit.cache.redis.RedisGuard.RemoteFailure;
import dev.layerkit.core.codec.Codec;
import dev.layerkit.core.codec.CodecException;
import dev.layerkit.core.health.Health;
import dev.layerkit.core.health.HealthCheck;
import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.internal.BuilderSettings;
import dev.layerkit.core.internal.DaemonSchedulers;
import dev.layerkit.core.internal.redis.RedisKeys;
import dev.layerkit.core.redis.RedisConnections;
import dev.layerkit.core.resilience.ResiliencePolicy;
import dev.layerkit.core.time.TimeSource;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link RemoteCache} in Redis, on Lettuce: values encoded by a {@link Codec} under
 * {@code <keyPrefix>{<key>}} (the key rule of {@link dev.layerkit.core.redis}), each with its TTL
 * as {@code SET ... PX}. Made by {@code Caches.redis(connection, codec)}.
 *
 * <h2>Round trips</h2>
 *
 * <p>{@link #get} is one {@code GET}; {@link #getAll} is one {@code MGET} for all keys (on a
 * cluster connection Lettuce splits it by slot); {@link #getHit} and {@link #getAllHits} add a
 * {@code PTTL} per key, pipelined in the same round trip; {@link #putAll} sends its {@code SET}s
 * back to back on the multiplexed connection and waits for them together, so a batch costs one
 * round trip, not one per key. Works on a standalone or cluster connection with Layerkit's codec
 * ({@link RedisConnections}), which may be shared with every other Layerkit Redis backend.
 *
 * <h2>Failure</h2>
 *
 * <p>Every call waits at most the {@linkplain Builder#timeout(Duration) timeout} (default
 * {@value #DEFAULT_TIMEOUT_MILLIS} ms) and then cancels the command, so a command Lettuce queued
 * while disconnected does not run later, unseen. A failed or timed-out read is a miss, a failed
 * write is not written; nothing throws. Failures feed the circuit breaker of a
 * {@link ResiliencePolicy}: when it opens, calls skip Redis entirely until its wait ends and a
 * probe call succeeds, so a dead Redis costs no timeouts. The {@link #healthCheck()} then says
 * {@code DEGRADED} (reads go to the loader; the application still works). Each operation that
 * failed or was skipped counts once in {@link #errorCount()}.
 *
 * <p>An invalidation that fails is remembered (up to {@value #MAX_PENDING_INVALIDATIONS} keys;
 * beyond that, or for a failed {@link #invalidateAll()}, the whole namespace): until it is
 * replayed on Redis, reads of those keys are misses, and it is replayed after the next
 * operation, and every {@value #OWED_RETRY_INTERVAL_MILLIS} ms on a shared daemon thread while
 * anything is owed (so also when no operation follows). A write that failed or timed out is
 * treated the same way, since a timed-out {@code SET} may still land later. So after Redis returns, an entry written before a failed
 * invalidation is never served. A write refused by the open breaker is treated the same way:
 * Redis still holds the value it was meant to replace. An invalidation message of a tiered cache
 * that could not be published is sent again in the same replay, after the deletions, so the other
 * instances' L1 copies of keys changed during an outage are dropped once Redis is back. (The
 * bookkeeping is {@code PendingInvalidations}; the channel of a tiered cache is
 * {@code InvalidationChannel}.)
 *
 * <h2>Bad input</h2>
 *
 * <p>A value the codec cannot encode throws its {@link CodecException} before anything is sent. A
 * value whose encoding exceeds {@linkplain Builder#maxValueBytes(int) maxValueBytes} is not
 * stored, any older value of the key is deleted, and it is counted in {@link #rejectedCount()}.
 * Bytes that do not decode are a miss and counted as an error.
 *
 * <p>Thread-safe. Metrics with a registry, tagged {@code name=<name>}:
 * {@code layerkit.cache.errors} and {@code layerkit.cache.rejected}, the same meters a
 * {@code CacheAside} over this cache registers, so each is counted once.
 *
 * <pre>{@code
 * RedisClient client = RedisClient.create("redis://localhost:6379");
 * StatefulRedisConnection<String, byte[]> redis = RedisConnections.connect(client);
 * RedisCache<String, Order> orders = Caches.redis(redis, Codecs.json(Order.class))
 *     .name("orders").timeout(Duration.ofMillis(50))
 *     .invalidationChannel(RedisConnections.connectPubSub(client))
 *     .build();
 * }</pre>
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public final class RedisCache<K, V> implements RemoteCache<K, V> {

  /** The default time a call waits for Redis. */
  public static final long DEFAULT_TIMEOUT_MILLIS = 100;

  /** The default largest encoded value stored: 1 MiB. */
  public static final int DEFAULT_MAX_VALUE_BYTES = 1 << 20;

  /** The largest number of failed invalidations remembered key by key. */
  public static final int MAX_PENDING_INVALIDATIONS = 100_000;

  /**
   * How often, while this cache owes Redis deletions or invalidation messages, it retries them
   * on its own, so that they are sent even when no operation follows.
   */
  public static final long OWED_RETRY_INTERVAL_MILLIS = 1_000;

  private static final Logger LOG = LoggerFactory.getLogger(RedisCache.class);

  private final String name;
  private final RedisClusterAsyncCommands<String, byte[]> commands;
  private final Codec<V> codec;
  private final KeyCodec<K> keyCodec;
  private final String keyPrefix;
  private final int maxValueBytes;
  private final TimeSource timeSource;
  private final ResiliencePolicy policy;
  private final RedisGuard guard;
  private final PendingInvalidations pending;
  private final InvalidationChannel<K> channel;
  private final LongAdder rejected = new LongAdder();
  private final AtomicBoolean retryScheduled = new AtomicBoolean();

  private RedisCache(Builder<K, ?> builder, Codec<V> codec) {
    this.name = builder.name;
    this.commands = builder.commands;
    this.codec = codec;
    this.keyCodec = builder.keyCodec;
    this.keyPrefix = builder.keyPrefix != null ? builder.keyPrefix : RedisKeys.defaultPrefix("cache", name);
    this.maxValueBytes = builder.maxValueBytes;
    this.timeSource = builder.timeSource;
    this.policy = builder.policy != null ? builder.policy : ResiliencePolicy.builder("cache-redis-" + name)
        .failureRateThreshold(50).slidingWindowSize(10).minimumNumberOfCalls(5)
        .waitDurationInOpenState(Duration.ofSeconds(5)).permittedNumberOfCallsInHalfOpenState(1)
        .timeSource(timeSource).build();
    CircuitBreaker breaker = policy.circuitBreaker().orElseThrow(
        () -> new IllegalArgumentException("policy '" + policy.name() + "' must have a circuit breaker"));
    this.guard = new RedisGuard(name, builder.timeout.toNanos(), timeSource, breaker);
    this.pending = new PendingInvalidations(commands, guard, keyPrefix);
    this.channel = new InvalidationChannel<>(name, keyPrefix + "invalidations", commands, guard, keyCodec,
        builder.pubSub);
    if (builder.meterRegistry != null) {
      FunctionCounter.builder("layerkit.cache.errors", guard, RedisGuard::errorCount)
          .description("Remote calls that failed, timed out or were skipped by the open breaker")
          .tag("name", name).register(builder.meterRegistry);
      FunctionCounter.builder("layerkit.cache.rejected", rejected, LongAdder::sum)
          .description("Values not cached for exceeding the maximum size").tag("name", name)
          .register(builder.meterRegistry);
    }
  }

  /**
   * Returns a builder of a cache on a standalone connection; {@code Caches.redis(connection,
   * codec)} is the same.
   *
   * @param connection a connection with Layerkit's codec ({@link RedisConnections})
   * @param codec the value codec
   * @param <K> the key type
   * @param <V> the value type
   * @return a new builder; keys are strings by default ({@link Builder#keyCodec(KeyCodec)})
   * @throws NullPointerException if an argument is null
   */
  public static <K, V> Builder<K, V> builder(StatefulRedisConnection<String, byte[]> connection, Codec<V> codec) {
    Objects.requireNonNull(connection, "connection");
    return new Builder<>(connection.async(), Objects.requireNonNull(codec, "codec"));
  }

  /**
   * Returns a builder of a cache on a Redis Cluster connection.
   *
   * @param connection a cluster connection with Layerkit's codec ({@link RedisConnections})
   * @param codec the value codec
   * @param <K> the key type
   * @param <V> the value type
   * @return a new builder
   * @throws NullPointerException if an argument is null
   */
  public static <K, V> Builder<K, V> builder(StatefulRedisClusterConnection<String, byte[]> connection,
      Codec<V> codec) {
    Objects.requireNonNull(connection, "connection");
    return new Builder<>(connection.async(), Objects.requireNonNull(codec, "codec"));
  }

  private String redisKey(K key) {
    return RedisKeys.key(keyPrefix, keyCodec.encode(CacheArguments.key(key)));
  }

  /** The redis keys of {@code keys} not owed a deletion, in order, with their keys. */
  private Map<String, K> readable(Collection<? extends K> keys) {
    Objects.requireNonNull(keys, "keys");
    Map<String, K> byRedisKey = new LinkedHashMap<>();
    for (K key : keys) {
      String redisKey = redisKey(key);
      if (!pending.covers(redisKey)) {
        byRedisKey.put(redisKey, key);
      }
    }
    return byRedisKey;
  }

  @Override
  public @Nullable V get(K key) {
    String redisKey = redisKey(key);
    if (pending.covers(redisKey) || !guard.permitted()) {
      replayOwed();
      return null;
    }
    byte[] bytes;
    try {
      bytes = guard.await(commands.get(redisKey), guard.start());
    } catch (RemoteFailure e) {
      return null;
    }
    replayOwed();
    return bytes == null ? null : decode(redisKey, bytes);
  }

  @Override
  public @Nullable Hit<V> getHit(K key) {
    String redisKey = redisKey(key);
    if (pending.covers(redisKey) || !guard.permitted()) {
      replayOwed();
      return null;
    }
    long start = guard.start();
    // Sent back to back on the multiplexed connection: one round trip.
    RedisFuture<byte[]> value = commands.get(redisKey);
    RedisFuture<Long> pttl = commands.pttl(redisKey);
    byte[] bytes;
    Long ttl;
    try {
      bytes = guard.await(value, start);
      ttl = guard.await(pttl, start);
    } catch (RemoteFailure e) {
      pttl.cancel(true);
      return null;
    }
    replayOwed();
    V decoded = bytes == null || ttl == null || ttl <= 0 ? null : decode(redisKey, bytes);
    return decoded == null ? null : new Hit<>(decoded, Duration.ofMillis(ttl));
  }

  @Override
  public Map<K, Hit<V>> getAllHits(Collection<? extends K> keys) {
    Map<String, K> byRedisKey = readable(keys);
    Map<K, Hit<V>> found = new HashMap<>();
    if (byRedisKey.isEmpty() || !guard.permitted()) {
      replayOwed();
      return found;
    }
    long start = guard.start();
    RedisFuture<List<KeyValue<String, byte[]>>> values = commands.mget(byRedisKey.keySet().toArray(new String[0]));
    Map<String, RedisFuture<Long>> ttls = new HashMap<>();
    for (String redisKey : byRedisKey.keySet()) {
      ttls.put(redisKey, commands.pttl(redisKey));
    }
    try {
      for (KeyValue<String, byte[]> kv : guard.await(values, start)) {
        Long ttl = guard.await(ttls.get(kv.getKey()), start);
        if (kv.hasValue() && ttl != null && ttl > 0) {
          V value = decode(kv.getKey(), kv.getValue());
          if (value != null) {
            found.put(byRedisKey.get(kv.getKey()), new Hit<>(value, Duration.ofMillis(ttl)));
          }
        }
      }
    } catch (RemoteFailure e) {
      ttls.values().forEach(f -> f.cancel(true));
      return new HashMap<>();
    }
    replayOwed();
    return found;
  }

  private @Nullable V decode(String redisKey, byte[] bytes) {
    try {
      return codec.decode(bytes);
    } catch (CodecException e) {
      guard.countError();
      LOG.warn("Redis cache '{}': cannot decode {}; treated as a miss: {}", name, redisKey, e.getMessage());
      return null;
    }
  }

  @Override
  public Map<K, V> getAll(Collection<? extends K> keys) {
    Map<String, K> byRedisKey = readable(keys);
    Map<K, V> found = new HashMap<>();
    if (byRedisKey.isEmpty() || !guard.permitted()) {
      replayOwed();
      return found;
    }
    List<KeyValue<String, byte[]>> values;
    try {
      values = guard.await(commands.mget(byRedisKey.keySet().toArray(new String[0])), guard.start());
    } catch (RemoteFailure e) {
      return found;
    }
    for (KeyValue<String, byte[]> kv : values) {
      if (kv.hasValue()) {
        V value = decode(kv.getKey(), kv.getValue());
        if (value != null) {
          found.put(byRedisKey.get(kv.getKey()), value);
        }
      }
    }
    replayOwed();
    return found;
  }

  @Override
  public boolean put(K key, V value, Duration ttl) {
    String redisKey = redisKey(key);
    Objects.requireNonNull(value, "value");
    Arguments.positive(ttl, "ttl");
    byte[] bytes = codec.encode(value);
    if (bytes.length > maxValueBytes) {
      rejectTooLarge(redisKey, bytes.length);
      return false;
    }
    if (!guard.permitted()) {
      // Redis still holds the key's older value, which the caller meant to replace.
      pending.remember(List.of(redisKey));
      retryOwedLater();
      return false;
    }
    try {
      guard.await(commands.set(redisKey, bytes, SetArgs.Builder.px(ttl)), guard.start());
    } catch (RemoteFailure e) {
      pending.remember(List.of(redisKey));
      retryOwedLater();
      return false;
    }
    // The new value supersedes an invalidation that could not be sent.
    pending.superseded(List.of(redisKey));
    replayOwed();
    return true;
  }

  private void rejectTooLarge(String redisKey, int length) {
    rejected.increment();
    LOG.debug("Redis cache '{}': value of {} is {} bytes, over maxValueBytes {}; not cached",
        name, redisKey, length, maxValueBytes);
    pending.delete(List.of(redisKey));
  }

  @Override
  public void putAll(Map<? extends K, ? extends V> entries, Duration ttl) {
    Objects.requireNonNull(entries, "entries");
    Arguments.positive(ttl, "ttl");
    Map<String, byte[]> encoded = new LinkedHashMap<>();
    // Encode everything first: a value that cannot be encoded fails the batch before any write.
    for (Map.Entry<? extends K, ? extends V> entry : entries.entrySet()) {
      String redisKey = redisKey(entry.getKey());
      encoded.put(redisKey, codec.encode(Objects.requireNonNull(entry.getValue(), "value")));
    }
    Map<String, Integer> tooLarge = new LinkedHashMap<>();
    encoded.entrySet().removeIf(e -> {
      if (e.getValue().length > maxValueBytes) {
        tooLarge.put(e.getKey(), e.getValue().length);
        return true;
      }
      return false;
    });
    tooLarge.forEach(this::rejectTooLarge);
    if (encoded.isEmpty()) {
      return;
    }
    if (!guard.permitted()) {
      pending.remember(new ArrayList<>(encoded.keySet()));
      retryOwedLater();
      return;
    }
    long start = guard.start();
    SetArgs args = SetArgs.Builder.px(ttl);
    List<RedisFuture<String>> sent = new ArrayList<>(encoded.size());
    encoded.forEach((redisKey, bytes) -> sent.add(commands.set(redisKey, bytes, args)));
    try {
      for (RedisFuture<String> future : sent) {
        guard.await(future, start);
      }
    } catch (RemoteFailure e) {
      sent.forEach(f -> f.cancel(true));
      pending.remember(new ArrayList<>(encoded.keySet()));
      retryOwedLater();
      return;
    }
    pending.superseded(encoded.keySet());
    replayOwed();
  }

  @Override
  public void invalidate(K key) {
    pending.delete(List.of(redisKey(key)));
    retryOwedLater();
  }

  @Override
  public void invalidateAll() {
    pending.deleteAll();
    retryOwedLater();
  }

  /**
   * Sends what this cache owes Redis: the deletions first, then, once none is owed, the
   * invalidation messages (a receiver that drops its copy re-reads L2, which must not hold the
   * old value any more).
   */
  private void replayOwed() {
    pending.replay();
    if (!pending.owes()) {
      channel.replay();
    }
  }

  /**
   * Makes sure what is owed is sent even if no operation follows: a retry every
   * {@link #OWED_RETRY_INTERVAL_MILLIS} ms on a shared daemon thread while anything is owed.
   */
  private void retryOwedLater() {
    if ((pending.owes() || channel.owes()) && retryScheduled.compareAndSet(false, true)) {
      try {
        RetryScheduler.INSTANCE.schedule(this::retryOwed, OWED_RETRY_INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
      } catch (RuntimeException e) {
        retryScheduled.set(false); // the next operation schedules again
      }
    }
  }

  private void retryOwed() {
    retryScheduled.set(false);
    try {
      replayOwed();
    } catch (RuntimeException e) {
      LOG.debug("Redis cache '{}': replaying owed invalidations failed: {}", name, e.toString());
    }
    retryOwedLater();
  }

  /** One daemon thread shared by every Redis cache, for the retries of what is owed. */
  private static final class RetryScheduler {
    static final ScheduledExecutorService INSTANCE = DaemonSchedulers.create("layerkit-cache-replay", 1);
  }

  @Override
  public KeyCodec<K> keyCodec() {
    return keyCodec;
  }

  @Override
  public void publishInvalidation(String origin, @Nullable K key) {
    channel.publish(origin, key);
    retryOwedLater();
  }

  /** Sends the messages back to back and waits for them together: one round trip. */
  @Override
  public void publishInvalidations(String origin, Collection<? extends K> keys) {
    channel.publishAll(origin, keys);
    retryOwedLater();
  }

  @Override
  public Subscription subscribeInvalidations(InvalidationListener<K> listener) {
    return channel.subscribe(listener);
  }

  /**
   * Returns a health check: {@code UP} when Redis answers a {@code PING} and the breaker is
   * closed, else {@code DEGRADED} (the cache misses and loaders answer; nothing is down). A caller
   * interrupted before or while it waits gets {@code DEGRADED} at once and keeps its interrupt
   * status.
   *
   * @return the check, named {@code cache-redis-<name>}
   */
  @Override
  public HealthCheck healthCheck() {
    return HealthCheck.of("cache-redis-" + name, () -> {
      CircuitBreaker breaker = guard.breaker();
      String state = breaker.getState().name();
      if (Thread.currentThread().isInterrupted()) {
        // Not held up, and the same answer whether or not a reply would have come in time: a
        // completed future's get() ignores the interrupt, so pinging would race the reply.
        return Health.degraded("interrupted before the ping").detail("breaker", state).build();
      }
      long start = timeSource.nanoTime();
      try {
        String pong = commands.ping().get(Math.max(guard.timeoutNanos(), TimeUnit.MILLISECONDS.toNanos(100)),
            TimeUnit.NANOSECONDS);
        if (breaker.getState() != CircuitBreaker.State.CLOSED) {
          return Health.degraded("Redis answers but the circuit breaker is " + state).detail("breaker", state).build();
        }
        return Health.up().detail("ping", pong).detail("latencyMicros", (timeSource.nanoTime() - start) / 1_000)
            .detail("breaker", state).build();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Health.degraded("interrupted while waiting for the ping").detail("breaker", state).build();
      } catch (ExecutionException | TimeoutException | RuntimeException e) {
        return Health.degraded("Redis unreachable (" + e + "); reads go to the loader").detail("breaker", state).build();
      }
    });
  }

  /**
   * Returns the policy whose circuit breaker guards Redis calls.
   *
   * @return the policy
   */
  public ResiliencePolicy resiliencePolicy() {
    return policy;
  }

  /**
   * Returns the prefix of this cache's Redis keys: the key of {@code k} is
   * {@code <keyPrefix>{<k as the key codec writes it>}}.
   *
   * @return the prefix
   */
  public String keyPrefix() {
    return keyPrefix;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public long errorCount() {
    return guard.errorCount();
  }

  @Override
  public long rejectedCount() {
    return rejected.sum();
  }

  @Override
  public String toString() {
    return "RedisCache{name=" + name + ", keyPrefix=" + keyPrefix + ", breaker=" + guard.breaker().getState() + '}';
  }

  /**
   * Configures a {@link RedisCache}; what {@code Caches.redis(connection, codec)} returns. Setters
   * validate at once; each may be given once. Not thread-safe; the cache it builds is.
   *
   * @param <K> the key type
   * @param <V> the value type
   */
  public static final class Builder<K, V> implements RemoteCacheBuilder<K, V> {
    private final BuilderSettings settings = new BuilderSettings();
    private final RedisClusterAsyncCommands<String, byte[]> commands;
    private final Codec<V> codec;
    private String name = "default";
    @SuppressWarnings("unchecked")
    private KeyCodec<K> keyCodec = (KeyCodec<K>) KeyCodec.strings();
    private @Nullable String keyPrefix;
    private Duration timeout = Duration.ofMillis(DEFAULT_TIMEOUT_MILLIS);
    private int maxValueBytes = DEFAULT_MAX_VALUE_BYTES;
    private TimeSource timeSource = TimeSource.system();
    private @Nullable ResiliencePolicy policy;
    private @Nullable Supplier<? extends @Nullable StatefulRedisPubSubConnection<String, byte[]>> pubSub;
    private @Nullable MeterRegistry meterRegistry;

    private Builder(RedisClusterAsyncCommands<String, byte[]> commands, Codec<V> codec) {
      this.commands = commands;
      this.codec = codec;
    }

    /**
     * Sets the name in metrics, logs, the health check and the default key prefix.
     *
     * @param name the name
     * @return this builder
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if {@code name} is blank
     * @throws IllegalStateException if already set
     */
    public Builder<K, V> name(String name) {
      Arguments.notBlank(name, "name");
      settings.requireUnset("name", this.name);
      this.name = name;
      return this;
    }

    /**
     * Sets how keys become Redis key suffixes; {@link KeyCodec#strings()} by default, which only
     * suits {@code String} keys.
     *
     * @param keyCodec the key codec
     * @return this builder
     * @throws NullPointerException if {@code keyCodec} is null
     * @throws IllegalStateException if already set
     */
    public Builder<K, V> keyCodec(KeyCodec<K> keyCodec) {
      Objects.requireNonNull(keyCodec, "keyCodec");
      settings.requireUnset("keyCodec", this.keyCodec);
      this.keyCodec = keyCodec;
      return this;
    }

    /**
     * Sets the namespace: every key (and the invalidation channel) starts with it; by default
     * {@code layerkit:cache:<name>:}. {@link RedisCache#invalidateAll()} deletes exactly the keys
     * under it, so do not share it with other data.
     *
     * @param keyPrefix the prefix, not empty, without braces (the key in braces is the hash tag)
     * @return this builder
     * @throws NullPointerException if {@code keyPrefix} is null
     * @throws IllegalArgumentException if it is empty or contains a brace
     * @throws IllegalStateException if already set
     */
    public Builder<K, V> keyPrefix(String keyPrefix) {
      RedisKeys.checkPrefix(keyPrefix);
      if (keyPrefix.isEmpty()) {
        throw new IllegalArgumentException("keyPrefix must not be empty");
      }
      settings.requireUnset("keyPrefix", this.keyPrefix);
      this.keyPrefix = keyPrefix;
      return this;
    }

    /**
     * Sets how long one call waits for Redis before it counts as failed;
     * {@value RedisCache#DEFAULT_TIMEOUT_MILLIS} ms by default.
     *
     * @param timeout the timeout
     * @return this builder
     * @throws NullPointerException if {@code timeout} is null
     * @throws IllegalArgumentException if it is not positive
     * @throws IllegalStateException if already set
     */
    public Builder<K, V> timeout(Duration timeout) {
      Arguments.positive(timeout, "timeout");
      settings.requireUnset("timeout", this.timeout);
      this.timeout = timeout;
      return this;
    }

    /**
     * Sets the largest encoded value stored; larger ones are not cached and are counted.
     * {@value RedisCache#DEFAULT_MAX_VALUE_BYTES} bytes by default.
     *
     * @param maxValueBytes the bound in bytes, positive
     * @return this builder
     * @throws IllegalArgumentException if it is not positive
     * @throws IllegalStateException if already set
     */
    public Builder<K, V> maxValueBytes(int maxValueBytes) {
      Arguments.positive(maxValueBytes, "maxValueBytes");
      settings.requireUnset("maxValueBytes", this.maxValueBytes);
      this.maxValueBytes = maxValueBytes;
      return this;
    }

    /**
     * Sets the time source of timeouts and of the default breaker; meant for tests.
     *
     * @param timeSource the time source
     * @return this builder
     * @throws NullPointerException if {@code timeSource} is null
     * @throws IllegalStateException if already set
     */
    public Builder<K, V> timeSource(TimeSource timeSource) {
      Objects.requireNonNull(timeSource, "timeSource");
      settings.requireUnset("timeSource", this.timeSource);
      this.timeSource = timeSource;
      return this;
    }

    /**
     * Sets the policy whose circuit breaker guards Redis calls (only the breaker is used: the
     * cache has its own timeout and does not retry). By default a breaker that opens at 50%
     * failures of the last 10 calls (at least 5), waits 5 s, then lets one probe call through.
     *
     * @param policy a policy with a circuit breaker
     * @return this builder
     * @throws NullPointerException if {@code policy} is null
     * @throws IllegalArgumentException if the policy has no circuit breaker
     * @throws IllegalStateException if already set
     */
    public Builder<K, V> resiliencePolicy(ResiliencePolicy policy) {
      Objects.requireNonNull(policy, "policy");
      if (policy.circuitBreaker().isEmpty()) {
        throw new IllegalArgumentException("policy must have a circuit breaker but was " + policy);
      }
      settings.requireUnset("resiliencePolicy", this.policy);
      this.policy = policy;
      return this;
    }

    /**
     * Gives the connection on which {@link RedisCache#subscribeInvalidations} listens; needed for
     * a tiered cache. The connection is used for this cache's channel only (it may serve other
     * channels too).
     *
     * @param connection a pub/sub connection with Layerkit's codec
     *     ({@link RedisConnections#connectPubSub(io.lettuce.core.RedisClient)})
     * @return this builder
     * @throws NullPointerException if {@code connection} is null
     * @throws IllegalStateException if already set
     */
    public Builder<K, V> invalidationChannel(StatefulRedisPubSubConnection<String, byte[]> connection) {
      Objects.requireNonNull(connection, "connection");
      settings.requireUnset("invalidationChannel", this.pubSub);
      this.pubSub = () -> connection;
      return this;
    }

    /**
     * Gives the invalidation channel's connection as a supplier, asked at each attempt to
     * subscribe until one succeeds: for a pub/sub connection that cannot be made yet because
     * Redis is not up. The supplier may throw (Lettuce's {@code RedisConnectionException}) until
     * Redis answers; a tiered cache over this cache then starts anyway and subscribes in the
     * background (see {@link dev.layerkit.cache.Caches#tiered(CacheBuilder, RemoteCacheBuilder)}).
     * It is called from the thread that builds the tiered cache and then from a Layerkit daemon
     * thread, never on a hot path; the connection it returns is the caller's, as with
     * {@link #invalidationChannel(StatefulRedisPubSubConnection)}.
     *
     * @param connection supplies the pub/sub connection, with Layerkit's codec; it may throw, and
     *     should fail fast rather than block while Redis is known to be down
     * @return this builder
     * @throws NullPointerException if {@code connection} is null
     * @throws IllegalStateException if already set
     */
    public Builder<K, V> invalidationChannel(
        Supplier<? extends StatefulRedisPubSubConnection<String, byte[]>> connection) {
      Objects.requireNonNull(connection, "connection");
      settings.requireUnset("invalidationChannel", this.pubSub);
      this.pubSub = connection;
      return this;
    }

    /**
     * Registers the cache's meters in {@code registry}.
     *
     * @param registry the registry
     * @return this builder
     * @throws NullPointerException if {@code registry} is null
     * @throws IllegalStateException if already set
     */
    public Builder<K, V> meterRegistry(MeterRegistry registry) {
      Objects.requireNonNull(registry, "registry");
      settings.requireUnset("meterRegistry", this.meterRegistry);
      this.meterRegistry = registry;
      return this;
    }

    /**
     * Builds the cache; no Redis call is made until the first use.
     *
     * @return the cache
     */
    @Override
    public RedisCache<K, V> build() {
      return new RedisCache<>(this, codec);
    }

    /**
     * Builds a cache of this configuration whose values wrap this builder's, encoded by
     * {@code wrapping.codec(codec)}; how a {@code CacheAside} gets its Redis backend.
     *
     * @param wrapping how a stored value wraps a configured one
     * @param <E> the stored type
     * @return the cache
     * @throws NullPointerException if {@code wrapping} is null
     */
    @Override
    public <E> RedisCache<K, E> buildWrapped(CacheBuilder.Wrapping<V, E> wrapping) {
      Objects.requireNonNull(wrapping, "wrapping");
      return new RedisCache<>(this, wrapping.codec(codec));
    }
  }
}
