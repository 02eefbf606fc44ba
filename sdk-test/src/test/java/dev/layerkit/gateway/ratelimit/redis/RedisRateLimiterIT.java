package dev.layerkit.gateway.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.layerkit.core.health.HealthStatus;
import dev.layerkit.core.redis.RedisConnections;
import dev.layerkit.core.time.ManualTimeSource;
import dev.layerkit.core.time.TimeSource;
import dev.layerkit.gateway.ratelimit.FailMode;
import dev.layerkit.gateway.ratelimit.Limit;
import dev.layerkit.gateway.ratelimit.RateLimitDecision;
import dev.layerkit.gateway.ratelimit.RateLimitPolicy;
import dev.layerkit.gateway.ratelimit.RateLimiter;
import dev.layerkit.gateway.ratelimit.RateLimiters;
import dev.layerkit.test.Concurrently;
import dev.layerkit.test.gateway.RateLimiterContract;
import dev.layerkit.test.servers.TestRedis;
import dev.layerkit.test.servers.PausableRedis;
import dev.layerkit.test.servers.TestServers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import redis.embedded.RedisServer;

/**
 * {@link RedisRateLimiter} against a real Redis ({@link TestServers#redis()}): the contract with a
 * client clock driven by the contract's ManualTimeSource, then server time, round trips,
 * expiry and a Redis outage on a dedicated embedded server.
 */
class RedisRateLimiterIT extends RateLimiterContract {

  private static final TestRedis REDIS = TestServers.redis();
  private static RedisClient client;
  private static StatefulRedisConnection<String, byte[]> connection;
  /** Reads the limiter's state as text, for the assertions. */
  private static StatefulRedisConnection<String, String> inspect;

  private String keyPrefix;

  /**
   * A Redis of this test class alone, for the tests that count commands in {@code INFO
   * commandstats}: on the shared server, another build's traffic would be counted too.
   */
  private static RedisServer countingServer;
  private static RedisClient countingClient;
  private static StatefulRedisConnection<String, byte[]> countingConnection;

  @BeforeAll
  static void connect() throws IOException {
    client = RedisClient.create(REDIS.uri());
    connection = RedisConnections.connect(client);
    inspect = client.connect();
    int port = freePort();
    countingServer = RedisServer.newRedisServer().port(port).bind("127.0.0.1").build();
    countingServer.start();
    countingClient = RedisClient.create("redis://127.0.0.1:" + port);
    countingConnection = RedisConnections.connect(countingClient);
  }

  @AfterAll
  static void disconnect() throws IOException {
    connection.close();
    inspect.close();
    client.shutdown();
    countingConnection.close();
    countingClient.shutdown();
    countingServer.stop();
  }

  @org.junit.jupiter.api.BeforeEach
  void prefix(TestInfo test) {
    keyPrefix = REDIS.newKeyPrefix(test.getTestMethod().orElseThrow().getName());
  }

  @Override
  protected RateLimiter newLimiter(RateLimitPolicy policy, TimeSource timeSource) {
    return RedisRateLimiter.builder(policy, connection)
        .keyPrefix(keyPrefix + "p" + policy.hashCode() + ':')
        .timeSource(timeSource)
        // Generous: the contract counts exactly, so a fail-open on a slow CI machine would be a
        // false failure. Timeouts have their own test below.
        .timeout(Duration.ofSeconds(10))
        .build();
  }

  private RedisRateLimiter serverTimeLimiter(Limit... limits) {
    return RedisRateLimiter.builder(RateLimitPolicy.of(limits), connection)
        .keyPrefix(keyPrefix).timeout(Duration.ofSeconds(10)).build();
  }

  @Test
  void serverTimeRefillsAndReportsARetryAfterWithinOneRefillInterval() {
    RedisRateLimiter limiter = serverTimeLimiter(Limit.greedy(5, 5, Duration.ofHours(1)));
    for (int i = 4; i >= 0; i--) {
      assertThat(limiter.tryAcquire("k").remaining()).isEqualTo(i);
    }
    RateLimitDecision denied = limiter.tryAcquire("k");
    assertThat(denied.allowed()).isFalse();
    assertThat(denied.retryAfter()).isPositive().isLessThanOrEqualTo(Duration.ofMinutes(12));
  }

  @Test
  void eachDecisionIsExactlyOneScriptCallOnTheServer() {
    RedisRateLimiter limiter = RedisRateLimiter.builder(
            RateLimitPolicy.of(Limit.perSecond(1_000), Limit.perMinute(10_000)), countingConnection)
        .keyPrefix(keyPrefix).timeout(Duration.ofSeconds(10)).build();
    limiter.tryAcquire("warm-up");
    RedisCommands<String, byte[]> sync = countingConnection.sync();
    long evalshaBefore = calls(sync, "evalsha");
    long evalBefore = calls(sync, "eval");
    for (int i = 0; i < 100; i++) {
      limiter.tryAcquire("k" + (i % 7));
    }
    assertThat(calls(sync, "evalsha") - evalshaBefore).isEqualTo(100);
    assertThat(calls(sync, "eval") - evalBefore).as("the script was cached after the warm-up").isZero();
  }

  private static long calls(RedisCommands<String, ?> sync, String command) {
    Matcher m = Pattern.compile("cmdstat_" + command + ":calls=(\\d+)").matcher(sync.info("commandstats"));
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }

  @Test
  void stateKeysAreHashTaggedAndExpireAfterTheFullRefillTime() {
    RedisRateLimiter limiter = serverTimeLimiter(Limit.perMinute(10));
    limiter.tryAcquire("user:42");
    String stateKey = keyPrefix + "{user:42}";
    RedisCommands<String, String> sync = inspect.sync();
    assertThat(sync.exists(stateKey)).isEqualTo(1);
    assertThat(sync.pttl(stateKey)).isBetween(59_000L, 60_001L);
    assertThat(sync.hgetall(stateKey)).containsKeys("c1", "t1");
  }

  /**
   * On a client clock (a test's), Redis still expires keys in its own time, so a state lives a day
   * at least instead of the policy's full-refill time.
   */
  @Test
  void onAClientClockAStateLivesADayAtLeast() {
    RedisRateLimiter limiter = RedisRateLimiter.builder(RateLimitPolicy.of(Limit.perMinute(10)), connection)
        .keyPrefix(keyPrefix).timeSource(time).timeout(Duration.ofSeconds(10)).build();
    limiter.tryAcquire("user:42");
    assertThat(inspect.sync().pttl(keyPrefix + "{user:42}")).isBetween(86_390_000L, 86_400_000L);
  }

  /**
   * With local batching, a decision Redis makes reports Redis's remainder plus the reserve it
   * took; one served from the reserve reports what is left of the reserve.
   */
  @Test
  void withLocalBatchingRemainingIsRedisRemainderPlusTheReserveThenTheReserveAlone() {
    RedisRateLimiter limiter = RedisRateLimiter.builder(
            RateLimitPolicy.of(Limit.interval(100, 100, Duration.ofHours(1))), connection)
        .keyPrefix(keyPrefix).timeSource(time).timeout(Duration.ofSeconds(10))
        .localBatch(10, Duration.ofMinutes(1)).build();
    RateLimitDecision first = limiter.tryAcquire("k");
    assertThat(first).as("Redis took 1 + 10: 89 left there, 10 held here")
        .isEqualTo(RateLimitDecision.allowed(99, 100));
    assertThat(limiter.tryAcquire("k")).isEqualTo(RateLimitDecision.allowed(9, 100));
    assertThat(limiter.tryAcquire("k", 4)).isEqualTo(RateLimitDecision.allowed(5, 100));
    assertThat(limiter.tryAcquire("k", 5)).as("the reserve exactly").isEqualTo(RateLimitDecision.allowed(0, 100));
    assertThat(limiter.tryAcquire("k")).as("the reserve used up: Redis again, 78 left there and 10 more held here")
        .isEqualTo(RateLimitDecision.allowed(88, 100));
  }

  /**
   * Latency is measured on the limiter's time source: on a manual clock that does not move during
   * the round trip, each round trip takes no time.
   */
  @Test
  void theRoundTripIsTimedOnTheLimitersTimeSource() {
    time.advance(Duration.ofDays(3));
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    RedisRateLimiter limiter = RedisRateLimiter.builder(RateLimitPolicy.of(Limit.perMinute(10)), connection)
        .name("timed").keyPrefix(keyPrefix).timeSource(time).timeout(Duration.ofSeconds(10))
        .meterRegistry(registry).build();
    limiter.tryAcquire("k");
    limiter.tryAcquire("k");
    io.micrometer.core.instrument.Timer latency = registry.get("layerkit.ratelimit.redis.latency").timer();
    assertThat(latency.count()).isEqualTo(2);
    assertThat(latency.totalTime(TimeUnit.NANOSECONDS)).isZero();
    assertThat(limiter.healthCheck().check().details()).containsEntry("latencyMicros", 0L);
  }

  /**
   * A thread interrupted while it builds a limiter or checks its health is not held up and keeps
   * its interrupt status; the health check then reports Redis as unreachable under the fail mode.
   */
  @Test
  void anInterruptedCallerKeepsItsInterruptStatusThroughBuildAndHealthCheck() {
    Thread.currentThread().interrupt();
    RedisRateLimiter limiter = RedisRateLimiter.builder(RateLimitPolicy.of(Limit.perMinute(5)), connection)
        .name("interrupted").keyPrefix(keyPrefix).failMode(FailMode.CLOSED).timeout(Duration.ofSeconds(10)).build();
    assertThat(Thread.interrupted()).as("kept through build").isTrue();

    Thread.currentThread().interrupt();
    dev.layerkit.core.health.Health health = limiter.healthCheck().check();
    assertThat(Thread.interrupted()).as("kept through the health check").isTrue();
    assertThat(health.status()).isEqualTo(HealthStatus.DOWN);

    assertThat(limiter.tryAcquire("k").allowed()).as("Redis decides afterwards").isTrue();
  }

  /**
   * A connection that was closed refuses the call at once: the fail mode answers without waiting
   * for the timeout, and the failure counts as an error, not a timeout.
   */
  @Test
  void onAClosedConnectionTheFailModeAnswersAtOnceAndCountsAnError() {
    StatefulRedisConnection<String, byte[]> doomed = RedisConnections.connect(client);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    RateLimitPolicy policy = RateLimitPolicy.of(Limit.perMinute(3), Limit.perHour(50));
    RedisRateLimiter open = RedisRateLimiter.builder(policy, doomed).name("open").keyPrefix(keyPrefix)
        .timeout(Duration.ofSeconds(30)).meterRegistry(registry).build();
    RedisRateLimiter closed = RedisRateLimiter.builder(policy, doomed).name("closed").keyPrefix(keyPrefix)
        .failMode(FailMode.CLOSED).failClosedRetryAfter(Duration.ofSeconds(7)).timeout(Duration.ofSeconds(30))
        .build();
    doomed.close();

    long before = System.nanoTime();
    assertThat(open.tryAcquire("k")).as("fail open, the smallest capacity")
        .isEqualTo(RateLimitDecision.allowed(0, 3));
    assertThat(closed.tryAcquire("k")).as("fail closed")
        .isEqualTo(RateLimitDecision.denied(0, 3, Duration.ofSeconds(7).toNanos()));
    assertThat(Duration.ofNanos(System.nanoTime() - before)).as("not by the timeout")
        .isLessThan(Duration.ofSeconds(20));
    assertThat(registry.get("layerkit.ratelimit.errors").tag("name", "open").tag("kind", "error").counter().count())
        .isEqualTo(1);
    assertThat(registry.get("layerkit.ratelimit.errors").tag("name", "open").tag("kind", "timeout").counter().count())
        .isZero();
    assertThat(registry.get("layerkit.ratelimit.decisions").tag("name", "open").tag("result", "allowed").counter()
        .count()).as("a fail-open decision counts as allowed").isEqualTo(1);
  }

  @Test
  void aDeniedDecisionWritesNothing() {
    RedisRateLimiter limiter = serverTimeLimiter(Limit.perMinute(1));
    assertThat(limiter.tryAcquire("k").allowed()).isTrue();
    RedisCommands<String, String> sync = inspect.sync();
    String before = sync.hgetall(keyPrefix + "{k}").toString();
    assertThat(limiter.tryAcquire("k").allowed()).isFalse();
    assertThat(sync.hgetall(keyPrefix + "{k}")).hasToString(before);
  }

  @Test
  void eightThreadsAgainstServerTimeNeverExceedCapacityPlusRefillOverTheElapsedTime() throws Exception {
    long capacity = 20;
    long perSecond = 50;
    RedisRateLimiter limiter = serverTimeLimiter(Limit.greedy(capacity, perSecond, Duration.ofSeconds(1)));
    int keys = 100;
    AtomicLongArray admitted = new AtomicLongArray(keys);
    long begin = System.nanoTime();
    Concurrently.run(8, () -> {
      for (int i = 0; i < 1_500; i++) {
        int key = i % keys;
        if (limiter.tryAcquire("key-" + key).allowed()) {
          admitted.incrementAndGet(key);
        }
      }
    });
    long elapsedMicros = (System.nanoTime() - begin) / 1_000 + 1_000;
    // The server's clock ran no longer than ours, give or take a millisecond of skew.
    long bound = capacity + perSecond * elapsedMicros / 1_000_000 + 1;
    long total = 0;
    for (int key = 0; key < keys; key++) {
      assertThat(admitted.get(key)).as("key-%d", key).isLessThanOrEqualTo(bound);
      total += admitted.get(key);
    }
    assertThat(total).as("every key got at least its burst").isGreaterThanOrEqualTo(capacity * keys);
  }

  @Test
  void localBatchingCutsRedisCallsNeverOverAdmitsAndHoldsReservesOnlyForMaxHold() {
    RateLimitPolicy policy = RateLimitPolicy.of(Limit.interval(100, 100, Duration.ofHours(1)));
    RedisRateLimiter a = batchingInstance(policy);
    RedisRateLimiter b = batchingInstance(policy);
    RedisCommands<String, byte[]> sync = countingConnection.sync();
    a.tryAcquire("warm-up");
    long evalshaBefore = calls(sync, "evalsha");
    for (int i = 0; i < 44; i++) {
      assertThat(a.tryAcquire("hot").allowed()).isTrue();
      assertThat(b.tryAcquire("hot").allowed()).isTrue();
    }
    assertThat(calls(sync, "evalsha") - evalshaBefore).as("one Redis call per 1 + 10 permits").isEqualTo(8);

    // 12 permits left in Redis: a takes 1 + 10 of them, b the last one.
    assertThat(a.tryAcquire("hot").remaining()).as("Redis's last one plus a's reserve of 10").isEqualTo(11);
    assertThat(b.tryAcquire("hot").allowed()).isTrue();
    assertThat(b.tryAcquire("hot").allowed()).as("a holds the rest: under-admission for b").isFalse();
    int servedByA = 0;
    while (a.tryAcquire("hot").allowed()) {
      servedByA++;
    }
    assertThat(servedByA).as("never more than the limit in total").isEqualTo(10);

    RedisRateLimiter c = batchingInstance(policy);
    assertThat(c.tryAcquire("other").allowed()).isTrue();
    time.advance(Duration.ofMinutes(1));
    long before = calls(sync, "evalsha");
    assertThat(c.tryAcquire("other").allowed()).isTrue();
    assertThat(calls(sync, "evalsha") - before).as("the expired reserve was dropped; Redis decides").isEqualTo(1);
  }

  private RedisRateLimiter batchingInstance(RateLimitPolicy policy) {
    return RedisRateLimiter.builder(policy, countingConnection)
        .keyPrefix(keyPrefix).timeSource(time)
        .timeout(Duration.ofSeconds(10))
        .localBatch(10, Duration.ofMinutes(1))
        .build();
  }

  /**
   * A limiter on a connection and a server it is the first to use (the script unknown there),
   * with the defaults (fail open, default timeout), hit by many threads at once: every decision
   * must come from Redis, so exactly the budget is admitted, none failing open.
   */
  @Test
  void aFreshlyBuiltFailOpenLimiterOnAFreshServerAdmitsExactlyItsBudgetUnderConcurrency() throws Exception {
    onFreshServer(freshConnection -> {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      RedisRateLimiter limiter = RedisRateLimiter.builder(
              RateLimitPolicy.of(Limit.interval(100, 100, Duration.ofHours(1))), freshConnection)
          .name("fresh").meterRegistry(registry).build();
      AtomicLong admitted = new AtomicLong();

      Concurrently.run(16, () -> {
        for (int i = 0; i < 20; i++) {
          if (limiter.tryAcquire("budget").allowed()) {
            admitted.incrementAndGet();
          }
        }
      });

      assertThat(admitted.get()).isEqualTo(100);
      assertThat(registry.find("layerkit.ratelimit.errors").counters())
          .as("no decision timed out or failed open").allSatisfy(c -> assertThat(c.count()).isZero());
    });
  }

  @Test
  void buildLoadsTheScriptSoTheFirstDecisionIsAnEvalsha() throws Exception {
    onFreshServer(freshConnection -> {
      RedisRateLimiter limiter = RedisRateLimiter.builder(RateLimitPolicy.of(Limit.perMinute(5)), freshConnection)
          .build();

      assertThat(limiter.tryAcquire("k").allowed()).isTrue();

      assertThat(calls(freshConnection.sync(), "eval")).as("no NOSCRIPT fallback").isZero();
      assertThat(calls(freshConnection.sync(), "evalsha")).isEqualTo(1);
    });
  }

  /** A test body that may throw. */
  private interface OnConnection {
    void run(StatefulRedisConnection<String, byte[]> connection) throws Exception;
  }

  /** Runs {@code test} on a Redis server of its own that no limiter used: no script is cached. */
  private static void onFreshServer(OnConnection test) throws Exception {
    int port = freePort();
    RedisServer fresh = RedisServer.newRedisServer().port(port).bind("127.0.0.1").build();
    fresh.start();
    RedisClient freshClient = RedisClient.create("redis://127.0.0.1:" + port);
    try (StatefulRedisConnection<String, byte[]> freshConnection = RedisConnections.connect(freshClient)) {
      test.run(freshConnection);
    } finally {
      freshClient.shutdown();
      fresh.stop();
    }
  }

  @Test
  void aRedisOutageAppliesTheFailModeWithinTheTimeoutAndRecovers() throws Exception {
    int port = freePort();
    RedisServer server = RedisServer.newRedisServer().port(port).bind("127.0.0.1").build();
    server.start();
    RedisClient outageClient = RedisClient.create("redis://127.0.0.1:" + port);
    try (StatefulRedisConnection<String, byte[]> outageConnection = RedisConnections.connect(outageClient)) {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      RateLimitPolicy policy = RateLimitPolicy.of(Limit.perMinute(3));
      RedisRateLimiter open = RedisRateLimiter.builder(policy, outageConnection)
          .name("open").timeout(Duration.ofMillis(200)).meterRegistry(registry).build();
      RedisRateLimiter closed = RedisRateLimiter.builder(policy, outageConnection)
          .name("closed").failMode(FailMode.CLOSED).failClosedRetryAfter(Duration.ofSeconds(7))
          .timeout(Duration.ofMillis(200)).build();
      for (int i = 0; i < 3; i++) {
        assertThat(open.tryAcquire("k").allowed()).isTrue();
      }
      assertThat(open.tryAcquire("k").allowed()).as("Redis enforces the limit").isFalse();
      assertThat(open.healthCheck().check().status()).isEqualTo(HealthStatus.UP);

      server.stop();

      long before = System.nanoTime();
      RateLimitDecision failedOpen = open.tryAcquire("k");
      long tookMillis = (System.nanoTime() - before) / 1_000_000;
      assertThat(failedOpen.allowed()).as("fail open").isTrue();
      assertThat(tookMillis).as("decided by the timeout, not a hang").isLessThan(5_000);
      RateLimitDecision failedClosed = closed.tryAcquire("k");
      assertThat(failedClosed.allowed()).as("fail closed").isFalse();
      assertThat(failedClosed.retryAfter()).isEqualTo(Duration.ofSeconds(7));
      assertThat(open.healthCheck().check().status()).isEqualTo(HealthStatus.DEGRADED);
      assertThat(closed.healthCheck().check().status()).isEqualTo(HealthStatus.DOWN);
      assertThat(registry.get("layerkit.ratelimit.errors").tag("name", "open").counters())
          .extracting(c -> c.count()).containsAnyOf(1.0);

      server = RedisServer.newRedisServer().port(port).bind("127.0.0.1").build();
      server.start();
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
          .until(() -> open.healthCheck().check().status() == HealthStatus.UP);
      // The new server is empty: a fresh bucket, enforced again by Redis.
      for (int i = 0; i < 3; i++) {
        assertThat(open.tryAcquire("recovered").allowed()).isTrue();
      }
      assertThat(open.tryAcquire("recovered").allowed()).isFalse();
    } finally {
      outageClient.shutdown();
      server.stop();
    }
  }

  /** The paused-Redis test's decision timeout. */
  private static final Duration TIMEOUT = Duration.ofMillis(1_500);

  /**
   * A Redis that stops answering ({@code SIGSTOP}): an asynchronous decision returns at once,
   * pending, and the timeout timer completes it with the fail mode, on the timer's thread (no
   * caller thread waits); once Redis continues, Redis decides again.
   */
  @Test
  void onAPausedRedisAnAsyncDecisionIsCompletedWithTheFailModeByTheTimerAndRecovers() throws Exception {
    try (PausableRedis redis = PausableRedis.start()) {
      RedisClient pausedClient = RedisClient.create(redis.uri());
      try (StatefulRedisConnection<String, byte[]> paused = RedisConnections.connect(pausedClient)) {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        RedisRateLimiter limiter = RedisRateLimiter.builder(
                RateLimitPolicy.of(Limit.interval(5, 5, Duration.ofHours(1))), paused)
            .name("paused").failMode(FailMode.CLOSED).failClosedRetryAfter(Duration.ofSeconds(7))
            .timeout(TIMEOUT).meterRegistry(registry).build();
        assertThat(limiter.tryAcquireAsync("k").toCompletableFuture().get(10, TimeUnit.SECONDS).allowed())
            .as("Redis decides").isTrue();

        redis.pause();
        long before = System.nanoTime();
        AtomicReference<String> completingThread = new AtomicReference<>();
        CompletableFuture<RateLimitDecision> pending = limiter.tryAcquireAsync("k").toCompletableFuture();
        long returnedAfterMillis = (System.nanoTime() - before) / 1_000_000;
        // The callback must be registered while the decision is pending, or it runs on this thread.
        // This thread waits on a latch, not in pending.get(): a thread woken in get() helps run the
        // future's callbacks, so the callback could run here even though the timer completed it.
        assertThat(pending).as("pending while Redis is paused").isNotDone();
        CountDownLatch decided = new CountDownLatch(1);
        pending.whenComplete((decision, error) -> {
          completingThread.compareAndSet(null, Thread.currentThread().getName());
          decided.countDown();
        });
        assertThat(decided.await(30, TimeUnit.SECONDS)).as("decided").isTrue();
        long decidedAfterMillis = (System.nanoTime() - before) / 1_000_000;
        RateLimitDecision failed = pending.join();

        assertThat(returnedAfterMillis).as("returned without waiting for Redis").isLessThan(TIMEOUT.toMillis());
        assertThat(failed.allowed()).as("fail closed").isFalse();
        assertThat(failed.retryAfter()).isEqualTo(Duration.ofSeconds(7));
        assertThat(decidedAfterMillis).as("decided by the timeout").isGreaterThanOrEqualTo(TIMEOUT.toMillis())
            .isLessThan(TIMEOUT.toMillis() + 5_000);
        assertThat(completingThread.get()).startsWith("layerkit-ratelimit-timeout");
        assertThat(registry.get("layerkit.ratelimit.errors").tag("kind", "timeout").counter().count()).isEqualTo(1);

        redis.resume();
        // (The timed-out command had been written to the socket: Redis runs it when it continues.)
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
            .until(() -> limiter.tryAcquireAsync("k").toCompletableFuture().get(10, TimeUnit.SECONDS).allowed());
        RateLimitDecision exhausted;
        do {
          exhausted = limiter.tryAcquireAsync("k").toCompletableFuture().get(10, TimeUnit.SECONDS);
        } while (exhausted.allowed());
        assertThat(exhausted.retryAfter()).as("Redis's retry-after, not the fail mode's")
            .isNotEqualTo(Duration.ofSeconds(7));
      } finally {
        pausedClient.shutdown();
      }
    }
  }

  /**
   * Once no decision is pending, the thread that fires timeouts sleeps without a deadline
   * ({@code WAITING}), so an idle process pays nothing for it; a timer that ticks would stay in
   * {@code TIMED_WAITING}. The next decision's timeout still fires.
   */
  @Test
  void onceNoDecisionIsPendingTheTimeoutThreadSleepsWithoutADeadline() throws Exception {
    RedisRateLimiter limiter = RedisRateLimiter.builder(RateLimitPolicy.of(Limit.perSecond(1_000)), connection)
        .keyPrefix(keyPrefix).timeout(Duration.ofMillis(50)).build();
    for (int i = 0; i < 100; i++) {
      assertThat(limiter.tryAcquireAsync("idle-" + (i % 7)).toCompletableFuture().get(10, TimeUnit.SECONDS)
          .allowed()).isTrue();
    }
    Thread timeouts = Thread.getAllStackTraces().keySet().stream()
        .filter(thread -> thread.getName().startsWith("layerkit-ratelimit-timeout"))
        .findFirst().orElseThrow(() -> new AssertionError("no timeout thread after 100 decisions"));

    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      assertThat(limiter.timeoutsIdle()).as("no sweep scheduled").isTrue();
      assertThat(timeouts.getState()).as("asleep without a deadline").isEqualTo(Thread.State.WAITING);
    });
  }

  /** Beyond maxInFlight pending decisions, the fail mode answers at once, without asking Redis. */
  @Test
  void beyondMaxInFlightPendingDecisionsTheFailModeAnswersAtOnce() throws Exception {
    try (PausableRedis redis = PausableRedis.start()) {
      RedisClient pausedClient = RedisClient.create(redis.uri());
      try (StatefulRedisConnection<String, byte[]> paused = RedisConnections.connect(pausedClient)) {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        RedisRateLimiter limiter = RedisRateLimiter.builder(RateLimitPolicy.of(Limit.perMinute(100)), paused)
            .name("bounded").failMode(FailMode.CLOSED).timeout(Duration.ofSeconds(5)).maxInFlight(3)
            .meterRegistry(registry).build();
        redis.pause();
        List<CompletableFuture<RateLimitDecision>> pending = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
          pending.add(limiter.tryAcquireAsync("k").toCompletableFuture());
        }
        CompletableFuture<RateLimitDecision> refused = limiter.tryAcquireAsync("k").toCompletableFuture();

        assertThat(pending).noneMatch(CompletableFuture::isDone);
        assertThat(refused).isDone();
        assertThat(refused.getNow(null).allowed()).as("fail closed").isFalse();
        assertThat(registry.get("layerkit.ratelimit.errors").tag("kind", "overload").counter().count()).isEqualTo(1);

        redis.resume();
        for (CompletableFuture<RateLimitDecision> decision : pending) {
          assertThat(decision.get(30, TimeUnit.SECONDS).allowed()).as("Redis answered once continued").isTrue();
        }
        assertThat(limiter.tryAcquireAsync("k").toCompletableFuture().get(10, TimeUnit.SECONDS).allowed())
            .as("slots released").isTrue();
      } finally {
        pausedClient.shutdown();
      }
    }
  }

  /**
   * Decisions for one key that arrive while its call is in flight (held there by a paused Redis)
   * are decided by the next calls, up to {@link RedisRateLimiter#MAX_BATCH} each, in the order
   * they arrived and exactly as one call each would decide them.
   */
  @Test
  void decisionsForAKeyWhoseCallIsInFlightAreCoalescedIntoFewCallsAndDecidedInArrivalOrder() throws Exception {
    try (PausableRedis redis = PausableRedis.start()) {
      RedisClient pausedClient = RedisClient.create(redis.uri());
      try (StatefulRedisConnection<String, byte[]> paused = RedisConnections.connect(pausedClient)) {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        RedisRateLimiter limiter = RedisRateLimiter.builder(
                RateLimitPolicy.of(Limit.interval(100, 100, Duration.ofHours(1))), paused)
            .name("coalesced").timeout(Duration.ofSeconds(30)).meterRegistry(registry).build();
        long before = calls(paused.sync(), "evalsha");
        redis.pause();
        List<CompletableFuture<RateLimitDecision>> decisions = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
          decisions.add(limiter.tryAcquireAsync("hot").toCompletableFuture());
        }
        assertThat(decisions).as("all wait for the paused Redis").noneMatch(CompletableFuture::isDone);
        redis.resume();

        Duration retryAfter = null;
        for (int i = 0; i < decisions.size(); i++) {
          RateLimitDecision decision = decisions.get(i).get(30, TimeUnit.SECONDS);
          assertThat(decision.allowed()).as("decision %d", i).isEqualTo(i < 100);
          assertThat(decision.remaining()).as("remaining after decision %d", i).isEqualTo(Math.max(0, 99 - i));
          if (i >= 100 && i <= 128) { // denied in the second call, the one of decisions 1 to 128
            retryAfter = retryAfter == null ? decision.retryAfter() : retryAfter;
            assertThat(decision.retryAfter()).as("one server time per call").isEqualTo(retryAfter)
                .isPositive().isLessThanOrEqualTo(Duration.ofHours(1));
          }
        }
        // The first alone, then the 299 that waited for it: 128 + 128 + 43.
        assertThat(calls(paused.sync(), "evalsha") - before).isEqualTo(4);
        assertThat(registry.find("layerkit.ratelimit.errors").counters())
            .allSatisfy(c -> assertThat(c.count()).isZero());
        assertThat(limiter.tryAcquire("hot").allowed()).as("the lane ended; Redis still decides").isFalse();
      } finally {
        pausedClient.shutdown();
      }
    }
  }

  /**
   * Coalesced decisions go to the script as runs (consecutive decisions asking for the same
   * permits at the same time, decided at once). Mixed permits, two limits of both refill kinds and
   * a client clock that moves between groups make many runs of every shape (all allowed, all
   * denied, allowed then denied); each decision must equal the in-memory limiter's, deciding the
   * same requests one by one at the same times.
   */
  @Test
  void coalescedRunsDecideExactlyAsTheInMemoryLimiterDecidingOneByOne() throws Exception {
    RateLimitPolicy policy = RateLimitPolicy.of(Limit.greedy(20, 5, Duration.ofSeconds(1)),
        Limit.interval(30, 10, Duration.ofSeconds(3)));
    ManualTimeSource redisClock = new ManualTimeSource();
    ManualTimeSource memoryClock = new ManualTimeSource();
    RateLimiter memory = RateLimiters.inMemory(policy).timeSource(memoryClock).build();
    long[] permits = {1, 1, 1, 2, 2, 1, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 1, 1, 5, 5, 5};
    long[] advanceMillis = {0, 0, 0, 0, 130, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 250, 0,
        0, 0, 1700};
    try (PausableRedis redis = PausableRedis.start()) {
      RedisClient pausedClient = RedisClient.create(redis.uri());
      try (StatefulRedisConnection<String, byte[]> paused = RedisConnections.connect(pausedClient)) {
        RedisRateLimiter limiter = RedisRateLimiter.builder(policy, paused).timeSource(redisClock)
            .timeout(Duration.ofSeconds(30)).build();
        long before = calls(paused.sync(), "evalsha");
        List<CompletableFuture<RateLimitDecision>> decisions = new ArrayList<>();
        List<RateLimitDecision> expected = new ArrayList<>();
        for (int round = 0; round < 4; round++) {
          redis.pause();
          for (int i = 0; i < permits.length; i++) {
            redisClock.advance(Duration.ofMillis(advanceMillis[i]));
            memoryClock.advance(Duration.ofMillis(advanceMillis[i]));
            decisions.add(limiter.tryAcquireAsync("mixed", permits[i]).toCompletableFuture());
            expected.add(memory.tryAcquire("mixed", permits[i]));
          }
          redis.resume();
          CompletableFuture.allOf(decisions.toArray(new CompletableFuture<?>[0])).get(30, TimeUnit.SECONDS);
        }
        for (int i = 0; i < decisions.size(); i++) {
          assertThat(decisions.get(i).join()).as("decision %d (%d permits)", i, permits[i % permits.length])
              .isEqualTo(expected.get(i));
        }
        assertThat(expected).as("the sequence has both outcomes")
            .anyMatch(RateLimitDecision::allowed).anyMatch(d -> !d.allowed());
        assertThat(calls(paused.sync(), "evalsha") - before).as("coalesced: one call, then the rest")
            .isEqualTo(8);
      } finally {
        pausedClient.shutdown();
      }
    }
  }

  /**
   * Decisions waiting behind a call that Redis does not answer are decided by their own timeouts
   * with the fail mode, like the one in flight; once Redis continues it decides again.
   */
  @Test
  void decisionsWaitingBehindAStuckCallAreDecidedByTheirTimeoutsAndRedisDecidesAgainAfter() throws Exception {
    try (PausableRedis redis = PausableRedis.start()) {
      RedisClient pausedClient = RedisClient.create(redis.uri());
      try (StatefulRedisConnection<String, byte[]> paused = RedisConnections.connect(pausedClient)) {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        RedisRateLimiter limiter = RedisRateLimiter.builder(
                RateLimitPolicy.of(Limit.interval(50, 50, Duration.ofHours(1))), paused)
            .name("stuck").failMode(FailMode.CLOSED).failClosedRetryAfter(Duration.ofSeconds(7))
            .timeout(TIMEOUT).meterRegistry(registry).build();
        redis.pause();
        long before = System.nanoTime();
        List<CompletableFuture<RateLimitDecision>> waiting = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
          waiting.add(limiter.tryAcquireAsync("k").toCompletableFuture());
        }
        CompletableFuture.allOf(waiting.toArray(new CompletableFuture<?>[0])).get(30, TimeUnit.SECONDS);
        long decidedAfterMillis = (System.nanoTime() - before) / 1_000_000;

        assertThat(waiting).allSatisfy(d -> assertThat(d.join().retryAfter()).as("fail closed")
            .isEqualTo(Duration.ofSeconds(7)));
        assertThat(decidedAfterMillis).as("by the timeouts").isGreaterThanOrEqualTo(TIMEOUT.toMillis())
            .isLessThan(TIMEOUT.toMillis() + 5_000);
        assertThat(registry.get("layerkit.ratelimit.errors").tag("kind", "timeout").counter().count()).isEqualTo(10);

        redis.resume();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
            .until(() -> limiter.tryAcquireAsync("k").toCompletableFuture().get(10, TimeUnit.SECONDS).allowed());
        RateLimitDecision exhausted;
        do {
          exhausted = limiter.tryAcquireAsync("k").toCompletableFuture().get(10, TimeUnit.SECONDS);
        } while (exhausted.allowed());
        assertThat(exhausted.retryAfter()).as("Redis's retry-after, not the fail mode's")
            .isNotEqualTo(Duration.ofSeconds(7));
      } finally {
        pausedClient.shutdown();
      }
    }
  }

  @Test
  void maxInFlightMustBePositive() {
    assertThatThrownBy(() -> RedisRateLimiter.builder(RateLimitPolicy.of(Limit.perMinute(1)), connection).maxInFlight(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maxInFlight must be > 0 but was 0");
  }

  @Test
  void everyBuilderSettingGivenTwiceIsRefusedNamingIt() {
    java.util.Map<String, java.util.function.Consumer<RedisRateLimiter.Builder>> settings =
        new java.util.LinkedHashMap<>();
    settings.put("name", b -> b.name("n"));
    settings.put("keyPrefix", b -> b.keyPrefix(keyPrefix));
    settings.put("timeout", b -> b.timeout(Duration.ofSeconds(1)));
    settings.put("failMode", b -> b.failMode(FailMode.CLOSED));
    settings.put("failClosedRetryAfter", b -> b.failClosedRetryAfter(Duration.ofSeconds(2)));
    settings.put("timeSource", b -> b.timeSource(time));
    settings.put("meterRegistry", b -> b.meterRegistry(new SimpleMeterRegistry()));
    settings.put("localBatch", b -> b.localBatch(5, Duration.ofSeconds(1)));
    settings.put("maxInFlight", b -> b.maxInFlight(5));
    settings.forEach((name, setting) -> {
      RedisRateLimiter.Builder b = RedisRateLimiter.builder(RateLimitPolicy.of(Limit.perMinute(1)), connection);
      setting.accept(b);
      assertThatThrownBy(() -> setting.accept(b)).as(name)
          .isInstanceOf(IllegalStateException.class).hasMessageStartingWith(name + " was already set to ");
    });
  }

  /** Allowed, denied and locally served decisions are each counted once, and each round trip timed. */
  @Test
  void metersCountEachOutcomeAndTimeEachRoundTrip() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    RedisRateLimiter limiter = RedisRateLimiter.builder(
            RateLimitPolicy.of(Limit.interval(12, 12, Duration.ofHours(1))), connection)
        .name("metered").keyPrefix(keyPrefix).timeout(Duration.ofSeconds(10))
        .localBatch(5, Duration.ofMinutes(1)).meterRegistry(registry).build();
    assertThat(limiter.name()).isEqualTo("metered");
    int allowed = 0;
    for (int i = 0; i < 14; i++) {
      if (limiter.tryAcquire("k").allowed()) {
        allowed++;
      }
    }
    // 12 permits: Redis answers 1 + a reserve of 5 twice; the reserves serve 10 locally.
    assertThat(allowed).isEqualTo(12);
    assertThat(registry.get("layerkit.ratelimit.decisions").tag("name", "metered").tag("result", "allowed")
        .counter().count()).isEqualTo(12);
    assertThat(registry.get("layerkit.ratelimit.decisions").tag("result", "denied").counter().count()).isEqualTo(2);
    assertThat(registry.get("layerkit.ratelimit.local.decisions").counter().count()).isEqualTo(10);
    assertThat(registry.get("layerkit.ratelimit.redis.latency").timer().count())
        .as("one round trip per decision Redis made").isEqualTo(4);
    assertThat(registry.find("layerkit.ratelimit.errors").counters()).allSatisfy(c -> assertThat(c.count()).isZero());
  }

  @Test
  void healthReportsThePingAndTheFailModeWhileRedisAnswers() {
    RedisRateLimiter limiter = RedisRateLimiter.builder(RateLimitPolicy.of(Limit.perMinute(5)), connection)
        .name("checked").keyPrefix(keyPrefix).failMode(FailMode.CLOSED).build();
    dev.layerkit.core.health.HealthCheck check = limiter.healthCheck();
    assertThat(check.name()).isEqualTo("ratelimit-redis-checked");
    dev.layerkit.core.health.Health health = check.check();
    assertThat(health.status()).isEqualTo(HealthStatus.UP);
    assertThat(health.details()).containsEntry("ping", "PONG").containsEntry("failMode", "CLOSED")
        .containsKey("latencyMicros");
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
