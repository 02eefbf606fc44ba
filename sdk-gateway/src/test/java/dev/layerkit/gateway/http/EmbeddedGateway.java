package dev.layerkit.gateway.http;

import dev.layerkit.gateway.http.internal.PipelineAccess;
import dev.layerkit.gateway.lb.Endpoint;
import dev.layerkit.gateway.lb.EndpointSource;
import dev.layerkit.gateway.lb.LoadBalancers;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.function.UnaryOperator;

/**
 * A started gateway's real pipelines on embedded channels ({@link PipelineAccess}): one route
 * {@code all} for every path to an endpoint that is never connected to, whose pool holds one idle
 * upstream connection ({@link #upstream}), and a client connection ({@link #client}) running the
 * gateway's client pipeline, registered, reading only when the gateway asks.
 */
final class EmbeddedGateway implements AutoCloseable {

  final Gateway gateway;
  final EmbeddedChannel upstream;
  final EmbeddedChannel client;

  private EmbeddedGateway(Gateway gateway, EmbeddedChannel upstream, EmbeddedChannel client) {
    this.gateway = gateway;
    this.upstream = upstream;
    this.client = client;
  }

  /**
   * Starts the gateway and wires the connections.
   *
   * @param route edits the route before it is built
   * @param settings edits the gateway's builder before it is built
   * @param client the client connection, not yet registered
   * @throws Exception if the client connection cannot be registered
   */
  static EmbeddedGateway start(UnaryOperator<Route.Builder> route,
      UnaryOperator<Gateway.Builder> settings, EmbeddedChannel client) throws Exception {
    Endpoint endpoint = Endpoint.of("127.0.0.1", 9);
    Upstream target = Upstream.of("svc", LoadBalancers.roundRobin().serviceName("svc")
        .endpointSource(EndpointSource.of(endpoint)).build());
    Gateway gateway = settings.apply(Gateway.builder().bindAddress("127.0.0.1").port(0)
        .workerThreads(1).meterRegistry(new SimpleMeterRegistry())
        .route(route.apply(Route.builder("all").pathPrefix("/").upstream(target)).build()))
        .build().start();
    PipelineAccess.Harness harness = PipelineAccess.harness(gateway);
    EmbeddedChannel upstream = new EmbeddedChannel();
    harness.addIdleUpstreamConnection(target, endpoint, upstream);
    client.pipeline().addLast(harness.clientInitializer());
    client.config().setAutoRead(false);
    client.register();
    return new EmbeddedGateway(gateway, upstream, client);
  }

  /** Closes both connections, releasing what they hold, and the gateway. */
  @Override
  public void close() {
    client.finishAndReleaseAll();
    upstream.finishAndReleaseAll();
    gateway.close();
  }
}
