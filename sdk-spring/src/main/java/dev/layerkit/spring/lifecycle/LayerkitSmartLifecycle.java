package dev.layerkit.spring.lifecycle;

import dev.layerkit.infra.Lifecycle;
import java.util.Objects;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;

/**
 * Runs an application's Layerkit {@link Lifecycle} as a Spring {@link SmartLifecycle}.
 *
 * <p>Its phase, {@link #PHASE}, is below the web server's (whose graceful shutdown runs at
 * {@code DEFAULT_PHASE - 1024} and whose stop at {@code DEFAULT_PHASE - 2048}), so Layerkit's
 * components (publishers, repositories, consumers) start before the server takes requests and
 * are drained and stopped only after it has finished the requests in flight. Before draining it
 * publishes {@link ReadinessState#REFUSING_TRAFFIC}, so readiness is down before anything drains
 * (Spring Boot does the same when the context closes; this also covers a stop without a close).
 * Then {@link Lifecycle#stop()} runs its own pre-stop delay, drain and stop within its deadline.
 *
 * <p>Thread-safe as {@link Lifecycle} is: its methods are synchronized.
 */
public final class LayerkitSmartLifecycle implements SmartLifecycle {

  /** The phase: before the web server starts, after it stops. */
  public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

  private final Lifecycle lifecycle;
  private final ApplicationEventPublisher events;

  /**
   * Adapts a lifecycle.
   *
   * @param lifecycle the application's lifecycle, its components registered
   * @param events where the readiness change is published
   * @throws NullPointerException if an argument is null
   */
  public LayerkitSmartLifecycle(Lifecycle lifecycle, ApplicationEventPublisher events) {
    this.lifecycle = Objects.requireNonNull(lifecycle, "lifecycle");
    this.events = Objects.requireNonNull(events, "events");
  }

  /**
   * Starts the components in dependency order.
   *
   * @throws dev.layerkit.infra.LifecycleException if one fails to start (those started are stopped)
   */
  @Override
  public void start() {
    lifecycle.start();
  }

  /** Takes readiness down, then drains and stops the components within the lifecycle's deadline. */
  @Override
  public void stop() {
    AvailabilityChangeEvent.publish(events, this, ReadinessState.REFUSING_TRAFFIC);
    lifecycle.stop();
  }

  @Override
  public boolean isRunning() {
    Lifecycle.State state = lifecycle.state();
    return state == Lifecycle.State.STARTING || state == Lifecycle.State.RUNNING;
  }

  @Override
  public int getPhase() {
    return PHASE;
  }

  @Override
  public String toString() {
    return "LayerkitSmartLifecycle{" + lifecycle.state() + '}';
  }
}
