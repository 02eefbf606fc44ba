package dev.layerkit.gateway.lb;

import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Where a {@link LoadBalancer} learns a service's endpoints, and of every change to them.
 *
 * <p>A source publishes whole sets, never deltas: each list a listener receives replaces the
 * previous one, so a balancer swaps its snapshot atomically and a pick never sees half an update.
 *
 * <p>Implementations: {@link #of(List)} (a fixed list), {@link #mutable(List)} (updated by the
 * application), {@link #dns(String, int)} (re-resolves a host name, as for a Kubernetes headless
 * service) and {@code RedisServiceRegistry.watch(service)} in {@code dev.layerkit.gateway.lb.redis}.
 * A custom source (Consul, a Kubernetes watch) can wrap a {@link MutableEndpointSource}.
 *
 * <p>Implementations are thread-safe. The caller that creates a source owns it: closing a balancer
 * unsubscribes from its source but does not close it, so one source may feed several balancers.
 *
 * <pre>{@code
 * EndpointSource fixed = EndpointSource.of(Endpoint.of("10.0.0.1", 8080), Endpoint.of("10.0.0.2", 8080));
 * DnsEndpointSource dns = EndpointSource.dns("orders.default.svc.cluster.local", 8080)
 *     .refreshInterval(Duration.ofSeconds(5))
 *     .build();
 * }</pre>
 */
public interface EndpointSource extends AutoCloseable {

  /**
   * Returns the current endpoint set.
   *
   * @return an immutable list with unique ids, possibly empty
   */
  List<Endpoint> endpoints();

  /**
   * Subscribes to the endpoint set: the listener is called at once, on the calling thread, with
   * the current set, and then with every new set until the subscription is closed. Calls for one
   * source never overlap and arrive in order. A listener should be quick and must not block; an
   * exception it throws is logged and does not stop later calls.
   *
   * @param listener receives each endpoint set, an immutable list
   * @return the subscription; closing it stops the calls
   * @throws NullPointerException if {@code listener} is null
   * @throws IllegalStateException if the source is closed
   */
  Subscription subscribe(Consumer<? super List<Endpoint>> listener);

  /**
   * Releases the source's resources (a refresh task, a connection). Does nothing by default.
   * Idempotent.
   */
  @Override
  default void close() {}

  /**
   * Returns a source whose set never changes.
   *
   * @param endpoints the endpoints, at least one, with unique ids
   * @return the source
   * @throws NullPointerException if {@code endpoints} or an element is null
   * @throws IllegalArgumentException if {@code endpoints} is empty or two endpoints share an id
   */
  static EndpointSource of(List<Endpoint> endpoints) {
    List<Endpoint> copy = EndpointLists.copyOf(endpoints);
    if (copy.isEmpty()) {
      throw new IllegalArgumentException("endpoints must not be empty but was []");
    }
    return new FixedEndpointSource(copy);
  }

  /**
   * Returns a source whose set never changes.
   *
   * @param first an endpoint
   * @param more more endpoints
   * @return the source
   * @throws NullPointerException if an endpoint is null
   * @throws IllegalArgumentException if two endpoints share an id
   */
  static EndpointSource of(Endpoint first, Endpoint... more) {
    Objects.requireNonNull(first, "first");
    Objects.requireNonNull(more, "more");
    Endpoint[] all = new Endpoint[more.length + 1];
    all[0] = first;
    System.arraycopy(more, 0, all, 1, more.length);
    return of(java.util.Arrays.asList(all));
  }

  /**
   * Returns a source that the application updates with {@link MutableEndpointSource#update(List)}.
   *
   * @param initial the first set, possibly empty
   * @return the source
   * @throws NullPointerException if {@code initial} or an element is null
   * @throws IllegalArgumentException if two endpoints share an id
   */
  static MutableEndpointSource mutable(List<Endpoint> initial) {
    return new MutableEndpointSource(initial);
  }

  /**
   * Starts building a source that resolves {@code hostName} to all its addresses, one endpoint per
   * address on {@code port}, and re-resolves it periodically.
   *
   * @param hostName the name to resolve, for example a Kubernetes headless service
   * @param port the port of every endpoint
   * @return a builder
   * @throws NullPointerException if {@code hostName} is null
   * @throws IllegalArgumentException if {@code hostName} is blank or {@code port} is not in
   *     [1, 65535]
   */
  static DnsEndpointSource.Builder dns(String hostName, int port) {
    return DnsEndpointSource.builder(hostName, port);
  }

  /** A listener's registration with a source; closing it is idempotent. */
  @FunctionalInterface
  interface Subscription extends AutoCloseable {

    /** Stops calls to the listener. A call already under way may still complete. */
    @Override
    void close();
  }
}
