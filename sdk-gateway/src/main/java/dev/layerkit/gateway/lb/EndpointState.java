package dev.layerkit.gateway.lb;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * A balancer's mutable knowledge of one endpoint, kept across snapshots for as long as an endpoint
 * with its id stays in the set.
 *
 * <p>Concurrency: the request counters are atomics updated by any thread without locks. Ejection,
 * health and slow-start fields are written only under the balancer's rebuild lock and read through
 * volatile fields (or the snapshot built from them). Probe counters are touched only by the one
 * probe that holds {@link #probing}. The peak-EWMA pair ({@link #latencyNanos},
 * {@link #latencyStamp}) is updated without a lock: two completions racing may lose one sample,
 * which a moving average tolerates, and it keeps the completion path free of CAS loops on doubles.
 */
final class EndpointState {

  final String id;
  volatile Endpoint endpoint;

  // Requests picked and not yet completed or cancelled; never below zero (see release()).
  private final AtomicInteger outstanding = new AtomicInteger();
  final LongAdder picks = new LongAdder();

  // Passive outlier detection.
  final AtomicInteger consecutiveFailures = new AtomicInteger();
  final AtomicLong windowStart = new AtomicLong();
  final AtomicInteger windowRequests = new AtomicInteger();
  final AtomicInteger windowFailures = new AtomicInteger();

  // Ejection, written under the balancer's lock.
  volatile boolean ejected;
  volatile long ejectedUntil;
  int ejectionMultiplier;
  long multiplierSince;
  volatile int timesEjected;
  final AtomicLong ejections = new AtomicLong();

  // Active health checks.
  volatile boolean healthy = true;
  final AtomicBoolean probing = new AtomicBoolean();
  int probeSuccesses;
  int probeFailures;

  // Slow start, written under the balancer's lock: ramping while rampStart is set.
  volatile boolean ramping;
  volatile long rampStart;

  // Peak EWMA latency estimate.
  volatile boolean hasLatency;
  volatile double latencyNanos;
  volatile long latencyStamp;

  EndpointState(Endpoint endpoint, long now) {
    this.id = endpoint.id();
    this.endpoint = endpoint;
    this.windowStart.set(now);
  }

  int outstanding() {
    return outstanding.get();
  }

  void acquire() {
    outstanding.incrementAndGet();
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
      current = outstanding.get();
      if (current <= 0) {
        return;
      }
    } while (!outstanding.weakCompareAndSetVolatile(current, current - 1));
  }

  /**
   * Folds one latency sample into the peak-EWMA estimate: a sample above the estimate replaces it
   * at once (so the estimate reacts to a slowdown immediately), a sample below it pulls it down
   * with weight {@code 1 - exp(-elapsed / tau)}.
   */
  void observeLatency(long sampleNanos, long now, double tauNanos) {
    double sample = sampleNanos;
    if (!hasLatency) {
      latencyNanos = sample;
      latencyStamp = now;
      hasLatency = true;
      return;
    }
    double current = latencyNanos;
    long elapsed = Math.max(0L, now - latencyStamp);
    double next;
    if (sample > current) {
      next = sample;
    } else {
      double w = Math.exp(-elapsed / tauNanos);
      next = current * w + sample * (1 - w);
    }
    latencyNanos = next;
    latencyStamp = now;
  }

  /** Returns the latency estimate decayed towards zero for the time since the last sample. */
  double decayedLatency(long now, double tauNanos) {
    if (!hasLatency) {
      return 0;
    }
    long elapsed = now - latencyStamp;
    double value = latencyNanos;
    return elapsed <= 0 ? value : value * Math.exp(-elapsed / tauNanos);
  }

  @Override
  public String toString() {
    return "EndpointState{" + id + ", outstanding=" + outstanding.get() + ", ejected=" + ejected + ", healthy=" + healthy
        + '}';
  }
}
