package dev.layerkit.gateway.http;

import dev.layerkit.core.observation.ObservationTags;
import dev.layerkit.gateway.lb.Endpoint;
import io.micrometer.common.KeyValue;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.transport.Kind;
import io.micrometer.observation.transport.ReceiverContext;
import io.micrometer.observation.transport.SenderContext;
import io.netty.handler.codec.http.HttpRequest;
import org.jspecify.annotations.Nullable;

/**
 * The gateway's observations: {@value #REQUEST} per client request (a server observation whose
 * parent the tracer extracts from the request's {@code traceparent}) and {@value #UPSTREAM} per
 * upstream try (a client observation, child of the request's, whose context the tracer injects
 * into the upstream request's headers). The balancer's pick is an event ({@value #PICK}) on the
 * try, not a span of its own.
 *
 * <p>Low-cardinality tags: {@code route} (the route's id, {@code none} before routing), {@code
 * method}, {@code status} (the class, {@code 2xx}), {@code outcome} ({@code success}, {@code
 * error}, {@code cancelled}); the endpoint is a high-cardinality key value of the try.
 *
 * <p>With {@link ObservationRegistry#NOOP} (the default) every method returns {@link
 * Observation#NOOP} before allocating anything. Used on the event loops; thread-safe.
 */
final class GatewayObservations {

  static final String REQUEST = "layerkit.gateway.request";
  static final String UPSTREAM = "layerkit.gateway.upstream";
  static final String PICK = "layerkit.lb.pick";

  private static final Observation.Event PICKED = Observation.Event.of(PICK, PICK);
  private static final String ROUTE = "route";
  private static final String ENDPOINT = "endpoint";

  private final ObservationRegistry registry;

  GatewayObservations(ObservationRegistry registry) {
    this.registry = registry;
  }

  boolean off() {
    return registry.isNoop();
  }

  /** Starts the server observation of a request that has just been decoded. */
  Observation request(HttpRequest request) {
    if (registry.isNoop()) {
      return Observation.NOOP;
    }
    ReceiverContext<HttpRequest> context =
        new ReceiverContext<>((carrier, key) -> carrier.headers().get(key), Kind.SERVER);
    context.setCarrier(request);
    return Observation.createNotStarted(REQUEST, () -> context, registry)
        .lowCardinalityKeyValue(ObservationTags.METHOD, request.method().name())
        .start();
  }

  /**
   * Stops a request's server observation.
   *
   * @param status the status answered, or a value {@code <= 0} when the client went away first
   */
  static void stopRequest(Observation observation, @Nullable RouteState route, int status) {
    if (observation.isNoop()) {
      return;
    }
    observation.lowCardinalityKeyValue(ROUTE, route == null ? "none" : route.route.id())
        .lowCardinalityKeyValue(ObservationTags.STATUS, ObservationTags.statusClass(status))
        .lowCardinalityKeyValue(ObservationTags.OUTCOME,
            status <= 0 ? ObservationTags.CANCELLED : ObservationTags.outcome(status))
        .stop();
  }

  /**
   * Starts the client observation of one upstream try, as a child of the request's: the tracer
   * writes the try's {@code traceparent} into the request's headers (replacing the client's, which
   * is the request span's parent).
   */
  Observation upstream(Observation parent, HttpRequest request, Route route, Upstream upstream,
      Endpoint endpoint) {
    if (registry.isNoop()) {
      return Observation.NOOP;
    }
    SenderContext<HttpRequest> context =
        new SenderContext<>((carrier, key, value) -> carrier.headers().set(key, value), Kind.CLIENT);
    context.setCarrier(request);
    context.setRemoteServiceName(upstream.name());
    Observation observation = Observation.createNotStarted(UPSTREAM, () -> context, registry)
        .parentObservation(parent)
        .lowCardinalityKeyValue(ROUTE, route.id())
        .lowCardinalityKeyValue(ObservationTags.METHOD, request.method().name())
        .lowCardinalityKeyValue("upstream", upstream.name())
        .highCardinalityKeyValue(KeyValue.of(ENDPOINT, endpoint.id()))
        .start();
    observation.event(PICKED);
    return observation;
  }

  /**
   * Stops an upstream try's observation.
   *
   * @param status the upstream's status, or 0 when it gave none
   * @param error why the try failed, if it did without a status
   * @param cancelled whether the try was abandoned (the client left, the body was too large)
   */
  static void stopUpstream(Observation observation, int status, @Nullable Throwable error,
      boolean cancelled) {
    if (observation.isNoop()) {
      return;
    }
    if (error != null) {
      observation.error(error);
    }
    observation
        .lowCardinalityKeyValue(ObservationTags.STATUS, ObservationTags.statusClass(status))
        .lowCardinalityKeyValue(ObservationTags.OUTCOME, cancelled ? ObservationTags.CANCELLED
            : error != null ? ObservationTags.ERROR : ObservationTags.outcome(status))
        .stop();
  }
}
