package dev.layerkit.cache.redis;

import dev.layerkit.cache.KeyCodec;
import dev.layerkit.cache.RemoteCache.InvalidationListener;
import dev.layerkit.cache.RemoteCache.Subscription;
import dev.layerkit.cache.redis.RedisGuard.RemoteFailure;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
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
 * round trip. Subscribing adds a listener to a pub/sub connection the caller owns; Lettuce
 * re-subscribes after a reconnect, which the listener hears as {@code resubscribed()}, since
 * messages may have been lost meanwhile.
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
  private final @Nullable StatefulRedisPubSubConnection<String, byte[]> pubSub;

  InvalidationChannel(String name, String channel, RedisClusterAsyncCommands<String, byte[]> commands,
      RedisGuard guard, KeyCodec<K> keyCodec, @Nullable StatefulRedisPubSubConnection<String, byte[]> pubSub) {
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
      return;
    }
    try {
      guard.await(commands.publish(channel, message.getBytes(StandardCharsets.UTF_8)), guard.start());
    } catch (RemoteFailure e) {
      // Best effort: receivers' short local TTL bounds what this loses.
    }
  }

  void publishAll(String origin, Collection<? extends K> keys) {
    checkOrigin(origin);
    Objects.requireNonNull(keys, "keys");
    List<byte[]> messages = new ArrayList<>(keys.size());
    for (K key : keys) {
      messages.add((origin + "|K" + keyCodec.encode(Objects.requireNonNull(key, "key")))
          .getBytes(StandardCharsets.UTF_8));
    }
    if (messages.isEmpty() || !guard.permitted()) {
      return;
    }
    long start = guard.start();
    List<RedisFuture<Long>> sent = new ArrayList<>(messages.size());
    for (byte[] message : messages) {
      sent.add(commands.publish(channel, message));
    }
    try {
      for (RedisFuture<Long> future : sent) {
        guard.await(future, start);
      }
    } catch (RemoteFailure e) {
      // Best effort, as for one message.
    }
  }

  Subscription subscribe(InvalidationListener<K> listener) {
    Objects.requireNonNull(listener, "listener");
    StatefulRedisPubSubConnection<String, byte[]> connection = pubSub;
    if (connection == null) {
      throw new IllegalStateException("Redis cache '" + name + "' has no invalidation channel: "
          + "set Builder.invalidationChannel(connection)");
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
      throw new IllegalStateException("cannot subscribe to " + channel + ": " + e, e);
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
