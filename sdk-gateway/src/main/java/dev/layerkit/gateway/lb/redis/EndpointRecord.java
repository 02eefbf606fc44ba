package dev.layerkit.gateway.lb.redis;

import dev.layerkit.gateway.lb.Endpoint;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * How the registry stores an endpoint in Redis, as JSON through sdk-core's codec. A record of its
 * own, rather than {@link Endpoint} itself, so that the stored form is explicit and can evolve
 * (readers ignore unknown fields) independently of the API class.
 */
record EndpointRecord(
    String id, String host, int port, int weight, @Nullable String zone, @Nullable Map<String, String> metadata) {

  static EndpointRecord of(Endpoint endpoint) {
    return new EndpointRecord(endpoint.id(), endpoint.host(), endpoint.port(), endpoint.weight(), endpoint.zone(),
        endpoint.metadata());
  }

  /**
   * Returns the endpoint, validated as any other.
   *
   * @throws IllegalArgumentException if a value is out of range
   * @throws NullPointerException if a required value is missing
   */
  Endpoint toEndpoint() {
    Endpoint.Builder builder = Endpoint.builder(host, port).id(id).weight(weight);
    if (zone != null) {
      builder.zone(zone);
    }
    if (metadata != null) {
      metadata.forEach(builder::metadata);
    }
    return builder.build();
  }
}
