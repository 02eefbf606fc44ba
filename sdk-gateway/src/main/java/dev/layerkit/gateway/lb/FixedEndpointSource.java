package dev.layerkit.gateway.lb;

import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/** The source of {@link EndpointSource#of(List)}: one set, forever. */
final class FixedEndpointSource implements EndpointSource {

  private final List<Endpoint> endpoints;

  FixedEndpointSource(List<Endpoint> endpoints) {
    this.endpoints = endpoints;
  }

  @Override
  public List<Endpoint> endpoints() {
    return endpoints;
  }

  @Override
  public Subscription subscribe(Consumer<? super List<Endpoint>> listener) {
    Objects.requireNonNull(listener, "listener").accept(endpoints);
    return () -> { };
  }

  @Override
  public String toString() {
    return "EndpointSource.of(" + endpoints + ')';
  }
}
