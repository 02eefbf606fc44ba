package dev.layerkit.gateway.ratelimit.redis;

import dev.layerkit.gateway.http.EventLoops;
import dev.layerkit.gateway.http.Transport;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.EventLoopGroupProvider;
import io.lettuce.core.resource.Transports;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.EventExecutorGroup;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ImmediateEventExecutor;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Lettuce {@link ClientResources} whose connections run on a gateway's shared {@link EventLoops}
 * instead of Lettuce's own I/O threads. Under a {@link RedisRateLimiter} in a gateway, a reply is
 * then read by a loop that also serves requests, and the decisions it answers for requests of
 * that loop resume at once, without waking another thread; the other loops get one task per reply.
 *
 * <pre>{@code
 * // Lettuce's transport: epoll by default, io_uring with -Dio.lettuce.core.epoll=false
 * EventLoops loops = RedisEventLoops.create(2);
 * ClientResources resources = RedisEventLoops.clientResources(loops);
 * RedisClient client = RedisClient.create(resources, "redis://redis:6379");
 * RateLimiter limiter = RedisRateLimiter.builder(policy, RedisConnections.connect(client)).build();
 * Gateway gateway = Gateway.builder().eventLoops(loops).route(...).build().start();
 * // on the way out: gateway, then client.shutdown(), resources.shutdown(), loops.close()
 * }</pre>
 *
 * <p>One connection runs on one loop, so the requests of the other loops still hand their calls
 * to it and get their replies back. {@link LoopConnections} makes a connection per loop ({@link
 * #clientResources(EventLoops, int)}), and its {@link LoopConnections#rateLimiter limiter} asks
 * the calling loop's: no hand-off at all, at up to one script call in flight per loop for a hot key.
 *
 * <p>Netty runs a channel only on loops of its own transport, and Lettuce picks its channel type
 * for the whole JVM: epoll where it can, else io_uring (with {@code -Dio.lettuce.core.epoll=false},
 * io_uring where it can), else NIO. The loops must be of that transport: {@link #create} starts
 * loops on it, and {@link #clientResources} checks it. (Netty's bootstrap takes its channel type
 * once, and Lettuce sets it from its JVM-wide choice before any hook of its runs, so the resources
 * cannot give a connection the loops' type instead.) Shutting the resources down leaves the loops running:
 * they are their creator's to close. Lettuce never blocks its event loops, and the gateway's
 * BlockHound-checked tests run the Redis limiter this way too.
 */
public final class RedisEventLoops {

  private RedisEventLoops() {}

  /**
   * Starts event loops on the transport Lettuce connects with, for a gateway ({@code
   * Gateway.Builder#eventLoops}) and the Redis clients of {@link #clientResources} to share. On
   * Linux that is epoll, which Lettuce prefers to the gateway's default io_uring, unless {@code
   * -Dio.lettuce.core.epoll=false} was set before Lettuce loaded (then io_uring where it runs).
   *
   * @param threads at least 1; a gateway's default is the number of processors
   * @return the running loops, their caller's to close after the gateway and the Redis clients
   * @throws IllegalArgumentException if {@code threads} is less than 1
   * @throws IllegalStateException if Lettuce connects with a transport the gateway cannot run on
   *     (kqueue, with Netty's kqueue artifact on macOS)
   */
  public static EventLoops create(int threads) {
    Class<? extends Channel> lettuceChannel = Transports.socketChannelClass();
    for (Transport transport : Transport.values()) {
      if (transport.isAvailable() && transport.socketChannelType().equals(lettuceChannel)) {
        return EventLoops.create(transport, threads);
      }
    }
    throw new IllegalStateException("Lettuce connects with " + lettuceChannel.getName()
        + ", a transport the gateway does not run on (it runs on io_uring, epoll or NIO)");
  }

  /**
   * Returns client resources whose Redis connections run on {@code loops}. Lettuce's other
   * threads (its computation pool, its timer) stay its own.
   *
   * @param loops the shared event loops
   * @return new client resources; shut them down after the clients that use them
   * @throws NullPointerException if {@code loops} is null
   * @throws IllegalArgumentException if the loops are not of the transport Lettuce connects with
   */
  public static ClientResources clientResources(EventLoops loops) {
    Objects.requireNonNull(loops, "loops");
    checkTransport(loops);
    return ClientResources.builder()
        .eventLoopGroupProvider(new FixedGroupProvider(loops.group(), loops.threads(), loops.toString())).build();
  }

  /**
   * Returns client resources whose Redis connections all run on one of {@code loops}: the one
   * a connection's calls come from, as {@link LoopConnections} makes one per loop. Lettuce's other
   * threads (its computation pool, its timer) stay its own.
   *
   * @param loops the shared event loops
   * @param index which loop, from 0 to {@code loops.threads() - 1}, in the order of {@code
   *     loops.group()}
   * @return new client resources; shut them down after the clients that use them
   * @throws NullPointerException if {@code loops} is null
   * @throws IllegalArgumentException if the loops are not of the transport Lettuce connects with
   * @throws IndexOutOfBoundsException if there is no such loop
   */
  public static ClientResources clientResources(EventLoops loops, int index) {
    Objects.requireNonNull(loops, "loops");
    checkTransport(loops);
    Objects.checkIndex(index, loops.threads());
    int i = 0;
    for (EventExecutor executor : loops.group()) {
      if (i++ == index) {
        return ClientResources.builder().eventLoopGroupProvider(oneLoop((EventLoop) executor)).build();
      }
    }
    throw new IndexOutOfBoundsException("no loop " + index + " in " + loops);
  }

  /**
   * Resources for connections on one loop that borrow {@code owner}'s computation pool and timer
   * (which their shutdown leaves to {@code owner}'s), so that the loops' clients share one of each.
   */
  static ClientResources clientResources(EventLoop loop, ClientResources owner) {
    return ClientResources.builder().eventLoopGroupProvider(oneLoop(loop))
        .eventExecutorGroup(owner.eventExecutorGroup()).timer(owner.timer()).build();
  }

  /**
   * Hands Lettuce one loop, already checked to be of Lettuce's transport. A loop is a group of
   * itself ({@link EventLoop#next()} is the loop), which Netty's bootstrap registers every channel
   * on.
   */
  private static EventLoopGroupProvider oneLoop(EventLoop loop) {
    return new FixedGroupProvider(loop, 1, "loop " + loop);
  }

  /** Throws unless Lettuce's connections can run on the loops. */
  static void checkTransport(EventLoops loops) {
    Class<? extends Channel> lettuceChannel = Transports.socketChannelClass();
    if (!lettuceChannel.equals(loops.socketChannelType())) {
      throw new IllegalArgumentException("Lettuce connects with " + lettuceChannel.getSimpleName()
          + ", which cannot run on the shared " + loops + " (" + loops.socketChannelType().getSimpleName()
          + "): create the loops on Lettuce's transport, or choose Lettuce's with its system properties"
          + " (Lettuce prefers epoll to io_uring; -Dio.lettuce.core.epoll=false makes it use io_uring)");
    }
  }

  /**
   * Hands Lettuce the given group (the shared loops, or one loop) for any group it asks for, and
   * never shuts it down: the loops are their creator's.
   */
  private static final class FixedGroupProvider implements EventLoopGroupProvider {
    private final EventLoopGroup group;
    private final int threads;
    private final String description;

    FixedGroupProvider(EventLoopGroup group, int threads, String description) {
      this.group = group;
      this.threads = threads;
      this.description = description;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T extends EventLoopGroup> T allocate(Class<T> type) {
      // Lettuce keeps what it is given as a plain group, so a single loop serves for any class;
      // a group of several loops must be of the class asked for.
      if (!(group instanceof EventLoop) && !type.isInstance(group)) {
        throw new IllegalStateException("Lettuce asked for a " + type.getName() + " but the shared "
            + description + " are a " + group.getClass().getName());
      }
      return (T) group;
    }

    @Override
    public int threadPoolSize() {
      return threads;
    }

    @Override
    public Future<Boolean> release(EventExecutorGroup eventLoopGroup, long quietPeriod,
        long timeout, TimeUnit unit) {
      return ImmediateEventExecutor.INSTANCE.newSucceededFuture(true);
    }

    @Override
    public Future<Boolean> shutdown(long quietPeriod, long timeout, TimeUnit unit) {
      return ImmediateEventExecutor.INSTANCE.newSucceededFuture(true);
    }
  }
}
