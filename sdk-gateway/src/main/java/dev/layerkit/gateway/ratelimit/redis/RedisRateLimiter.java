package dev.layerkit.gateway.ratelimit.redis;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.layerkit.core.health.Health;
import dev.layerkit.core.health.HealthCheck;
import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.internal.BuilderSettings;
import dev.layerkit.core.internal.redis.RedisCalls;
import dev.layerkit.core.internal.redis.RedisKeys;
import dev.layerkit.core.internal.redis.RedisScript;
import dev.layerkit.core.redis.RedisConnections;
import dev.layerkit.core.time.TimeSource;
import dev.layerkit.gateway.ratelimit.FailMode;
import dev.layerkit.gateway.ratelimit.Limit;
import dev.layerkit.gateway.ratelimit.RateLimitDecision;
import dev.layerkit.gateway.ratelimit.RateLimitPolicy;
import dev.layerkit.gateway.ratelimit.RateLimiter;
import dev.layerkit.gateway.ratelimit.internal.BucketArithmetic;
import dev.layerkit.gateway.ratelimit.internal.BucketUnit;
import dev.layerkit.gateway.ratelimit.internal.RateLimitArguments;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.BaseRedisAsyncCommands;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.internal.ThreadExecutorMap;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link RateLimiter} whose buckets live in Redis, shared by every process that uses the same
 * key prefix.
 *
 * <h2>One round trip</h2>
 *
 * <p>Each decision is one {@code EVALSHA} of a Lua script that reads the key's buckets, refills
 * them, takes the permits from all limits or none, writes them back with a TTL and returns the
 * decision: one network round trip and one atomic server-side step, so there is no
 * read-compare-and-swap retry loop under contention (Bucket4j's Redis backend needs a GET and a
 * compare-and-swap per attempt). The script goes through Layerkit's one script runner: called by
 * its SHA-1, sent once with {@code EVAL} to a server that does not know it yet (new, restarted or
 * flushed). {@link Builder#build()} loads it and warms the connection, so the first decisions do
 * not pay for the fallback or a cold connection within their timeout.
 *
 * <h2>Concurrent decisions for one key: one call</h2>
 *
 * <p>One call per key is in flight at a time. Decisions for a key that arrive while its call is
 * in flight wait for it, and its reply sends them all, in arrival order, as the next call (up to
 * {@link #MAX_BATCH}); the script decides each exactly as a call of its own made right after the
 * one before would be (same buckets, same arithmetic, the server's {@code TIME} read once per call,
 * or each decision's own client time). Consecutive decisions asking for the same permits at the same
 * time (every decision on the server's clock asking for one permit) go as one run of three
 * arguments, which the script decides at once and answers with six values, however many requests
 * it holds: the first ones are allowed, as many as the scarcest limit covers, the rest denied alike.
 * So a hot key, where every
 * request of a gateway counts against one key, costs Redis a few calls per round trip instead of
 * one per request, and Redis's CPU stops being what bounds the gateway, while a key that gets one
 * decision at a time is one call per decision as before. What waiting costs: a decision that
 * arrives just after its key's call was sent waits up to two round trips instead of one. A reply
 * that arrives on an event loop (Lettuce's, or the gateway's when they are shared) sends the next
 * call at the end of that loop's turn, after completing the decisions it answered: the requests
 * that the same turn reads join that call rather than the one after, which under load cuts the
 * calls per request by about a third (and Redis's CPU per request by half), for the time the rest
 * of one turn takes.
 *
 * <h2>Correctness</h2>
 *
 * <ul>
 *   <li>Bucket time is the server's {@code TIME}, so client clocks do not matter; see
 *       {@link Builder#timeSource(TimeSource)} for tests.</li>
 *   <li>Arithmetic is integer-exact in Lua's doubles: every value stays at or below 2^53 and
 *       divisions use {@code math.fmod} (see {@link BucketArithmetic}, which the script mirrors and
 *       which {@link Limit} validates against).</li>
 *   <li>A key's state is one hash, {@code <prefix>{<key>}} (the key rule of
 *       {@link dev.layerkit.core.redis}: the braces make the key the Redis Cluster hash tag). It
 *       expires after the policy's full-refill time, when a new state would be identical.</li>
 *   <li>A denial writes nothing.</li>
 * </ul>
 *
 * <h2>Asynchronous decisions</h2>
 *
 * <p>{@link #tryAcquireAsync(String, long)} sends the script through Lettuce's asynchronous API
 * (or queues the decision behind its key's call in flight) and returns at once; Redis's reply
 * completes the stage on Lettuce's I/O thread. The timeout, counted from the call to {@code
 * tryAcquireAsync}, does not need a waiting thread either: one daemon thread shared by all
 * limiters completes the stage with the fail-mode decision. It sweeps each limiter's pending
 * decisions in the order they came (they share one timeout) at most once every {@link
 * #TIMEOUT_TICK} while any is pending, and sleeps without waking while none is: an idle limiter
 * costs no CPU. A decision still waiting for its key's call is then never sent; a call whose
 * decisions all timed out is cancelled: one that Lettuce still queues (while it reconnects) is
 * never sent, but one already written to the socket runs when Redis catches up and takes its
 * permits, though the fail mode decided. At most
 * {@linkplain Builder#maxInFlight(int) a bounded number} of decisions wait for Redis at once;
 * beyond it the fail mode answers without asking. {@link #tryAcquire(String, long)} is the same
 * decision, awaited on the calling thread.
 *
 * <h2>Failure</h2>
 *
 * <p>When Redis errors or does not answer within the {@linkplain Builder#timeout(Duration)
 * timeout} (default {@value #DEFAULT_TIMEOUT_MILLIS} ms, fired up to one {@link #TIMEOUT_TICK}
 * later), or too many decisions are pending, the decision follows the
 * {@link FailMode}: {@code OPEN} allows with {@code remaining} the smallest capacity minus the
 * permits (the limiter cannot know better), {@code CLOSED} denies with a
 * {@linkplain Builder#failClosedRetryAfter(Duration) configured retry-after}. Each such decision is
 * counted in {@code layerkit.ratelimit.errors} and logged at most once per outage; the
 * {@link #healthCheck()} reports {@code DEGRADED} (open) or {@code DOWN} (closed) while Redis is
 * unreachable. Nothing is retried: a retry would only add latency to a request the gateway is
 * holding.
 *
 * <h2>Local batching</h2>
 *
 * <p>Off by default; {@link Builder#localBatch(long, Duration)} lets an instance reserve a few
 * permits per Redis call for hot keys, trading some under-admission for fewer round trips.
 *
 * <p>Thread-safe; Lettuce multiplexes concurrent decisions over the one connection, and a
 * decision never blocks the thread that asks for it asynchronously (queueing it behind its key's
 * call takes a short lock of that key's, never a wait for Redis).
 *
 * <p>Metrics, when a registry is given, tagged {@code name=<name>}:
 * {@code layerkit.ratelimit.decisions} ({@code result=allowed|denied}),
 * {@code layerkit.ratelimit.errors} ({@code kind=timeout|error|overload}) and
 * {@code layerkit.ratelimit.redis.latency} (a timer of the round trip).
 *
 * <pre>{@code
 * RedisClient client = RedisClient.create("redis://localhost:6379");
 * StatefulRedisConnection<String, byte[]> redis = RedisConnections.connect(client);
 * RateLimiter limiter = RedisRateLimiter.builder(policy, redis)
 *     .name("api").failMode(FailMode.OPEN)
 *     .build();
 * }</pre>
 */
public final class RedisRateLimiter implements RateLimiter {

  /**
   * The default time a decision waits for Redis before applying the fail mode: long enough that a
   * healthy server on the same network never trips it, even on a connection's first calls, so
   * that the fail mode answers for outages, not for ordinary latency.
   */
  public static final long DEFAULT_TIMEOUT_MILLIS = 100;

  /** How long {@link Builder#build()} waits for Redis to load the script and warm the connection. */
  public static final Duration WARM_UP_TIMEOUT = Duration.ofSeconds(2);

  /** The default retry-after of a decision denied because Redis failed under FailMode.CLOSED. */
  public static final Duration DEFAULT_FAIL_CLOSED_RETRY_AFTER = Duration.ofSeconds(1);

  /** Keys for which an instance holds a local batch at most, when batching is on. */
  public static final long LOCAL_RESERVE_KEYS = 100_000;

  /** The default limiter name. */
  public static final String DEFAULT_NAME = "default";

  /**
   * The default bound on decisions waiting for Redis at once, per limiter: a hundred thousand
   * decisions a second at the default timeout, before the fail mode answers without asking.
   */
  public static final int DEFAULT_MAX_IN_FLIGHT = 10_000;

  /**
   * The least time between two sweeps of a limiter's pending decisions for timeouts: a timeout
   * fires between the configured time and this much later.
   */
  public static final Duration TIMEOUT_TICK = Duration.ofNanos(DeadlineSweeper.TICK);

  /**
   * The most decisions for one key that one script call decides; more waiting go in the next call.
   */
  public static final int MAX_BATCH = 128;

  /** Values per run in the script's reply, after its first value (see token-buckets.lua). */
  private static final int RUN_REPLY = 6;

  private static final long CLIENT_CLOCK_MIN_TTL_MILLIS = TimeUnit.DAYS.toMillis(1);
  private static final Logger LOG = LoggerFactory.getLogger(RedisRateLimiter.class);
  private static final RedisScript<List<Object>> SCRIPT =
      RedisScript.fromResource(RedisRateLimiter.class, "token-buckets.lua", ScriptOutputType.MULTI);
  private static final byte[] SERVER_TIME = bytes("-1");
  private static final byte[] ONE = bytes(1);
  private static final VarHandle SETTLED;

  static {
    try {
      SETTLED = MethodHandles.lookup().findVarHandle(Decision.class, "settled", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final String name;
  private final RateLimitPolicy policy;
  private final BucketArithmetic arithmetic;
  private final RedisScriptingAsyncCommands<String, byte[]> scripting;
  private final BaseRedisAsyncCommands<String, byte[]> base;
  private final String keyPrefix;
  private final long timeoutNanos;
  private final FailMode failMode;
  private final Duration failClosedRetryAfter;
  private final TimeSource timeSource;
  /** Whether bucket time is the time source's wall clock rather than the server's TIME. */
  private final boolean clientTime;
  private final byte[][] limitArgs;
  private final byte[] ttlMillis;
  private final byte[] localBatchArg;
  private final @Nullable Counter allowedCounter;
  private final @Nullable Counter deniedCounter;
  private final @Nullable Counter timeoutCounter;
  private final @Nullable Counter errorCounter;
  private final @Nullable Timer latency;
  private final @Nullable Counter localCounter;
  private final @Nullable Cache<String, AtomicLong> reserves;
  private final int maxInFlight;
  /** Decisions sent to Redis and not yet decided. */
  private final AtomicInteger inFlight = new AtomicInteger();
  /** Keys with a script call in flight, each with the decisions waiting for that call to end. */
  private final ConcurrentHashMap<String, Lane> lanes = new ConcurrentHashMap<>();
  /** Fires the timeouts of this limiter's decisions. */
  private final DeadlineSweeper<Decision> timeouts;
  private final @Nullable Counter overloadCounter;
  private volatile boolean failing;

  private RedisRateLimiter(Builder builder) {
    this.name = builder.name;
    this.policy = builder.policy;
    this.arithmetic = new BucketArithmetic(policy);
    this.scripting = builder.scripting;
    this.base = builder.base;
    this.keyPrefix = builder.keyPrefix != null ? builder.keyPrefix : RedisKeys.defaultPrefix("ratelimit", name);
    this.timeoutNanos = builder.timeout.toNanos();
    this.timeouts = new DeadlineSweeper<>(timeoutNanos);
    this.failMode = builder.failMode;
    this.failClosedRetryAfter = builder.failClosedRetryAfter;
    this.timeSource = builder.timeSource;
    this.clientTime = builder.settings.isSet("timeSource");
    List<Limit> limits = policy.limits();
    this.limitArgs = new byte[5 * limits.size()][];
    for (int i = 0; i < limits.size(); i++) {
      Limit limit = limits.get(i);
      long unitNanos = BucketUnit.nanos(limit.capacity(), limit.refillTokens(), limit.refillPeriod());
      limitArgs[5 * i] = bytes(unitNanos / 1_000);
      limitArgs[5 * i + 1] = bytes(limit.refillPeriod().toNanos() / unitNanos);
      limitArgs[5 * i + 2] = bytes(limit.refillTokens());
      limitArgs[5 * i + 3] = bytes(limit.capacity());
      limitArgs[5 * i + 4] = bytes(limit.refill() == Limit.Refill.GREEDY ? "1" : "0");
    }
    long fullRefillMillis = TimeUnit.NANOSECONDS.toMillis(arithmetic.fullRefillNanos()) + 1;
    // A state may expire once its bucket is full again, which Redis's TTL (real server time)
    // tells only when bucket time is server time; on a client clock, keep states a day at least.
    this.ttlMillis = bytes(clientTime ? Math.max(fullRefillMillis, CLIENT_CLOCK_MIN_TTL_MILLIS) : fullRefillMillis);
    this.localBatchArg = bytes(builder.localBatch);
    this.maxInFlight = builder.maxInFlight;
    MeterRegistry registry = builder.meterRegistry;
    if (registry != null) {
      allowedCounter = counter(registry, "layerkit.ratelimit.decisions", "result", "allowed");
      deniedCounter = counter(registry, "layerkit.ratelimit.decisions", "result", "denied");
      timeoutCounter = counter(registry, "layerkit.ratelimit.errors", "kind", "timeout");
      errorCounter = counter(registry, "layerkit.ratelimit.errors", "kind", "error");
      overloadCounter = counter(registry, "layerkit.ratelimit.errors", "kind", "overload");
      latency = Timer.builder("layerkit.ratelimit.redis.latency")
          .description("Round trip of one rate-limit decision to Redis")
          .tag("name", name).register(registry);
      localCounter = Counter.builder("layerkit.ratelimit.local.decisions")
          .description("Decisions served from this instance's local batch, without Redis")
          .tag("name", name).register(registry);
    } else {
      allowedCounter = null;
      deniedCounter = null;
      timeoutCounter = null;
      errorCounter = null;
      overloadCounter = null;
      latency = null;
      localCounter = null;
    }
    this.reserves = builder.localBatch == 0 ? null : Caffeine.newBuilder()
        .expireAfterWrite(builder.localHold)
        .maximumSize(LOCAL_RESERVE_KEYS)
        .ticker(timeSource::nanoTime)
        .executor(Runnable::run)
        .<String, AtomicLong>build();
  }

  private Counter counter(MeterRegistry registry, String meter, String tag, String value) {
    return Counter.builder(meter).tag("name", name).tag(tag, value).register(registry);
  }

  private static byte[] bytes(long number) {
    return bytes(Long.toString(number));
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * Returns a builder on a standalone (or sentinel-managed) connection with Layerkit's codec
   * ({@link RedisConnections#connect(io.lettuce.core.RedisClient)}), which stays owned by the
   * caller and may serve every other Layerkit Redis backend too.
   *
   * @param policy the policy
   * @param connection the connection, shared with other users if wanted
   * @return the builder
   * @throws NullPointerException if an argument is null
   */
  public static Builder builder(RateLimitPolicy policy, StatefulRedisConnection<String, byte[]> connection) {
    Objects.requireNonNull(connection, "connection");
    return new Builder(policy, connection.async(), connection.async());
  }

  /**
   * Returns a builder on a Redis Cluster connection. Keys are hash-tagged, so each decision goes
   * to the one node that owns its key's slot.
   *
   * @param policy the policy
   * @param connection the cluster connection with Layerkit's codec
   *     ({@link RedisConnections#connect(io.lettuce.core.cluster.RedisClusterClient)}), owned by
   *     the caller
   * @return the builder
   * @throws NullPointerException if an argument is null
   */
  public static Builder builder(RateLimitPolicy policy, StatefulRedisClusterConnection<String, byte[]> connection) {
    Objects.requireNonNull(connection, "connection");
    return new Builder(policy, connection.async(), connection.async());
  }

  /**
   * Decides on the calling thread, waiting for Redis at most the {@linkplain Builder#timeout
   * timeout} (then the fail mode decides). Use {@link #tryAcquireAsync(String, long)} on a thread
   * that must not wait, such as an event loop.
   */
  @Override
  public RateLimitDecision tryAcquire(String key, long permits) {
    // Completes within the timeout: by Redis's reply, or by the timer with the fail mode.
    return decide(key, permits).join();
  }

  /**
   * Decides without blocking: sends the script and returns a stage that Redis's reply completes
   * (on Lettuce's I/O thread) or, if Redis has not answered within the
   * {@linkplain Builder#timeout timeout}, the shared timeout timer completes with the fail-mode
   * decision (the command is cancelled then). No thread waits meanwhile. A decision served from
   * the {@linkplain Builder#localBatch local batch}, and one refused because
   * {@linkplain Builder#maxInFlight too many decisions are pending}, comes in a completed stage.
   * The stage never completes exceptionally.
   */
  @Override
  public CompletionStage<RateLimitDecision> tryAcquireAsync(String key, long permits) {
    return decide(key, permits);
  }

  private CompletableFuture<RateLimitDecision> decide(String key, long permits) {
    RateLimitArguments.key(key);
    arithmetic.checkPermits(permits);
    if (reserves != null) {
      RateLimitDecision local = tryLocal(key, permits);
      if (local != null) {
        return CompletableFuture.completedFuture(local);
      }
    }
    if (inFlight.incrementAndGet() > maxInFlight) {
      inFlight.decrementAndGet();
      RateLimitDecision refused = failed(overloadCounter, null);
      counted(refused);
      return CompletableFuture.completedFuture(refused);
    }
    long start = timeSource.nanoTime();
    Decision decision = new Decision(key, permits, start,
        clientTime ? bytes(epochMicros(timeSource.instant())) : SERVER_TIME);
    // Armed before the decision is queued or sent, so that its timeout covers both.
    timeouts.arm(decision);
    enqueue(decision);
    return decision;
  }

  /**
   * Sends the decision at once if no call for its key is in flight, else queues it behind that
   * call: the call's completion sends every decision queued meanwhile as the next call.
   */
  private void enqueue(Decision decision) {
    for (;;) {
      Lane lane = lanes.get(decision.key);
      if (lane == null) {
        Lane mine = new Lane(decision.key);
        if (lanes.putIfAbsent(decision.key, mine) == null) {
          mine.send(new Decision[] {decision}, 1);
          return;
        }
        continue;
      }
      synchronized (lane) {
        if (!lane.closed) {
          lane.waiting.add(decision);
          return;
        }
      }
      // The lane closed (its last call finished) between the lookup and the lock: a new one.
    }
  }

  private void counted(RateLimitDecision decision) {
    Counter counter = decision.allowed() ? allowedCounter : deniedCounter;
    if (counter != null) {
      counter.increment();
    }
  }

  /**
   * One key's script calls, one in flight at a time, and the decisions waiting for it. Exists in
   * {@link #lanes} from the first call until a call finishes with nothing waiting; {@code closed}
   * (under the lane's lock) tells a decision that found it in the map just then to make a new one.
   */
  private final class Lane {
    private final String key;
    private final String[] keys;
    /** {@link #next}, made once: the task a call's end schedules on the event loop. */
    private final Runnable sendNext = this::next;
    private ArrayList<Decision> waiting = new ArrayList<>();
    private boolean closed;

    Lane(String key) {
      this.key = key;
      this.keys = new String[] {stateKey(key)};
    }

    /**
     * Sends one call deciding {@code count} decisions of {@code members}, in order: consecutive
     * decisions that ask for the same permits at the same time (every decision on the server's
     * clock asking for one permit) go as one run, which the script decides at once.
     */
    void send(Decision[] members, int count) {
      int runs = 1;
      for (int i = 1; i < count; i++) {
        if (!members[i].sameRun(members[i - 1])) {
          runs++;
        }
      }
      Batch batch = new Batch(this, members, count, runs);
      byte[][] args = new byte[3 + 3 * runs + limitArgs.length][];
      args[0] = bytes(runs);
      args[1] = localBatchArg;
      args[2] = ttlMillis;
      int run = 0;
      int length = 0;
      for (int i = 0; i < count; i++) {
        Decision member = members[i];
        member.batch = batch;
        length++;
        if (i + 1 == count || !members[i + 1].sameRun(member)) {
          args[3 + 3 * run] = bytes(length);
          args[4 + 3 * run] = member.permitsArg();
          args[5 + 3 * run] = member.now;
          run++;
          length = 0;
        }
      }
      System.arraycopy(limitArgs, 0, args, 3 + 3 * runs, limitArgs.length);
      CompletableFuture<List<Object>> sent;
      try {
        sent = SCRIPT.runAsync(scripting, keys, args);
      } catch (RuntimeException e) { // Lettuce refused it at once (a closed connection)
        batch.accept(null, e);
        return;
      }
      batch.reply = sent;
      if (batch.unsettled.get() == 0) { // every member timed out while this was being sent
        sent.cancel(true);
      }
      sent.whenComplete(batch);
    }

    /**
     * The call in flight finished. With nothing waiting the lane closes. Otherwise, on an event
     * loop (Lettuce's, or the gateway's when it shares them), the next call goes out as a task at
     * the end of the loop's current turn: the decisions that the rest of this turn's reads make
     * for the key (requests that arrived with this reply) join it instead of waiting for another
     * round trip, and Redis runs the script about a third less often under load. Off an event
     * loop, or when its loop is shutting down, it goes out at once.
     */
    void finished() {
      EventExecutor loop = ThreadExecutorMap.currentExecutor();
      if (loop != null && !loop.isShuttingDown()) {
        synchronized (this) {
          if (waiting.isEmpty()) {
            close();
            return;
          }
        }
        try {
          loop.execute(sendNext);
          return;
        } catch (RejectedExecutionException e) {
          // the loop began shutting down just now: send at once
        }
      }
      next();
    }

    /**
     * Under this lane's lock, with no call in flight and nothing waiting: the key's next decision
     * makes a new lane.
     */
    private void close() {
      closed = true;
      lanes.remove(key, this);
    }

    /**
     * Sends what waited for the call that finished (those not already decided by their timeout,
     * at most {@link #MAX_BATCH} per call), or closes the lane.
     */
    void next() {
      for (;;) {
        ArrayList<Decision> queued;
        synchronized (this) {
          if (waiting.isEmpty()) {
            close();
            return;
          }
          queued = waiting;
          if (queued.size() > MAX_BATCH) {
            waiting = new ArrayList<>(queued.subList(MAX_BATCH, queued.size()));
          } else {
            waiting = new ArrayList<>();
          }
        }
        int limit = Math.min(queued.size(), MAX_BATCH);
        Decision[] members = new Decision[limit];
        int count = 0;
        for (int i = 0; i < limit; i++) {
          Decision member = queued.get(i);
          if (!member.isSettled()) {
            members[count++] = member;
          }
        }
        if (count > 0) {
          send(members, count);
          return;
        }
        // Every one of them timed out while it waited: none is sent, and the next batch is tried.
      }
    }
  }

  /**
   * One script call for one or more decisions of a key: when it ends, lets its lane send the
   * next call, then settles each decision with its part of the reply. A call whose members all
   * timed out is cancelled, so a command that Lettuce still queues (while it reconnects) is never
   * sent.
   */
  private final class Batch implements BiConsumer<List<Object>, Throwable> {
    private final Lane lane;
    private final Decision[] members;
    private final int count;
    /** The runs the members were sent as (see {@link Lane#send}). */
    private final int runs;
    /** Members not yet decided by their timeout. */
    private final AtomicInteger unsettled;
    private volatile @Nullable CompletableFuture<List<Object>> reply;

    Batch(Lane lane, Decision[] members, int count, int runs) {
      this.lane = lane;
      this.members = members;
      this.count = count;
      this.runs = runs;
      this.unsettled = new AtomicInteger(count);
    }

    /** A member's timeout decided it: the last one to go cancels the call. */
    void memberTimedOut() {
      if (unsettled.decrementAndGet() == 0) {
        CompletableFuture<List<Object>> sent = reply;
        if (sent != null) {
          sent.cancel(true);
        }
      }
    }

    /**
     * Redis answered (or the call failed or was cancelled): the lane sends the key's next call
     * (see {@link Lane#finished}), then this call's decisions are settled.
     */
    @Override
    public void accept(@Nullable List<Object> answer, @Nullable Throwable error) {
      try {
        lane.finished();
      } finally {
        if (error == null && answer != null) {
          settleAll(answer);
        } else {
          for (int i = 0; i < count; i++) {
            members[i].settle(null, error);
          }
        }
      }
    }

    private void settleAll(List<Object> answer) {
      long extra;
      try {
        extra = (Long) answer.get(0);
        if (answer.size() != 1 + RUN_REPLY * runs) {
          throw new IllegalStateException("a reply of " + answer.size() + " values to a call of "
              + runs + " runs");
        }
      } catch (RuntimeException e) { // a reply of an unexpected shape
        for (int i = 0; i < count; i++) {
          members[i].settle(null, e);
        }
        return;
      }
      // Reserved permits are kept only for a caller still waiting, as a single call's would be.
      long held = extra > 0 && unsettled.get() > 0 ? keepExtra(lane.key, extra) : 0;
      long heldBefore = Math.max(0, held - extra);
      int at = 1;
      int inRun = 0;
      for (int i = 0; i < count; i++) {
        Decision member = members[i];
        try {
          member.settle(runMember(answer, at, inRun, member.permits, heldBefore), null);
        } catch (RuntimeException e) { // a reply of an unexpected shape (a no-op if settled)
          member.settle(null, e);
        }
        inRun++;
        if (i + 1 < count && !members[i + 1].sameRun(member)) {
          at += RUN_REPLY;
          inRun = 0;
        }
      }
    }
  }

  /**
   * The decision of the {@code index}-th (from 0) request of a run whose reply starts at {@code
   * at}: the run's first {@code allowed} requests are allowed, the k-th of them leaving the run's
   * remaining tokens less k times the permits; the rest are denied alike.
   */
  private static RateLimitDecision runMember(List<Object> reply, int at, int index, long permits,
      long heldLocally) {
    long allowed = (Long) reply.get(at);
    if (index < allowed) {
      long remaining = (Long) reply.get(at + 1) - (index + 1) * permits;
      return RateLimitDecision.allowed(remaining + heldLocally, (Long) reply.get(at + 2));
    }
    return RateLimitDecision.denied((Long) reply.get(at + 3) + heldLocally, (Long) reply.get(at + 4),
        TimeUnit.MICROSECONDS.toNanos((Long) reply.get(at + 5)));
  }

  /**
   * One decision in flight: the caller's future, completed once, by whichever comes first of
   * Redis's reply and the timeout. The winner (a compare-and-set on {@link #settled}) releases
   * the in-flight slot and records the metrics; the loser does nothing.
   */
  private final class Decision extends CompletableFuture<RateLimitDecision>
      implements DeadlineSweeper.Pending {
    private final String key;
    private final long permits;
    private final long start;
    /** The bucket time argument: the client's clock at arrival, or the server's TIME. */
    private final byte[] now;
    private volatile int settled;
    /** The call it was sent in; null while it waits for its key's call in flight. */
    private volatile @Nullable Batch batch;
    /** When its timeout fires: written before it is armed, read by the sweeps. */
    private volatile long deadline;

    Decision(String key, long permits, long start, byte[] now) {
      this.key = key;
      this.permits = permits;
      this.start = start;
      this.now = now;
    }

    byte[] permitsArg() {
      return permits == 1 ? ONE : bytes(permits);
    }

    /** Whether this decision asks for the same permits at the same time as {@code other}. */
    boolean sameRun(Decision other) {
      return permits == other.permits && (now == other.now || Arrays.equals(now, other.now));
    }

    boolean isSettled() {
      return settled != 0;
    }

    @Override
    public long deadline() {
      return deadline;
    }

    @Override
    public void deadline(long nanoTime) {
      deadline = nanoTime;
    }

    /** The timeout passed. */
    @Override
    public void expire() {
      if (settle(null, new TimeoutException())) {
        Batch sentIn = batch;
        if (sentIn != null) {
          sentIn.memberTimedOut();
        }
        // Still queued: its lane skips it, and it is never sent.
      }
    }

    /**
     * Decides, if nothing decided before; returns whether this call did.
     *
     * @param decided Redis's decision, or null when {@code error} says why there is none
     */
    boolean settle(@Nullable RateLimitDecision decided, @Nullable Throwable error) {
      if (!SETTLED.compareAndSet(this, 0, 1)) {
        return false;
      }
      inFlight.decrementAndGet();
      RateLimitDecision decision;
      if (decided != null) {
        decision = decided;
        recovered();
      } else {
        Throwable cause = error instanceof CompletionException && error.getCause() != null
            ? error.getCause() : error;
        decision = cause instanceof TimeoutException || cause instanceof CancellationException
            ? failed(timeoutCounter, cause) : failed(errorCounter, cause);
      }
      if (latency != null) {
        latency.record(timeSource.nanoTime() - start, TimeUnit.NANOSECONDS);
      }
      counted(decision);
      complete(decision);
      return true;
    }
  }

  /**
   * Serves the request from this instance's reserve for the key, if it holds enough permits. Every
   * reserved permit was taken from Redis, so local grants never exceed the limit.
   */
  private @Nullable RateLimitDecision tryLocal(String key, long permits) {
    AtomicLong reserve = reserves.getIfPresent(key);
    if (reserve == null) {
      return null;
    }
    long held;
    do {
      held = reserve.get();
      if (held < permits) {
        return null;
      }
    } while (!reserve.compareAndSet(held, held - permits));
    if (localCounter != null) {
      localCounter.increment();
    }
    if (allowedCounter != null) {
      allowedCounter.increment();
    }
    return RateLimitDecision.allowed(held - permits, policy.minCapacity());
  }

  /** Adds the extra permits a Redis call took to the key's reserve; returns the reserve. */
  private long keepExtra(String key, long extra) {
    if (extra <= 0 || reserves == null) {
      return 0;
    }
    AtomicLong reserve = reserves.get(key, k -> new AtomicLong());
    long held = reserve.addAndGet(extra);
    // Re-putting the same holder restarts its hold time without losing concurrent takes.
    reserves.put(key, reserve);
    return held;
  }

  /** Whether no sweep for this limiter's timeouts is scheduled: none of its decisions is pending. */
  boolean timeoutsIdle() {
    return timeouts.idle();
  }

  /** Returns the Redis key holding the state of {@code key}: hash-tagged for Redis Cluster. */
  String stateKey(String key) {
    return RedisKeys.key(keyPrefix, key);
  }

  private static long epochMicros(Instant instant) {
    return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000);
  }

  /** The fail-mode decision; {@code cause} null when too many decisions are pending. */
  private RateLimitDecision failed(@Nullable Counter counter, @Nullable Throwable cause) {
    if (counter != null) {
      counter.increment();
    }
    if (!failing) {
      failing = true;
      String why = cause == null ? maxInFlight + " decisions pending"
          : cause instanceof TimeoutException ? "timed out after " + timeoutNanos / 1_000_000 + " ms"
          : cause.toString();
      LOG.warn("Rate limiter '{}': Redis failed ({}); failing {} until it answers again",
          name, why, failMode);
    }
    long minCapacity = policy.minCapacity();
    return failMode == FailMode.OPEN
        ? RateLimitDecision.allowed(0, minCapacity)
        : RateLimitDecision.denied(0, minCapacity, failClosedRetryAfter.toNanos());
  }

  private void recovered() {
    if (failing) {
      failing = false;
      LOG.info("Rate limiter '{}': Redis answers again", name);
    }
  }

  /**
   * Returns a health check that pings Redis within the timeout: {@code UP} when it answers;
   * otherwise {@code DEGRADED} under {@link FailMode#OPEN} (requests still flow, unlimited) or
   * {@code DOWN} under {@link FailMode#CLOSED} (requests are being denied). A caller interrupted
   * before or while it waits gets the same unreachable answer at once and keeps its interrupt
   * status.
   *
   * @return the check, named {@code ratelimit-redis-<name>}
   */
  public HealthCheck healthCheck() {
    return HealthCheck.of("ratelimit-redis-" + name, () -> {
      if (Thread.currentThread().isInterrupted()) {
        // Not held up, and the same answer whether or not a reply would have come in time: an
        // already completed future's get() ignores the interrupt, so pinging would race.
        return unreachable(new InterruptedException("interrupted before the ping"));
      }
      long start = timeSource.nanoTime();
      try {
        String pong = base.ping().toCompletableFuture().get(Math.max(timeoutNanos, TimeUnit.MILLISECONDS.toNanos(100)),
            TimeUnit.NANOSECONDS);
        return Health.up().detail("ping", pong)
            .detail("latencyMicros", (timeSource.nanoTime() - start) / 1_000).detail("failMode", failMode.name()).build();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return unreachable(e);
      } catch (ExecutionException | TimeoutException | RuntimeException e) {
        return unreachable(e);
      }
    });
  }

  private Health unreachable(Exception e) {
    String reason = "Redis unreachable (" + e + "); failing " + failMode;
    return (failMode == FailMode.OPEN ? Health.degraded(reason) : Health.down(reason)).build();
  }

  @Override
  public RateLimitPolicy policy() {
    return policy;
  }

  /**
   * Returns the limiter's name.
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  FailMode failMode() {
    return failMode;
  }

  String keyPrefix() {
    return keyPrefix;
  }

  @Override
  public String toString() {
    return "RedisRateLimiter{name=" + name + ", policy=" + policy + ", failMode=" + failMode + '}';
  }

  /**
   * Loads the script and makes one round trip, so that the first decisions neither meet
   * {@code NOSCRIPT} nor a cold connection within their timeout. A Redis that is down now is
   * logged, not thrown: the limiter then follows its fail mode until Redis answers.
   */
  private void warmUp() {
    try {
      RedisCalls.await(SCRIPT.load(scripting).toCompletableFuture(), WARM_UP_TIMEOUT.toNanos());
      RedisCalls.await(base.ping().toCompletableFuture(), WARM_UP_TIMEOUT.toNanos());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      LOG.warn("Rate limiter '{}': could not load its script into Redis at start ({}); failing {} until it answers",
          name, e instanceof TimeoutException ? "timed out after " + WARM_UP_TIMEOUT.toMillis() + " ms" : e.toString(),
          failMode);
    }
  }

  /**
   * Builds a {@link RedisRateLimiter}. Setters validate at once; each may be given once. Not
   * thread-safe; the limiter it builds is.
   */
  public static final class Builder {
    private final BuilderSettings settings = new BuilderSettings();
    private final RateLimitPolicy policy;
    private final RedisScriptingAsyncCommands<String, byte[]> scripting;
    private final BaseRedisAsyncCommands<String, byte[]> base;
    private String name = DEFAULT_NAME;
    private @Nullable String keyPrefix;
    private Duration timeout = Duration.ofMillis(DEFAULT_TIMEOUT_MILLIS);
    private FailMode failMode = FailMode.OPEN;
    private Duration failClosedRetryAfter = DEFAULT_FAIL_CLOSED_RETRY_AFTER;
    private TimeSource timeSource = TimeSource.system();
    private @Nullable MeterRegistry meterRegistry;
    private long localBatch;
    private Duration localHold = Duration.ZERO;
    private int maxInFlight = DEFAULT_MAX_IN_FLIGHT;

    private Builder(RateLimitPolicy policy, RedisScriptingAsyncCommands<String, byte[]> scripting,
        BaseRedisAsyncCommands<String, byte[]> base) {
      this.policy = Objects.requireNonNull(policy, "policy");
      this.scripting = scripting;
      this.base = base;
    }

    /**
     * Sets the name used in metrics, logs, the health check and the default key prefix.
     *
     * @param name the name
     * @return this builder
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if {@code name} is blank
     * @throws IllegalStateException if already set
     */
    public Builder name(String name) {
      Arguments.notBlank(name, "name");
      settings.requireUnset("name", this.name);
      this.name = name;
      return this;
    }

    /**
     * Sets the prefix of the Redis keys; by default {@code layerkit:ratelimit:<name>:}. Limiters
     * that share a prefix share their buckets, so give different policies different prefixes.
     *
     * @param keyPrefix the prefix; must not contain braces, which would break the hash tag
     * @return this builder
     * @throws NullPointerException if {@code keyPrefix} is null
     * @throws IllegalArgumentException if {@code keyPrefix} contains '{' or '}'
     * @throws IllegalStateException if already set
     */
    public Builder keyPrefix(String keyPrefix) {
      RedisKeys.checkPrefix(keyPrefix);
      settings.requireUnset("keyPrefix", this.keyPrefix);
      this.keyPrefix = keyPrefix;
      return this;
    }

    /**
     * Sets how long a decision waits for Redis before applying the fail mode;
     * {@value RedisRateLimiter#DEFAULT_TIMEOUT_MILLIS} ms by default. A timeout near the
     * round-trip time makes ordinary latency look like an outage: under {@link FailMode#OPEN}
     * each such decision is admitted without Redis, so the limit can be exceeded.
     *
     * @param timeout the timeout
     * @return this builder
     * @throws NullPointerException if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is not positive
     * @throws IllegalStateException if already set
     */
    public Builder timeout(Duration timeout) {
      Arguments.positive(timeout, "timeout");
      settings.requireUnset("timeout", this.timeout);
      this.timeout = timeout;
      return this;
    }

    /**
     * Sets what to decide when Redis fails; {@link FailMode#OPEN} by default.
     *
     * @param failMode the fail mode
     * @return this builder
     * @throws NullPointerException if {@code failMode} is null
     * @throws IllegalStateException if already set
     */
    public Builder failMode(FailMode failMode) {
      Objects.requireNonNull(failMode, "failMode");
      settings.requireUnset("failMode", this.failMode);
      this.failMode = failMode;
      return this;
    }

    /**
     * Sets the retry-after of decisions denied because Redis failed under {@link FailMode#CLOSED}.
     *
     * @param failClosedRetryAfter the retry-after
     * @return this builder
     * @throws NullPointerException if {@code failClosedRetryAfter} is null
     * @throws IllegalArgumentException if {@code failClosedRetryAfter} is not positive
     * @throws IllegalStateException if already set
     */
    public Builder failClosedRetryAfter(Duration failClosedRetryAfter) {
      Arguments.positive(failClosedRetryAfter, "failClosedRetryAfter");
      settings.requireUnset("failClosedRetryAfter", this.failClosedRetryAfter);
      this.failClosedRetryAfter = failClosedRetryAfter;
      return this;
    }

    /**
     * Makes the limiter read all its time from {@code timeSource}; meant for tests with a
     * {@code ManualTimeSource}. Unset, bucket time is the Redis server's {@code TIME} (so the
     * clocks of the processes sharing the buckets need not agree) and timeouts, latency and local
     * reserves use the system clock. Set, bucket time is this source's wall clock
     * ({@link TimeSource#instant()}), and timeouts, latency and local reserves its
     * {@link TimeSource#nanoTime()}. Because Redis still expires keys in its own time, states then
     * live at least a day instead of the policy's full-refill time. In production every process
     * would have to share one clock, which is what server time avoids: leave it unset.
     *
     * @param timeSource the time source
     * @return this builder
     * @throws NullPointerException if {@code timeSource} is null
     * @throws IllegalStateException if already set
     */
    public Builder timeSource(TimeSource timeSource) {
      Objects.requireNonNull(timeSource, "timeSource");
      settings.requireUnset("timeSource", this.timeSource);
      this.timeSource = timeSource;
      return this;
    }

    /**
     * Records decisions, errors and Redis latency in {@code registry}.
     *
     * @param registry the registry
     * @return this builder
     * @throws NullPointerException if {@code registry} is null
     * @throws IllegalStateException if already set
     */
    public Builder meterRegistry(MeterRegistry registry) {
      Objects.requireNonNull(registry, "registry");
      settings.requireUnset("meterRegistry", this.meterRegistry);
      this.meterRegistry = registry;
      return this;
    }

    /**
     * Turns on local batching for hot keys: when a decision goes to Redis, it also takes up to
     * {@code permits} extra permits, if available, and this instance serves following requests
     * for the key from them, without a round trip, for up to {@code maxHold}. Off by default.
     *
     * <p>The trade-off: the limit is never exceeded, since every permit served locally was taken
     * in Redis. But permits held by one instance are unavailable to the others until used or
     * dropped after {@code maxHold}, so a key may be denied while up to {@code permits} per
     * instance sit unused (under-admission). {@code remaining} is what this instance could still
     * use: Redis's remainder plus its reserve after a Redis call, its reserve alone after a local
     * grant. Use it for keys hot enough that Redis round trips
     * matter, with a batch small against the capacity (a tenth, say) and a hold shorter than the
     * refill period.
     *
     * @param permits extra permits to take per Redis call
     * @param maxHold how long unused reserved permits are kept
     * @return this builder
     * @throws NullPointerException if {@code maxHold} is null
     * @throws IllegalArgumentException if {@code permits} or {@code maxHold} is not positive
     * @throws IllegalStateException if already set
     */
    public Builder localBatch(long permits, Duration maxHold) {
      Arguments.positive(permits, "localBatch permits");
      Arguments.positive(maxHold, "maxHold");
      settings.requireUnset("localBatch", this.localBatch);
      this.localHold = maxHold;
      this.localBatch = permits;
      return this;
    }

    /**
     * Sets how many decisions may wait for Redis at once; {@value
     * RedisRateLimiter#DEFAULT_MAX_IN_FLIGHT} by default. Beyond it, a decision is not sent: the
     * fail mode answers at once, counted in {@code layerkit.ratelimit.errors} with {@code
     * kind=overload}. It bounds what a slow or stopped Redis can pile up in this process (each
     * pending decision holds its future and its timeout until one of them fires), and what a
     * flood can send to Redis. Commands that timed out are cancelled but may stay in Lettuce's
     * queue until the connection answers or resets; Lettuce's {@code ClientOptions
     * requestQueueSize} bounds those.
     *
     * @param maxInFlight the bound
     * @return this builder
     * @throws IllegalArgumentException if {@code maxInFlight} is not positive
     * @throws IllegalStateException if already set
     */
    public Builder maxInFlight(int maxInFlight) {
      Arguments.positive(maxInFlight, "maxInFlight");
      settings.requireUnset("maxInFlight", this.maxInFlight);
      this.maxInFlight = maxInFlight;
      return this;
    }

    /**
     * Builds the limiter, then loads its script into Redis and makes one round trip, waiting up to
     * {@link RedisRateLimiter#WARM_UP_TIMEOUT}; if Redis does not answer, that is logged and the
     * limiter follows its fail mode until it does.
     *
     * @return the limiter
     */
    public RedisRateLimiter build() {
      RedisRateLimiter limiter = new RedisRateLimiter(this);
      limiter.warmUp();
      return limiter;
    }
  }
}
