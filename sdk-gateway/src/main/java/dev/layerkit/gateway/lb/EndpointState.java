package dev.layerkit.gateway.lb;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * A balancer's mutable knowledge of one endpoint, kept across snapshots for as long as an endpoint
 * with its id stays in the set.
 *
 * <p>Concurrency: the request counters are atomics updated by any thread without locks. Ejection,
 * health and slow-start fields are written only under the balancer's rebuild lock and read through
 * volatile fields (or the snapshot built from them). Probe counters are touched only by the one
 * probe that holds {@link #probing}. The peak-EWMA pair ({@link #latencyNanos()},
 * {@link #latencyStamp()}) is updated without a lock: two completions racing may lose one sample,
 * which a moving average tolerates, and it keeps the completion path free of CAS loops on doubles.
 */
final class EndpointState {

  private static final VarHandle OUTSTANDING;
  private static final VarHandle CONSECUTIVE_FAILURES;
  private static final VarHandle WINDOW_START;
  private static final VarHandle WINDOW_REQUESTS;
  private static final VarHandle WINDOW_FAILURES;
  private static final VarHandle LATENCY_NANOS;
  private static final VarHandle LATENCY_STAMP;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      OUTSTANDING = lookup.findVarHandle(EndpointState.class, "outstanding", int.class);
      CONSECUTIVE_FAILURES = lookup.findVarHandle(EndpointState.class, "consecutiveFailures", int.class);
      WINDOW_START = lookup.findVarHandle(EndpointState.class, "windowStart", long.class);
      WINDOW_REQUESTS = lookup.findVarHandle(EndpointState.class, "windowRequests", int.class);
      WINDOW_FAILURES = lookup.findVarHandle(EndpointState.class, "windowFailures", int.class);
      LATENCY_NANOS = lookup.findVarHandle(EndpointState.class, "latencyNanos", double.class);
      LATENCY_STAMP = lookup.findVarHandle(EndpointState.class, "latencyStamp", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  final String id;
  volatile Endpoint endpoint;

  // Counters updated through VarHandles rather than Atomic* objects: one object per endpoint
  // keeps a pick and its completion on the state's own cache lines, without extra indirections.

  /** Requests picked and not yet completed or cancelled; never below zero (see release()). */
  private volatile int outstanding;
  final LongAdder picks = new LongAdder();

  // Passive outlier detection.
  private volatile int consecutiveFailures;
  private volatile long windowStart;
  private volatile int windowRequests;
  private volatile int windowFailures;

  // Ejection, written under the balancer's lock.
  volatile boolean ejected;
  volatile long ejectedUntil;
  int ejectionMultiplier;
  long multiplierSince;
  volatile int timesEjected;
  volatile long ejections;

  // Active health checks.
  volatile boolean healthy = true;
  final AtomicBoolean probing = new AtomicBoolean();
  int probeSuccesses;
  int probeFailures;

  // Slow start, written under the balancer's lock: ramping while rampStart is set.
  volatile boolean ramping;
  volatile long rampStart;

  // Peak EWMA latency estimate. Written with release stores, not volatile ones: a volatile store
  // costs a full fence on x86, twice per completion, and readers need no more than to see each
  // value whole, which release/acquire gives.
  volatile boolean hasLatency;
  private double latencyNanos;
  private long latencyStamp;

  EndpointState(Endpoint endpoint, long now) {
    this.id = endpoint.id();
    this.endpoint = endpoint;
    this.windowStart = now;
  }

  int outstanding() {
    return outstanding;
  }

  void acquire() {
    OUTSTANDING.getAndAdd(this, 1);
  }

  /**
   * Takes one request off the outstanding count, never below zero. A completion can reach a state
   * that did not count its pick: the endpoint left the set after the pick and rejoined before the
   * completion. Flooring keeps such a stray completion from driving the count negative, and once
   * every request has completed the count is exactly zero again.
   */
  void release() {
    int current;
    do {
      current = outstanding;
      if (current <= 0) {
        return;
      }
    } while (!OUTSTANDING.weakCompareAndSet(this, current, current - 1));
  }

  /** Resets the run of consecutive failures after a success. */
  void recordSuccess() {
    // Read before write: most completions succeed, and an unconditional write would bounce the
    // cache line between cores.
    if (consecutiveFailures != 0) {
      consecutiveFailures = 0;
    }
  }

  /** Counts a failure and returns the length of the current run of failures. */
  int recordFailure() {
    return (int) CONSECUTIVE_FAILURES.getAndAdd(this, 1) + 1;
  }

  /**
   * Counts a completion in the failure-rate window (starting a new window if this one is over) and
   * returns whether the window's failure rate has reached the threshold.
   */
  boolean recordInWindow(boolean success, long now, long windowNanos, int minimumRequests, double thresholdPercent) {
    long start = windowStart;
    if (now - start >= windowNanos && WINDOW_START.compareAndSet(this, start, now)) {
      // A completion racing with this reset may be counted in the old window; a rate over many
      // requests does not care.
      windowRequests = 0;
      windowFailures = 0;
    }
    int requests = (int) WINDOW_REQUESTS.getAndAdd(this, 1) + 1;
    int failures = success ? windowFailures : (int) WINDOW_FAILURES.getAndAdd(this, 1) + 1;
    // Checked on successes too: the request that reaches the minimum may be one.
    return failures > 0 && requests >= minimumRequests && failures * 100.0 >= thresholdPercent * requests;
  }

  /** Forgets recent outcomes: after an ejection, a return, or a refused ejection. */
  void resetOutcomes(long now) {
    consecutiveFailures = 0;
    windowStart = now;
    windowRequests = 0;
    windowFailures = 0;
  }

  /**
   * Folds one latency sample into the peak-EWMA estimate: a sample above the estimate replaces it
   * at once (so the estimate reacts to a slowdown immediately), a sample below it pulls it down
   * with weight {@code 1 - exp(-elapsed / tau)}.
   */
  void observeLatency(long sampleNanos, long now, double tauNanos) {
    double sample = sampleNanos;
    if (!hasLatency) {
      LATENCY_NANOS.setRelease(this, sample);
      LATENCY_STAMP.setRelease(this, now);
      hasLatency = true;
      return;
    }
    double current = latencyNanos();
    double next;
    if (sample > current) {
      next = sample;
    } else {
      long elapsed = Math.max(0L, now - latencyStamp());
      double w = Math.exp(-elapsed / tauNanos);
      next = current * w + sample * (1 - w);
    }
    LATENCY_NANOS.setRelease(this, next);
    LATENCY_STAMP.setRelease(this, now);
  }

  /** The estimate as of its last sample, undecayed. */
  double latencyNanos() {
    return (double) LATENCY_NANOS.getAcquire(this);
  }

  /** When the last sample was taken, on the balancer's time source. */
  long latencyStamp() {
    return (long) LATENCY_STAMP.getAcquire(this);
  }

  /** Returns the latency estimate decayed towards zero for the time since the last sample. */
  double decayedLatency(long now, double tauNanos) {
    if (!hasLatency) {
      return 0;
    }
    long elapsed = now - latencyStamp();
    double value = latencyNanos();
    return elapsed <= 0 ? value : value * Math.exp(-elapsed / tauNanos);
  }

  @Override
  public String toString() {
    return "EndpointState{" + id + ", outstanding=" + outstanding + ", ejected=" + ejected + ", healthy=" + healthy
        + '}';
  }
}
