package dev.layerkit.gateway.ratelimit.redis;

import dev.layerkit.core.redis.RedisConnections;
import dev.layerkit.gateway.http.EventLoops;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.resource.ClientResources;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Redis connection per event loop of a gateway's shared {@link EventLoops}, each running on
 * its own loop, so that a request's Redis call is written and answered on the loop that serves the
 * request: no thread is woken to write it or to resume the request. With one connection for all
 * the loops ({@link RedisEventLoops#clientResources(EventLoops)}), a request on any other loop
 * hands its call to the connection's loop and gets the reply handed back, two wake-ups of another
 * thread per call. The cost: a limiter over these connections ({@link #rateLimiter}) has a call in
 * flight per loop for a hot key where one connection has one, so Redis runs up to one script call
 * per loop where it ran one (each deciding fewer requests); see {@code benchmarks/README.md}, the
 * Redis limiter in the gateway.
 *
 * <pre>{@code
 * EventLoops loops = RedisEventLoops.create(2);
 * LoopConnections redis = LoopConnections.connect(loops, RedisURI.create("redis://redis:6379"));
 * RateLimiter limiter = redis.rateLimiter(connection ->
 *     RedisRateLimiter.builder(policy, connection).name("api").build());
 * Gateway gateway = Gateway.builder().eventLoops(loops).route(...).build().start();
 * // on the way out: gateway, then redis.close(), then loops.close()
 * }</pre>
 *
 * <p>The connections use Layerkit's codec ({@link RedisConnections}), so any Layerkit Redis
 * backend can run on them. Each has a {@link RedisClient} and {@link ClientResources} of its own,
 * pinned to its loop (as {@link RedisEventLoops#clientResources(EventLoops, int)} pins them), all
 * sharing one Lettuce computation pool and timer; {@link #close()} shuts them down, and the loops
 * stay running. Thread-safe.
 */
public final class LoopConnections implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(LoopConnections.class);

  private final EventLoops loops;
  private final EventLoop[] eventLoops;
  private final List<StatefulRedisConnection<String, byte[]>> connections;
  private final List<RedisClient> clients;
  private final List<ClientResources> resources;
  private final AtomicBoolean closed = new AtomicBoolean();

  private LoopConnections(EventLoops loops, EventLoop[] eventLoops,
      List<StatefulRedisConnection<String, byte[]>> connections, List<RedisClient> clients,
      List<ClientResources> resources) {
    this.loops = loops;
    this.eventLoops = eventLoops;
    this.connections = List.copyOf(connections);
    this.clients = List.copyOf(clients);
    this.resources = List.copyOf(resources);
  }

  /**
   * Connects to Redis once per loop, each connection on its loop. Blocks while it connects: call
   * it at start-up, not on an event loop.
   *
   * @param loops the shared loops, of the transport Lettuce connects with ({@link
   *     RedisEventLoops#create})
   * @param uri the Redis server
   * @return the connections, in the loops' order
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the loops are not of the transport Lettuce connects with
   * @throws IllegalStateException if called on one of the loops
   * @throws io.lettuce.core.RedisConnectionException if a connection fails; those made before it
   *     are closed
   */
  public static LoopConnections connect(EventLoops loops, RedisURI uri) {
    Objects.requireNonNull(loops, "loops");
    Objects.requireNonNull(uri, "uri");
    RedisEventLoops.checkTransport(loops);
    List<EventLoop> each = new ArrayList<>();
    for (EventExecutor executor : loops.group()) {
      if (executor.inEventLoop()) {
        // Its connection would be registered on this very loop, which would then wait for it.
        throw new IllegalStateException("LoopConnections.connect waits for its connections: call it"
            + " off the loops, not on " + Thread.currentThread().getName());
      }
      each.add((EventLoop) executor);
    }
    List<StatefulRedisConnection<String, byte[]>> connections = new ArrayList<>();
    List<RedisClient> clients = new ArrayList<>();
    List<ClientResources> resources = new ArrayList<>();
    // The loops' clients share one computation pool and one timer (Lettuce's timer ticks every
    // 100 ms once a connection's handshake has started it), owned by the last resources listed.
    ClientResources owner = ClientResources.create();
    try {
      for (EventLoop loop : each) {
        ClientResources pinned = RedisEventLoops.clientResources(loop, owner); // transport checked above
        resources.add(pinned);
        RedisClient client = RedisClient.create(pinned, uri);
        clients.add(client);
        connections.add(RedisConnections.connect(client));
      }
    } catch (RuntimeException e) {
      resources.add(owner);
      shutDown(connections, clients, resources);
      throw e;
    }
    resources.add(owner);
    return new LoopConnections(loops, each.toArray(new EventLoop[0]), connections, clients, resources);
  }

  /**
   * Returns the connections, one per loop, in the order of the loops.
   *
   * @return the connections, open until {@link #close()}
   */
  public List<StatefulRedisConnection<String, byte[]>> all() {
    return connections;
  }

  /**
   * Returns the connection that runs on the calling thread's loop, or the first loop's for a
   * thread that is none of the loops.
   *
   * @return a connection
   */
  public StatefulRedisConnection<String, byte[]> current() {
    return connections.get(index());
  }

  /** The calling loop's index, or 0 off the loops. */
  int index() {
    for (int i = 0; i < eventLoops.length; i++) {
      if (eventLoops[i].inEventLoop()) {
        return i;
      }
    }
    return 0;
  }

  /** The loops, in the order of the connections. */
  EventLoop[] eventLoops() {
    return eventLoops;
  }

  /**
   * Builds one Redis limiter per connection, all with the same settings (as {@code perLoop}
   * builds them: give them the same policy, name and key prefix, so that they share their
   * buckets), and returns the limiter that asks the calling loop's.
   *
   * @param perLoop builds the limiter on one connection; called once per loop
   * @return the limiter for the gateway's routes
   * @throws NullPointerException if {@code perLoop} is null or returns null
   * @throws IllegalArgumentException if the limiters do not share one policy, name, fail mode and
   *     key prefix
   */
  public LoopLocalRateLimiter rateLimiter(
      Function<? super StatefulRedisConnection<String, byte[]>, RedisRateLimiter> perLoop) {
    Objects.requireNonNull(perLoop, "perLoop");
    RedisRateLimiter[] limiters = new RedisRateLimiter[connections.size()];
    for (int i = 0; i < limiters.length; i++) {
      limiters[i] = Objects.requireNonNull(perLoop.apply(connections.get(i)), "perLoop returned null");
    }
    return new LoopLocalRateLimiter(this, limiters);
  }

  /**
   * Closes the connections and shuts their clients and resources down, waiting up to a few
   * seconds; the loops keep running. Idempotent.
   */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      shutDown(connections, clients, resources);
    }
  }

  private static void shutDown(List<StatefulRedisConnection<String, byte[]>> connections,
      List<RedisClient> clients, List<ClientResources> resources) {
    for (StatefulRedisConnection<String, byte[]> connection : connections) {
      connection.close();
    }
    for (RedisClient client : clients) {
      client.shutdown(0, 5, TimeUnit.SECONDS);
    }
    for (ClientResources pinned : resources) {
      try {
        pinned.shutdown(0, 5, TimeUnit.SECONDS).get(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (Exception e) {
        LOG.warn("Lettuce's resources for a loop connection did not shut down", e);
      }
    }
  }

  @Override
  public String toString() {
    return "LoopConnections[" + connections.size() + " on " + loops + "]";
  }
}
