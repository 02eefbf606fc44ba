package dev.layerkit.test.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.core.time.ManualTimeSource;
import dev.layerkit.service.idempotency.ClaimResult;
import dev.layerkit.service.idempotency.Idempotency;
import dev.layerkit.service.idempotency.IdempotencyKeyStore;
import dev.layerkit.service.idempotency.IdempotencyOutcome;
import dev.layerkit.service.idempotency.IdempotentResponse;
import dev.layerkit.service.idempotency.RequestFingerprint;
import dev.layerkit.test.Concurrently;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link IdempotencyKeyStore} gives {@link Idempotency}, run by the
 * in-memory, Redis and PostgreSQL stores: the IETF {@code Idempotency-Key} semantics (replay,
 * 422, 409, release on failure, TTL), the claim tokens, and 32 concurrent requests with one key.
 *
 * <p>Time is a {@link ManualTimeSource}: every store decides expiry by the caller's clock, so
 * TTLs and lapsed claims are tested without sleeping on every backend.
 *
 * <p>Third-party stores run the same suite: add {@code dev.layerkit:layerkit-test} (test scope)
 * and extend this class. (The events block's {@code IdempotencyStore}, which remembers handled
 * event ids, has its own suite, {@code dev.layerkit.test.events.IdempotencyStoreContract}.)
 */
public abstract class IdempotencyStoreContract {

  protected static final Duration TTL = Duration.ofHours(24);
  protected static final Duration IN_FLIGHT_TIMEOUT = Duration.ofSeconds(30);
  protected static final Duration RETRY_AFTER = Duration.ofSeconds(2);

  protected final ManualTimeSource time = new ManualTimeSource();
  protected IdempotencyKeyStore store;
  protected Idempotency idempotency;

  private static final RequestFingerprint ORDER_A = RequestFingerprint.of("POST", "/orders", utf8("{\"sku\":\"a\"}"));
  private static final RequestFingerprint ORDER_B = RequestFingerprint.of("POST", "/orders", utf8("{\"sku\":\"b\"}"));

  /**
   * Returns a new, empty store that no other test shares.
   *
   * @return the store
   * @throws Exception if the backend cannot be reached
   */
  protected abstract IdempotencyKeyStore newStore() throws Exception;

  @BeforeEach
  void setUpIdempotency() throws Exception {
    store = newStore();
    idempotency = Idempotency.builder(store).name("contract").ttl(TTL).inFlightTimeout(IN_FLIGHT_TIMEOUT)
        .retryAfter(RETRY_AFTER).timeSource(time).build();
  }

  @Test
  void firstRequestRunsAndARetryWithTheSamePayloadGetsTheStoredResponseWithoutRunningAgain() {
    AtomicInteger effects = new AtomicInteger();
    IdempotencyOutcome first = idempotency.execute("k1", ORDER_A, () -> created(effects.incrementAndGet()));
    IdempotencyOutcome retry = idempotency.execute("k1", ORDER_A, () -> created(effects.incrementAndGet()));

    assertThat(first).isInstanceOf(IdempotencyOutcome.Executed.class);
    assertThat(first.response()).isEqualTo(created(1));
    assertThat(retry).isEqualTo(new IdempotencyOutcome.Replayed(created(1)));
    assertThat(retry.response().headers()).containsEntry(IdempotencyOutcome.REPLAYED_HEADER, List.of("true"));
    assertThat(effects).hasValue(1);
  }

  @Test
  void storedResponseKeepsStatusHeadersAndBodyByteForByte() {
    byte[] body = {0, 1, (byte) 0xff, 'x', 0};
    IdempotentResponse response = new IdempotentResponse(201,
        Map.of("Location", List.of("/orders/7"), "Link", List.of("<a>", "<b>")), body);
    idempotency.execute("bytes", ORDER_A, () -> response);

    IdempotencyOutcome replay = idempotency.execute("bytes", ORDER_A, () -> IdempotentResponse.of(500, "ran again"));

    assertThat(((IdempotencyOutcome.Replayed) replay).stored()).isEqualTo(response);
    assertThat(((IdempotencyOutcome.Replayed) replay).stored().body()).containsExactly(body);
  }

  @Test
  void sameKeyWithAnotherPayloadIs422AndDoesNotRun() {
    AtomicInteger effects = new AtomicInteger();
    idempotency.execute("k2", ORDER_A, () -> created(effects.incrementAndGet()));

    IdempotencyOutcome other = idempotency.execute("k2", ORDER_B, () -> created(effects.incrementAndGet()));
    IdempotencyOutcome otherPath = idempotency.execute("k2",
        RequestFingerprint.of("POST", "/payments", utf8("{\"sku\":\"a\"}")), () -> created(effects.incrementAndGet()));

    assertThat(other).isEqualTo(new IdempotencyOutcome.KeyReused(ORDER_A, ORDER_B));
    assertThat(other.response().status()).isEqualTo(422);
    assertThat(otherPath).isInstanceOf(IdempotencyOutcome.KeyReused.class);
    assertThat(effects).hasValue(1);
  }

  @Test
  void retryWhileTheFirstIsStillRunningIs409WithRetryAfterAndDoesNotWait() throws Exception {
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch finish = new CountDownLatch(1);
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<IdempotencyOutcome> first = pool.submit(() -> idempotency.execute("k3", ORDER_A, () -> {
        running.countDown();
        await(finish);
        return created(1);
      }));
      assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();

      IdempotencyOutcome retry = idempotency.execute("k3", ORDER_A, () -> created(2));

      assertThat(retry).isEqualTo(new IdempotencyOutcome.InFlight(RETRY_AFTER));
      assertThat(retry.response().status()).isEqualTo(409);
      assertThat(retry.response().headers()).containsEntry("Retry-After", List.of("2"));
      finish.countDown();
      assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo(new IdempotencyOutcome.Executed(created(1)));
      assertThat(idempotency.execute("k3", ORDER_A, () -> created(3)))
          .isEqualTo(new IdempotencyOutcome.Replayed(created(1)));
    } finally {
      finish.countDown();
      pool.shutdownNow();
    }
  }

  @Test
  void retryAfterIsShortenedToWhatIsLeftOfTheRunningClaim() {
    store.claim("k4", ORDER_A, "crashed-request", time.epochMillis(), IN_FLIGHT_TIMEOUT.toMillis());
    time.advance(IN_FLIGHT_TIMEOUT.minusMillis(500));

    IdempotencyOutcome retry = idempotency.execute("k4", ORDER_A, () -> created(1));

    assertThat(retry).isEqualTo(new IdempotencyOutcome.InFlight(Duration.ofMillis(500)));
    assertThat(retry.response().headers()).containsEntry("Retry-After", List.of("1"));
  }

  @Test
  void anotherPayloadWhileTheFirstIsRunningIs422() {
    store.claim("k5", ORDER_A, "running", time.epochMillis(), IN_FLIGHT_TIMEOUT.toMillis());

    assertThat(idempotency.execute("k5", ORDER_B, () -> created(1)))
        .isEqualTo(new IdempotencyOutcome.KeyReused(ORDER_A, ORDER_B));
  }

  @Test
  void failedFirstAttemptReleasesTheKeySoARetryRuns() {
    AtomicInteger attempts = new AtomicInteger();
    assertThatThrownBy(() -> idempotency.execute("k6", ORDER_A, () -> {
      attempts.incrementAndGet();
      throw new IllegalStateException("payment provider down");
    })).isInstanceOf(IllegalStateException.class).hasMessage("payment provider down");

    IdempotencyOutcome retry = idempotency.execute("k6", ORDER_A, () -> created(attempts.incrementAndGet()));

    assertThat(retry).isEqualTo(new IdempotencyOutcome.Executed(created(2)));
  }

  @Test
  void serverErrorResponseIsReturnedButNotStoredSoARetryRuns() {
    IdempotencyOutcome first = idempotency.execute("k7", ORDER_A, () -> IdempotentResponse.of(503, "busy"));
    IdempotencyOutcome retry = idempotency.execute("k7", ORDER_A, () -> created(1));

    assertThat(first.response().status()).isEqualTo(503);
    assertThat(retry).isEqualTo(new IdempotencyOutcome.Executed(created(1)));
  }

  @Test
  void clientErrorResponseIsStoredAndReplayed() {
    idempotency.execute("k8", ORDER_A, () -> IdempotentResponse.of(400, "bad sku"));

    assertThat(idempotency.execute("k8", ORDER_A, () -> created(1)))
        .isEqualTo(new IdempotencyOutcome.Replayed(IdempotentResponse.of(400, "bad sku")));
  }

  @Test
  void storedResponseIsReplayedUntilTheTtlAndTheKeyIsFreeAfterIt() {
    idempotency.execute("k9", ORDER_A, () -> created(1));

    time.advance(TTL.minusMillis(1));
    IdempotencyOutcome justBefore = idempotency.execute("k9", ORDER_B, () -> created(2));
    time.advance(Duration.ofMillis(1));
    IdempotencyOutcome after = idempotency.execute("k9", ORDER_B, () -> created(3));

    assertThat(justBefore).isInstanceOf(IdempotencyOutcome.KeyReused.class);
    assertThat(after).isEqualTo(new IdempotencyOutcome.Executed(created(3)));
  }

  @Test
  void claimOfARequestThatNeverFinishedLapsesAfterTheInFlightTimeout() {
    // A process that claimed the key and died: no complete, no release.
    store.claim("k10", ORDER_A, "dead-process", time.epochMillis(), IN_FLIGHT_TIMEOUT.toMillis());

    IdempotencyOutcome during = idempotency.execute("k10", ORDER_A, () -> created(1));
    time.advance(IN_FLIGHT_TIMEOUT);
    IdempotencyOutcome after = idempotency.execute("k10", ORDER_A, () -> created(2));

    assertThat(during).isInstanceOf(IdempotencyOutcome.InFlight.class);
    assertThat(after).isEqualTo(new IdempotencyOutcome.Executed(created(2)));
  }

  @Test
  void aLapsedClaimCannotStoreOverNorReleaseTheClaimThatTookItOver() {
    long now = time.epochMillis();
    assertThat(store.claim("k11", ORDER_A, "slow", now, 1_000).state()).isEqualTo(ClaimResult.State.ACQUIRED);
    long later = now + 1_000;
    assertThat(store.claim("k11", ORDER_A, "retry", later, 1_000).state()).isEqualTo(ClaimResult.State.ACQUIRED);

    store.release("k11", "slow");
    assertThat(store.complete("k11", "slow", created(1), later, TTL.toMillis())).isFalse();
    assertThat(store.claim("k11", ORDER_A, "third", later, 1_000).state()).isEqualTo(ClaimResult.State.IN_FLIGHT);
    assertThat(store.complete("k11", "retry", created(2), later, TTL.toMillis())).isTrue();

    ClaimResult found = store.claim("k11", ORDER_A, "fourth", later, 1_000);
    assertThat(found.state()).isEqualTo(ClaimResult.State.COMPLETED);
    assertThat(found.response()).isEqualTo(created(2));
    assertThat(found.expiresAtMillis()).isEqualTo(later + TTL.toMillis());
  }

  @Test
  void releaseDoesNotFreeACompletedKey() {
    long now = time.epochMillis();
    store.claim("k12", ORDER_A, "t", now, 1_000);
    store.complete("k12", "t", created(1), now, TTL.toMillis());

    store.release("k12", "t");

    assertThat(store.claim("k12", ORDER_A, "u", now, 1_000).state()).isEqualTo(ClaimResult.State.COMPLETED);
  }

  @Test
  void keysAreIndependent() {
    idempotency.execute("k13-a", ORDER_A, () -> created(1));

    assertThat(idempotency.execute("k13-b", ORDER_B, () -> created(2)))
        .isEqualTo(new IdempotencyOutcome.Executed(created(2)));
  }

  @Test
  void thirtyTwoConcurrentRequestsWithOneKeyHaveExactlyOneEffectAndTheOthersGetTheStoredResponseOr409()
      throws Exception {
    AtomicInteger effects = new AtomicInteger();
    ConcurrentLinkedQueue<IdempotencyOutcome> outcomes = new ConcurrentLinkedQueue<>();

    Concurrently.run(32, () -> outcomes.add(idempotency.execute("hot", ORDER_A, () -> {
      effects.incrementAndGet();
      return created(7);
    })));

    assertThat(effects).hasValue(1);
    assertThat(outcomes).hasSize(32);
    assertThat(outcomes).filteredOn(o -> o instanceof IdempotencyOutcome.Executed).hasSize(1);
    assertThat(outcomes).allSatisfy(o -> assertThat(o).isIn(new IdempotencyOutcome.Executed(created(7)),
        new IdempotencyOutcome.Replayed(created(7)), new IdempotencyOutcome.InFlight(RETRY_AFTER)));
    // Never left claimed: the next retry gets the stored response.
    assertThat(idempotency.execute("hot", ORDER_A, () -> created(8)))
        .isEqualTo(new IdempotencyOutcome.Replayed(created(7)));
  }

  @Test
  void thirtyTwoConcurrentFailingRequestsWithOneKeyNeverLeaveItClaimed() throws Exception {
    AtomicInteger attempts = new AtomicInteger();
    AtomicInteger conflicts = new AtomicInteger();

    Concurrently.run(32, () -> {
      try {
        IdempotencyOutcome outcome = idempotency.execute("flaky", ORDER_A, () -> {
          attempts.incrementAndGet();
          throw new IllegalStateException("down");
        });
        assertThat(outcome).isInstanceOf(IdempotencyOutcome.InFlight.class);
        conflicts.incrementAndGet();
      } catch (IllegalStateException expected) {
        // the attempt that ran failed, and released the key
      }
    });

    assertThat(attempts.get() + conflicts.get()).isEqualTo(32);
    assertThat(attempts.get()).isGreaterThanOrEqualTo(1);
    assertThat(idempotency.execute("flaky", ORDER_A, () -> created(1)))
        .isEqualTo(new IdempotencyOutcome.Executed(created(1)));
  }

  @Test
  void asyncExecutionStoresTheResponseWhenItsStageCompletes() throws Exception {
    CompletableFuture<IdempotentResponse> answer = new CompletableFuture<>();
    CompletableFuture<IdempotencyOutcome> first = idempotency.executeAsync("k14", ORDER_A, () -> answer);

    IdempotencyOutcome whileRunning = idempotency.executeAsync("k14", ORDER_A,
        () -> CompletableFuture.completedFuture(created(2))).get(10, TimeUnit.SECONDS);
    answer.complete(created(1));

    assertThat(whileRunning).isInstanceOf(IdempotencyOutcome.InFlight.class);
    assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo(new IdempotencyOutcome.Executed(created(1)));
    assertThat(idempotency.executeAsync("k14", ORDER_A, () -> CompletableFuture.completedFuture(created(3)))
        .get(10, TimeUnit.SECONDS)).isEqualTo(new IdempotencyOutcome.Replayed(created(1)));
  }

  @Test
  void asyncFailureReleasesTheKey() throws Exception {
    CompletableFuture<IdempotencyOutcome> failed = idempotency.executeAsync("k15", ORDER_A,
        () -> CompletableFuture.failedFuture(new IllegalStateException("declined")));

    assertThat(failed).failsWithin(Duration.ofSeconds(10)).withThrowableOfType(java.util.concurrent.ExecutionException.class)
        .withCauseInstanceOf(IllegalStateException.class);
    assertThat(idempotency.executeAsync("k15", ORDER_A, () -> CompletableFuture.completedFuture(created(1)))
        .get(10, TimeUnit.SECONDS)).isEqualTo(new IdempotencyOutcome.Executed(created(1)));
  }

  protected static IdempotentResponse created(int order) {
    return IdempotentResponse.of(201, "{\"order\":" + order + "}").withHeader("Location", "/orders/" + order);
  }

  protected static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static void await(CountDownLatch latch) {
    try {
      if (!latch.await(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("test latch never opened");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
