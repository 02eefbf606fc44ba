package dev.layerkit.spring.redis;

import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * A Lettuce connection that exists before Redis answers: the stand-in that Layerkit's Redis
 * backends are built on while {@link LayerkitRedis} connects in the background.
 *
 * <p>Why: Lettuce reconnects a connection it once made (its {@code autoReconnect}), but its first
 * {@code connect} throws when the server is down, and the rate limiter, cache and lease lock take
 * a connection when they are built. So the starter gives them this stand-in. Until the real
 * connection exists, every command of {@link StatefulRedisConnection#async()} returns a future
 * already failed with {@link RedisConnectionException} (the backends treat it as any Redis
 * failure: a fail-open limiter allows, a cache reads through to its loader); {@code sync()}
 * commands and other calls throw it. From then on every call goes to the real connection, whose
 * own reconnects cover later outages.
 *
 * <p>Cost: a reflective call per command, tens of nanoseconds beside a Redis round trip.
 * Thread-safe: the real connection is published through a volatile read.
 */
final class BackgroundConnection {

  private final Supplier<@Nullable StatefulRedisConnection<String, byte[]>> real;
  private final Supplier<RedisConnectionException> notConnected;
  private final StatefulRedisConnection<String, byte[]> connection;
  private final RedisAsyncCommands<String, byte[]> async;
  private final RedisCommands<String, byte[]> sync;

  /**
   * Creates the stand-in.
   *
   * @param real the real connection, or null while there is none; read on every call
   * @param notConnected the error of a call made while there is none
   */
  @SuppressWarnings("unchecked")
  BackgroundConnection(Supplier<@Nullable StatefulRedisConnection<String, byte[]>> real,
      Supplier<RedisConnectionException> notConnected) {
    this.real = real;
    this.notConnected = notConnected;
    ClassLoader loader = StatefulRedisConnection.class.getClassLoader();
    this.async = (RedisAsyncCommands<String, byte[]>) Proxy.newProxyInstance(loader,
        new Class<?>[] {RedisAsyncCommands.class}, new Commands(true));
    this.sync = (RedisCommands<String, byte[]>) Proxy.newProxyInstance(loader,
        new Class<?>[] {RedisCommands.class}, new Commands(false));
    this.connection = (StatefulRedisConnection<String, byte[]>) Proxy.newProxyInstance(loader,
        new Class<?>[] {StatefulRedisConnection.class}, new Connection());
  }

  /** Returns the stand-in connection. */
  StatefulRedisConnection<String, byte[]> connection() {
    return connection;
  }

  private static Object invoke(Object target, Method method, Object @Nullable [] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause() != null ? e.getCause() : e;
    }
  }

  private static @Nullable Object objectMethod(Object proxy, Method method, Object @Nullable [] args, String name) {
    return switch (method.getName()) {
      case "equals" -> args != null && proxy == args[0];
      case "hashCode" -> System.identityHashCode(proxy);
      default -> name;
    };
  }

  private static boolean isObjectMethod(Method method) {
    return method.getDeclaringClass() == Object.class;
  }

  /** The connection's own methods: the command views are the stand-ins, the rest goes through. */
  private final class Connection implements InvocationHandler {
    @Override
    public @Nullable Object invoke(Object proxy, Method method, Object @Nullable [] args) throws Throwable {
      if (isObjectMethod(method)) {
        return objectMethod(proxy, method, args, "LayerkitRedis.connection{" + (real.get() != null ? "connected" : "connecting") + '}');
      }
      switch (method.getName()) {
        case "async":
          return async;
        case "sync":
          return sync;
        default:
          break;
      }
      StatefulRedisConnection<String, byte[]> target = real.get();
      if (target != null) {
        return BackgroundConnection.invoke(target, method, args);
      }
      return switch (method.getName()) {
        case "isOpen", "isMulti" -> false;
        case "close" -> null; // nothing to close yet; LayerkitRedis closes what it connects
        case "closeAsync" -> CompletableFuture.completedFuture(null);
        default -> throw notConnected.get();
      };
    }
  }

  /** A command view: the real connection's, else failed futures (async) or the error (sync). */
  private final class Commands implements InvocationHandler {
    private final boolean async;

    Commands(boolean async) {
      this.async = async;
    }

    @Override
    public @Nullable Object invoke(Object proxy, Method method, Object @Nullable [] args) throws Throwable {
      if (isObjectMethod(method)) {
        return objectMethod(proxy, method, args, "LayerkitRedis." + (async ? "async" : "sync") + "Commands");
      }
      if (method.getName().equals("getStatefulConnection") && method.getParameterCount() == 0) {
        return connection;
      }
      StatefulRedisConnection<String, byte[]> target = real.get();
      if (target != null) {
        return BackgroundConnection.invoke(async ? target.async() : target.sync(), method, args);
      }
      if (method.getName().equals("isOpen") && method.getParameterCount() == 0) {
        return false;
      }
      if (async && RedisFuture.class.isAssignableFrom(method.getReturnType())) {
        return new FailedFuture<>(notConnected.get());
      }
      throw notConnected.get();
    }
  }

  /** A {@link RedisFuture} failed before anything was sent. */
  private static final class FailedFuture<T> extends CompletableFuture<T> implements RedisFuture<T> {
    private final String error;

    FailedFuture(RuntimeException failure) {
      this.error = String.valueOf(failure.getMessage());
      completeExceptionally(failure);
    }

    @Override
    public String getError() {
      return error;
    }

    @Override
    public boolean await(long timeout, TimeUnit unit) {
      return true;
    }
  }
}
