package dev.layerkit.cache.redis;

import dev.layerkit.cache.KeyCodec;
import dev.layerkit.cache.RemoteCache.InvalidationListener;
import dev.layerkit.cache.RemoteCache.Subscription;
import dev.layerkit.cache.redis.RedisGuard.RemoteFailure;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Redis cache's invalidation channel, {@code <keyPrefix>invalidations}: how the instances of a
 * tiered cache tell each other which keys changed.
 *
 * <p>A message is {@code <origin>|K<key>} for one key or {@code <origin>|A} for every entry, in
 * UTF-8, the key as its {@link KeyCodec} writes it. Publishing is best effort, through the cache's
 * {@link RedisGuard} (timeout and breaker); a batch is sent back to back and awaited together, one
 * round trip. Subscribing adds a listener to a pub/sub connection the caller owns (given as is, or
 * as a supplier asked at each attempt, which may throw while Redis cannot be reached); Lettuce
 * re-subscribes after a reconnect, which the listener hears as {@code resubscribed()}, since
 * messages may have been lost meanwhile. A subscription that cannot be made now throws Lettuce's
 * {@link RedisException} (the tiered cache retries it); only a missing channel is an
 * {@link IllegalStateException}.
 *
 * <p>A message that could not be sent (a timeout, a failure, the breaker open) is remembered and
 * sent again by {@link #replay()}, which the cache calls once Redis answers and the deletions it
 * owes Redis are done (in that order: a receiver that drops its L1 copy re-reads L2, which must no
 * longer hold the old value). So the other instances' L1 copies of a key changed during an
 * outage are dropped when Redis is back, not only when their local TTL runs out; a message that
 * timed out may also have been delivered late, and a second copy is harmless. Up to
 * {@link RedisCache#MAX_PENDING_INVALIDATIONS} messages are remembered; beyond that, one message
 * that drops every entry replaces them.
 *
 * <p>Thread-safe.
 */
final class InvalidationChannel<K> {

  private static final Logger LOG = LoggerFactory.getLogger(InvalidationChannel.class);

  private final String name;
  private final String channel;
  private final RedisClusterAsyncCommands<String, byte[]> commands;
  private final RedisGuard guard;
  private final KeyCodec<K> keyCodec;
  private final @Nullable Supplier<? extends @Nullable StatefulRedisPubSubConnection<String, byte[]>> pubSub;
  /** Messages not sent yet, as their text. */
  private final Set<String> unsent = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean replaying = new AtomicBoolean();

  InvalidationChannel(String name, String channel, RedisClusterAsyncCommands<String, byte[]> commands,
      RedisGuard guard, KeyCodec<K> keyCodec,
      @Nullable Supplier<? extends @Nullable StatefulRedisPubSubConnection<String, byte[]>> pubSub) {
    this.name = name;
    this.channel = channel;
    this.commands = commands;
    this.guard = guard;
    this.keyCodec = keyCodec;
    this.pubSub = pubSub;
  }

  private static void checkOrigin(String origin) {
    Objects.requireNonNull(origin, "origin");
    if (origin.indexOf('|') >= 0) {
      throw new IllegalArgumentException("origin must not contain '|' but was '" + origin + "'");
    }
  }

  void publish(String origin, @Nullable K key) {
    checkOrigin(origin);
    String message = key == null ? origin + "|A" : origin + "|K" + keyCodec.encode(key);
    if (!guard.permitted()) {
      remember(List.of(message));
      return;
    }
    try {
      guard.await(commands.publish(channel, message.getBytes(StandardCharsets.UTF_8)), guard.start());
    } catch (RemoteFailure e) {
      remember(List.of(message));
    }
  }

  /** Remembers messages to send again; past the bound, one "every entry" message per origin. */
  private void remember(Collection<String> messages) {
    if (unsent.size() + messages.size() > RedisCache.MAX_PENDING_INVALIDATIONS) {
      Set<String> origins = new HashSet<>();
      for (String message : unsent) {
        origins.add(message.substring(0, message.indexOf('|')));
      }
      for (String message : messages) {
        origins.add(message.substring(0, message.indexOf('|')));
      }
      unsent.clear();
      origins.forEach(origin -> unsent.add(origin + "|A"));
    } else {
      unsent.addAll(messages);
    }
  }

  /** Whether messages wait to be sent again. */
  boolean owes() {
    return !unsent.isEmpty();
  }

  /**
   * Sends the remembered messages, one thread at a time; what fails stays remembered. Called only
   * once the cache owes Redis no deletion (see the class note).
   */
  void replay() {
    if (unsent.isEmpty() || !replaying.compareAndSet(false, true)) {
      return;
    }
    try {
      List<String> batch = new ArrayList<>(unsent);
      if (!guard.permittedQuietly()) {
        return;
      }
      long start = guard.start();
      List<RedisFuture<Long>> sent = new ArrayList<>(batch.size());
      for (String message : batch) {
        sent.add(commands.publish(channel, message.getBytes(StandardCharsets.UTF_8)));
      }
      for (RedisFuture<Long> future : sent) {
        guard.await(future, start);
      }
      batch.forEach(unsent::remove);
    } catch (RemoteFailure e) {
      // Stays remembered; the next replay tries again.
    } finally {
      replaying.set(false);
    }
  }

  void publishAll(String origin, Collection<? extends K> keys) {
    checkOrigin(origin);
    Objects.requireNonNull(keys, "keys");
    List<String> messages = new ArrayList<>(keys.size());
    for (K key : keys) {
      messages.add(origin + "|K" + keyCodec.encode(Objects.requireNonNull(key, "key")));
    }
    if (messages.isEmpty()) {
      return;
    }
    if (!guard.permitted()) {
      remember(messages);
      return;
    }
    long start = guard.start();
    List<RedisFuture<Long>> sent = new ArrayList<>(messages.size());
    for (String message : messages) {
      sent.add(commands.publish(channel, message.getBytes(StandardCharsets.UTF_8)));
    }
    try {
      for (RedisFuture<Long> future : sent) {
        guard.await(future, start);
      }
    } catch (RemoteFailure e) {
      // Which ones arrived is not known: all are sent again, a second copy is harmless.
      remember(messages);
    }
  }

  /**
   * Subscribes {@code listener} to the channel.
   *
   * @throws IllegalStateException if the cache has no channel (a configuration error), or if
   *     interrupted
   * @throws RuntimeException if the subscription cannot be made now: whatever the connection
   *     supplier threw (Lettuce's {@code RedisConnectionException} while Redis is unreachable), or a
   *     {@link RedisException} for a SUBSCRIBE that failed or timed out
   */
  Subscription subscribe(InvalidationListener<K> listener) {
    Objects.requireNonNull(listener, "listener");
    if (pubSub == null) {
      throw new IllegalStateException("Redis cache '" + name + "' has no invalidation channel: "
          + "set Builder.invalidationChannel(connection)");
    }
    StatefulRedisPubSubConnection<String, byte[]> connection = pubSub.get();
    if (connection == null) {
      throw new RedisException("Redis cache '" + name + "': the invalidation channel's connection supplier"
          + " returned null");
    }
    AtomicBoolean subscribedOnce = new AtomicBoolean();
    RedisPubSubAdapter<String, byte[]> adapter = new RedisPubSubAdapter<>() {
      @Override
      public void message(String from, byte[] bytes) {
        if (channel.equals(from)) {
          deliver(listener, new String(bytes, StandardCharsets.UTF_8));
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
      connection.async().subscribe(channel).get(Math.max(guard.timeoutNanos(), TimeUnit.SECONDS.toNanos(10)),
          TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      connection.removeListener(adapter);
      throw new IllegalStateException("interrupted while subscribing to " + channel, e);
    } catch (ExecutionException | TimeoutException e) {
      connection.removeListener(adapter);
      throw new RedisException("cannot subscribe to " + channel + ": " + e, e);
    }
    return () -> {
      connection.removeListener(adapter);
      // Not awaited: closing must not block on a server that may be gone.
      connection.async().unsubscribe(channel);
    };
  }

  private void deliver(InvalidationListener<K> listener, String message) {
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
}
