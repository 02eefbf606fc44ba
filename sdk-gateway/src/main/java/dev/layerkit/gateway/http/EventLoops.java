package dev.layerkit.gateway.http;

import dev.layerkit.core.internal.Arguments;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Event-loop threads on one network transport, made to be shared: a {@link Gateway} runs its
 * connections on them ({@link Gateway.Builder#eventLoops}), and so can other Netty clients of the
 * same process, such as Lettuce under a Redis rate limiter ({@code
 * dev.layerkit.gateway.ratelimit.redis.RedisEventLoops}). A Redis reply is then read by a loop
 * that also serves requests, and the decisions it answers resume on that loop without a hand-off
 * to another thread: no wake-up of a third thread per call, and the loops' transport (one
 * {@code io_uring_enter} per turn on io_uring) carries the Redis traffic too.
 *
 * <pre>{@code
 * // Lettuce's transport (see RedisEventLoops): epoll, or io_uring with -Dio.lettuce.core.epoll=false
 * try (EventLoops loops = RedisEventLoops.create(2)) {
 *   RedisClient redis = RedisClient.create(RedisEventLoops.clientResources(loops), uri);
 *   RateLimiter limiter = RedisRateLimiter.builder(policy, RedisConnections.connect(redis)).build();
 *   Gateway gateway = Gateway.builder().eventLoops(loops).route(...).build().start();
 *   ...
 * }
 * }</pre>
 *
 * <p>Whoever creates the loops closes them, after everything that runs on them: a gateway given
 * them does not close them when it shuts down. Thread-safe.
 */
public final class EventLoops implements AutoCloseable {

  private final Transport transport;
  private final EventLoopGroup group;
  private final int threads;

  private EventLoops(Transport transport, EventLoopGroup group, int threads) {
    this.transport = transport;
    this.group = group;
    this.threads = threads;
  }

  /**
   * Starts {@code threads} event-loop threads (daemon threads named {@code layerkit-gw-*}) on
   * {@code transport} or, where it cannot run, on the next available of io_uring, epoll and NIO
   * ({@link #transport()} says which).
   *
   * @param transport the transport asked for
   * @param threads at least 1; a gateway's default is the number of processors
   * @return the running loops
   * @throws NullPointerException if {@code transport} is null
   * @throws IllegalArgumentException if {@code threads} is less than 1
   */
  public static EventLoops create(Transport transport, int threads) {
    Objects.requireNonNull(transport, "transport");
    Arguments.positive(threads, "threads");
    Transport running = transport.resolve();
    return new EventLoops(running,
        running.newGroup(threads, new DefaultThreadFactory("layerkit-gw", true)), threads);
  }

  /**
   * Returns the transport the loops run on.
   *
   * @return the transport
   */
  public Transport transport() {
    return transport;
  }

  /**
   * Returns the loops, for a Netty client to run on. Its channels must be of this transport
   * ({@link #socketChannelType()}).
   *
   * @return the event-loop group
   */
  public EventLoopGroup group() {
    return group;
  }

  /**
   * Returns the number of event-loop threads.
   *
   * @return at least 1
   */
  public int threads() {
    return threads;
  }

  /**
   * Returns the class of TCP client channel that runs on these loops: Netty registers only
   * channels of the loops' own transport on them.
   *
   * @return the socket channel class
   */
  public Class<? extends Channel> socketChannelType() {
    return transport.socketChannelType();
  }

  /**
   * Shuts the loops down and waits up to the given time for them to stop. Everything running on
   * them should be closed first.
   *
   * @param timeout how long to wait
   * @return true if the loops stopped within the timeout
   */
  public boolean close(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    return group.shutdownGracefully(0, timeout.toMillis(), TimeUnit.MILLISECONDS)
        .awaitUninterruptibly(timeout.toMillis() + 1_000, TimeUnit.MILLISECONDS);
  }

  /** Shuts the loops down, waiting up to 5 seconds. */
  @Override
  public void close() {
    close(Duration.ofSeconds(5));
  }

  @Override
  public String toString() {
    return "EventLoops[" + transport.name().toLowerCase(Locale.ROOT) + ", " + threads + " threads]";
  }
}
