package dev.layerkit.service;

import dev.layerkit.core.codec.Codec;
import dev.layerkit.core.observation.ObservationTags;
import dev.layerkit.core.resilience.ResiliencePolicy;
import dev.layerkit.core.time.TimeSource;
import dev.layerkit.gateway.lb.Endpoint;
import dev.layerkit.gateway.lb.LoadBalancer;
import dev.layerkit.gateway.lb.NoAvailableEndpointException;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.retry.RetryConfig;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.transport.Kind;
import io.micrometer.observation.transport.SenderContext;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link ServiceClient} on {@code java.net.http}.
 *
 * <h2>Design</h2>
 *
 * <p>A call is a {@link Call}: its request, its absolute deadline, the attempts made and the HTTP
 * exchanges in flight. The call runs as {@code policy.executeAsync(attempt)}, where an attempt
 * picks an endpoint, sends one exchange (two with a hedge) and ends in one of three ways:
 *
 * <ul>
 *   <li>an answer: the stage completes with {@code Outcome.ok(value)};</li>
 *   <li>a failure that must not be retried (a 4xx, an invalid response other than a truncated
 *       body, a non-retryable request, no attempts, budget or time left): the stage
 *       <em>completes</em> with
 *       {@code Outcome.failed(e)}, so the policy's retry never sees it, whatever its predicate;</li>
 *   <li>a transient failure that may be retried: the stage fails with it, having taken one retry
 *       from the {@link RetryBudget}, and the policy's retry backs off and calls again.</li>
 * </ul>
 *
 * <p>Deadlines are checked every 5 ms by one sweep on the scheduler that runs only while calls are
 * in flight; an expired call's result fails and its exchanges are cancelled; whatever completes
 * later finds the result done and is ignored (but still reports to the balancer). Each attempt's
 * HTTP request timeout is also capped at the time left, so an attempt never outlives the deadline
 * by more than that tick. Every exchange reports to the balancer exactly once: {@code onComplete} when
 * it ran, {@code onCancel} when it was cancelled.
 *
 * <h2>Concurrency</h2>
 *
 * <p>A call's fields are written by whichever thread completes an exchange or fires a timer;
 * they are atomic or volatile, and the result future settles races (first completion wins).
 */
final class HttpServiceClient implements ServiceClient {

  private static final Logger LOG = LoggerFactory.getLogger(HttpServiceClient.class);
  private static final long MIN_TIMEOUT_NANOS = 1_000_000L;
  /** The observation of one call, attempts and hedges included. */
  static final String CALL_OBSERVATION = "layerkit.service.call";

  private static final String CANCELLED = "attempt cancelled: another attempt answered first, or the call ended";

  /** How often deadlines are checked while calls are in flight; a call fails at most this late. */
  static final long DEADLINE_TICK_NANOS = 5_000_000L;

  /** The most endpoints whose base URI is kept; past it the cache starts again. */
  private static final int MAX_BASE_URIS = 1024;

  private final String name;
  private final LoadBalancer lb;
  private final boolean ownsLb;
  private final HttpClient http;
  private final ResiliencePolicy policy;
  private final int maxAttempts;
  private final Predicate<Throwable> retryOn;
  private final RetryBudget budget;
  private final Duration deadline;
  private final long perTryNanos;
  private final @Nullable LatencyTracker hedging;
  private final TimeSource timeSource;
  private final ScheduledExecutorService scheduler;
  private final ClientMetrics metrics;
  private final ObservationRegistry observations;
  private final Set<Call<?>> active = ConcurrentHashMap.newKeySet();
  /** Each endpoint's {@code http://host:port}, parsed once; cleared if endpoints churn past a bound. */
  private final Map<Endpoint, URI> baseUris = new ConcurrentHashMap<>();
  private final AtomicBoolean sweeping = new AtomicBoolean();
  private volatile @Nullable ScheduledFuture<?> sweeper;
  private volatile boolean closed;

  HttpServiceClient(ServiceClientBuilder b) {
    this.name = b.serviceName;
    this.timeSource = b.timeSource;
    this.scheduler = b.schedulerOrShared();
    if (b.loadBalancer != null) {
      this.lb = b.loadBalancer;
      this.ownsLb = false;
    } else {
      this.lb = b.balancerFor(Objects.requireNonNull(b.endpointSource));
      this.ownsLb = true;
    }
    this.http = b.httpClient != null ? b.httpClient : HttpClient.newBuilder().connectTimeout(b.connectTimeout).build();
    this.policy = b.resiliencePolicy != null ? b.resiliencePolicy
        : ResiliencePolicy.builder("service-client-" + name)
            .maxAttempts(ServiceClientBuilder.DEFAULT_MAX_ATTEMPTS)
            .initialBackoff(ServiceClientBuilder.DEFAULT_INITIAL_BACKOFF)
            .scheduler(scheduler)
            .build();
    RetryConfig retryConfig = policy.retry().map(r -> r.getRetryConfig()).orElse(null);
    this.maxAttempts = retryConfig != null ? retryConfig.getMaxAttempts() : 1;
    this.retryOn = retryConfig != null ? retryConfig.getExceptionPredicate() : failure -> false;
    this.budget = b.retryBudget != null ? b.retryBudget : RetryBudget.builder().timeSource(timeSource).build();
    this.deadline = b.deadline;
    this.perTryNanos = b.perTryTimeout.toNanos();
    this.hedging = b.hedging ? new LatencyTracker(b.hedgePercentile, b.hedgeMinDelay.toNanos()) : null;
    this.metrics = new ClientMetrics(name, b.meterRegistry);
    this.observations = b.observationRegistry;
  }

  @Override
  public String serviceName() {
    return name;
  }

  @Override
  public LoadBalancer loadBalancer() {
    return lb;
  }

  @Override
  public RetryBudget retryBudget() {
    return budget;
  }

  @Override
  public <T> CompletableFuture<T> callAsync(ServiceRequest request, Codec<T> responseCodec) {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(responseCodec, "responseCodec");
    if (closed) {
      throw new IllegalStateException("ServiceClient '" + name + "' is closed");
    }
    Duration callDeadline = request.deadline() != null ? request.deadline() : deadline;
    Call<T> call = new Call<>(request, responseCodec, timeSource.nanoTime(), callDeadline);
    observe(call);
    budget.recordCall();
    active.add(call);
    startSweeping();
    call.result.whenComplete((value, error) -> {
      active.remove(call);
      cancelInFlight(call);
    });
    policy.executeAsync(() -> attempt(call)).whenComplete((outcome, error) -> {
      if (error != null) {
        settle(call, null, terminal(call, unwrap(error)));
      } else if (outcome.failure() != null) {
        settle(call, null, terminal(call, outcome.failure()));
      } else {
        settle(call, outcome.value(), null);
      }
    });
    return call.result;
  }

  /**
   * Runs the call on the calling thread with the blocking {@code HttpClient.send}, unless hedging
   * or the policy's time limiter need the asynchronous machinery. The JDK hands every
   * {@code sendAsync} completion to another thread (on two or fewer cores, a new thread per call),
   * which costs more than everything this client adds; the blocking path has no such hop. Each
   * attempt's request timeout is capped at the time left, and the retry loop stops at the
   * deadline, so the call ends at its deadline plus at most one backoff wait.
   */
  @Override
  public <T> T call(ServiceRequest request, Codec<T> responseCodec) {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(responseCodec, "responseCodec");
    if (hedging != null || policy.timeLimiter().isPresent()) {
      return ServiceClient.super.call(request, responseCodec);
    }
    if (closed) {
      throw new IllegalStateException("ServiceClient '" + name + "' is closed");
    }
    Duration callDeadline = request.deadline() != null ? request.deadline() : deadline;
    Call<T> call = new Call<>(request, responseCodec, timeSource.nanoTime(), callDeadline);
    observe(call);
    budget.recordCall();
    ServiceCallException failure = null;
    // Observation.NOOP's scope would still cost an allocation: open one only when observed.
    Observation.Scope scope = call.observation.isNoop() ? null : call.observation.openScope();
    try {
      Outcome<T> outcome = policy.execute(() -> attemptBlocking(call));
      if (outcome.failure() != null) {
        failure = terminal(call, outcome.failure());
        throw failure;
      }
      return outcome.value();
    } catch (ServiceCallException e) {
      failure = e == failure ? e : terminal(call, e);
      throw failure;
    } catch (RuntimeException e) {
      failure = terminal(call, e);
      throw failure;
    } finally {
      if (scope != null) {
        scope.close();
      }
      metrics.call(timeSource.nanoTime() - call.startNanos, failure);
      observed(call, failure);
    }
  }

  /**
   * Starts the call's observation (a child of the one current on this thread) and keeps the
   * headers the tracer injected ({@code traceparent}) for every attempt's request. Nothing
   * happens, and nothing is allocated, with a no-op registry.
   */
  private void observe(Call<?> call) {
    if (observations.isNoop()) {
      return;
    }
    Map<String, String> headers = new LinkedHashMap<>(4);
    SenderContext<Map<String, String>> context = new SenderContext<>(Map::put, Kind.CLIENT);
    context.setCarrier(headers);
    context.setRemoteServiceName(name);
    call.observation = Observation.createNotStarted(CALL_OBSERVATION, () -> context, observations)
        .lowCardinalityKeyValue("service", name)
        .lowCardinalityKeyValue(ObservationTags.METHOD, call.request.method())
        .start();
    call.traceHeaders = headers;
  }

  private static void observed(Call<?> call, @Nullable ServiceCallException failure) {
    Observation observation = call.observation;
    if (observation.isNoop()) {
      return;
    }
    if (failure != null) {
      observation.error(failure);
    }
    observation.lowCardinalityKeyValue(ObservationTags.OUTCOME,
        failure == null ? ObservationTags.SUCCESS : ObservationTags.ERROR).stop();
  }

  // One attempt on the calling thread: returns an outcome, or throws a failure to retry.
  private <T> Outcome<T> attemptBlocking(Call<T> call) {
    int n = call.attempts.incrementAndGet();
    metrics.attempt(n == 1);
    long remaining = call.deadlineAt - timeSource.nanoTime();
    if (remaining <= 0) {
      ServiceCallException last = call.lastFailure;
      return Outcome.failed(last != null && call.onlyConnectFailures ? noEndpoint(call, last) : deadlineExceeded(call));
    }
    Endpoint endpoint;
    try {
      // A retry goes to another endpoint than the last attempt's, if there is one.
      endpoint = lb.pick(call.request.context(), call.lastEndpoint);
      call.lastEndpoint = endpoint;
    } catch (NoAvailableEndpointException e) {
      return Outcome.failed(new ServiceUnavailableException(name, call.request.method(), call.request.path(),
          e.getMessage(), e));
    }
    long timeoutNanos = Math.max(MIN_TIMEOUT_NANOS, Math.min(perTryNanos, remaining));
    HeadersSeen handler = new HeadersSeen();
    long start = timeSource.nanoTime();
    HttpResponse<byte[]> response = null;
    Throwable cause = null;
    try {
      response = http.send(httpRequest(call, endpoint, remaining, timeoutNanos), handler);
    } catch (IOException e) {
      cause = e;
    } catch (InterruptedException e) {
      lb.onCancel(endpoint);
      Thread.currentThread().interrupt();
      return Outcome.failed(new ServiceCallException(name, endpoint, call.request.method(), call.request.path(),
          "interrupted while waiting for the answer", e));
    } catch (RuntimeException e) {
      lb.onCancel(endpoint);
      return Outcome.failed(asServiceCallException(call, e));
    }
    try {
      return Outcome.ok(finish(call, endpoint, handler, response, cause,
          Math.max(0, timeSource.nanoTime() - start), timeoutNanos));
    } catch (ServiceCallException failure) {
      call.failed(failure);
      if (mayRetry(call, failure, n)) {
        LOG.debug("retrying {} after attempt {}: {}", call.request, n, failure.getMessage());
        throw failure;
      }
      return Outcome.failed(failure);
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (Call<?> call : active) {
      settle(call, null, new ServiceCallException(name, null, call.request.method(),
          call.request.path(), "the client was closed", null));
    }
    if (ownsLb) {
      lb.close();
    }
    metrics.close();
  }

  @Override
  public String toString() {
    return "ServiceClient{" + name + ", deadline=" + deadline + ", budget=" + budget + '}';
  }

  // ---- deadlines ----

  // One periodic sweep per client, running only while calls are in flight, instead of a timer per
  // call: scheduling a task that becomes the queue's head wakes the scheduler thread, a context
  // switch per call that costs more than everything else the client adds.
  private void startSweeping() {
    if (!sweeping.get() && sweeping.compareAndSet(false, true)) {
      sweeper = scheduler.scheduleWithFixedDelay(this::sweep, DEADLINE_TICK_NANOS, DEADLINE_TICK_NANOS,
          TimeUnit.NANOSECONDS);
    }
  }

  private void sweep() {
    long now = timeSource.nanoTime();
    for (Call<?> call : active) {
      if (now - call.deadlineAt >= 0) {
        expire(call);
      }
    }
    if (active.isEmpty()) {
      ScheduledFuture<?> running = sweeper;
      if (running != null) {
        running.cancel(false);
      }
      sweeping.set(false);
      if (!active.isEmpty()) {
        startSweeping();
      }
    }
  }

  // ---- one attempt ----

  private <T> CompletionStage<Outcome<T>> attempt(Call<T> call) {
    int n = call.attempts.incrementAndGet();
    metrics.attempt(n == 1);
    try {
      if (call.result.isDone()) {
        return CompletableFuture.completedFuture(Outcome.failed(deadlineExceeded(call)));
      }
      long remaining = call.deadlineAt - timeSource.nanoTime();
      if (remaining <= 0) {
        return CompletableFuture.completedFuture(Outcome.failed(deadlineExceeded(call)));
      }
      Endpoint endpoint;
      try {
        // A retry goes to another endpoint than the last attempt's, if there is one.
        endpoint = lb.pick(call.request.context(), call.lastEndpoint);
        call.lastEndpoint = endpoint;
      } catch (NoAvailableEndpointException e) {
        return CompletableFuture.completedFuture(Outcome.failed(new ServiceUnavailableException(name,
            call.request.method(), call.request.path(), e.getMessage(), e)));
      }
      CompletableFuture<T> answer = exchange(call, endpoint, remaining);
      LatencyTracker tracker = hedging;
      if (tracker != null && call.request.isRetryable()) {
        answer = hedged(call, answer, endpoint, tracker);
      }
      return answer.handle((value, error) -> {
        if (error == null) {
          return CompletableFuture.completedFuture(Outcome.ok(value));
        }
        ServiceCallException failure = asServiceCallException(call, unwrap(error));
        call.failed(failure);
        if (mayRetry(call, failure, n)) {
          LOG.debug("retrying {} after attempt {}: {}", call.request, n, failure.getMessage());
          return CompletableFuture.<Outcome<T>>failedFuture(failure);
        }
        return CompletableFuture.completedFuture(Outcome.<T>failed(failure));
      }).thenCompose(stage -> stage);
    } catch (RuntimeException e) {
      // A bad header, a closed balancer: not something another attempt fixes.
      return CompletableFuture.completedFuture(Outcome.failed(asServiceCallException(call, e)));
    }
  }

  private boolean mayRetry(Call<?> call, ServiceCallException failure, int attempt) {
    if (!failure.isTransient() || !call.request.isRetryable() || attempt >= maxAttempts || call.result.isDone()
        || call.deadlineAt - timeSource.nanoTime() <= 0 || !retryOn.test(failure)) {
      return false;
    }
    if (!budget.tryAcquireRetry()) {
      metrics.budgetDenied();
      LOG.debug("not retrying {}: the retry budget of service '{}' is spent", call.request, name);
      return false;
    }
    return true;
  }

  private <T> CompletableFuture<T> hedged(Call<T> call, CompletableFuture<T> primary, Endpoint first,
      LatencyTracker tracker) {
    long delay = tracker.delayNanos();
    if (delay < 0) {
      return primary;
    }
    CompletableFuture<T> winner = new CompletableFuture<>();
    AtomicInteger pending = new AtomicInteger(1);
    race(primary, winner, pending);
    ScheduledFuture<?> timer = scheduler.schedule(() -> sendHedge(call, first, winner, pending), delay,
        TimeUnit.NANOSECONDS);
    winner.whenComplete((value, error) -> {
      timer.cancel(false);
      if (error == null) {
        cancelInFlight(call);
      }
    });
    return winner;
  }

  private <T> void sendHedge(Call<T> call, Endpoint first, CompletableFuture<T> winner, AtomicInteger pending) {
    long remaining = call.deadlineAt - timeSource.nanoTime();
    if (winner.isDone() || call.result.isDone() || remaining <= 0) {
      return;
    }
    if (!budget.tryAcquireRetry()) {
      metrics.budgetDenied();
      return;
    }
    Endpoint endpoint;
    try {
      endpoint = lb.pick(call.request.context(), first);
    } catch (RuntimeException e) {
      return;
    }
    pending.incrementAndGet();
    metrics.hedge();
    race(exchange(call, endpoint, remaining), winner, pending);
  }

  private static <T> void race(CompletableFuture<T> attempt, CompletableFuture<T> winner, AtomicInteger pending) {
    attempt.whenComplete((value, error) -> {
      if (error == null) {
        winner.complete(value);
      } else if (pending.decrementAndGet() == 0) {
        winner.completeExceptionally(unwrap(error));
      }
    });
  }

  // ---- one HTTP exchange ----

  private <T> CompletableFuture<T> exchange(Call<T> call, Endpoint endpoint, long remainingNanos) {
    long timeoutNanos = Math.max(MIN_TIMEOUT_NANOS, Math.min(perTryNanos, remainingNanos));
    HeadersSeen handler = new HeadersSeen();
    HttpRequest request = httpRequest(call, endpoint, remainingNanos, timeoutNanos);
    long start = timeSource.nanoTime();
    CompletableFuture<HttpResponse<byte[]>> sent = http.sendAsync(request, handler);
    call.inFlight.add(sent);
    if (call.result.isDone()) {
      sent.cancel(true);
    }
    return sent.handle((response, error) -> {
      call.inFlight.remove(sent);
      return finish(call, endpoint, handler, response, error == null ? null : unwrap(error),
          Math.max(0, timeSource.nanoTime() - start), timeoutNanos);
    });
  }

  private HttpRequest httpRequest(Call<?> call, Endpoint endpoint, long remainingNanos, long timeoutNanos) {
    ServiceRequest r = call.request;
    byte[] body = r.bodyBytes();
    HttpRequest.Builder builder = HttpRequest.newBuilder(uri(endpoint, r.path()))
        .timeout(Duration.ofNanos(timeoutNanos))
        .header(ServerDeadline.HEADER, ServerDeadline.headerValue(remainingNanos))
        .header("Accept", r.accept());
    // GET() and DELETE() leave the request without a body publisher; method(m, noBody()) gives it
    // an empty one, which the JDK sends through its body path: about 9 % of a loopback GET
    // (benchmarks/README.md).
    String method = r.method();
    if (body.length == 0 && method.equals("GET")) {
      builder.GET();
    } else if (body.length == 0 && method.equals("DELETE")) {
      builder.DELETE();
    } else {
      builder.method(method, body.length == 0 ? BodyPublishers.noBody() : BodyPublishers.ofByteArray(body));
    }
    String contentType = r.contentType();
    if (contentType != null) {
      builder.header("Content-Type", contentType);
    }
    r.headers().forEach(builder::header);
    call.traceHeaders.forEach(builder::setHeader);
    return builder.build();
  }

  // Turns one exchange's end into a value or a typed failure, reporting to the balancer once.
  private <T> T finish(Call<T> call, Endpoint endpoint, HeadersSeen handler, @Nullable HttpResponse<byte[]> response,
      @Nullable Throwable cause, long latency, long timeoutNanos) {
    ServiceRequest r = call.request;
    if (cause != null || response == null) {
      if (cause instanceof CancellationException) {
        lb.onCancel(endpoint);
        throw new ServiceCallException(name, endpoint, r.method(), r.path(), CANCELLED, cause);
      }
      lb.onComplete(endpoint, latency, false);
      Throwable failure = cause != null ? cause : new IllegalStateException("no response");
      if (handler.headersArrived) {
        throw new InvalidResponseException(name, endpoint, r.method(), r.path(),
            InvalidResponseException.Problem.TRUNCATED_BODY,
            "the connection ended before the whole body arrived (" + failure + ")", failure);
      }
      throw transportFailure(r, endpoint, failure, timeoutNanos);
    }
    try {
      T value = decode(call, endpoint, response);
      lb.onComplete(endpoint, latency, true);
      LatencyTracker tracker = hedging;
      if (tracker != null) {
        tracker.record(latency);
      }
      return value;
    } catch (ClientErrorException e) {
      lb.onComplete(endpoint, latency, true);
      throw e;
    } catch (RuntimeException e) {
      lb.onComplete(endpoint, latency, false);
      throw e;
    }
  }

  private TransportException transportFailure(ServiceRequest r, Endpoint endpoint, Throwable cause, long timeoutNanos) {
    boolean connect = cause instanceof ConnectException || cause instanceof HttpConnectTimeoutException
        || cause.getCause() instanceof ConnectException;
    boolean timeout = cause instanceof HttpTimeoutException;
    String detail;
    if (cause instanceof HttpConnectTimeoutException) {
      detail = "connect timed out";
    } else if (connect) {
      detail = "connection failed (" + cause + ")";
    } else if (timeout) {
      detail = "no response within the per-try timeout of " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms";
    } else {
      detail = "no response (" + cause + ")";
    }
    return new TransportException(name, endpoint, r.method(), r.path(), connect, timeout, detail, cause);
  }

  private <T> T decode(Call<T> call, Endpoint endpoint, HttpResponse<byte[]> response) {
    ServiceRequest r = call.request;
    int status = response.statusCode();
    byte[] body = response.body() != null ? response.body() : new byte[0];
    if (status >= 500) {
      throw new ServerErrorException(name, endpoint, r.method(), r.path(), status, body);
    }
    if (status >= 400) {
      throw new ClientErrorException(name, endpoint, r.method(), r.path(), status, body);
    }
    if (status < 200 || status >= 300) {
      throw new InvalidResponseException(name, endpoint, r.method(), r.path(),
          InvalidResponseException.Problem.UNEXPECTED_STATUS, "unexpected status " + status, null);
    }
    String contentType = response.headers().firstValue("Content-Type").orElse(null);
    if ((body.length > 0 || contentType != null) && !mediaTypeMatches(contentType, r.accept())) {
      throw new InvalidResponseException(name, endpoint, r.method(), r.path(),
          InvalidResponseException.Problem.WRONG_CONTENT_TYPE,
          "answered " + status + " with Content-Type " + (contentType == null ? "(none)" : "'" + contentType + "'")
              + ", expected '" + r.accept() + "'" + quote(body), null);
    }
    try {
      return call.codec.decode(body);
    } catch (RuntimeException e) {
      throw new InvalidResponseException(name, endpoint, r.method(), r.path(),
          InvalidResponseException.Problem.UNDECODABLE_BODY,
          "the " + body.length + "-byte body could not be decoded (" + e.getMessage() + ")" + quote(body), e);
    }
  }

  static boolean mediaTypeMatches(@Nullable String contentType, String accept) {
    if (accept.equals("*/*")) {
      return true;
    }
    if (contentType == null) {
      return false;
    }
    // The common case without allocating: the same type, with or without parameters after it.
    int n = accept.length();
    if (accept.indexOf(';') < 0 && contentType.regionMatches(true, 0, accept, 0, n)
        && (contentType.length() == n || contentType.charAt(n) == ';')) {
      return true;
    }
    String actual = mediaType(contentType);
    String expected = mediaType(accept);
    if (actual.equals(expected)) {
      return true;
    }
    // application/problem+json is JSON to a JSON codec.
    int plus = actual.indexOf('+');
    return expected.equals("application/json") && plus > 0 && actual.startsWith("application/")
        && actual.substring(plus).equals("+json");
  }

  private static String mediaType(String value) {
    int semicolon = value.indexOf(';');
    return (semicolon >= 0 ? value.substring(0, semicolon) : value).trim().toLowerCase(Locale.ROOT);
  }

  private static String quote(byte[] body) {
    if (body.length == 0) {
      return "";
    }
    int n = Math.min(body.length, ServiceStatusException.MAX_QUOTED_BODY);
    return "; body starts: " + new String(body, 0, n, StandardCharsets.UTF_8).replaceAll("\\p{Cntrl}", "?")
        + (body.length > n ? "..." : "");
  }

  /**
   * Returns the URI of {@code path} on {@code endpoint}. The endpoint's part is parsed once per
   * endpoint and the path resolved against it: parsing the whole URI per call (its host and port
   * above all) was the largest single cost this client added to a call (a profile in
   * {@code benchmarks/README.md}). A path that starts with {@code //} would resolve as another
   * host, so it is parsed whole, as before.
   */
  private URI uri(Endpoint endpoint, String path) {
    if (path.startsWith("//")) {
      return URI.create(base(endpoint) + path);
    }
    URI base = baseUris.get(endpoint);
    if (base == null) {
      if (baseUris.size() >= MAX_BASE_URIS) {
        baseUris.clear();
      }
      base = URI.create(base(endpoint));
      baseUris.put(endpoint, base);
    }
    // An absolute path resolves to the base's scheme and authority with the path, query and
    // fragment as given, not normalized: the URI that parsing base + path gives.
    return base.resolve(URI.create(path));
  }

  private static String base(Endpoint endpoint) {
    String host = endpoint.host();
    return "http://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ':' + endpoint.port();
  }

  // ---- the end of a call ----

  private void expire(Call<?> call) {
    if (call.result.isDone()) {
      return;
    }
    ServiceCallException last = call.lastFailure;
    ServiceCallException failure = last != null && call.onlyConnectFailures ? noEndpoint(call, last)
        : deadlineExceeded(call);
    settle(call, null, failure);
  }

  // Records the call's meter, then completes its result, once: a caller that joins the result
  // sees the meter already updated.
  private <T> void settle(Call<T> call, @Nullable T value, @Nullable ServiceCallException failure) {
    if (!call.settled.compareAndSet(false, true)) {
      return;
    }
    metrics.call(timeSource.nanoTime() - call.startNanos, failure);
    observed(call, failure);
    if (failure != null) {
      call.result.completeExceptionally(failure);
    } else {
      call.result.complete(value);
    }
  }


  private ServiceCallException terminal(Call<?> call, Throwable error) {
    ServiceCallException failure = asServiceCallException(call, error);
    if (failure instanceof TransportException t && t.isConnectFailure() && call.onlyConnectFailures) {
      return noEndpoint(call, failure);
    }
    return failure;
  }

  private ServiceCallException noEndpoint(Call<?> call, ServiceCallException last) {
    return new ServiceUnavailableException(name, call.request.method(), call.request.path(),
        "all " + call.attempts.get() + " attempt(s) failed to connect, the last to "
            + (last.endpoint() != null ? last.endpoint().id() : "?") + " (" + lb.endpoints().size()
            + " endpoint(s) known, " + lb.availableEndpoints().size() + " not ejected)", last);
  }

  private DeadlineExceededException deadlineExceeded(Call<?> call) {
    return new DeadlineExceededException(name, call.request.method(), call.request.path(), call.deadline,
        call.attempts.get(), call.lastFailure);
  }

  private ServiceCallException asServiceCallException(Call<?> call, Throwable error) {
    if (error instanceof ServiceCallException failure) {
      return failure;
    }
    String method = call.request.method();
    String path = call.request.path();
    if (error instanceof CallNotPermittedException) {
      return new ServiceUnavailableException(name, method, path, "the circuit breaker is open", error);
    }
    return new ServiceCallException(name, null, method, path, "the call failed (" + error + ")", error);
  }

  private static void cancelInFlight(Call<?> call) {
    for (CompletableFuture<?> exchange : call.inFlight) {
      exchange.cancel(true);
    }
  }

  private static Throwable unwrap(Throwable error) {
    Throwable t = error;
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /** One call: its request, deadline, attempts and the exchanges in flight. */
  private static final class Call<T> {
    final ServiceRequest request;
    final Codec<T> codec;
    final long startNanos;
    final long deadlineAt;
    final Duration deadline;
    final CompletableFuture<T> result = new CompletableFuture<>();
    final AtomicBoolean settled = new AtomicBoolean();
    final AtomicInteger attempts = new AtomicInteger();
    final Set<CompletableFuture<?>> inFlight = ConcurrentHashMap.newKeySet();
    volatile boolean onlyConnectFailures = true;
    volatile @Nullable ServiceCallException lastFailure;
    /** The endpoint of the latest attempt, which a retry avoids; null before the first. */
    volatile @Nullable Endpoint lastEndpoint;
    /** The call's observation, NOOP when off; set before the first attempt. */
    Observation observation = Observation.NOOP;
    /** What the tracer injected (traceparent, tracestate): sent with every attempt. */
    Map<String, String> traceHeaders = Map.of();

    Call(ServiceRequest request, Codec<T> codec, long startNanos, Duration deadline) {
      this.request = request;
      this.codec = codec;
      this.startNanos = startNanos;
      this.deadline = deadline;
      this.deadlineAt = startNanos + deadline.toNanos();
    }

    void failed(ServiceCallException failure) {
      if (failure.getMessage() != null && failure.getMessage().endsWith(CANCELLED)) {
        return;
      }
      lastFailure = failure;
      if (!(failure instanceof TransportException t && t.isConnectFailure())) {
        onlyConnectFailures = false;
      }
    }
  }

  /** An attempt's end: a value, or a failure the policy must not retry. */
  private record Outcome<T>(@Nullable T value, @Nullable ServiceCallException failure) {
    static <T> Outcome<T> ok(@Nullable T value) {
      return new Outcome<>(value, null);
    }

    static <T> Outcome<T> failed(ServiceCallException failure) {
      return new Outcome<>(null, failure);
    }
  }

  /** Reads the body as bytes and remembers that the headers arrived, to tell a cut body apart. */
  private static final class HeadersSeen implements HttpResponse.BodyHandler<byte[]> {
    volatile boolean headersArrived;

    @Override
    public HttpResponse.BodySubscriber<byte[]> apply(HttpResponse.ResponseInfo info) {
      headersArrived = true;
      return HttpResponse.BodySubscribers.ofByteArray();
    }
  }
}
