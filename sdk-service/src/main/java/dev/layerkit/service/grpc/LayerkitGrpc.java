package dev.layerkit.service.grpc;

import dev.layerkit.gateway.lb.Endpoint;
import io.grpc.Attributes;
import io.grpc.EquivalentAddressGroup;
import java.util.List;

/**
 * Names shared by Layerkit's gRPC pieces: the target scheme, the load-balancing policy names and
 * the address attribute that carries an {@link Endpoint}.
 */
public final class LayerkitGrpc {

  /** The target scheme of {@link LayerkitNameResolverProvider}: {@code layerkit://orders}. */
  public static final String SCHEME = "layerkit";

  /** Peak EWMA (latency-aware power of two choices) with outlier ejection: {@value}. */
  public static final String PEAK_EWMA = "layerkit_peak_ewma";

  /** Least request (power of two choices over requests in flight) with outlier ejection: {@value}. */
  public static final String LEAST_REQUEST = "layerkit_least_request";

  /** Round robin with outlier ejection: {@value}. */
  public static final String ROUND_ROBIN = "layerkit_round_robin";

  /** Smooth weighted round robin (by {@link Endpoint#weight()}) with outlier ejection: {@value}. */
  public static final String WEIGHTED_ROUND_ROBIN = "layerkit_weighted_round_robin";

  /** Weighted random with outlier ejection: {@value}. */
  public static final String RANDOM = "layerkit_random";

  /** Every policy name above. */
  public static final List<String> POLICIES = List.of(PEAK_EWMA, LEAST_REQUEST, ROUND_ROBIN, WEIGHTED_ROUND_ROBIN, RANDOM);

  /**
   * The {@link EquivalentAddressGroup} attribute holding the Layerkit endpoint an address came
   * from, so the balancer keeps its id, weight and zone. Set by
   * {@link LayerkitNameResolverProvider}; other resolvers' addresses become endpoints of weight 1.
   */
  public static final Attributes.Key<Endpoint> ENDPOINT = Attributes.Key.create("dev.layerkit.service.grpc.endpoint");

  private LayerkitGrpc() {}
}
