package dev.layerkit.gateway.lb;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link EndpointSource} whose set the application replaces with {@link #update(List)}: for
 * programmatic discovery, for tests, and as the building block of the DNS and Redis sources.
 *
 * <p>Thread-safe. Updates are serialized: each listener sees every set in the order the updates
 * were made, and an update returns after every listener has seen it. An update equal to the
 * current set (same endpoints in the same order) notifies no one.
 *
 * <pre>{@code
 * MutableEndpointSource source = EndpointSource.mutable(List.of(a, b));
 * LoadBalancer lb = LoadBalancers.roundRobin().endpointSource(source).build();
 * source.update(List.of(a, b, c));   // lb picks c from now on
 * }</pre>
 */
public final class MutableEndpointSource implements EndpointSource {

  private static final Logger LOG = LoggerFactory.getLogger(MutableEndpointSource.class);

  private final Object lock = new Object();
  private final CopyOnWriteArrayList<Registration> listeners = new CopyOnWriteArrayList<>();
  private volatile List<Endpoint> endpoints;
  private boolean closed;

  MutableEndpointSource(List<Endpoint> initial) {
    this.endpoints = EndpointLists.copyOf(initial);
  }

  /**
   * Replaces the endpoint set and tells every listener, on the calling thread.
   *
   * @param endpoints the new set, possibly empty, with unique ids
   * @return whether the set changed
   * @throws NullPointerException if {@code endpoints} or an element is null
   * @throws IllegalArgumentException if two endpoints share an id
   * @throws IllegalStateException if the source is closed
   */
  public boolean update(List<Endpoint> endpoints) {
    List<Endpoint> copy = EndpointLists.copyOf(endpoints);
    synchronized (lock) {
      if (closed) {
        throw new IllegalStateException("endpoint source is closed");
      }
      if (copy.equals(this.endpoints)) {
        return false;
      }
      this.endpoints = copy;
      for (Registration registration : listeners) {
        registration.deliver(copy);
      }
      return true;
    }
  }

  @Override
  public List<Endpoint> endpoints() {
    return endpoints;
  }

  @Override
  public Subscription subscribe(Consumer<? super List<Endpoint>> listener) {
    Objects.requireNonNull(listener, "listener");
    synchronized (lock) {
      if (closed) {
        throw new IllegalStateException("endpoint source is closed");
      }
      Registration registration = new Registration(listener);
      listeners.add(registration);
      registration.deliver(endpoints);
      return registration;
    }
  }

  /** Drops every listener; later updates and subscriptions throw. Idempotent. */
  @Override
  public void close() {
    synchronized (lock) {
      closed = true;
      listeners.clear();
    }
  }

  @Override
  public String toString() {
    return "MutableEndpointSource" + endpoints;
  }

  private final class Registration implements Subscription {
    private final Consumer<? super List<Endpoint>> listener;

    Registration(Consumer<? super List<Endpoint>> listener) {
      this.listener = listener;
    }

    void deliver(List<Endpoint> set) {
      try {
        listener.accept(set);
      } catch (RuntimeException e) {
        LOG.warn("endpoint listener {} failed on {}", listener, set, e);
      }
    }

    @Override
    public void close() {
      listeners.remove(this);
    }
  }
}
