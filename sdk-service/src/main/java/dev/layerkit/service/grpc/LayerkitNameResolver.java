package dev.layerkit.service.grpc;

import dev.layerkit.gateway.lb.Endpoint;
import dev.layerkit.gateway.lb.EndpointSource;
import io.grpc.Attributes;
import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.Status;
import io.grpc.StatusOr;
import io.grpc.SynchronizationContext;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Follows one {@link EndpointSource}: each set it publishes becomes one resolution result,
 * handed to the channel in its synchronization context (the source calls back on its own thread,
 * where the addresses are built).
 */
final class LayerkitNameResolver extends NameResolver {

  private final String service;
  private final @Nullable EndpointSource source;
  private final SynchronizationContext syncContext;
  private EndpointSource.@Nullable Subscription subscription;
  private @Nullable Listener2 listener;
  private @Nullable List<EquivalentAddressGroup> last;

  LayerkitNameResolver(String service, @Nullable EndpointSource source, Args args) {
    this.service = service;
    this.source = source;
    this.syncContext = args.getSynchronizationContext();
  }

  @Override
  public String getServiceAuthority() {
    return service;
  }

  @Override
  public void start(Listener2 listener) {
    this.listener = listener;
    EndpointSource src = source;
    if (src == null) {
      listener.onError(Status.UNAVAILABLE.withDescription("no EndpointSource is registered for service '" + service
          + "' in the LayerkitNameResolverProvider"));
      return;
    }
    subscription = src.subscribe(endpoints -> {
      List<EquivalentAddressGroup> groups = toGroups(endpoints);
      syncContext.execute(() -> publish(groups));
    });
  }

  @Override
  public void refresh() {
    List<EquivalentAddressGroup> groups = last;
    if (groups != null) {
      publish(groups);
    }
  }

  @Override
  public void shutdown() {
    EndpointSource.Subscription s = subscription;
    if (s != null) {
      s.close();
      subscription = null;
    }
    listener = null;
  }

  private void publish(List<EquivalentAddressGroup> groups) {
    Listener2 l = listener;
    if (l == null) {
      return;
    }
    last = groups;
    if (groups.isEmpty()) {
      l.onResult2(ResolutionResult.newBuilder()
          .setAddressesOrError(StatusOr.fromStatus(Status.UNAVAILABLE.withDescription(
              "service '" + service + "' has no endpoints")))
          .build());
      return;
    }
    l.onResult2(ResolutionResult.newBuilder()
        .setAddressesOrError(StatusOr.fromValue(groups))
        .setAttributes(Attributes.EMPTY)
        .build());
  }

  private static List<EquivalentAddressGroup> toGroups(List<Endpoint> endpoints) {
    List<EquivalentAddressGroup> groups = new ArrayList<>(endpoints.size());
    for (Endpoint endpoint : endpoints) {
      groups.add(new EquivalentAddressGroup(new InetSocketAddress(endpoint.host(), endpoint.port()),
          Attributes.newBuilder().set(LayerkitGrpc.ENDPOINT, endpoint).build()));
    }
    return List.copyOf(groups);
  }
}
