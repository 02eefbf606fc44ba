package dev.layerkit.gateway.http.internal;

import dev.layerkit.gateway.http.Gateway;
import dev.layerkit.gateway.http.Upstream;
import dev.layerkit.gateway.lb.Endpoint;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A way into a {@link Gateway}'s connection pipelines without a network, for benchmarks that drive
 * them on Netty's {@code EmbeddedChannel} (raw request bytes in, upstream request bytes out,
 * upstream response bytes in, client response bytes out). Not API: it may change without notice.
 *
 * <p>The gateway's pipeline classes are package-private in {@code dev.layerkit.gateway.http}; that
 * package installs the {@link Bridge} here when {@link Gateway} is initialized, as the JDK's
 * {@code SharedSecrets} do, so no public type of the gateway grows for this.
 */
public final class PipelineAccess {

  /** What the gateway's package provides; installed once. */
  public interface Bridge {
    /**
     * Returns a harness of the gateway's pipelines.
     *
     * @param gateway a started gateway (a gateway that is not running closes each connection
     *     after its first answer)
     * @return the harness
     */
    Harness harness(Gateway gateway);
  }

  /** The pipelines of one gateway, with their own pool of idle upstream connections. */
  public interface Harness {
    /**
     * Returns the handler that builds a client connection's pipeline as the gateway's server
     * does: add it to a channel whose remote address is an {@code InetSocketAddress}, with {@code
     * AUTO_READ} off, before the channel is registered.
     *
     * @return the channel initializer
     */
    ChannelHandler clientInitializer();

    /**
     * Builds the pipeline of an HTTP/1.1 upstream connection on {@code channel} and puts it in the
     * calling thread's pool of idle connections to {@code endpoint} of {@code upstream}: requests
     * that the clients of {@link #clientInitializer} send on this thread go to it, and it returns
     * to the pool after each response, as a kept-alive upstream connection does.
     *
     * @param upstream the route's upstream
     * @param endpoint the endpoint its balancer picks
     * @param channel an active, registered channel
     */
    void addIdleUpstreamConnection(Upstream upstream, Endpoint endpoint, Channel channel);
  }

  private static volatile @Nullable Bridge bridge;

  private PipelineAccess() {}

  /**
   * Installs the bridge; called by the gateway's package only.
   *
   * @param installed the bridge
   * @throws IllegalStateException if one is installed already
   */
  public static synchronized void install(Bridge installed) {
    Objects.requireNonNull(installed, "installed");
    if (bridge != null) {
      throw new IllegalStateException("PipelineAccess bridge already installed");
    }
    bridge = installed;
  }

  /**
   * Returns a harness of the gateway's pipelines.
   *
   * @param gateway a started gateway
   * @return the harness
   */
  public static Harness harness(Gateway gateway) {
    Objects.requireNonNull(gateway, "gateway"); // Gateway is initialized: its bridge is installed
    Bridge installed = bridge;
    if (installed == null) {
      throw new IllegalStateException("PipelineAccess bridge not installed");
    }
    return installed.harness(gateway);
  }
}
