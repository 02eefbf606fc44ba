package dev.layerkit.gateway.http;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** An immutable, ordered set of routes with their meters; swapped whole on reload. */
final class RouteTable {

  private final RouteState[] states;
  private final List<Route> routes;
  private final List<Upstream> upstreams;

  private RouteTable(RouteState[] states, List<Route> routes, List<Upstream> upstreams) {
    this.states = states;
    this.routes = routes;
    this.upstreams = upstreams;
  }

  static RouteTable of(List<Route> routes, GatewayMetrics metrics) {
    Set<String> ids = new HashSet<>();
    Set<String> duplicates = new LinkedHashSet<>();
    Set<Upstream> upstreams = new LinkedHashSet<>();
    RouteState[] states = new RouteState[routes.size()];
    for (int i = 0; i < states.length; i++) {
      Route route = routes.get(i);
      if (!ids.add(route.id())) {
        duplicates.add(route.id());
      }
      upstreams.addAll(route.upstreams());
      states[i] = new RouteState(route, metrics);
    }
    if (!duplicates.isEmpty()) {
      throw new IllegalArgumentException("route ids must be unique; duplicated: " + duplicates);
    }
    return new RouteTable(states, List.copyOf(routes), List.copyOf(new ArrayList<>(upstreams)));
  }

  @Nullable RouteState match(GatewayRequest request) {
    for (RouteState state : states) {
      if (state.route.matches(request)) {
        return state;
      }
    }
    return null;
  }

  List<Route> routes() {
    return routes;
  }

  List<Upstream> upstreams() {
    return upstreams;
  }

  int size() {
    return states.length;
  }

  @Override
  public String toString() {
    return routes.toString();
  }
}
