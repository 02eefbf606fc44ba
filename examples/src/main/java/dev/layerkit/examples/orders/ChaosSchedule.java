package dev.layerkit.examples.orders;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Strikes faults one after another during a run and records when each struck and healed: the run
 * is cut into one slot per fault; a fault strikes a quarter into its slot (or as soon as the one
 * before it healed, if that took longer) and heals {@code hold} after it struck (at most half a
 * slot), so no two faults overlap and each has time to be noticed and recovered from before the
 * next.
 *
 * <p>Runs on one daemon thread of its own; {@link #awaitEnd} waits for it. A fault whose strike
 * or heal throws is recorded with the error, and the schedule goes on. Thread-safe.
 */
final class ChaosSchedule {

  private static final Logger LOG = LoggerFactory.getLogger(ChaosSchedule.class);

  /**
   * What one fault did.
   *
   * @param fault the fault's name
   * @param struckAtSeconds when it struck, seconds after the schedule started
   * @param healedAtSeconds when it was healed, or null if it never was
   * @param detail what the strike and the heal did
   * @param error why a strike or heal failed, or null
   */
  record Strike(String fault, double struckAtSeconds, @Nullable Double healedAtSeconds, String detail,
      @Nullable String error) {}

  private final List<Fault> faults;
  private final Duration run;
  private final Duration hold;
  private final List<Strike> strikes = new ArrayList<>();
  private final Thread thread;
  private volatile long startNanos;

  /**
   * Plans the faults over a run.
   *
   * @param faults what strikes, in order
   * @param run how long the run lasts
   * @param hold how long each fault lasts before it is healed (at most half a slot)
   * @throws IllegalArgumentException if there are no faults or a duration is not positive
   */
  ChaosSchedule(List<Fault> faults, Duration run, Duration hold) {
    this.faults = List.copyOf(faults);
    if (this.faults.isEmpty()) {
      throw new IllegalArgumentException("a chaos schedule needs at least one fault");
    }
    if (run.isNegative() || run.isZero() || hold.isNegative() || hold.isZero()) {
      throw new IllegalArgumentException("run and hold must be > 0 but were " + run + " and " + hold);
    }
    this.run = Objects.requireNonNull(run, "run");
    this.hold = Objects.requireNonNull(hold, "hold");
    this.thread = new Thread(this::strikeAll, "orders-chaos");
    thread.setDaemon(true);
  }

  /** When fault {@code index} strikes, from the start. */
  Duration strikeAt(int index) {
    Duration slot = run.dividedBy(faults.size());
    return slot.multipliedBy(index).plus(slot.dividedBy(4));
  }

  /** How long each fault is held. */
  Duration holdFor() {
    Duration halfSlot = run.dividedBy(faults.size()).dividedBy(2);
    return hold.compareTo(halfSlot) <= 0 ? hold : halfSlot;
  }

  /** Starts the schedule now. */
  void start() {
    startNanos = System.nanoTime();
    thread.start();
  }

  private void strikeAll() {
    for (int i = 0; i < faults.size(); i++) {
      Fault fault = faults.get(i);
      if (!sleepUntil(strikeAt(i))) {
        return;
      }
      double struck = seconds();
      String detail;
      try {
        detail = fault.strike();
        LOG.warn("chaos: {} struck at {}s: {}", fault.name(), String.format("%.1f", struck), detail);
      } catch (Exception e) {
        LOG.warn("chaos: {} could not strike", fault.name(), e);
        record(new Strike(fault.name(), struck, null, "", "strike failed: " + e));
        continue;
      }
      if (!sleepUntil(Duration.ofNanos((long) (struck * 1e9)).plus(holdFor()))) {
        heal(fault, struck, detail);
        return;
      }
      heal(fault, struck, detail);
    }
  }

  private void heal(Fault fault, double struck, String detail) {
    try {
      String healed = fault.heal();
      double at = seconds();
      LOG.warn("chaos: {} healed at {}s: {}", fault.name(), String.format("%.1f", at), healed);
      record(new Strike(fault.name(), struck, at, detail + "; " + healed, null));
    } catch (Exception e) {
      LOG.warn("chaos: {} could not be healed", fault.name(), e);
      record(new Strike(fault.name(), struck, null, detail, "heal failed: " + e));
    }
  }

  private synchronized void record(Strike strike) {
    strikes.add(strike);
  }

  /**
   * Returns the seconds since the schedule started, the clock of its strikes.
   *
   * @return the seconds
   */
  double elapsedSeconds() {
    return seconds();
  }

  private double seconds() {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  /** Sleeps until {@code at} after the start; false if interrupted. */
  private boolean sleepUntil(Duration at) {
    long remaining = startNanos + at.toNanos() - System.nanoTime();
    if (remaining <= 0) {
      return true;
    }
    try {
      Thread.sleep(remaining / 1_000_000, (int) (remaining % 1_000_000));
      return true;
    } catch (InterruptedException e) {
      return false;
    }
  }

  /**
   * Waits until every fault struck and healed, and returns what each did.
   *
   * @param timeout how long to wait beyond the run; then the schedule is interrupted (its
   *     current fault healed) and what it did so far returned
   * @return the strikes, in order
   * @throws InterruptedException if interrupted while waiting
   */
  List<Strike> awaitEnd(Duration timeout) throws InterruptedException {
    thread.join(Math.max(1, timeout.toMillis()));
    if (thread.isAlive()) {
      thread.interrupt();
      thread.join(timeout.toMillis());
    }
    synchronized (this) {
      return List.copyOf(strikes);
    }
  }
}
