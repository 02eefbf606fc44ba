package dev.layerkit.service.grpc;

import dev.layerkit.gateway.lb.Endpoint;
import dev.layerkit.gateway.lb.EndpointSource;
import dev.layerkit.gateway.lb.LoadBalancerBuilder;
import dev.layerkit.gateway.lb.MutableEndpointSource;
import dev.layerkit.gateway.lb.NoAvailableEndpointException;
import dev.layerkit.gateway.lb.RequestContext;
import io.grpc.Attributes;
import io.grpc.ClientStreamTracer;
import io.grpc.ConnectivityState;
import io.grpc.ConnectivityStateInfo;
import io.grpc.EquivalentAddressGroup;
import io.grpc.LoadBalancer;
import io.grpc.Metadata;
import io.grpc.Status;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * A grpc-java balancer that delegates each pick to a Layerkit {@code LoadBalancer}.
 *
 * <h2>Design</h2>
 *
 * <p>One subchannel per resolved address group, keyed by its endpoint id. The READY subchannels'
 * endpoints are the Layerkit balancer's endpoint set (through a {@link MutableEndpointSource}), so
 * the balancer's strategy, outlier ejection and panic mode apply among connected endpoints only.
 * Each picker holds an immutable id-to-subchannel map of the same moment; a pick that returns an
 * endpoint the picker's map lacks (a set change between the two) is cancelled and the pick
 * buffered until the next picker, which is already on its way.
 *
 * <p>Feedback rides on a {@link ClientStreamTracer}: the pick time is taken at the pick and the
 * stream's close reports latency and outcome once. A pick whose stream is never created (the
 * channel retries the pick on a newer picker) is never reported, so its endpoint keeps one
 * outstanding request counted; grpc-java's own least-request policy has the same limit.
 *
 * <h2>Concurrency</h2>
 *
 * <p>Every method but the picker's runs in the channel's synchronization context, one at a
 * time. Pickers run on any thread and only read their own immutable map and the thread-safe
 * Layerkit balancer.
 */
final class LayerkitGrpcLoadBalancer extends LoadBalancer {

  private final Helper helper;
  private final Supplier<LoadBalancerBuilder> strategy;
  private final Map<String, Entry> entries = new LinkedHashMap<>();
  private final MutableEndpointSource ready = EndpointSource.mutable(List.of());
  private dev.layerkit.gateway.lb.@Nullable LoadBalancer balancer;
  private LayerkitLoadBalancerProvider.@Nullable PolicyConfig config;
  private Status lastFailure = Status.UNAVAILABLE.withDescription("no subchannel has connected yet");

  LayerkitGrpcLoadBalancer(Helper helper, Supplier<LoadBalancerBuilder> strategy) {
    this.helper = Objects.requireNonNull(helper, "helper");
    this.strategy = strategy;
  }

  @Override
  public Status acceptResolvedAddresses(ResolvedAddresses resolved) {
    List<EquivalentAddressGroup> groups = resolved.getAddresses();
    if (groups.isEmpty()) {
      Status error = Status.UNAVAILABLE.withDescription("the name resolver returned no addresses for "
          + helper.getAuthority());
      handleNameResolutionError(error);
      return error;
    }
    Object raw = resolved.getLoadBalancingPolicyConfig();
    LayerkitLoadBalancerProvider.PolicyConfig newConfig = raw instanceof LayerkitLoadBalancerProvider.PolicyConfig c
        ? c : LayerkitLoadBalancerProvider.PolicyConfig.DEFAULT;
    if (balancer == null || !newConfig.equals(config)) {
      rebuildBalancer(newConfig);
    }
    Map<String, EquivalentAddressGroup> wanted = new LinkedHashMap<>();
    Map<String, Endpoint> endpoints = new HashMap<>();
    for (EquivalentAddressGroup group : groups) {
      Endpoint endpoint = endpointOf(group);
      wanted.put(endpoint.id(), group);
      endpoints.put(endpoint.id(), endpoint);
    }
    for (Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Entry> e = it.next();
      if (!wanted.containsKey(e.getKey())) {
        e.getValue().subchannel.shutdown();
        it.remove();
      }
    }
    for (Map.Entry<String, EquivalentAddressGroup> e : wanted.entrySet()) {
      Entry existing = entries.get(e.getKey());
      Endpoint endpoint = endpoints.get(e.getKey());
      if (existing != null) {
        if (!existing.endpoint.equals(endpoint)) {
          existing.subchannel.updateAddresses(List.of(e.getValue()));
          existing.endpoint = Objects.requireNonNull(endpoint);
        }
        continue;
      }
      Subchannel subchannel = helper.createSubchannel(CreateSubchannelArgs.newBuilder()
          .setAddresses(e.getValue())
          .setAttributes(Attributes.EMPTY)
          .build());
      Entry entry = new Entry(subchannel, Objects.requireNonNull(endpoint));
      entries.put(e.getKey(), entry);
      subchannel.start(state -> onSubchannelState(entry, state));
      subchannel.requestConnection();
    }
    updateBalancingState();
    return Status.OK;
  }

  @Override
  public void handleNameResolutionError(Status error) {
    lastFailure = error;
    if (entries.values().stream().noneMatch(e -> e.state == ConnectivityState.READY)) {
      helper.updateBalancingState(ConnectivityState.TRANSIENT_FAILURE,
          new FixedResultPicker(PickResult.withError(error)));
    }
  }

  @Override
  public void requestConnection() {
    for (Entry entry : entries.values()) {
      if (entry.state == ConnectivityState.IDLE) {
        entry.subchannel.requestConnection();
      }
    }
  }

  @Override
  public void shutdown() {
    for (Entry entry : entries.values()) {
      entry.subchannel.shutdown();
    }
    entries.clear();
    if (balancer != null) {
      balancer.close();
      balancer = null;
    }
  }

  private void rebuildBalancer(LayerkitLoadBalancerProvider.PolicyConfig newConfig) {
    if (balancer != null) {
      balancer.close();
    }
    LoadBalancerBuilder builder = strategy.get()
        .serviceName(helper.getAuthority())
        .endpointSource(ready);
    if (newConfig.outlierDetection() != null) {
      builder.outlierDetection(newConfig.outlierDetection());
    }
    balancer = builder.build();
    config = newConfig;
  }

  private void onSubchannelState(Entry entry, ConnectivityStateInfo info) {
    if (entries.get(entry.endpoint.id()) != entry || info.getState() == ConnectivityState.SHUTDOWN) {
      return;
    }
    entry.state = info.getState();
    if (info.getState() == ConnectivityState.IDLE) {
      entry.subchannel.requestConnection();
      helper.refreshNameResolution();
    } else if (info.getState() == ConnectivityState.TRANSIENT_FAILURE) {
      lastFailure = info.getStatus();
      helper.refreshNameResolution();
    }
    updateBalancingState();
  }

  private void updateBalancingState() {
    dev.layerkit.gateway.lb.LoadBalancer lb = balancer;
    if (lb == null) {
      return;
    }
    List<Endpoint> readyEndpoints = new ArrayList<>();
    Map<String, Subchannel> readyChannels = new HashMap<>();
    boolean connecting = false;
    for (Entry entry : entries.values()) {
      if (entry.state == ConnectivityState.READY) {
        readyEndpoints.add(entry.endpoint);
        readyChannels.put(entry.endpoint.id(), entry.subchannel);
      } else if (entry.state == ConnectivityState.CONNECTING || entry.state == ConnectivityState.IDLE) {
        connecting = true;
      }
    }
    ready.update(readyEndpoints);
    if (!readyEndpoints.isEmpty()) {
      helper.updateBalancingState(ConnectivityState.READY, new Picker(lb, Map.copyOf(readyChannels)));
    } else if (connecting) {
      helper.updateBalancingState(ConnectivityState.CONNECTING, new FixedResultPicker(PickResult.withNoResult()));
    } else {
      helper.updateBalancingState(ConnectivityState.TRANSIENT_FAILURE,
          new FixedResultPicker(PickResult.withError(lastFailure)));
    }
  }

  static Endpoint endpointOf(EquivalentAddressGroup group) {
    Endpoint endpoint = group.getAttributes().get(LayerkitGrpc.ENDPOINT);
    if (endpoint != null) {
      return endpoint;
    }
    SocketAddress address = group.getAddresses().get(0);
    if (address instanceof InetSocketAddress inet) {
      return Endpoint.of(inet.getHostString(), inet.getPort());
    }
    return Endpoint.builder("localhost", 1).id(address.toString()).build();
  }

  static boolean isFailure(Status status) {
    return switch (status.getCode()) {
      case UNAVAILABLE, INTERNAL, UNKNOWN, DATA_LOSS, DEADLINE_EXCEEDED -> true;
      default -> false;
    };
  }

  /** One subchannel and the endpoint it stands for. */
  private static final class Entry {
    final Subchannel subchannel;
    Endpoint endpoint;
    ConnectivityState state = ConnectivityState.IDLE;

    Entry(Subchannel subchannel, Endpoint endpoint) {
      this.subchannel = subchannel;
      this.endpoint = endpoint;
    }
  }

  /** Picks through the Layerkit balancer among the subchannels READY when it was made. */
  private static final class Picker extends SubchannelPicker {
    private final dev.layerkit.gateway.lb.LoadBalancer lb;
    private final Map<String, Subchannel> channels;

    Picker(dev.layerkit.gateway.lb.LoadBalancer lb, Map<String, Subchannel> channels) {
      this.lb = lb;
      this.channels = channels;
    }

    @Override
    public PickResult pickSubchannel(PickSubchannelArgs args) {
      Endpoint endpoint;
      try {
        endpoint = lb.pick(RequestContext.empty());
      } catch (NoAvailableEndpointException e) {
        return PickResult.withError(Status.UNAVAILABLE.withDescription(e.getMessage()));
      } catch (IllegalStateException closed) {
        return PickResult.withNoResult();
      }
      Subchannel subchannel = channels.get(endpoint.id());
      if (subchannel == null) {
        lb.onCancel(endpoint);
        return PickResult.withNoResult();
      }
      return PickResult.withSubchannel(subchannel, new Feedback(lb, endpoint, System.nanoTime()));
    }
  }

  /** Reports one stream's latency and outcome to the balancer when it closes. */
  private static final class Feedback extends ClientStreamTracer.Factory {
    private final dev.layerkit.gateway.lb.LoadBalancer lb;
    private final Endpoint endpoint;
    private final long start;
    private final AtomicBoolean reported = new AtomicBoolean();

    Feedback(dev.layerkit.gateway.lb.LoadBalancer lb, Endpoint endpoint, long start) {
      this.lb = lb;
      this.endpoint = endpoint;
      this.start = start;
    }

    @Override
    public ClientStreamTracer newClientStreamTracer(ClientStreamTracer.StreamInfo info, Metadata headers) {
      return new ClientStreamTracer() {
        @Override
        public void streamClosed(Status status) {
          if (!reported.compareAndSet(false, true)) {
            return;
          }
          if (status.getCode() == Status.Code.CANCELLED) {
            lb.onCancel(endpoint);
          } else {
            lb.onComplete(endpoint, Math.max(0, System.nanoTime() - start), !isFailure(status));
          }
        }
      };
    }
  }
}
