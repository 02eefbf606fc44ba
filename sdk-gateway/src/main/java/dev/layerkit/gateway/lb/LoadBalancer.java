package dev.layerkit.gateway.lb;

import dev.layerkit.core.health.HealthCheck;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Picks an endpoint of one service for each request and learns from how requests went.
 *
 * <h2>Protocol</h2>
 *
 * <p>Every successful {@link #pick(RequestContext)} must be followed by exactly one
 * {@link #onComplete(Endpoint, long, boolean)} (the request ran, with its latency and outcome) or
 * {@link #onCancel(Endpoint)} (it was never sent, or was abandoned without an outcome), typically
 * in a {@code finally} block. The balancer counts a picked endpoint's request as outstanding until
 * then; least-request and peak-EWMA strategies steer by those counts, and outlier ejection by the
 * outcomes.
 *
 * <pre>{@code
 * LoadBalancer lb = LoadBalancers.peakEwma()
 *     .serviceName("orders")
 *     .endpointSource(EndpointSource.dns("orders.default.svc.cluster.local", 8080).build())
 *     .outlierDetection(OutlierDetection.ofDefaults())
 *     .build();
 *
 * Endpoint endpoint = lb.pick(RequestContext.empty());
 * long start = System.nanoTime();
 * boolean ok = false;
 * try {
 *   ok = send(endpoint, request).status() < 500;
 * } finally {
 *   lb.onComplete(endpoint, System.nanoTime() - start, ok);
 * }
 * }</pre>
 *
 * <p>The feedback takes the endpoint rather than a per-request lease object so that the whole
 * cycle allocates nothing: the balancer finds the endpoint's state by its {@link Endpoint#id()} in
 * an open-addressing table of the current snapshot. Feedback for an endpoint that has left the set
 * since it was picked is ignored.
 *
 * <h2>Thread safety and cost</h2>
 *
 * <p>Implementations are thread-safe. {@code pick}, {@code onComplete} and {@code onCancel} are
 * lock-free and allocation-free: they read an immutable snapshot of the endpoint set through one
 * volatile reference and update per-endpoint atomic counters. The snapshot is rebuilt off that
 * path, under a lock, when the endpoint set changes or an endpoint is ejected, returns, fails or
 * passes active health checks, or moves a step along its slow-start ramp. The rare call that
 * ejects an endpoint, or the first pick after an ejection expires, does that rebuild itself.
 *
 * <h2>Failure</h2>
 *
 * <p>When no endpoint can take a request, {@code pick} throws
 * {@link NoAvailableEndpointException} naming the service. A balancer never blocks waiting for
 * endpoints to appear.
 */
public interface LoadBalancer extends AutoCloseable {

  /**
   * Picks the endpoint for one request. The caller must report the request's end with
   * {@link #onComplete(Endpoint, long, boolean)} or {@link #onCancel(Endpoint)}.
   *
   * @param context what the strategy may use, for example the key for consistent hashing;
   *     {@link RequestContext#empty()} when there is nothing
   * @return the endpoint, one of {@link #endpoints()}
   * @throws NullPointerException if {@code context} is null
   * @throws IllegalArgumentException if the strategy needs a key and {@code context} has none
   * @throws NoAvailableEndpointException if the service has no endpoint that may take the request
   * @throws IllegalStateException if the balancer is closed
   */
  Endpoint pick(RequestContext context);

  /**
   * Picks the endpoint for a retry: as {@link #pick(RequestContext)}, but not {@code avoid} (the
   * endpoint the previous attempt failed on) while another endpoint may take the request. A
   * strategy that prefers idle endpoints would otherwise send the retry straight back: under
   * least request, an endpoint that fails fast has the fewest requests outstanding, and with two
   * endpoints the power of two choices always draws it. {@code avoid} comes back only when it is
   * the one endpoint that may take requests. The choice among the others is the strategy's where
   * it can make one without {@code avoid}, else a random other endpoint; with a key in {@code
   * context} it is the same for every request with that key, so a key fails over to one
   * endpoint. The pick is reported like any other, with {@link #onComplete} or {@link #onCancel}.
   *
   * <p>The default implementation picks again, up to twice, while the pick is {@code avoid} and
   * another endpoint is available, cancelling each pick it does not return; the balancers of
   * {@link LoadBalancers} choose without that loop.
   *
   * @param context what the strategy may use, as for {@link #pick(RequestContext)}
   * @param avoid the endpoint not to pick if there is another, or null for a plain pick
   * @return the endpoint, one of {@link #endpoints()}
   * @throws NullPointerException if {@code context} is null
   * @throws IllegalArgumentException if the strategy needs a key and {@code context} has none
   * @throws NoAvailableEndpointException if the service has no endpoint that may take the request
   * @throws IllegalStateException if the balancer is closed
   */
  default Endpoint pick(RequestContext context, @Nullable Endpoint avoid) {
    Endpoint picked = pick(context);
    for (int again = 0; again < 2 && picked.equals(avoid)
        && availableEndpoints().size() > 1; again++) {
      onCancel(picked);
      picked = pick(context);
    }
    return picked;
  }

  /**
   * Picks the endpoint for one request that carries no context; the same as
   * {@code pick(RequestContext.empty())}.
   *
   * @return the endpoint
   * @throws IllegalArgumentException if the strategy needs a key
   * @throws NoAvailableEndpointException if the service has no endpoint that may take the request
   * @throws IllegalStateException if the balancer is closed
   */
  default Endpoint pick() {
    return pick(RequestContext.empty());
  }

  /**
   * Reports that a request sent to {@code endpoint} finished: its outstanding count drops by one,
   * the latency feeds the peak-EWMA estimate, and the outcome feeds outlier detection (which may
   * eject the endpoint). Lock-free and allocation-free, except that the failure that ejects an
   * endpoint rebuilds the snapshot.
   *
   * <p>What counts as a failure is the caller's call: typically a connection error, a timeout or a
   * 5xx status, but not a 4xx.
   *
   * @param endpoint the endpoint {@link #pick(RequestContext)} returned
   * @param latencyNanos how long the request took, in nanoseconds
   * @param success whether the endpoint served the request well
   * @throws NullPointerException if {@code endpoint} is null
   * @throws IllegalArgumentException if {@code latencyNanos} is negative
   */
  void onComplete(Endpoint endpoint, long latencyNanos, boolean success);

  /**
   * Reports that a request picked for {@code endpoint} was not sent or was abandoned without an
   * outcome: its outstanding count drops by one and nothing else changes.
   *
   * @param endpoint the endpoint {@link #pick(RequestContext)} returned
   * @throws NullPointerException if {@code endpoint} is null
   */
  void onCancel(Endpoint endpoint);

  /**
   * Returns the name of the service this balancer spreads requests over.
   *
   * @return the service name
   */
  String serviceName();

  /**
   * Returns every endpoint of the current set, whether it may take requests or not.
   *
   * @return an immutable list, possibly empty
   */
  List<Endpoint> endpoints();

  /**
   * Returns the endpoints that picks currently choose from: those neither ejected nor failing
   * active health checks, or all of them while the balancer is in panic mode. Allocates a list;
   * meant for diagnostics.
   *
   * @return an immutable list, possibly empty
   */
  List<Endpoint> availableEndpoints();

  /**
   * Returns what the balancer knows about one endpoint. Meant for diagnostics and tests.
   *
   * @param endpoint an endpoint of the current set, matched by {@link Endpoint#id()}
   * @return a snapshot of its status
   * @throws NullPointerException if {@code endpoint} is null
   * @throws IllegalArgumentException if no endpoint with that id is in the current set
   */
  EndpointStatus status(Endpoint endpoint);

  /**
   * Returns a health check of this balancer: {@code UP} when every endpoint is available,
   * {@code DEGRADED} when some are ejected or failing active checks, {@code DOWN} when the set is
   * empty or none is healthy (even if panic mode still spreads requests over them). Details give
   * the counts and whether panic mode is on.
   *
   * @return the health check, named {@code "loadbalancer-<service>"}
   */
  HealthCheck healthCheck();

  /**
   * Stops the balancer's active health checks, unsubscribes from its endpoint source, removes its
   * meters and releases the shared cached clock if it used one. It does not close the endpoint
   * source, which the caller owns and may share. Idempotent. Picks after close throw
   * {@link IllegalStateException}.
   */
  @Override
  void close();
}
