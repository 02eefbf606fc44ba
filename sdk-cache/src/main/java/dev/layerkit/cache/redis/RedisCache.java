package dev.layerkit.cache.redis;

import dev.layerkit.cache.Cache;
import dev.layerkit.cache.KeyCodec;
import dev.layerkit.cache.RemoteCache;
import dev.layerkit.cache.internal.CacheArguments;
import dev.layerkit.core.codec.Codec;
import dev.layerkit.core.codec.CodecException;
import dev.layerkit.core.health.Health;
import dev.layerkit.core.health.HealthCheck;
import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.resilience.ResiliencePolicy;
import dev.layerkit.core.time.TimeSource;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link RemoteCache} in Redis, on Lettuce: values encoded by a {@link Codec} under
 * {@code <keyPrefix><key>}, each with its TTL as {@code SET ... PX}.
 *
 * <h2>Round trips</h2>
 *
 * <p>{@link #get} is one {@code GET}; {@link #getAll} is one {@code MGET} for all keys (on a
 * cluster connection Lettuce splits it by slot); {@link #getHit} and {@link #getAllHits} add a
 * {@code PTTL} per key, pipelined in the same round trip; {@link #putAll} sends its {@code SET}s back to back
 * on the multiplexed connection and waits for them together, so a batch costs one round trip, not
 * one per key. Works on a standalone ({@link #builder(StatefulRedisConnection, Codec)}) or cluster
 * ({@link #builder(StatefulRedisClusterConnection, Codec)}) connection, which may be shared with
 * other users; the connection must use {@code RedisCodec.of(StringCodec.UTF8,
 * ByteArrayCodec.INSTANCE)}.
 *
 * <h2>Failure</h2>
 *
 * <p>Every call waits at most the {@linkplain Builder#timeout(Duration) timeout} (default
 * {@value #DEFAULT_TIMEOUT_MILLIS} ms) and then cancels the command, so a command Lettuce queued
 * while disconnected does not run later, unseen. A failed or timed-out read is a miss, a failed
 * write is not written; nothing throws. Failures feed the circuit breaker of a
 * {@link ResiliencePolicy}: when it opens, calls skip Redis entirely until its wait ends and a
 * probe call succeeds, so a dead Redis costs no timeouts. The {@link #healthCheck()} then says
 * {@code DEGRADED} (reads go to the loader; the application still works).
 *
 * <p>An invalidation that fails is remembered (up to {@value #MAX_PENDING_INVALIDATIONS} keys;
 * beyond that, or for a failed {@link #invalidateAll()}, the whole namespace): until it is
 * replayed on Redis, reads of those keys are misses, and it is replayed after the next successful
 * call. A write that failed or timed out is treated the same way, since a timed-out {@code SET}
 * may still land later. So after Redis returns, an entry written before a failed invalidation is
 * never served.
 *
 * <h2>Bad input</h2>
 *
 * <p>A value the codec cannot encode throws its {@link CodecException} before anything is sent. A
 * value whose encoding exceeds {@linkplain Builder#maxValueBytes(int) maxValueBytes} is not
 * stored, any older value of the key is deleted, and it is counted in {@link #rejectedCount()}.
 * Bytes that do not decode are a miss and counted as an error.
 *
 * <p>Thread-safe. Metrics with a registry, tagged {@code cache=<name>}:
 * {@code layerkit.cache.redis.errors}, {@code layerkit.cache.redis.rejected}.
 *
 * <pre>{@code
 * RedisClient client = RedisClient.create("redis://localhost:6379");
 * StatefulRedisConnection<String, byte[]> connection =
 *     client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
 * RedisCache<String, CachedValue<Order>> orders = RedisCache
 *     .builder(connection, CachedValue.codec(Codecs.json(Order.class)))
 *     .name("orders").keyCodec(KeyCodec.strings()).timeout(Duration.ofMillis(50))
 *     .invalidationChannel(client.connectPubSub())
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

  private static final Logger LOG = LoggerFactory.getLogger(RedisCache.class);
  private static final int SCAN_BATCH = 1_000;

  private final String name;
  private final RedisClusterAsyncCommands<String, byte[]> commands;
  private final Codec<V> codec;
  private final KeyCodec<K> keyCodec;
  private final String keyPrefix;
  private final String channel;
  private final long timeoutNanos;
  private final int maxValueBytes;
  private final TimeSource timeSource;
  private final ResiliencePolicy policy;
  private final CircuitBreaker breaker;
  private final @Nullable StatefulRedisPubSubConnection<String, String> pubSub;
  private final LongAdder errors = new LongAdder();
  private final LongAdder rejected = new LongAdder();
  private final Set<String> pendingInvalidations = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean pendingInvalidateAll = new AtomicBoolean();
  private final AtomicBoolean replaying = new AtomicBoolean();
  private volatile boolean failing;

  private RedisCache(Builder<K, V> builder) {
    this.name = builder.name;
    this.commands = builder.commands;
    this.codec = builder.codec;
    this.keyCodec = builder.keyCodec;
    this.keyPrefix = builder.keyPrefix != null ? builder.keyPrefix : "layerkit:cache:" + name + ':';
    this.channel = keyPrefix + "invalidations";
    this.timeoutNanos = builder.timeout.toNanos();
    this.maxValueBytes = builder.maxValueBytes;
    this.timeSource = builder.timeSource;
    this.policy = builder.policy != null ? builder.policy : ResiliencePolicy.builder("cache-redis-" + name)
        .failureRateThreshold(50).slidingWindowSize(10).minimumNumberOfCalls(5)
        .waitDurationInOpenState(Duration.ofSeconds(5)).permittedNumberOfCallsInHalfOpenState(1)
        .timeSource(timeSource).build();
    this.breaker = policy.circuitBreaker().orElseThrow(
        () -> new IllegalArgumentException("policy '" + policy.name() + "' must have a circuit breaker"));
    this.pubSub = builder.pubSub;
    if (builder.meterRegistry != null) {
      FunctionCounter.builder("layerkit.cache.redis.errors", errors, LongAdder::sum)
          .description("Redis calls that failed, timed out or were skipped by the open breaker")
          .tag("cache", name).register(builder.meterRegistry);
      FunctionCounter.builder("layerkit.cache.redis.rejected", rejected, LongAdder::sum)
          .description("Values not stored for exceeding maxValueBytes").tag("cache", name)
          .register(builder.meterRegistry);
    }
  }

  /**
   * Returns a builder of a cache on a standalone connection.
   *
   * @param connection a connection with String keys and byte[] values
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
   * @param connection a cluster connection with String keys and byte[] values
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

  /** Thrown inside this class for a failed or timed-out call; never escapes. */
  private static final class RemoteFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    RemoteFailure(String message, @Nullable Throwable cause) {
      super(message, cause, false, false);
    }
  }

  /** Waits for a command within the timeout, through the breaker; throws RemoteFailure. */
  private <T> T call(RedisFuture<T> future, long start) {
    try {
      T result = future.get(Math.max(0, timeoutNanos - (timeSource.nanoTime() - start)), TimeUnit.NANOSECONDS);
      breaker.onSuccess(timeSource.nanoTime() - start, TimeUnit.NANOSECONDS);
      recovered();
      return result;
    } catch (TimeoutException e) {
      future.cancel(true);
      throw failed(start, new RemoteFailure("timed out after " + timeoutNanos / 1_000_000 + " ms", e));
    } catch (InterruptedException e) {
      future.cancel(true);
      Thread.currentThread().interrupt();
      throw failed(start, new RemoteFailure("interrupted", e));
    } catch (ExecutionException e) {
      throw failed(start, new RemoteFailure(String.valueOf(e.getCause()), e.getCause()));
    }
  }

  private RemoteFailure failed(long start, RemoteFailure failure) {
    breaker.onError(timeSource.nanoTime() - start, TimeUnit.NANOSECONDS, failure);
    errors.increment();
    if (!failing) {
      failing = true;
      LOG.warn("Redis cache '{}': Redis call failed ({}); reads miss and writes are dropped until it answers",
          name, failure.getMessage());
    }
    return failure;
  }

  /** Returns false, counting a skipped call, if the breaker is open. */
  private boolean permitted() {
    if (breaker.tryAcquirePermission()) {
      return true;
    }
    errors.increment();
    return false;
  }

  private void recovered() {
    if (failing) {
      failing = false;
      LOG.info("Redis cache '{}': Redis answers again", name);
    }
  }

  private String redisKey(K key) {
    return keyPrefix + keyCodec.encode(CacheArguments.key(key));
  }

  private boolean pendingFor(String redisKey) {
    return pendingInvalidateAll.get() || (!pendingInvalidations.isEmpty() && pendingInvalidations.contains(redisKey));
  }

  @Override
  public @Nullable V get(K key) {
    String redisKey = redisKey(key);
    if (pendingFor(redisKey) || !permitted()) {
      replayPending();
      return null;
    }
    byte[] bytes;
    try {
      bytes = call(commands.get(redisKey), timeSource.nanoTime());
    } catch (RemoteFailure e) {
      return null;
    }
    replayPending();
    return bytes == null ? null : decode(redisKey, bytes);
  }

  @Override
  public @Nullable Hit<V> getHit(K key) {
    String redisKey = redisKey(key);
    if (pendingFor(redisKey) || !permitted()) {
      replayPending();
      return null;
    }
    long start = timeSource.nanoTime();
    // Sent back to back on the multiplexed connection: one round trip.
    RedisFuture<byte[]> value = commands.get(redisKey);
    RedisFuture<Long> pttl = commands.pttl(redisKey);
    byte[] bytes;
    Long ttl;
    try {
      bytes = call(value, start);
      ttl = call(pttl, start);
    } catch (RemoteFailure e) {
      return null;
    }
    replayPending();
    V decoded = bytes == null || ttl == null || ttl <= 0 ? null : decode(redisKey, bytes);
    return decoded == null ? null : new Hit<>(decoded, Duration.ofMillis(ttl));
  }

  @Override
  public Map<K, Hit<V>> getAllHits(Collection<? extends K> keys) {
    Objects.requireNonNull(keys, "keys");
    Map<String, K> byRedisKey = new LinkedHashMap<>();
    for (K key : keys) {
      String redisKey = redisKey(key);
      if (!pendingFor(redisKey)) {
        byRedisKey.put(redisKey, key);
      }
    }
    Map<K, Hit<V>> found = new HashMap<>();
    if (byRedisKey.isEmpty() || !permitted()) {
      replayPending();
      return found;
    }
    long start = timeSource.nanoTime();
    RedisFuture<List<KeyValue<String, byte[]>>> values = commands.mget(byRedisKey.keySet().toArray(new String[0]));
    Map<String, RedisFuture<Long>> ttls = new HashMap<>();
    for (String redisKey : byRedisKey.keySet()) {
      ttls.put(redisKey, commands.pttl(redisKey));
    }
    try {
      for (KeyValue<String, byte[]> kv : call(values, start)) {
        Long ttl = call(ttls.get(kv.getKey()), start);
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
    replayPending();
    return found;
  }

  private @Nullable V decode(String redisKey, byte[] bytes) {
    try {
      return codec.decode(bytes);
    } catch (CodecException e) {
      errors.increment();
      LOG.warn("Redis cache '{}': cannot decode {}; treated as a miss: {}", name, redisKey, e.getMessage());
      return null;
    }
  }

  @Override
  public Map<K, V> getAll(Collection<? extends K> keys) {
    Objects.requireNonNull(keys, "keys");
    Map<String, K> byRedisKey = new LinkedHashMap<>();
    for (K key : keys) {
      String redisKey = redisKey(key);
      if (!pendingFor(redisKey)) {
        byRedisKey.put(redisKey, key);
      }
    }
    Map<K, V> found = new HashMap<>();
    if (byRedisKey.isEmpty() || !permitted()) {
      replayPending();
      return found;
    }
    List<KeyValue<String, byte[]>> values;
    try {
      values = call(commands.mget(byRedisKey.keySet().toArray(new String[0])), timeSource.nanoTime());
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
    replayPending();
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
    if (!permitted()) {
      return false;
    }
    try {
      call(commands.set(redisKey, bytes, SetArgs.Builder.px(ttl)), timeSource.nanoTime());
    } catch (RemoteFailure e) {
      rememberUncertainWrites(List.of(redisKey));
      return false;
    }
    // The new value supersedes an invalidation that could not be sent.
    pendingInvalidations.remove(redisKey);
    replayPending();
    return true;
  }

  private void rejectTooLarge(String redisKey, int length) {
    rejected.increment();
    LOG.debug("Redis cache '{}': value of {} is {} bytes, over maxValueBytes {}; not cached",
        name, redisKey, length, maxValueBytes);
    delete(List.of(redisKey));
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
    if (encoded.isEmpty() || !permitted()) {
      return;
    }
    long start = timeSource.nanoTime();
    SetArgs args = SetArgs.Builder.px(ttl);
    List<RedisFuture<String>> sent = new ArrayList<>(encoded.size());
    encoded.forEach((redisKey, bytes) -> sent.add(commands.set(redisKey, bytes, args)));
    try {
      for (RedisFuture<String> future : sent) {
        call(future, start);
      }
    } catch (RemoteFailure e) {
      sent.forEach(f -> f.cancel(true));
      rememberUncertainWrites(new ArrayList<>(encoded.keySet()));
      return;
    }
    pendingInvalidations.removeAll(encoded.keySet());
    replayPending();
  }

  /**
   * A write that timed out may still reach Redis later (cancelling stops only the wait) and could
   * then overwrite a newer invalidation. Treating its keys as pending invalidations makes reads
   * miss until an UNLINK, sent later on the same connection and so run after the write, removes
   * whatever it left.
   */
  private void rememberUncertainWrites(List<String> redisKeys) {
    if (pendingInvalidations.size() + redisKeys.size() > MAX_PENDING_INVALIDATIONS) {
      pendingInvalidateAll.set(true);
    } else {
      pendingInvalidations.addAll(redisKeys);
    }
  }

  @Override
  public void invalidate(K key) {
    delete(List.of(redisKey(key)));
  }

  /** Deletes keys, remembering them for a replay if Redis cannot be told now. */
  private void delete(List<String> redisKeys) {
    if (permitted()) {
      try {
        call(commands.unlink(redisKeys.toArray(new String[0])), timeSource.nanoTime());
        redisKeys.forEach(pendingInvalidations::remove);
        return;
      } catch (RemoteFailure e) {
        // Remembered below.
      }
    }
    rememberUncertainWrites(redisKeys);
  }

  @Override
  public void invalidateAll() {
    if (!deleteNamespace()) {
      pendingInvalidateAll.set(true);
    }
  }

  /** Deletes every key under the prefix with SCAN and UNLINK; false if Redis failed. */
  private boolean deleteNamespace() {
    if (!permitted()) {
      return false;
    }
    ScanArgs args = ScanArgs.Builder.matches(globEscape(keyPrefix) + '*').limit(SCAN_BATCH);
    try {
      KeyScanCursor<String> cursor = call(commands.scan(args), timeSource.nanoTime());
      while (true) {
        if (!cursor.getKeys().isEmpty()) {
          call(commands.unlink(cursor.getKeys().toArray(new String[0])), timeSource.nanoTime());
        }
        if (cursor.isFinished()) {
          break;
        }
        cursor = call(commands.scan(cursor, args), timeSource.nanoTime());
      }
    } catch (RemoteFailure e) {
      return false;
    }
    pendingInvalidations.clear();
    pendingInvalidateAll.set(false);
    return true;
  }

  /** Sends the invalidations that failed earlier; one thread at a time, after a good call. */
  private void replayPending() {
    // Not gated on a recent success: when every read hits a pending key, the replay is the only
    // call that can show Redis is back. The breaker keeps it cheap during an outage.
    if ((pendingInvalidations.isEmpty() && !pendingInvalidateAll.get()) || !replaying.compareAndSet(false, true)) {
      return;
    }
    try {
      if (pendingInvalidateAll.get()) {
        deleteNamespace();
        return;
      }
      List<String> batch = new ArrayList<>(pendingInvalidations);
      for (int from = 0; from < batch.size(); from += SCAN_BATCH) {
        List<String> part = batch.subList(from, Math.min(batch.size(), from + SCAN_BATCH));
        if (!permitted()) {
          return;
        }
        call(commands.unlink(part.toArray(new String[0])), timeSource.nanoTime());
        part.forEach(pendingInvalidations::remove);
      }
    } catch (RemoteFailure e) {
      // Stays pending; the next good call tries again.
    } finally {
      replaying.set(false);
    }
  }

  private static String globEscape(String text) {
    StringBuilder out = new StringBuilder(text.length() + 8);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') {
        out.append('\\');
      }
      out.append(c);
    }
    return out.toString();
  }

  @Override
  public KeyCodec<K> keyCodec() {
    return keyCodec;
  }

  @Override
  public void publishInvalidation(String origin, @Nullable K key) {
    Objects.requireNonNull(origin, "origin");
    if (origin.indexOf('|') >= 0) {
      throw new IllegalArgumentException("origin must not contain '|' but was '" + origin + "'");
    }
    String message = key == null ? origin + "|A" : origin + "|K" + keyCodec.encode(key);
    if (!permitted()) {
      return;
    }
    try {
      call(commands.publish(channel, message.getBytes(StandardCharsets.UTF_8)), timeSource.nanoTime());
    } catch (RemoteFailure e) {
      // Best effort: receivers' short local TTL bounds what this loses.
    }
  }

  /** Sends the messages back to back and waits for them together: one round trip. */
  @Override
  public void publishInvalidations(String origin, Collection<? extends K> keys) {
    Objects.requireNonNull(origin, "origin");
    Objects.requireNonNull(keys, "keys");
    if (origin.indexOf('|') >= 0) {
      throw new IllegalArgumentException("origin must not contain '|' but was '" + origin + "'");
    }
    List<byte[]> messages = new ArrayList<>(keys.size());
    for (K key : keys) {
      messages.add((origin + "|K" + keyCodec.encode(CacheArguments.key(key))).getBytes(StandardCharsets.UTF_8));
    }
    if (messages.isEmpty() || !permitted()) {
      return;
    }
    long start = timeSource.nanoTime();
    List<RedisFuture<Long>> sent = new ArrayList<>(messages.size());
    for (byte[] message : messages) {
      sent.add(commands.publish(channel, message));
    }
    try {
      for (RedisFuture<Long> future : sent) {
        call(future, start);
      }
    } catch (RemoteFailure e) {
      // Best effort, as for one message.
    }
  }

  @Override
  public Subscription subscribeInvalidations(InvalidationListener<K> listener) {
    Objects.requireNonNull(listener, "listener");
    StatefulRedisPubSubConnection<String, String> connection = pubSub;
    if (connection == null) {
      throw new IllegalStateException("Redis cache '" + name + "' has no invalidation channel: "
          + "set Builder.invalidationChannel(connection)");
    }
    AtomicBoolean subscribedOnce = new AtomicBoolean();
    RedisPubSubAdapter<String, String> adapter = new RedisPubSubAdapter<>() {
      @Override
      public void message(String from, String message) {
        if (!channel.equals(from)) {
          return;
        }
        int bar = message.indexOf('|');
        if (bar < 0 || bar + 1 >= message.length()) {
          LOG.warn("Redis cache '{}': ignoring a malformed invalidation message", name);
          return;
        }
        String origin = message.substring(0, bar);
        try {
          listener.invalidated(origin, message.charAt(bar + 1) == 'A' ? null : keyCodec.decode(message.substring(bar + 2)));
        } catch (RuntimeException e) {
          LOG.warn("Redis cache '{}': invalidation listener failed", name, e);
        }
      }

      @Override
      public void subscribed(String to, long count) {
        // Lettuce re-subscribes after a reconnect, which confirms the subscription again.
        if (channel.equals(to) && !subscribedOnce.compareAndSet(false, true)) {
          listener.resubscribed();
        }
      }
    };
    connection.addListener(adapter);
    try {
      connection.async().subscribe(channel).get(Math.max(timeoutNanos, TimeUnit.SECONDS.toNanos(10)),
          TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      connection.removeListener(adapter);
      throw new IllegalStateException("interrupted while subscribing to " + channel, e);
    } catch (ExecutionException | TimeoutException e) {
      connection.removeListener(adapter);
      throw new IllegalStateException("cannot subscribe to " + channel + ": " + e, e);
    }
    return () -> {
      connection.removeListener(adapter);
      // Not awaited: closing must not block on a server that may be gone.
      connection.async().unsubscribe(channel);
    };
  }

  /**
   * Returns a health check: {@code UP} when Redis answers a {@code PING} and the breaker is
   * closed, else {@code DEGRADED} (the cache misses and loaders answer; nothing is down).
   *
   * @return the check, named {@code cache-redis-<name>}
   */
  public HealthCheck healthCheck() {
    return HealthCheck.of("cache-redis-" + name, () -> {
      long start = timeSource.nanoTime();
      String state = breaker.getState().name();
      try {
        String pong = commands.ping().get(Math.max(timeoutNanos, TimeUnit.MILLISECONDS.toNanos(100)),
            TimeUnit.NANOSECONDS);
        if (breaker.getState() != CircuitBreaker.State.CLOSED) {
          return Health.degraded("Redis answers but the circuit breaker is " + state).detail("breaker", state).build();
        }
        return Health.up().detail("ping", pong).detail("latencyMicros", (timeSource.nanoTime() - start) / 1_000)
            .detail("breaker", state).build();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Health.degraded("interrupted").build();
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
   * Returns the prefix of this cache's Redis keys.
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
    return errors.sum();
  }

  @Override
  public long rejectedCount() {
    return rejected.sum();
  }

  @Override
  public String toString() {
    return "RedisCache{name=" + name + ", keyPrefix=" + keyPrefix + ", breaker=" + breaker.getState() + '}';
  }

  /**
   * Configures a {@link RedisCache}. Setters validate at once; each may be given once. Not
   * thread-safe; the cache it builds is.
   *
   * @param <K> the key type
   * @param <V> the value type
   */
  public static final class Builder<K, V> {
    private final RedisClusterAsyncCommands<String, byte[]> commands;
    private final Codec<V> codec;
    private final Set<String> given = new HashSet<>();
    private String name = "default";
    @SuppressWarnings("unchecked")
    private KeyCodec<K> keyCodec = (KeyCodec<K>) KeyCodec.strings();
    private @Nullable String keyPrefix;
    private Duration timeout = Duration.ofMillis(DEFAULT_TIMEOUT_MILLIS);
    private int maxValueBytes = DEFAULT_MAX_VALUE_BYTES;
    private TimeSource timeSource = TimeSource.system();
    private @Nullable ResiliencePolicy policy;
    private @Nullable StatefulRedisPubSubConnection<String, String> pubSub;
    private @Nullable MeterRegistry meterRegistry;

    private Builder(RedisClusterAsyncCommands<String, byte[]> commands, Codec<V> codec) {
      this.commands = commands;
      this.codec = codec;
    }

    private void once(String setting, @Nullable Object current) {
      CacheArguments.once(!given.add(setting), setting, String.valueOf(current));
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
      once("name", this.name);
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
      once("keyCodec", this.keyCodec);
      this.keyCodec = keyCodec;
      return this;
    }

    /**
     * Sets the namespace: every key (and the invalidation channel) starts with it; by default
     * {@code layerkit:cache:<name>:}. {@link RedisCache#invalidateAll()} deletes exactly the keys
     * under it, so do not share it with other data.
     *
     * @param keyPrefix the prefix, not empty
     * @return this builder
     * @throws NullPointerException if {@code keyPrefix} is null
     * @throws IllegalArgumentException if it is empty
     * @throws IllegalStateException if already set
     */
    public Builder<K, V> keyPrefix(String keyPrefix) {
      Objects.requireNonNull(keyPrefix, "keyPrefix");
      if (keyPrefix.isEmpty()) {
        throw new IllegalArgumentException("keyPrefix must not be empty");
      }
      once("keyPrefix", this.keyPrefix);
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
      once("timeout", this.timeout);
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
      once("maxValueBytes", this.maxValueBytes);
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
      once("timeSource", this.timeSource);
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
      once("resiliencePolicy", this.policy);
      this.policy = policy;
      return this;
    }

    /**
     * Gives the connection on which {@link RedisCache#subscribeInvalidations} listens; needed for
     * a tiered cache. The connection is used for this cache's channel only (it may serve other
     * channels too).
     *
     * @param connection a pub/sub connection with String keys and values
     * @return this builder
     * @throws NullPointerException if {@code connection} is null
     * @throws IllegalStateException if already set
     */
    public Builder<K, V> invalidationChannel(StatefulRedisPubSubConnection<String, String> connection) {
      Objects.requireNonNull(connection, "connection");
      once("invalidationChannel", this.pubSub);
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
      once("meterRegistry", this.meterRegistry);
      this.meterRegistry = registry;
      return this;
    }

    /**
     * Builds the cache; no Redis call is made until the first use.
     *
     * @return the cache
     */
    public RedisCache<K, V> build() {
      return new RedisCache<>(this);
    }
  }
}
