package dev.layerkit.service;

import dev.layerkit.core.codec.Codec;
import dev.layerkit.core.codec.Codecs;
import dev.layerkit.gateway.lb.LoadBalancer;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Calls one named service over HTTP/JSON: picks an endpoint with a {@link LoadBalancer}, retries
 * what may be retried within a shared {@link RetryBudget}, bounds every call by a deadline that the
 * callee learns from the {@value ServerDeadline#HEADER} header, optionally hedges slow calls, and
 * turns every failure into a typed {@link ServiceCallException}.
 *
 * <pre>{@code
 * ServiceClient inventory = ServiceClient.builder("inventory")
 *     .endpointSource(EndpointSource.dns("inventory.default.svc.cluster.local", 8080).build())
 *     .deadline(Duration.ofSeconds(2))
 *     .perTryTimeout(Duration.ofMillis(500))
 *     .hedging(95.0, Duration.ofMillis(20))
 *     .meterRegistry(registry)
 *     .build();
 *
 * Stock stock = inventory.get("/stock/" + sku, Codecs.json(Stock.class));
 * CompletableFuture<Reservation> reservation = inventory.callAsync(
 *     ServiceRequest.post("/reservations", request, Codecs.json(ReserveRequest.class))
 *         .idempotencyKey(orderId)
 *         .build(),
 *     Codecs.json(Reservation.class));
 * }</pre>
 *
 * <h2>A call's life</h2>
 *
 * <ol>
 *   <li>The overall deadline starts (the request's, else the client's).</li>
 *   <li>An attempt picks an endpoint and sends the request with a timeout of the per-try timeout
 *       or the time left, whichever is shorter, and the time left in {@value ServerDeadline#HEADER}.
 *       Its latency and outcome go back to the balancer (a 5xx, a transport failure or an invalid
 *       response count as failures for outlier ejection; a 4xx does not).</li>
 *   <li>With hedging on, a retryable call still unanswered after the hedge delay (a percentile of
 *       recent latencies) sends one more attempt to another endpoint; the first good answer wins
 *       and the other is cancelled.</li>
 *   <li>A transient failure ({@link ServiceCallException#isTransient()}) of a
 *       {@linkplain ServiceRequest#isRetryable() retryable} request is retried, through the
 *       client's {@code ResiliencePolicy} (backoff with full jitter), while attempts, the retry
 *       budget and the deadline allow. Anything else ends the call at once.</li>
 *   <li>At the deadline (checked every 5 ms) every attempt in flight is cancelled and the call fails with
 *       {@link DeadlineExceededException}, or with {@link ServiceUnavailableException} if every
 *       attempt so far failed to connect.</li>
 * </ol>
 *
 * <h2>Why {@code java.net.http}</h2>
 *
 * <p>The JDK's {@link java.net.http.HttpClient} needs no dependency (a user of the in-memory
 * blocks pulls no Netty), speaks HTTP/2 as well as HTTP/1.1, pools connections and is
 * asynchronous, which is all a service client needs. {@code ServiceClientBenchmark} in
 * {@code benchmarks/} measures a call through this client against the bare {@code HttpClient}
 * call to the same upstream in the same run.
 *
 * <h2>Thread safety</h2>
 *
 * <p>Thread-safe; make one client per service and share it. Futures complete on the HTTP
 * client's executor or the client's scheduler: attach long work with the {@code ...Async}
 * variants.
 */
public interface ServiceClient extends AutoCloseable {

  /**
   * Starts building a client for the service named {@code serviceName}.
   *
   * @param serviceName the service's name, for messages and the {@code name} tag of meters
   * @return a builder
   * @throws NullPointerException if {@code serviceName} is null
   * @throws IllegalArgumentException if {@code serviceName} is blank
   */
  static ServiceClientBuilder builder(String serviceName) {
    return new ServiceClientBuilder(serviceName);
  }

  /**
   * Returns the name of the service this client calls.
   *
   * @return the service name
   */
  String serviceName();

  /**
   * Sends {@code request} and decodes a successful answer with {@code responseCodec}.
   *
   * <p>A 2xx answer with an empty body completes with {@code responseCodec.decode(new byte[0])}
   * only if the codec accepts that; use {@link Codecs#utf8()} when an answer may be empty.
   *
   * @param request the request
   * @param responseCodec decodes the body of a 2xx answer
   * @param <T> the response type
   * @return a future that completes with the decoded body, or exceptionally with a
   *     {@link ServiceCallException}
   * @throws NullPointerException if an argument is null
   * @throws IllegalStateException if the client is closed
   */
  <T> CompletableFuture<T> callAsync(ServiceRequest request, Codec<T> responseCodec);

  /**
   * Sends {@code request}, waits for the answer and decodes it; the blocking form of
   * {@link #callAsync(ServiceRequest, Codec)}, with the same retries, budget, deadline and errors.
   * Without hedging it runs on the calling thread with the blocking {@code HttpClient.send}, which
   * saves the thread hand-off the JDK makes for every asynchronous exchange; the deadline then
   * holds to within one backoff wait.
   *
   * @param request the request
   * @param responseCodec decodes the body of a 2xx answer
   * @param <T> the response type
   * @return the decoded body
   * @throws NullPointerException if an argument is null
   * @throws IllegalStateException if the client is closed
   * @throws ServiceCallException (a subclass of it) if the call failed
   */
  default <T> T call(ServiceRequest request, Codec<T> responseCodec) {
    try {
      return callAsync(request, responseCodec).join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException failure) {
        throw failure;
      }
      throw e;
    }
  }

  /**
   * Sends {@code GET path} and decodes the answer.
   *
   * @param path the path and query, starting with {@code /}
   * @param responseCodec decodes the body
   * @param <T> the response type
   * @return a future of the decoded body
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code path} does not start with {@code /}
   * @throws IllegalStateException if the client is closed
   */
  default <T> CompletableFuture<T> getAsync(String path, Codec<T> responseCodec) {
    Objects.requireNonNull(responseCodec, "responseCodec");
    return callAsync(ServiceRequest.get(path).build(), responseCodec);
  }

  /**
   * Sends {@code GET path}, waits and decodes the answer.
   *
   * @param path the path and query, starting with {@code /}
   * @param responseCodec decodes the body
   * @param <T> the response type
   * @return the decoded body
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code path} does not start with {@code /}
   * @throws IllegalStateException if the client is closed
   * @throws ServiceCallException (a subclass of it) if the call failed
   */
  default <T> T get(String path, Codec<T> responseCodec) {
    Objects.requireNonNull(responseCodec, "responseCodec");
    return call(ServiceRequest.get(path).build(), responseCodec);
  }

  /**
   * Returns the balancer this client picks endpoints with, for its status and health check.
   *
   * @return the balancer
   */
  LoadBalancer loadBalancer();

  /**
   * Returns the retry budget this client's calls share.
   *
   * @return the budget
   */
  RetryBudget retryBudget();

  /**
   * Closes the client: asynchronous calls in flight are cancelled (they fail with
   * {@link ServiceCallException}; a blocking call ends with its current attempt), the balancer is
   * closed if the client built it, and meters are removed. The HTTP client, if it was given, and the endpoint source are left to their owner.
   * Idempotent.
   */
  @Override
  void close();
}
