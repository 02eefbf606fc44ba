package dev.layerkit.service.idempotency;

import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.internal.BuilderSettings;
import dev.layerkit.core.time.TimeSource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a server's write at most once per {@code Idempotency-Key} and replays its response to
 * retries, with the semantics of the IETF {@code Idempotency-Key} header draft.
 *
 * <pre>{@code
 * Idempotency idempotency = Idempotency.builder(IdempotencyKeyStores.inMemory().build())
 *     .name("orders").ttl(Duration.ofHours(24)).build();
 * IdempotencyOutcome outcome = idempotency.execute(request.header("Idempotency-Key"),
 *     RequestFingerprint.of("POST", "/orders", body), () -> IdempotentResponse.of(201, create(body)));
 * respond(outcome.response());   // the 201, the replayed 201, a 409 or a 422
 * }</pre>
 *
 * <p><b>The life of a key.</b> {@link #execute} claims the key in the store with the request's
 * {@link RequestFingerprint} and a random token, then follows the one state the store reports:
 * <ul>
 *   <li>{@code ACQUIRED}: the action runs; its response is stored for {@link Builder#ttl} and
 *       returned as {@link IdempotencyOutcome.Executed}.</li>
 *   <li>{@code COMPLETED}: with the same fingerprint the stored response is returned as {@link
 *       IdempotencyOutcome.Replayed}; with another, {@link IdempotencyOutcome.KeyReused} (422).</li>
 *   <li>{@code IN_FLIGHT}: with the same fingerprint {@link IdempotencyOutcome.InFlight} (409 with
 *       {@code Retry-After}); with another, {@code KeyReused}.</li>
 * </ul>
 *
 * <p><b>Failure.</b> If the action throws, the claim is released and the exception rethrown: a
 * retry runs the action again, so a failure never becomes a permanent 500. A response that
 * {@link Builder#storeIf} rejects (by default any {@code 5xx}) is returned but not stored, and the
 * key is released likewise. A process that dies while running an action leaves an in-flight claim
 * that lapses after {@link Builder#inFlightTimeout}; until then retries get 409, after it a retry
 * runs the action. If the store fails when claiming, {@code execute} throws the store's exception
 * and the action does not run (an effect is never run unchecked). If it fails when storing the
 * response, {@code execute} throws although the action ran; the claim lapses after the in-flight
 * timeout. A PostgreSQL store joined to the caller's transaction ({@code
 * JdbcIdempotencyKeyStore#joining}, used through {@link #using}) avoids that window: the effect and
 * the stored response commit or roll back together.
 *
 * <p><b>Thread safety.</b> Thread-safe; any number of threads (and processes sharing the store)
 * may call it with the same key, and exactly one runs the action. Nothing waits or polls: a
 * request that finds the key in flight returns at once.
 *
 * <p><b>Cost.</b> Two store round trips for a request that runs (claim, complete), one for a
 * replay, a 409 or a 422; one SHA-256 over the body for the fingerprint.
 *
 * <p><b>Metrics.</b> With {@link Builder#meterRegistry}: the counter {@code
 * layerkit.idempotency.requests} tagged {@code name} and {@code outcome} ({@code executed}, {@code
 * replayed}, {@code in_flight}, {@code key_reused}, {@code failed}), and {@code
 * layerkit.idempotency.lost.claims} tagged {@code name}, counting responses that could not be
 * stored because the claim had lapsed.
 *
 * <p><b>Tracing.</b> With {@link Builder#observationRegistry}: the observation {@code
 * layerkit.idempotency} per request, a child of the one current on the calling thread and current
 * itself while the key is claimed and the action runs (so the action's own observations are its
 * children), tagged {@code name}, {@code result} (as the counter's {@code outcome}, {@code none}
 * when an exception ended the request) and {@code outcome} ({@code success}; {@code error} for a
 * 5xx or an exception, which is recorded). The key is never a tag.
 */
public final class Idempotency {

  /** The default time a stored response is replayed: 24 hours, as the draft suggests. */
  public static final Duration DEFAULT_TTL = Duration.ofHours(24);

  /** The default time an in-flight claim holds when its request never finishes: 1 minute. */
  public static final Duration DEFAULT_IN_FLIGHT_TIMEOUT = Duration.ofMinutes(1);

  /** The default {@code Retry-After} of a 409: 1 second. */
  public static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(1);

  /** The default name, for metrics and logs. */
  public static final String DEFAULT_NAME = "default";

  /** The longest key accepted, in characters. */
  public static final int MAX_KEY_LENGTH = 255;

  private static final Logger LOG = LoggerFactory.getLogger(Idempotency.class);

  private enum Outcome {
    EXECUTED, REPLAYED, IN_FLIGHT, KEY_REUSED, FAILED;

    String tag() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final String name;
  private final IdempotencyKeyStore store;
  private final Duration ttl;
  private final Duration inFlightTimeout;
  private final Duration retryAfter;
  private final Predicate<? super IdempotentResponse> storeIf;
  private final TimeSource timeSource;
  private final Meters meters;
  private final IdempotencyObservations observations;

  private Idempotency(Builder b) {
    this(b.name, b.store, b.ttl, b.inFlightTimeout, b.retryAfter, b.storeIf, b.timeSource,
        new Meters(b.name, b.meterRegistry), new IdempotencyObservations(b.observationRegistry, b.name));
  }

  private Idempotency(String name, IdempotencyKeyStore store, Duration ttl, Duration inFlightTimeout,
      Duration retryAfter, Predicate<? super IdempotentResponse> storeIf, TimeSource timeSource, Meters meters,
      IdempotencyObservations observations) {
    this.name = name;
    this.store = store;
    this.ttl = ttl;
    this.inFlightTimeout = inFlightTimeout;
    this.retryAfter = retryAfter;
    this.storeIf = storeIf;
    this.timeSource = timeSource;
    this.meters = meters;
    this.observations = observations;
  }

  /**
   * Starts an {@code Idempotency} on a store.
   *
   * @param store where keys, claims and responses are kept
   * @return a builder
   * @throws NullPointerException if {@code store} is null
   */
  public static Builder builder(IdempotencyKeyStore store) {
    return new Builder(Objects.requireNonNull(store, "store"));
  }

  /**
   * Returns the name given to the builder.
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  /**
   * Returns an {@code Idempotency} with this one's settings and meters on another store; cheap,
   * meant to be called per request with a store bound to the request's transaction:
   *
   * <pre>{@code
   * connection.setAutoCommit(false);
   * IdempotencyOutcome outcome = idempotency.using(jdbcStore.joining(connection))
   *     .execute(key, fingerprint, () -> insertOrder(connection, body));
   * connection.commit();   // the order and its stored response, together
   * }</pre>
   *
   * @param otherStore the store
   * @return a view on that store
   * @throws NullPointerException if {@code otherStore} is null
   */
  public Idempotency using(IdempotencyKeyStore otherStore) {
    Objects.requireNonNull(otherStore, "otherStore");
    return new Idempotency(name, otherStore, ttl, inFlightTimeout, retryAfter, storeIf, timeSource, meters,
        observations);
  }

  /**
   * Runs {@code action} if {@code key} is free and returns its response, or returns what an
   * earlier request with the key calls for: its stored response, a 409 while it runs, a 422 if it
   * had another fingerprint. See the class description for each case and for failures.
   *
   * @param key the {@code Idempotency-Key} value, 1 to {@value #MAX_KEY_LENGTH} characters, not
   *     blank
   * @param fingerprint the request's fingerprint
   * @param action the write; runs on the caller's thread, at most once per key across every
   *     caller sharing the store
   * @return the outcome
   * @throws NullPointerException if an argument is null or {@code action} returns null (the key
   *     is released then)
   * @throws IllegalArgumentException if {@code key} is blank or too long (answer 400)
   * @throws RuntimeException what {@code action} throws, after the key is released, or what the
   *     store throws
   */
  @SuppressWarnings("try") // the scope makes the observation current; the body need not name it
  public IdempotencyOutcome execute(String key, RequestFingerprint fingerprint,
      Supplier<IdempotentResponse> action) {
    Objects.requireNonNull(action, "action");
    if (observations.off()) {
      return executeUnobserved(key, fingerprint, action);
    }
    Observation observation = observations.start();
    IdempotencyOutcome outcome;
    try (Observation.Scope scope = observation.openScope()) {
      outcome = executeUnobserved(key, fingerprint, action);
    } catch (RuntimeException | Error e) {
      IdempotencyObservations.stop(observation, null, e);
      throw e;
    }
    IdempotencyObservations.stop(observation, outcome, null);
    return outcome;
  }

  private IdempotencyOutcome executeUnobserved(String key, RequestFingerprint fingerprint,
      Supplier<IdempotentResponse> action) {
    String token = newToken();
    IdempotencyOutcome answer = claim(key, fingerprint, token);
    if (answer != null) {
      return answer;
    }
    IdempotentResponse response;
    try {
      response = Objects.requireNonNull(action.get(), "action returned null");
    } catch (RuntimeException | Error e) {
      releaseAfterFailure(key, token, e);
      throw e;
    }
    return finish(key, token, response);
  }

  /**
   * Like {@link #execute}, for an action that answers later. The claim is made on the caller's
   * thread before {@code action} is called; storing the response (or releasing the key) runs on
   * the thread that completes the action's stage. Those are store round trips: with a remote
   * store, complete the stage on a thread that may block briefly.
   *
   * @param key the {@code Idempotency-Key} value
   * @param fingerprint the request's fingerprint
   * @param action starts the write
   * @return the outcome's future; it fails with what the action's stage failed with (after the
   *     key is released) or what the store threw
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code key} is blank or too long
   */
  @SuppressWarnings("try") // the scope makes the observation current; the body need not name it
  public CompletableFuture<IdempotencyOutcome> executeAsync(String key, RequestFingerprint fingerprint,
      Supplier<? extends CompletionStage<IdempotentResponse>> action) {
    Objects.requireNonNull(action, "action");
    if (observations.off()) {
      return executeAsyncUnobserved(key, fingerprint, action);
    }
    Observation observation = observations.start();
    CompletableFuture<IdempotencyOutcome> result;
    try (Observation.Scope scope = observation.openScope()) {
      result = executeAsyncUnobserved(key, fingerprint, action);
    } catch (RuntimeException | Error e) {
      IdempotencyObservations.stop(observation, null, e);
      throw e;
    }
    result.whenComplete((outcome, error) -> IdempotencyObservations.stop(observation, outcome, error));
    return result;
  }

  private CompletableFuture<IdempotencyOutcome> executeAsyncUnobserved(String key, RequestFingerprint fingerprint,
      Supplier<? extends CompletionStage<IdempotentResponse>> action) {
    String token = newToken();
    IdempotencyOutcome answer;
    try {
      answer = claim(key, fingerprint, token);
    } catch (NullPointerException | IllegalArgumentException e) {
      throw e;
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    if (answer != null) {
      return CompletableFuture.completedFuture(answer);
    }
    CompletionStage<IdempotentResponse> started;
    try {
      started = Objects.requireNonNull(action.get(), "action returned null");
    } catch (RuntimeException | Error e) {
      releaseAfterFailure(key, token, e);
      return CompletableFuture.failedFuture(e);
    }
    CompletableFuture<IdempotencyOutcome> result = new CompletableFuture<>();
    started.whenComplete((response, error) -> {
      if (error == null && response == null) {
        error = new NullPointerException("action's stage completed with null");
      }
      if (error != null) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        releaseAfterFailure(key, token, cause);
        result.completeExceptionally(cause);
        return;
      }
      try {
        result.complete(finish(key, token, response));
      } catch (RuntimeException | Error e) {
        result.completeExceptionally(e);
      }
    });
    return result;
  }

  /** Claims the key; returns the answer when the action must not run, null when it must. */
  private @Nullable IdempotencyOutcome claim(String key, RequestFingerprint fingerprint, String token) {
    checkKey(key);
    Objects.requireNonNull(fingerprint, "fingerprint");
    long now = timeSource.epochMillis();
    ClaimResult claim = store.claim(key, fingerprint, token, now, inFlightTimeout.toMillis());
    switch (claim.state()) {
      case ACQUIRED:
        return null;
      case COMPLETED:
        if (!fingerprint.equals(claim.fingerprint())) {
          return count(Outcome.KEY_REUSED, new IdempotencyOutcome.KeyReused(claim.fingerprint(), fingerprint));
        }
        return count(Outcome.REPLAYED, new IdempotencyOutcome.Replayed(claim.response()));
      case IN_FLIGHT:
        if (!fingerprint.equals(claim.fingerprint())) {
          return count(Outcome.KEY_REUSED, new IdempotencyOutcome.KeyReused(claim.fingerprint(), fingerprint));
        }
        Duration left = Duration.ofMillis(Math.max(1, claim.expiresAtMillis() - now));
        return count(Outcome.IN_FLIGHT, new IdempotencyOutcome.InFlight(left.compareTo(retryAfter) < 0 ? left : retryAfter));
      default:
        throw new IllegalStateException("unknown claim state " + claim.state());
    }
  }

  private IdempotencyOutcome finish(String key, String token, IdempotentResponse response) {
    if (!storeIf.test(response)) {
      // Not replayable (a 5xx by default): free the key so the client's retry runs again.
      releaseAfterFailure(key, token, null);
      return count(Outcome.EXECUTED, new IdempotencyOutcome.Executed(response));
    }
    if (!store.complete(key, token, response, timeSource.epochMillis(), ttl.toMillis())) {
      meters.lostClaims.increment();
      LOG.warn("Idempotency {}: the claim of key {} lapsed before its response was stored; raise "
          + "inFlightTimeout ({}) above the longest request", name, key, inFlightTimeout);
    }
    return count(Outcome.EXECUTED, new IdempotencyOutcome.Executed(response));
  }

  private void releaseAfterFailure(String key, String token, @Nullable Throwable failure) {
    if (failure != null) {
      meters.outcomes.get(Outcome.FAILED).increment();
    }
    try {
      store.release(key, token);
    } catch (RuntimeException e) {
      LOG.warn("Idempotency {}: could not release key {}; it lapses after {}", name, key, inFlightTimeout, e);
      if (failure != null) {
        failure.addSuppressed(e);
      }
    }
  }

  private IdempotencyOutcome count(Outcome outcome, IdempotencyOutcome answer) {
    meters.outcomes.get(outcome).increment();
    return answer;
  }

  private static String newToken() {
    return UUID.randomUUID().toString();
  }

  private static void checkKey(String key) {
    Arguments.notBlank(key, "key");
    if (key.length() > MAX_KEY_LENGTH) {
      throw new IllegalArgumentException("key must be at most " + MAX_KEY_LENGTH + " characters but was "
          + key.length());
    }
  }

  @Override
  public String toString() {
    return "Idempotency{name=" + name + ", store=" + store.name() + ", ttl=" + ttl + ", inFlightTimeout="
        + inFlightTimeout + '}';
  }

  /** The meters of one instance, shared by its {@link #using} views. No-ops without a registry. */
  private static final class Meters {
    final Map<Outcome, Counter> outcomes = new EnumMap<>(Outcome.class);
    final Counter lostClaims;

    Meters(String name, @Nullable MeterRegistry registry) {
      MeterRegistry target = registry != null ? registry : new CompositeMeterRegistry();
      for (Outcome outcome : Outcome.values()) {
        outcomes.put(outcome, Counter.builder("layerkit.idempotency.requests")
            .description("Requests with an idempotency key, by outcome")
            .tags("name", name, "outcome", outcome.tag())
            .register(target));
      }
      lostClaims = Counter.builder("layerkit.idempotency.lost.claims")
          .description("Responses not stored because their claim had lapsed")
          .tag("name", name)
          .register(target);
    }
  }

  /**
   * Configures an {@link Idempotency}. Each setting may be given once ({@link
   * IllegalStateException} otherwise); setters validate at once. Not thread-safe; the {@code
   * Idempotency} it builds is.
   */
  public static final class Builder {
    private final BuilderSettings settings = new BuilderSettings();
    private final IdempotencyKeyStore store;
    private String name = DEFAULT_NAME;
    private Duration ttl = DEFAULT_TTL;
    private Duration inFlightTimeout = DEFAULT_IN_FLIGHT_TIMEOUT;
    private Duration retryAfter = DEFAULT_RETRY_AFTER;
    private Predicate<? super IdempotentResponse> storeIf = response -> response.status() < 500;
    private TimeSource timeSource = TimeSource.system();
    private @Nullable MeterRegistry meterRegistry;
    private ObservationRegistry observationRegistry = ObservationRegistry.NOOP;

    private Builder(IdempotencyKeyStore store) {
      this.store = store;
    }

    /**
     * Sets the name used in metrics and logs; {@value Idempotency#DEFAULT_NAME} by default.
     *
     * @param name the name
     * @return this builder
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if {@code name} is blank
     * @throws IllegalStateException if already set
     */
    public Builder name(String name) {
      settings.requireUnset("name", this.name);
      this.name = Arguments.notBlank(name, "name");
      return this;
    }

    /**
     * Sets how long a stored response is replayed; 24 hours by default. Choose it longer than
     * the longest time a client retries.
     *
     * @param ttl the time to live, at least 1 ms
     * @return this builder
     * @throws NullPointerException if {@code ttl} is null
     * @throws IllegalArgumentException if {@code ttl} is less than 1 ms
     * @throws IllegalStateException if already set
     */
    public Builder ttl(Duration ttl) {
      settings.requireUnset("ttl", this.ttl);
      this.ttl = Arguments.atLeastOneMilli(ttl, "ttl");
      return this;
    }

    /**
     * Sets how long the claim of a running request holds if the request never finishes (its
     * process died); 1 minute by default. Until it lapses retries get 409; after it, a retry runs
     * the action. Choose it above the longest request: a claim that lapses under a request still
     * running lets a retry run the action a second time.
     *
     * @param inFlightTimeout the claim's lease, at least 1 ms
     * @return this builder
     * @throws NullPointerException if {@code inFlightTimeout} is null
     * @throws IllegalArgumentException if it is less than 1 ms
     * @throws IllegalStateException if already set
     */
    public Builder inFlightTimeout(Duration inFlightTimeout) {
      settings.requireUnset("inFlightTimeout", this.inFlightTimeout);
      this.inFlightTimeout = Arguments.atLeastOneMilli(inFlightTimeout, "inFlightTimeout");
      return this;
    }

    /**
     * Sets the {@code Retry-After} of a 409; 1 second by default. A 409 gets the shorter of this
     * and the time left on the running request's claim.
     *
     * @param retryAfter the delay, at least 1 ms
     * @return this builder
     * @throws NullPointerException if {@code retryAfter} is null
     * @throws IllegalArgumentException if it is less than 1 ms
     * @throws IllegalStateException if already set
     */
    public Builder retryAfter(Duration retryAfter) {
      settings.requireUnset("retryAfter", this.retryAfter);
      this.retryAfter = Arguments.atLeastOneMilli(retryAfter, "retryAfter");
      return this;
    }

    /**
     * Sets which responses are stored and replayed; by default those with a status below 500. A
     * response it rejects is returned to its caller and the key is released, so the client's
     * retry runs the action again.
     *
     * @param storeIf the test
     * @return this builder
     * @throws NullPointerException if {@code storeIf} is null
     * @throws IllegalStateException if already set
     */
    public Builder storeIf(Predicate<? super IdempotentResponse> storeIf) {
      settings.requireUnset("storeIf", this.storeIf);
      this.storeIf = Objects.requireNonNull(storeIf, "storeIf");
      return this;
    }

    /**
     * Sets the clock whose wall time stamps claims and expiries; {@link TimeSource#system()} by
     * default. Meant for tests ({@code ManualTimeSource}). Instances sharing a remote store
     * compare each other's stamps, so in production their clocks should agree to well within the
     * in-flight timeout (NTP does).
     *
     * @param timeSource the clock
     * @return this builder
     * @throws NullPointerException if {@code timeSource} is null
     * @throws IllegalStateException if already set
     */
    public Builder timeSource(TimeSource timeSource) {
      settings.requireUnset("timeSource", this.timeSource);
      this.timeSource = Objects.requireNonNull(timeSource, "timeSource");
      return this;
    }

    /**
     * Sets where the meters are registered; none by default. Costs one counter increment per
     * request.
     *
     * @param meterRegistry the registry
     * @return this builder
     * @throws NullPointerException if {@code meterRegistry} is null
     * @throws IllegalStateException if already set
     */
    public Builder meterRegistry(MeterRegistry meterRegistry) {
      settings.requireUnset("meterRegistry", this.meterRegistry);
      this.meterRegistry = Objects.requireNonNull(meterRegistry, "meterRegistry");
      return this;
    }

    /**
     * Sets where requests are observed ({@code layerkit.idempotency}, see the class description),
     * with the tracer's handlers registered on it; {@link ObservationRegistry#NOOP} by default,
     * which costs nothing, as does a registry without handlers. Views made by {@link
     * Idempotency#using} report to it too.
     *
     * @param observationRegistry the registry
     * @return this builder
     * @throws NullPointerException if {@code observationRegistry} is null
     * @throws IllegalStateException if already set
     */
    public Builder observationRegistry(ObservationRegistry observationRegistry) {
      Objects.requireNonNull(observationRegistry, "observationRegistry");
      settings.requireUnset("observationRegistry", this.observationRegistry);
      this.observationRegistry = observationRegistry;
      return this;
    }

    /**
     * Builds the {@code Idempotency}.
     *
     * @return a thread-safe {@code Idempotency}
     */
    public Idempotency build() {
      return new Idempotency(this);
    }
  }
}
