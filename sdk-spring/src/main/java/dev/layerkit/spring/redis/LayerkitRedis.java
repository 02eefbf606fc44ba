package dev.layerkit.spring.redis;

import dev.layerkit.core.health.Health;
import dev.layerkit.core.health.HealthCheck;
import dev.layerkit.core.redis.RedisConnections;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Redis connections Layerkit's backends share in a Spring application: one command connection
 * with Layerkit's codec ({@link RedisConnections#CODEC}) and, made on first use, one pub/sub
 * connection for tiered caches' invalidation messages.
 *
 * <p><b>Redis down at start.</b> {@link #connectInBackground(RedisClient, String)} (what the
 * starter uses) does not fail when Redis cannot be reached: {@link #connection()} is then a
 * stand-in whose commands fail at once with {@link RedisConnectionException}, so a fail-open rate
 * limiter allows and a cache reads through to its loader, while a background thread retries the
 * connect (after {@value #FIRST_RETRY_MILLIS} ms, doubling up to {@link #MAX_RETRY_DELAY}). Once
 * it succeeds, every backend built on the stand-in uses the real connection, with no restart;
 * later outages are Lettuce's to reconnect. {@link #healthCheck()} is {@code DOWN} until then,
 * with the reason, so Actuator's readiness says why. {@link #connect(RedisClient)} connects
 * eagerly and throws instead.
 *
 * <p>Define a bean of this type to choose the connection yourself; the starter then backs off.
 * Thread-safe. {@link #close()} stops connecting, closes the connections, and the client too when
 * this object owns it (one made from {@code layerkit.redis.url}), never an application's client.
 */
public final class LayerkitRedis implements AutoCloseable {

  /** The wait before the first background retry of a failed connect, in milliseconds. */
  public static final long FIRST_RETRY_MILLIS = 100;

  /** The longest wait between background retries. */
  public static final Duration MAX_RETRY_DELAY = Duration.ofSeconds(2);

  /** The name of {@link #healthCheck()}. */
  public static final String HEALTH_CHECK_NAME = "redis";

  private static final Logger LOG = LoggerFactory.getLogger(LayerkitRedis.class);

  private final RedisClient client;
  private final boolean ownsClient;
  private final String target;
  private final StatefulRedisConnection<String, byte[]> connection;
  private volatile @Nullable StatefulRedisConnection<String, byte[]> real;
  private volatile @Nullable Throwable lastFailure;
  private @Nullable ScheduledExecutorService connector;
  private @Nullable StatefulRedisPubSubConnection<String, byte[]> pubSub;
  private boolean closed;

  private LayerkitRedis(RedisClient client, boolean ownsClient, String target, boolean background) {
    this.client = client;
    this.ownsClient = ownsClient;
    this.target = target;
    if (!background) {
      StatefulRedisConnection<String, byte[]> made = RedisConnections.connect(client);
      this.real = made;
      this.connection = made;
      return;
    }
    this.connection = new BackgroundConnection(() -> real, this::notConnected).connection();
    if (!tryConnect()) {
      LOG.warn("Layerkit: Redis ({}) cannot be reached at start ({}); its backends follow their fail modes"
          + " and connect when it answers", target, String.valueOf(lastFailure));
      ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, runnable -> {
        Thread thread = new Thread(runnable, "layerkit-redis-connect");
        thread.setDaemon(true);
        return thread;
      });
      executor.setRemoveOnCancelPolicy(true);
      connector = executor;
      executor.schedule(() -> retry(FIRST_RETRY_MILLIS), FIRST_RETRY_MILLIS, TimeUnit.MILLISECONDS);
    }
  }

  /**
   * Connects with an application's client, which stays the application's; throws if Redis cannot
   * be reached.
   *
   * @param client the client
   * @return the connections
   * @throws NullPointerException if {@code client} is null
   * @throws io.lettuce.core.RedisConnectionException if Redis cannot be reached
   */
  public static LayerkitRedis connect(RedisClient client) {
    return new LayerkitRedis(Objects.requireNonNull(client, "client"), false, "application client", false);
  }

  /**
   * Creates a client for {@code uri} and connects; {@link #close()} shuts the client down. Throws
   * if Redis cannot be reached.
   *
   * @param uri a Redis URI such as {@code redis://localhost:6379}
   * @return the connections
   * @throws NullPointerException if {@code uri} is null
   * @throws IllegalArgumentException if {@code uri} is not a Redis URI
   * @throws io.lettuce.core.RedisConnectionException if Redis cannot be reached
   */
  public static LayerkitRedis connect(String uri) {
    return owned(uri, false);
  }

  /**
   * Connects with an application's client, now if Redis answers, else in the background (see the
   * class comment); never fails for an unreachable Redis.
   *
   * @param client the client, which stays the application's
   * @param target how messages and the health check name the server, for example its host and
   *     port (no password)
   * @return the connections
   * @throws NullPointerException if an argument is null
   */
  public static LayerkitRedis connectInBackground(RedisClient client, String target) {
    return new LayerkitRedis(Objects.requireNonNull(client, "client"), false,
        Objects.requireNonNull(target, "target"), true);
  }

  /**
   * Creates a client for {@code uri} and connects, now if Redis answers, else in the background
   * (see the class comment); {@link #close()} shuts the client down.
   *
   * @param uri a Redis URI such as {@code redis://localhost:6379}
   * @return the connections
   * @throws NullPointerException if {@code uri} is null
   * @throws IllegalArgumentException if {@code uri} is not a Redis URI
   */
  public static LayerkitRedis connectInBackground(String uri) {
    return owned(uri, true);
  }

  private static LayerkitRedis owned(String uri, boolean background) {
    RedisURI parsed = RedisURI.create(Objects.requireNonNull(uri, "uri"));
    RedisClient client = RedisClient.create(parsed);
    try {
      return new LayerkitRedis(client, true, parsed.getHost() + ":" + parsed.getPort(), background);
    } catch (RuntimeException e) {
      client.shutdown();
      throw e;
    }
  }

  private boolean tryConnect() {
    try {
      real = RedisConnections.connect(client);
      lastFailure = null;
      return true;
    } catch (RuntimeException e) {
      lastFailure = e.getCause() != null ? e.getCause() : e;
      return false;
    }
  }

  private void retry(long delayMillis) {
    synchronized (this) {
      if (closed) {
        return;
      }
    }
    if (tryConnect()) {
      LOG.info("Layerkit: connected to Redis ({}); its backends use it from now on", target);
      synchronized (this) {
        if (closed) {
          closeQuietly(real);
        }
        if (connector != null) {
          connector.shutdown();
        }
      }
      return;
    }
    long next = Math.min(delayMillis * 2, MAX_RETRY_DELAY.toMillis());
    synchronized (this) {
      if (!closed && connector != null) {
        connector.schedule(() -> retry(next), next, TimeUnit.MILLISECONDS);
      }
    }
  }

  private RedisConnectionException notConnected() {
    return new RedisConnectionException("Redis (" + target + ") is not connected yet: " + lastFailure
        + "; connecting in the background");
  }

  /**
   * Returns whether the command connection has been made (it may be reconnecting now).
   *
   * @return true once Redis has answered
   */
  public boolean isConnected() {
    return real != null;
  }

  /**
   * Returns the shared command connection: the real one, or the stand-in of a connection still
   * being made in the background (see the class comment).
   *
   * @return the connection, owned by this object
   */
  public StatefulRedisConnection<String, byte[]> connection() {
    return connection;
  }

  /**
   * Returns a check named {@value #HEALTH_CHECK_NAME}: {@code DOWN} with the reason until the
   * connection has been made (Redis has not answered since start: a wrong address or a server
   * not up yet), {@code UP} while it is open, and {@code DEGRADED} while Lettuce reconnects it
   * after an outage (the backends' own checks then say what they do meanwhile).
   *
   * @return the check
   */
  public HealthCheck healthCheck() {
    return HealthCheck.of(HEALTH_CHECK_NAME, () -> {
      StatefulRedisConnection<String, byte[]> current = real;
      if (current == null) {
        return Health.down("not connected to Redis (" + target + ") since start: " + lastFailure
            + "; connecting in the background").detail("target", target).build();
      }
      return current.isOpen()
          ? Health.up().detail("target", target).build()
          : Health.degraded("connection to Redis (" + target + ") lost; reconnecting").detail("target", target).build();
    });
  }

  /**
   * Returns the shared pub/sub connection, connecting on the first call. While the command
   * connection is still being made in the background (Redis has not answered since start), it
   * throws at once rather than wait for a connect that would fail: a tiered cache, which asks
   * for it through a supplier, then starts without it and asks again later.
   *
   * @return the pub/sub connection, owned by this object
   * @throws io.lettuce.core.RedisConnectionException if Redis has not answered since start, or
   *     cannot be reached
   * @throws IllegalStateException if this object is closed
   */
  public synchronized StatefulRedisPubSubConnection<String, byte[]> pubSub() {
    if (closed) {
      throw new IllegalStateException("LayerkitRedis (" + target + ") is closed");
    }
    if (real == null) {
      throw notConnected();
    }
    if (pubSub == null) {
      pubSub = RedisConnections.connectPubSub(client);
    }
    return pubSub;
  }

  /** Stops connecting, closes the connections (and the client if owned). Never throws. */
  @Override
  public synchronized void close() {
    closed = true;
    if (connector != null) {
      connector.shutdownNow();
    }
    closeQuietly(pubSub);
    closeQuietly(real);
    if (ownsClient) {
      client.shutdown();
    }
  }

  private static void closeQuietly(@Nullable AutoCloseable closeable) {
    if (closeable == null) {
      return;
    }
    try {
      closeable.close();
    } catch (Exception e) {
      LOG.warn("Closing Layerkit's Redis connection failed", e);
    }
  }

  @Override
  public String toString() {
    return "LayerkitRedis{" + target + (ownsClient ? ", owned" : "") + (real != null ? ", connected" : ", connecting")
        + '}';
  }
}
