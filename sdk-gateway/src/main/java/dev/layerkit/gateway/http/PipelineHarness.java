package dev.layerkit.gateway.http;

import dev.layerkit.gateway.http.internal.PipelineAccess;
import dev.layerkit.gateway.lb.Endpoint;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;

/**
 * The gateway's side of {@link PipelineAccess}: its client pipeline and an upstream connection
 * pool that a benchmark fills with channels of its own. Not used by a running gateway.
 */
final class PipelineHarness implements PipelineAccess.Harness {

  /** Installed by {@link Gateway}'s class initializer. */
  static final PipelineAccess.Bridge BRIDGE = PipelineHarness::new;

  private final UpstreamConnector connector;
  private final ClientChannelInitializer initializer;

  private PipelineHarness(Gateway gateway) {
    this.connector = new UpstreamConnector(Transport.NIO, gateway.settings().timeSource,
        gateway.settings().allocator);
    this.initializer = new ClientChannelInitializer(gateway, connector);
  }

  @Override
  public ChannelHandler clientInitializer() {
    return initializer;
  }

  @Override
  public void addIdleUpstreamConnection(Upstream upstream, Endpoint endpoint, Channel channel) {
    UpstreamConnector.initHttp1(channel.pipeline());
    connector.release(UpstreamConnector.poolKey(upstream, endpoint), channel,
        upstream.maxIdleConnections());
  }
}
