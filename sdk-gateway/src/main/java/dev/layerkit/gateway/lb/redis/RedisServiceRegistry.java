package dev.layerkit.gateway.lb.redis;

import dev.layerkit.core.codec.Codec;
import dev.layerkit.core.codec.CodecException;
import dev.layerkit.core.codec.Codecs;
import dev.layerkit.core.internal.BuilderSettings;
import dev.layerkit.core.internal.redis.RedisCalls;
import dev.layerkit.core.internal.redis.RedisKeys;
import dev.layerkit.core.redis.RedisConnections;
import dev.layerkit.gateway.lb.Endpoint;
import dev.layerkit.gateway.lb.EndpointSource;
import dev.layerkit.gateway.lb.MutableEndpointSource;
import dev.layerkit.gateway.lb.internal.SharedScheduler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisException;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A service registry on Redis: instances {@link #register register} themselves with a TTL
 * heartbeat and deregister on close; load balancers {@link #watch watch} a service as an
 * {@link EndpointSource} that sees joins and leaves within a bounded delay.
 *
 * <h2>Data layout</h2>
 *
 * <p>Per service, with the default {@link #DEFAULT_KEY_PREFIX prefix} {@code layerkit:lb:}:
 *
 * <ul>
 *   <li>{@code layerkit:lb:{orders}:instances}, a sorted set: member = {@link Endpoint#id()},
 *       score = the instance's expiry in milliseconds of the Redis server's clock;</li>
 *   <li>{@code layerkit:lb:{orders}:endpoints}, a hash: id to the endpoint as JSON (host, port,
 *       weight, zone, metadata);</li>
 *   <li>{@code layerkit:lb:{orders}:changes}, a pub/sub channel announcing joins and leaves.</li>
 * </ul>
 *
 * <p>The service name in braces is a Redis Cluster hash tag: both keys of a service live in one
 * slot, so each operation is one Lua script touching both atomically, on a standalone server
 * ({@link #builder(RedisClient)}) or a cluster ({@link #builder(RedisClusterClient)}) alike. On a
 * cluster the scripts go to the master of the service's slot, and notifications use classic
 * pub/sub, which the cluster forwards to every node, so a watcher subscribed on any node hears
 * every service. Expiry is judged by the
 * server's clock ({@code TIME} inside the scripts), so instances with skewed clocks agree; that is
 * why this class takes no {@code TimeSource}. Both keys also expire as a whole one TTL after the
 * last heartbeat, so a service that vanished leaves no garbage.
 *
 * <h2>Timing</h2>
 *
 * <ul>
 *   <li>A registration is written before {@link #register} returns, then refreshed every
 *       {@link Builder#heartbeatInterval heartbeat interval} (a third of the TTL by default).</li>
 *   <li>A graceful join or leave is published on the service's channel; watchers re-read the set
 *       on notification, so they see it within a few milliseconds.</li>
 *   <li>Every watcher also re-reads every {@link Builder#refreshInterval refresh interval}, which
 *       bounds the delay when a notification is lost (pub/sub is fire-and-forget, for example
 *       while a watcher reconnects), and removes instances whose TTL has run out: a crashed
 *       instance disappears within TTL + refresh interval.</li>
 * </ul>
 *
 * <h2>Failure</h2>
 *
 * <p>{@link #register} and {@link #watch} do their first write or read on the calling thread and
 * throw Lettuce's {@code RedisException} if Redis cannot be reached. After that, a failed
 * heartbeat or re-read is logged and retried at the next interval: a watcher keeps its last known
 * set (stale endpoints are better than none, and the balancer's outlier detection handles those
 * that are gone), and a registration whose heartbeats fail for a whole TTL drops out of the
 * registry until the next heartbeat that succeeds re-adds it.
 *
 * <p>Every Redis call waits at most the {@linkplain Builder#commandTimeout command timeout}
 * (default {@value #DEFAULT_COMMAND_TIMEOUT_MILLIS} ms, and never more than half the heartbeat
 * interval) and is then cancelled and fails with Lettuce's {@code RedisCommandTimeoutException}:
 * a Redis that hangs holds a scheduler thread for at most that long per heartbeat or re-read, so
 * heartbeats and re-reads of other services (and the balancers' health probes on the shared
 * scheduler) go on, and each registration and watcher has at most one call in flight. Failed
 * calls count in {@link #errorCount()} and, with a {@linkplain Builder#meterRegistry registry},
 * in {@code layerkit.lb.registry.errors} (tag {@code operation} = {@code heartbeat},
 * {@code read} or {@code deregister}).
 * On a cluster, a failover is the client's to follow (Lettuce's topology refresh); a watcher's
 * subscription lives on one node, and if it is lost the periodic re-read still bounds the delay.
 *
 * <h2>Threads and ownership</h2>
 *
 * <p>Thread-safe. Heartbeats and re-reads run on the scheduler (a shared daemon scheduler unless
 * injected), never on Lettuce's event loop. Built from a client, the registry opens two
 * connections with Layerkit's codec (commands, and pub/sub once something is watched) and closes
 * them in {@link #close()}; the client itself stays the caller's. Built from connections
 * ({@link #builder(StatefulRedisConnection, StatefulRedisPubSubConnection)}), it shares them with
 * the application's other Redis backends and leaves them open.
 *
 * <pre>{@code
 * RedisServiceRegistry registry = RedisServiceRegistry.builder(redisClient).build();
 *
 * // in each order-service instance
 * RedisServiceRegistry.Registration me = registry.register("orders", Endpoint.of(podIp, 8080));
 *
 * // in the gateway
 * LoadBalancer orders = LoadBalancers.leastRequest()
 *     .serviceName("orders")
 *     .endpointSource(registry.watch("orders"))
 *     .build();
 * }</pre>
 */
public final class RedisServiceRegistry implements AutoCloseable {

  /** The prefix of every key and channel unless set otherwise. */
  public static final String DEFAULT_KEY_PREFIX = "layerkit:lb:";

  /** How long a registration lives without a heartbeat unless set otherwise. */
  public static final Duration DEFAULT_TTL = Duration.ofSeconds(15);

  /** How often a watcher re-reads its service even without a notification, unless set otherwise. */
  public static final Duration DEFAULT_REFRESH_INTERVAL = Duration.ofSeconds(5);

  /** How long one Redis call may take unless set otherwise (and at most half the heartbeat interval). */
  public static final long DEFAULT_COMMAND_TIMEOUT_MILLIS = 2_000;

  private static final Logger LOG = LoggerFactory.getLogger(RedisServiceRegistry.class);
  private static final Codec<EndpointRecord> CODEC = Codecs.json(EndpointRecord.class);

  private final Supplier<StatefulRedisPubSubConnection<String, byte[]>> pubSubConnector;
  private final String keyPrefix;
  private final Duration ttl;
  private final Duration heartbeatInterval;
  private final Duration refreshInterval;
  private final ScheduledExecutorService scheduler;
  private final StatefulConnection<String, byte[]> connection;
  private final RedisScriptingAsyncCommands<String, byte[]> commands;
  private final long commandTimeoutNanos;
  private final LongAdder heartbeatErrors = new LongAdder();
  private final LongAdder readErrors = new LongAdder();
  private final LongAdder deregisterErrors = new LongAdder();
  private final Set<RegistrationImpl> registrations = ConcurrentHashMap.newKeySet();
  private final Map<String, Set<Watcher>> watchersByChannel = new ConcurrentHashMap<>();
  private final Object pubSubLock = new Object();
  private final boolean ownsConnections;
  /** Hands each notification to the service's watchers; added to the pub/sub connection once. */
  private final RedisPubSubAdapter<String, byte[]> notifications = new RedisPubSubAdapter<>() {
    @Override
    public void message(String channel, byte[] message) {
      // Lettuce's event loop: hand off, never call Redis from here.
      Set<Watcher> watchers = watchersByChannel.get(channel);
      if (watchers != null) {
        watchers.forEach(Watcher::requestRefresh);
      }
    }
  };
  private @Nullable StatefulRedisPubSubConnection<String, byte[]> pubSub;
  private volatile boolean closed;

  private RedisServiceRegistry(Builder b) {
    this.pubSubConnector = b.pubSubConnector;
    this.keyPrefix = b.keyPrefix;
    this.ttl = b.ttl;
    this.heartbeatInterval = b.heartbeatInterval != null ? b.heartbeatInterval : b.ttl.dividedBy(3);
    this.refreshInterval = b.refreshInterval;
    this.scheduler = b.scheduler != null ? b.scheduler : SharedScheduler.get();
    this.ownsConnections = b.ownsConnections;
    Connected connected = b.connector.get();
    this.connection = connected.connection();
    this.commands = connected.commands();
    Duration half = this.heartbeatInterval.dividedBy(2);
    Duration timeout = b.commandTimeout != null ? b.commandTimeout : Duration.ofMillis(DEFAULT_COMMAND_TIMEOUT_MILLIS);
    this.commandTimeoutNanos = (b.commandTimeout == null && timeout.compareTo(half) > 0 ? half : timeout).toNanos();
    if (b.meterRegistry != null) {
      registerErrors(b.meterRegistry, "heartbeat", heartbeatErrors);
      registerErrors(b.meterRegistry, "read", readErrors);
      registerErrors(b.meterRegistry, "deregister", deregisterErrors);
    }
  }

  private void registerErrors(MeterRegistry registry, String operation, LongAdder count) {
    FunctionCounter.builder("layerkit.lb.registry.errors", count, LongAdder::sum)
        .description("Registry calls to Redis that failed or timed out").tags("operation", operation, "prefix", keyPrefix)
        .register(registry);
  }

  /**
   * Waits for a command within the command timeout, cancelling it past that.
   *
   * @throws RedisException the command's failure, or a {@code RedisCommandTimeoutException}
   */
  private <T> T await(CompletionStage<T> command, LongAdder errors) {
    try {
      return RedisCalls.await(command.toCompletableFuture(), commandTimeoutNanos);
    } catch (TimeoutException e) {
      errors.increment();
      throw new RedisCommandTimeoutException("Redis did not answer within " + commandTimeoutNanos / 1_000_000 + " ms");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      errors.increment();
      throw new RedisException("interrupted while waiting for Redis", e);
    } catch (ExecutionException e) {
      errors.increment();
      Throwable cause = e.getCause();
      throw cause instanceof RedisException redis ? redis : new RedisException(String.valueOf(cause), cause);
    }
  }

  /**
   * Returns how many Redis calls of this registry failed or timed out.
   *
   * @return the count since the registry was built
   */
  public long errorCount() {
    return heartbeatErrors.sum() + readErrors.sum() + deregisterErrors.sum();
  }

  /**
   * Starts building a registry on a Lettuce client, which the registry uses but does not close;
   * the registry's own connections use Layerkit's codec ({@link RedisConnections}).
   *
   * @param client a client created with the Redis URI, for example {@code RedisClient.create(uri)}
   * @return a builder
   * @throws NullPointerException if {@code client} is null
   */
  public static Builder builder(RedisClient client) {
    Objects.requireNonNull(client, "client");
    return new Builder(() -> {
      StatefulRedisConnection<String, byte[]> c = RedisConnections.connect(client);
      return new Connected(c, c.async());
    }, () -> RedisConnections.connectPubSub(client), true);
  }

  /**
   * Starts building a registry on a Redis Cluster, through a Lettuce cluster client that the
   * registry uses but does not close. A service's keys share a hash slot, so its scripts run on
   * one master; notifications are classic pub/sub, which reaches subscribers on any node.
   *
   * @param client a cluster client created with seed URIs, for example
   *     {@code RedisClusterClient.create(seeds)}
   * @return a builder
   * @throws NullPointerException if {@code client} is null
   */
  public static Builder builder(RedisClusterClient client) {
    Objects.requireNonNull(client, "client");
    return new Builder(() -> {
      StatefulRedisClusterConnection<String, byte[]> c = RedisConnections.connect(client);
      return new Connected(c, c.async());
    }, () -> RedisConnections.connectPubSub(client), true);
  }

  /**
   * Starts building a registry on connections the caller owns and may share with the other
   * Layerkit Redis backends (the rate limiter, the cache): both with Layerkit's codec
   * ({@link RedisConnections}). Heartbeats and reads run on {@code connection}; watchers add one
   * listener to {@code pubSub} and subscribe to their services' channels, which {@link #close()}
   * removes and unsubscribes, leaving both connections open.
   *
   * @param connection the command connection
   * @param pubSub the pub/sub connection, for example {@link RedisConnections#connectPubSub(RedisClient)}
   * @return a builder
   * @throws NullPointerException if an argument is null
   */
  public static Builder builder(StatefulRedisConnection<String, byte[]> connection,
      StatefulRedisPubSubConnection<String, byte[]> pubSub) {
    Objects.requireNonNull(connection, "connection");
    Objects.requireNonNull(pubSub, "pubSub");
    return new Builder(() -> new Connected(connection, connection.async()), () -> pubSub, false);
  }

  /**
   * Starts building a registry on Redis Cluster connections the caller owns and may share, as
   * {@link #builder(StatefulRedisConnection, StatefulRedisPubSubConnection)} does on a standalone
   * server.
   *
   * @param connection the cluster command connection
   * @param pubSub the pub/sub connection, for example
   *     {@link RedisConnections#connectPubSub(RedisClusterClient)}
   * @return a builder
   * @throws NullPointerException if an argument is null
   */
  public static Builder builder(StatefulRedisClusterConnection<String, byte[]> connection,
      StatefulRedisPubSubConnection<String, byte[]> pubSub) {
    Objects.requireNonNull(connection, "connection");
    Objects.requireNonNull(pubSub, "pubSub");
    return new Builder(() -> new Connected(connection, connection.async()), () -> pubSub, false);
  }

  /** A command connection and its scripting commands, standalone or cluster. */
  private record Connected(StatefulConnection<String, byte[]> connection,
      RedisScriptingAsyncCommands<String, byte[]> commands) {}

  /**
   * Registers an instance of a service and keeps it registered with heartbeats until the returned
   * registration (or this registry) is closed. Registering an id that is already registered
   * replaces its endpoint, so an instance that restarts under the same id simply takes over.
   *
   * @param service the service name, not blank, without braces
   * @param endpoint the instance; its {@link Endpoint#id()} must be unique within the service
   * @return the registration; close it on shutdown to deregister at once
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code service} is blank or contains a brace
   * @throws IllegalStateException if the registry is closed
   * @throws io.lettuce.core.RedisException if the first write fails or times out; the
   *     registration is then undone on Redis as well, should the write still run there later
   */
  public Registration register(String service, Endpoint endpoint) {
    ServiceKeys keys = keys(service);
    Objects.requireNonNull(endpoint, "endpoint");
    checkOpen();
    byte[] json = CODEC.encode(EndpointRecord.of(endpoint));
    RegistrationImpl registration = new RegistrationImpl(service, endpoint, keys, json);
    try {
      registration.heartbeat();
    } catch (RedisException e) {
      // The caller learns the registration failed, but a Redis that hung runs the REGISTER when it
      // continues: undo it right after, on the same connection, so no endpoint is left registered
      // that nobody heartbeats (and that would take traffic for a whole TTL). Not awaited.
      RegistryScripts.DEREGISTER.runAsync(commands, keys.both(), bytes(endpoint.id()), bytes(keys.channel));
      throw e;
    }
    long interval = heartbeatInterval.toNanos();
    registration.task = scheduler.scheduleWithFixedDelay(registration::heartbeatQuietly, interval, interval,
        TimeUnit.NANOSECONDS);
    registrations.add(registration);
    return registration;
  }

  /**
   * Returns an endpoint source that follows a service's registered instances. The first read
   * happens before this method returns. Close the source when done; closing the registry closes
   * it too.
   *
   * @param service the service name, not blank, without braces
   * @return the source, its endpoints sorted by id
   * @throws NullPointerException if {@code service} is null
   * @throws IllegalArgumentException if {@code service} is blank or contains a brace
   * @throws IllegalStateException if the registry is closed
   * @throws io.lettuce.core.RedisException if subscribing or the first read fails
   */
  public EndpointSource watch(String service) {
    ServiceKeys keys = keys(service);
    checkOpen();
    Watcher watcher = new Watcher(service, keys);
    // Subscribe before the first read, so that no change between the two goes unnoticed.
    watchersByChannel.computeIfAbsent(keys.channel, c -> new CopyOnWriteArraySet<>()).add(watcher);
    try {
      subscribe(keys.channel);
      watcher.refresh();
    } catch (RuntimeException e) {
      watcher.close(); // no half-made watcher left listening
      throw e;
    }
    long interval = refreshInterval.toNanos();
    watcher.task = scheduler.scheduleWithFixedDelay(watcher::refreshQuietly, interval, interval, TimeUnit.NANOSECONDS);
    return watcher;
  }

  /**
   * Reads a service's live instances once, removing expired ones.
   *
   * @param service the service name
   * @return the endpoints, sorted by id
   * @throws NullPointerException if {@code service} is null
   * @throws IllegalArgumentException if {@code service} is blank or contains a brace
   * @throws IllegalStateException if the registry is closed
   * @throws io.lettuce.core.RedisException if the read fails
   */
  public List<Endpoint> instances(String service) {
    ServiceKeys keys = keys(service);
    checkOpen();
    return readInstances(keys);
  }

  /**
   * Returns the Redis keys and channel of a service, in the order instances (sorted set),
   * endpoints (hash), changes (channel). For operators and tests.
   *
   * @param service the service name
   * @return the three names
   * @throws NullPointerException if {@code service} is null
   * @throws IllegalArgumentException if {@code service} is blank or contains a brace
   */
  public List<String> keysOf(String service) {
    ServiceKeys keys = keys(service);
    return List.of(keys.instances, keys.endpoints, keys.channel);
  }

  /**
   * Deregisters every registration made here, closes every watcher and both connections. Does
   * not close the client or an injected scheduler. Idempotent.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (RegistrationImpl registration : registrations) {
      registration.close();
    }
    for (Set<Watcher> watchers : watchersByChannel.values()) {
      for (Watcher watcher : watchers) {
        watcher.close();
      }
    }
    synchronized (pubSubLock) {
      if (pubSub != null) {
        if (ownsConnections) {
          pubSub.close();
        } else {
          pubSub.removeListener(notifications);
        }
        pubSub = null;
      }
    }
    if (ownsConnections) {
      connection.close();
    }
  }

  @Override
  public String toString() {
    return "RedisServiceRegistry{prefix=" + keyPrefix + ", ttl=" + ttl + ", registrations=" + registrations.size()
        + ", watched=" + watchersByChannel.keySet() + '}';
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("RedisServiceRegistry is closed");
    }
  }

  private ServiceKeys keys(String service) {
    Objects.requireNonNull(service, "service");
    if (service.isBlank() || service.indexOf('{') >= 0 || service.indexOf('}') >= 0) {
      throw new IllegalArgumentException("service must be non-blank and without braces but was '" + service + "'");
    }
    String base = RedisKeys.key(keyPrefix, service);
    return new ServiceKeys(base + ":instances", base + ":endpoints", base + ":changes");
  }

  private void subscribe(String channel) {
    synchronized (pubSubLock) {
      if (pubSub == null) {
        StatefulRedisPubSubConnection<String, byte[]> c = pubSubConnector.get();
        c.addListener(notifications);
        pubSub = c;
      }
      await(pubSub.async().subscribe(channel), readErrors);
    }
  }

  private void unsubscribeIfUnwatched(String channel) {
    synchronized (pubSubLock) {
      Set<Watcher> watchers = watchersByChannel.get(channel);
      if (watchers != null && watchers.isEmpty()) {
        watchersByChannel.remove(channel, watchers);
        if (pubSub != null && pubSub.isOpen()) {
          pubSub.async().unsubscribe(channel);
        }
      }
    }
  }

  private List<Endpoint> readInstances(ServiceKeys keys) {
    List<Object> values = await(RegistryScripts.READ.runAsync(commands, keys.both(), bytes(keys.channel)), readErrors);
    List<Endpoint> endpoints = new ArrayList<>(values.size());
    Set<String> ids = new HashSet<>();
    for (Object value : values) {
      try {
        Endpoint endpoint = CODEC.decode((byte[]) value).toEndpoint();
        if (ids.add(endpoint.id())) {
          endpoints.add(endpoint);
        }
      } catch (CodecException | IllegalArgumentException | NullPointerException e) {
        // One malformed entry (written by hand, or by an incompatible version) must not hide the
        // rest of the service.
        LOG.warn("skipping an unreadable endpoint in {}: {}", keys.endpoints, e.toString());
      }
    }
    endpoints.sort(Comparator.comparing(Endpoint::id));
    return endpoints;
  }

  /** A registration with the registry; closing it deregisters the instance at once. */
  public interface Registration extends AutoCloseable {

    /**
     * Returns the service the instance is registered under.
     *
     * @return the service name
     */
    String service();

    /**
     * Returns the registered endpoint.
     *
     * @return the endpoint
     */
    Endpoint endpoint();

    /**
     * Stops the heartbeats and removes the instance from the registry, telling watchers.
     * Idempotent. If Redis cannot be reached the failure is logged, and the entry expires after
     * the TTL.
     */
    @Override
    void close();
  }

  private record ServiceKeys(String instances, String endpoints, String channel) {
    String[] both() {
      return new String[] {instances, endpoints};
    }
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private final class RegistrationImpl implements Registration {
    private final String service;
    private final Endpoint endpoint;
    private final ServiceKeys keys;
    private final byte[] json;
    volatile @Nullable ScheduledFuture<?> task;
    private volatile boolean closed;

    RegistrationImpl(String service, Endpoint endpoint, ServiceKeys keys, byte[] json) {
      this.service = service;
      this.endpoint = endpoint;
      this.keys = keys;
      this.json = json;
    }

    void heartbeat() {
      await(RegistryScripts.REGISTER.runAsync(commands, keys.both(), bytes(endpoint.id()), json,
          bytes(Long.toString(ttl.toMillis())), bytes(keys.channel)), heartbeatErrors);
    }

    void heartbeatQuietly() {
      if (closed) {
        return;
      }
      try {
        heartbeat();
      } catch (RuntimeException e) {
        LOG.warn("heartbeat of {} in service '{}' failed; retrying in {}: {}", endpoint.id(), service,
            heartbeatInterval, e.toString());
      }
    }

    @Override
    public String service() {
      return service;
    }

    @Override
    public Endpoint endpoint() {
      return endpoint;
    }

    @Override
    public synchronized void close() {
      if (closed) {
        return;
      }
      closed = true;
      ScheduledFuture<?> t = task;
      if (t != null) {
        t.cancel(false);
      }
      registrations.remove(this);
      try {
        await(RegistryScripts.DEREGISTER.runAsync(commands, keys.both(), bytes(endpoint.id()), bytes(keys.channel)),
            deregisterErrors);
      } catch (RuntimeException e) {
        LOG.warn("deregistering {} from service '{}' failed; it expires within {}: {}", endpoint.id(), service, ttl,
            e.toString());
      }
    }

    @Override
    public String toString() {
      return "Registration{" + service + ", " + endpoint.id() + (closed ? ", closed" : "") + '}';
    }
  }

  /** The endpoint source of one {@link #watch}: a mutable source refreshed from Redis. */
  private final class Watcher implements EndpointSource {
    private final String service;
    private final ServiceKeys keys;
    private final MutableEndpointSource endpoints = EndpointSource.mutable(List.of());
    private final AtomicBoolean refreshPending = new AtomicBoolean();
    volatile @Nullable ScheduledFuture<?> task;
    private volatile boolean closed;

    Watcher(String service, ServiceKeys keys) {
      this.service = service;
      this.keys = keys;
    }

    synchronized void refresh() {
      if (!closed) {
        endpoints.update(readInstances(keys));
      }
    }

    void refreshQuietly() {
      try {
        refresh();
      } catch (RuntimeException e) {
        LOG.warn("re-reading service '{}' failed; keeping its {} known endpoints: {}", service,
            endpoints.endpoints().size(), e.toString());
      }
    }

    /** Coalesces a burst of notifications into one re-read on the scheduler. */
    void requestRefresh() {
      if (!closed && refreshPending.compareAndSet(false, true)) {
        try {
          scheduler.execute(() -> {
            refreshPending.set(false);
            refreshQuietly();
          });
        } catch (RuntimeException e) {
          refreshPending.set(false);
          LOG.warn("could not schedule a re-read of service '{}': {}", service, e.toString());
        }
      }
    }

    @Override
    public List<Endpoint> endpoints() {
      return endpoints.endpoints();
    }

    @Override
    public Subscription subscribe(Consumer<? super List<Endpoint>> listener) {
      return endpoints.subscribe(listener);
    }

    @Override
    public void close() {
      synchronized (this) {
        if (closed) {
          return;
        }
        closed = true;
        endpoints.close();
      }
      ScheduledFuture<?> t = task;
      if (t != null) {
        t.cancel(false);
      }
      Set<Watcher> watchers = watchersByChannel.get(keys.channel);
      if (watchers != null) {
        watchers.remove(this);
        unsubscribeIfUnwatched(keys.channel);
      }
    }

    @Override
    public String toString() {
      return "RedisServiceRegistry.watch(" + service + "){endpoints=" + endpoints.endpoints().size() + '}';
    }
  }

  /**
   * Builds a {@link RedisServiceRegistry}. Each value may be set once; not thread-safe.
   */
  public static final class Builder {

    private final BuilderSettings settings = new BuilderSettings();
    private final Supplier<Connected> connector;
    private final Supplier<StatefulRedisPubSubConnection<String, byte[]>> pubSubConnector;
    private String keyPrefix = DEFAULT_KEY_PREFIX;
    private Duration ttl = DEFAULT_TTL;
    private @Nullable Duration heartbeatInterval;
    private Duration refreshInterval = DEFAULT_REFRESH_INTERVAL;
    private @Nullable ScheduledExecutorService scheduler;
    private @Nullable Duration commandTimeout;
    private @Nullable MeterRegistry meterRegistry;

    private final boolean ownsConnections;

    private Builder(Supplier<Connected> connector,
        Supplier<StatefulRedisPubSubConnection<String, byte[]>> pubSubConnector, boolean ownsConnections) {
      this.connector = connector;
      this.pubSubConnector = pubSubConnector;
      this.ownsConnections = ownsConnections;
    }

    /**
     * Sets the prefix of every key and channel, for example to keep environments apart on one
     * Redis. Default {@value RedisServiceRegistry#DEFAULT_KEY_PREFIX}.
     *
     * @param keyPrefix the prefix, possibly empty, without braces
     * @return this builder
     * @throws NullPointerException if {@code keyPrefix} is null
     * @throws IllegalArgumentException if {@code keyPrefix} contains a brace, which would break the
     *     hash tag
     * @throws IllegalStateException if already set
     */
    public Builder keyPrefix(String keyPrefix) {
      RedisKeys.checkPrefix(keyPrefix);
      settings.requireUnset("keyPrefix", this.keyPrefix);
      this.keyPrefix = keyPrefix;
      return this;
    }

    /**
     * Sets how long a registration lives without a heartbeat: the longest a crashed instance
     * stays registered (plus a watcher's refresh interval). Default 15 s.
     *
     * @param ttl the time to live, at least 100 ms
     * @return this builder
     * @throws NullPointerException if {@code ttl} is null
     * @throws IllegalArgumentException if {@code ttl} is shorter than 100 ms
     * @throws IllegalStateException if already set
     */
    public Builder ttl(Duration ttl) {
      Objects.requireNonNull(ttl, "ttl");
      if (ttl.compareTo(Duration.ofMillis(100)) < 0) {
        throw new IllegalArgumentException("ttl must be >= 100ms but was " + ttl);
      }
      settings.requireUnset("ttl", this.ttl);
      this.ttl = ttl;
      return this;
    }

    /**
     * Sets how often a registration is refreshed; a third of the TTL by default, so two
     * heartbeats in a row may fail before the instance drops out.
     *
     * @param heartbeatInterval the interval, at least 10 ms and shorter than the TTL (checked by
     *     {@link #build()})
     * @return this builder
     * @throws NullPointerException if {@code heartbeatInterval} is null
     * @throws IllegalArgumentException if {@code heartbeatInterval} is shorter than 10 ms
     * @throws IllegalStateException if already set
     */
    public Builder heartbeatInterval(Duration heartbeatInterval) {
      Objects.requireNonNull(heartbeatInterval, "heartbeatInterval");
      if (heartbeatInterval.compareTo(Duration.ofMillis(10)) < 0) {
        throw new IllegalArgumentException("heartbeatInterval must be >= 10ms but was " + heartbeatInterval);
      }
      settings.requireUnset("heartbeatInterval", this.heartbeatInterval);
      this.heartbeatInterval = heartbeatInterval;
      return this;
    }

    /**
     * Sets how often a watcher re-reads its service without a notification. Default 5 s.
     *
     * @param refreshInterval the interval, at least 10 ms
     * @return this builder
     * @throws NullPointerException if {@code refreshInterval} is null
     * @throws IllegalArgumentException if {@code refreshInterval} is shorter than 10 ms
     * @throws IllegalStateException if already set
     */
    public Builder refreshInterval(Duration refreshInterval) {
      Objects.requireNonNull(refreshInterval, "refreshInterval");
      if (refreshInterval.compareTo(Duration.ofMillis(10)) < 0) {
        throw new IllegalArgumentException("refreshInterval must be >= 10ms but was " + refreshInterval);
      }
      settings.requireUnset("refreshInterval", this.refreshInterval);
      this.refreshInterval = refreshInterval;
      return this;
    }

    /**
     * Sets the scheduler heartbeats and re-reads run on; a shared daemon scheduler by default.
     * The registry does not shut an injected scheduler down.
     *
     * @param scheduler the scheduler
     * @return this builder
     * @throws NullPointerException if {@code scheduler} is null
     * @throws IllegalStateException if already set
     */
    public Builder scheduler(ScheduledExecutorService scheduler) {
      Objects.requireNonNull(scheduler, "scheduler");
      settings.requireUnset("scheduler", this.scheduler);
      this.scheduler = scheduler;
      return this;
    }

    /**
     * Sets how long one Redis call may take before it is cancelled and fails; by default
     * {@value RedisServiceRegistry#DEFAULT_COMMAND_TIMEOUT_MILLIS} ms or half the heartbeat
     * interval, whichever is shorter. It bounds how long a Redis that hangs holds a scheduler
     * thread, and how long {@code register} and {@code watch} block.
     *
     * @param commandTimeout the timeout, positive and shorter than the heartbeat interval
     *     (checked by {@link #build()})
     * @return this builder
     * @throws NullPointerException if {@code commandTimeout} is null
     * @throws IllegalArgumentException if it is not positive
     * @throws IllegalStateException if already set
     */
    public Builder commandTimeout(Duration commandTimeout) {
      Objects.requireNonNull(commandTimeout, "commandTimeout");
      if (commandTimeout.isNegative() || commandTimeout.isZero()) {
        throw new IllegalArgumentException("commandTimeout must be > 0 but was " + commandTimeout);
      }
      settings.requireUnset("commandTimeout", this.commandTimeout);
      this.commandTimeout = commandTimeout;
      return this;
    }

    /**
     * Registers the registry's error counter {@code layerkit.lb.registry.errors} in
     * {@code registry}.
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
     * Connects and builds the registry.
     *
     * @return the registry
     * @throws IllegalStateException if the heartbeat interval is not shorter than the TTL, or the
     *     command timeout not shorter than the heartbeat interval
     * @throws io.lettuce.core.RedisException if connecting fails
     */
    public RedisServiceRegistry build() {
      if (heartbeatInterval != null && heartbeatInterval.compareTo(ttl) >= 0) {
        throw new IllegalStateException("heartbeatInterval must be < ttl " + ttl + " but was " + heartbeatInterval);
      }
      Duration heartbeat = heartbeatInterval != null ? heartbeatInterval : ttl.dividedBy(3);
      if (commandTimeout != null && commandTimeout.compareTo(heartbeat) >= 0) {
        throw new IllegalStateException("commandTimeout must be < heartbeatInterval " + heartbeat + " but was "
            + commandTimeout);
      }
      return new RedisServiceRegistry(this);
    }
  }
}
