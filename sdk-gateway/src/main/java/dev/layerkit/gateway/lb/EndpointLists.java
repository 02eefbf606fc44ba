package dev.layerkit.gateway.lb;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/** Validation shared by the endpoint sources. */
final class EndpointLists {

  private EndpointLists() {}

  /**
   * Returns an immutable copy of {@code endpoints} after checking for nulls and repeated ids.
   *
   * @throws NullPointerException if the list or an element is null
   * @throws IllegalArgumentException if two endpoints share an id
   */
  static List<Endpoint> copyOf(List<Endpoint> endpoints) {
    Objects.requireNonNull(endpoints, "endpoints");
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < endpoints.size(); i++) {
      int index = i;
      Endpoint endpoint = Objects.requireNonNull(endpoints.get(i), () -> "endpoint at index " + index);
      if (!ids.add(endpoint.id())) {
        throw new IllegalArgumentException("endpoint ids must be unique but '" + endpoint.id() + "' is repeated in "
            + endpoints);
      }
    }
    return List.copyOf(endpoints);
  }
}
