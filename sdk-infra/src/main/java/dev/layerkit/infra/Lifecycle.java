package dev.layerkit.infra;

import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.internal.BuilderSettings;
import dev.layerkit.core.time.Sleeper;
import dev.layerkit.core.time.TimeSource;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts an application's components in dependency order and, on shutdown, takes the instance
 * out of rotation, drains it and stops it within a deadline.
 *
 * <pre>{@code
 * Lifecycle lifecycle = Lifecycle.builder()
 *     .healthRegistry(health)
 *     .preStopDelay(config.get(Lifecycle.PRE_STOP_DELAY_SETTING))
 *     .shutdownDeadline(config.get(Lifecycle.SHUTDOWN_DEADLINE_SETTING))  // set by the manifests
 *     .build();
 * lifecycle.register(Lifecycle.Component.of("admin", () -> {}, admin::close));
 * lifecycle.register(database, "admin");
 * lifecycle.register(publisher, "database");
 * lifecycle.register(gateway, "database", "publisher");   // drains first, stops first
 * lifecycle.start();
 * lifecycle.installShutdownHook();                         // SIGTERM drains and exits
 * }</pre>
 *
 * <h2>Start</h2>
 *
 * <p>{@link #start()} orders components so that each starts after its dependencies (ties keep
 * registration order) and starts them one by one on the calling thread. If one fails, those
 * already started are stopped in reverse order and a {@link LifecycleException} names the one that
 * failed. While starting, the health registry's phase is {@link HealthRegistry.Phase#STARTING};
 * once all have started it is {@link HealthRegistry.Phase#SERVING}.
 *
 * <h2>Shutdown</h2>
 *
 * <p>{@link #stop()} runs these steps, all within {@link Builder#shutdownDeadline(Duration)}
 * measured from the moment it is called:
 * <ol>
 *   <li>the phase becomes {@link HealthRegistry.Phase#STOPPING}: readiness is {@code DOWN} at once,
 *       so load balancers and Kubernetes endpoints stop sending new traffic;
 *   <li>it waits {@link Builder#preStopDelay(Duration)}, the time they take to notice;
 *   <li>it drains each component in reverse start order ({@link Component#drain()}: stop accepting,
 *       finish in-flight work, flush, commit);
 *   <li>it stops each component in reverse start order ({@link Component#stop()}).
 * </ol>
 * A component whose drain overruns the deadline is logged by name, interrupted and abandoned, and
 * then stopped; a component whose stop overruns is logged and abandoned after at most
 * {@link Builder#forceStopTimeout(Duration)}, so shutdown always ends. Drains and stops run on
 * their own daemon threads so that a stuck component cannot hold the caller.
 *
 * <p>Thread-safe: {@link #start()} and {@link #stop()} are serialized, and {@code stop()} is
 * idempotent (a second call returns the first call's outcome). Time is read through the
 * {@link TimeSource} and waiting goes through the {@link Sleeper}, so tests run in virtual time;
 * waits for a component poll every {@value #POLL_MILLIS} ms of real time.
 */
public final class Lifecycle implements AutoCloseable {

  /** The default wait between readiness going {@code DOWN} and draining. */
  public static final Duration DEFAULT_PRE_STOP_DELAY = Duration.ofSeconds(5);
  /** The default time the whole shutdown may take. */
  public static final Duration DEFAULT_SHUTDOWN_DEADLINE = Duration.ofSeconds(30);
  /**
   * The {@link Config} setting {@code lifecycle.shutdown-deadline} (environment variable
   * {@code LAYERKIT_LIFECYCLE_SHUTDOWN_DEADLINE}), default {@link #DEFAULT_SHUTDOWN_DEADLINE};
   * {@code KubernetesManifests} sets it to the spec's deadline, so the pod's grace period and the
   * application agree.
   */
  public static final Config.Setting<Duration> SHUTDOWN_DEADLINE_SETTING =
      Config.Setting.duration("lifecycle.shutdown-deadline").require(d -> !d.isZero(), "must be > 0")
          .defaultValue(DEFAULT_SHUTDOWN_DEADLINE);
  /**
   * The {@link Config} setting {@code lifecycle.pre-stop-delay} (environment variable
   * {@code LAYERKIT_LIFECYCLE_PRE_STOP_DELAY}), default {@link #DEFAULT_PRE_STOP_DELAY}.
   */
  public static final Config.Setting<Duration> PRE_STOP_DELAY_SETTING =
      Config.Setting.duration("lifecycle.pre-stop-delay").defaultValue(DEFAULT_PRE_STOP_DELAY);
  /** The default time a stop is waited for once the deadline is spent. */
  public static final Duration DEFAULT_FORCE_STOP_TIMEOUT = Duration.ofSeconds(1);
  /** How often, in real milliseconds, a wait for a component re-reads the time source. */
  public static final int POLL_MILLIS = 10;

  private static final Logger LOG = LoggerFactory.getLogger(Lifecycle.class);

  /**
   * Something with a start, a drain and a stop: a server, a connection pool, a publisher, a
   * consumer.
   *
   * <p>{@link #start()} runs on the thread that calls {@link Lifecycle#start()};
   * {@link #drain()} and {@link #stop()} run on a thread of their own and may be interrupted when
   * they overrun the deadline.
   */
  public interface Component {

    /**
     * Returns the component's name, unique within a lifecycle; it appears in logs.
     *
     * @return the name
     */
    String name();

    /**
     * Starts the component; returns when it is ready to serve.
     *
     * @throws Exception if it cannot start; the lifecycle stops what had started and fails
     */
    void start() throws Exception;

    /**
     * Stops taking new work and finishes the work in progress: a server closes its listener and
     * completes in-flight requests, a publisher flushes, a consumer commits. The default does
     * nothing.
     *
     * @throws Exception if draining fails; the lifecycle logs it and goes on to {@link #stop()}
     */
    default void drain() throws Exception {}

    /**
     * Releases the component's resources.
     *
     * @throws Exception if stopping fails; the lifecycle logs it and goes on with the others
     */
    void stop() throws Exception;

    /**
     * Returns a component from a name and two actions, with nothing to drain.
     *
     * @param name the name
     * @param start what starting does
     * @param stop what stopping does
     * @return the component
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code name} is blank
     */
    static Component of(String name, Action start, Action stop) {
      return of(name, start, () -> {}, stop);
    }

    /**
     * Returns a component from a name and three actions.
     *
     * @param name the name
     * @param start what starting does
     * @param drain what draining does
     * @param stop what stopping does
     * @return the component
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code name} is blank
     */
    static Component of(String name, Action start, Action drain, Action stop) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(start, "start");
      Objects.requireNonNull(drain, "drain");
      Objects.requireNonNull(stop, "stop");
      Arguments.notBlank(name, "name");
      return new Component() {
        @Override
        public String name() {
          return name;
        }

        @Override
        public void start() throws Exception {
          start.run();
        }

        @Override
        public void drain() throws Exception {
          drain.run();
        }

        @Override
        public void stop() throws Exception {
          stop.run();
        }

        @Override
        public String toString() {
          return "Component[" + name + ']';
        }
      };
    }
  }

  /** An action of a {@link Component}, allowed to throw. */
  @FunctionalInterface
  public interface Action {
    /**
     * Runs the action.
     *
     * @throws Exception if it fails
     */
    void run() throws Exception;
  }

  /** Where a lifecycle is. */
  public enum State {
    /** Components may be registered. */
    NEW,
    /** {@link #start()} is running. */
    STARTING,
    /** All components started. */
    RUNNING,
    /** {@link #stop()} is running. */
    STOPPING,
    /** Stopped, or failed to start. */
    STOPPED
  }

  private final @Nullable HealthRegistry health;
  private final Duration preStopDelay;
  private final Duration shutdownDeadline;
  private final Duration forceStopTimeout;
  private final TimeSource timeSource;
  private final Sleeper sleeper;
  private final boolean haltAfterShutdownHook;
  private final Map<String, Registered> components = new LinkedHashMap<>();
  private final List<Component> started = new ArrayList<>();
  private State state = State.NEW;
  private @Nullable Boolean stopOutcome;
  private @Nullable Thread shutdownHook;

  private Lifecycle(Builder builder) {
    this.health = builder.health;
    this.preStopDelay = builder.preStopDelay;
    this.shutdownDeadline = builder.shutdownDeadline;
    this.forceStopTimeout = builder.forceStopTimeout;
    this.timeSource = builder.timeSource;
    this.sleeper = builder.sleeper;
    this.haltAfterShutdownHook = builder.haltAfterShutdownHook;
  }

  /**
   * Returns a builder with the defaults.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Registers a component that starts after the named ones and stops before them.
   *
   * @param component the component, whose name must be unique
   * @param dependsOn names of components it needs; they may be registered later, up to
   *     {@link #start()}
   * @return this lifecycle
   * @throws NullPointerException if an argument or a name is null
   * @throws IllegalStateException if the name is taken or the lifecycle has started
   */
  public synchronized Lifecycle register(Component component, String... dependsOn) {
    Objects.requireNonNull(component, "component");
    Objects.requireNonNull(dependsOn, "dependsOn");
    String name = Objects.requireNonNull(component.name(), "component.name()");
    for (String dependency : dependsOn) {
      Objects.requireNonNull(dependency, "dependency");
    }
    if (state != State.NEW) {
      throw new IllegalStateException("cannot register '" + name + "' when the lifecycle is " + state);
    }
    if (components.containsKey(name)) {
      throw new IllegalStateException("a component named '" + name + "' is already registered");
    }
    components.put(name, new Registered(component, List.of(dependsOn)));
    return this;
  }

  /**
   * Returns the state.
   *
   * @return the state
   */
  public synchronized State state() {
    return state;
  }

  /**
   * Returns the names of the components in start order; stop order is the reverse.
   *
   * @return the start order
   * @throws LifecycleException if a dependency is unknown or the dependencies form a cycle
   */
  public synchronized List<String> startOrder() {
    List<String> names = new ArrayList<>();
    for (Component component : order()) {
      names.add(component.name());
    }
    return names;
  }

  /** Depth-first topological order; ties keep registration order. */
  private List<Component> order() {
    List<Component> ordered = new ArrayList<>();
    Set<String> done = new LinkedHashSet<>();
    Deque<String> path = new ArrayDeque<>();
    for (String name : components.keySet()) {
      visit(name, done, path, ordered);
    }
    return ordered;
  }

  private void visit(String name, Set<String> done, Deque<String> path, List<Component> ordered) {
    if (done.contains(name)) {
      return;
    }
    if (path.contains(name)) {
      List<String> cycle = new ArrayList<>(path);
      Collections.reverse(cycle);
      cycle = cycle.subList(cycle.indexOf(name), cycle.size());
      throw LifecycleException.badDependencies(name, "is in a dependency cycle: "
          + String.join(" -> ", cycle) + " -> " + name);
    }
    Registered registered = components.get(name);
    path.push(name);
    for (String dependency : registered.dependsOn) {
      if (!components.containsKey(dependency)) {
        throw LifecycleException.badDependencies(name, "depends on unknown component '" + dependency + "'");
      }
      visit(dependency, done, path, ordered);
    }
    path.pop();
    done.add(name);
    ordered.add(registered.component);
  }

  /**
   * Starts every component in dependency order.
   *
   * @throws IllegalStateException if already started
   * @throws LifecycleException if a dependency is unknown or circular, or a component failed to
   *     start; components that had started are stopped before it is thrown
   */
  public synchronized void start() {
    if (state != State.NEW) {
      throw new IllegalStateException("cannot start when the lifecycle is " + state);
    }
    List<Component> ordered;
    try {
      ordered = order();
    } catch (LifecycleException e) {
      state = State.STOPPED;
      throw e;
    }
    state = State.STARTING;
    if (health != null) {
      health.phase(HealthRegistry.Phase.STARTING);
    }
    for (Component component : ordered) {
      try {
        LOG.info("starting {}", component.name());
        component.start();
        started.add(component);
      } catch (Exception e) {
        LOG.error("component {} failed to start; stopping the {} already started", component.name(), started.size(), e);
        long deadline = timeSource.nanoTime() + shutdownDeadline.toNanos();
        stopAll(deadline);
        state = State.STOPPED;
        stopOutcome = false;
        throw LifecycleException.startFailed(component.name(), e);
      }
    }
    state = State.RUNNING;
    if (health != null) {
      health.phase(HealthRegistry.Phase.SERVING);
    }
    LOG.info("started {} components", started.size());
  }

  /**
   * Takes the instance out of rotation, waits the pre-stop delay, drains and stops every started
   * component, all within the shutdown deadline. Idempotent.
   *
   * @return true when every component drained and stopped without error or overrun
   */
  public synchronized boolean stop() {
    if (stopOutcome != null) {
      return stopOutcome;
    }
    if (state == State.NEW) {
      state = State.STOPPED;
      stopOutcome = true;
      return true;
    }
    state = State.STOPPING;
    long deadline = timeSource.nanoTime() + shutdownDeadline.toNanos();
    if (health != null) {
      health.phase(HealthRegistry.Phase.STOPPING);
    }
    LOG.info("shutting down: readiness is DOWN; draining in {} ms", preStopDelay.toMillis());
    boolean clean = true;
    try {
      sleeper.sleep(preStopDelay);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      LOG.warn("pre-stop delay interrupted; draining now");
    }
    for (int i = started.size() - 1; i >= 0; i--) {
      Component component = started.get(i);
      clean &= runBounded(component, "drain", component::drain, deadline, false);
    }
    clean &= stopAll(deadline);
    state = State.STOPPED;
    stopOutcome = clean;
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(shutdownDeadline.toNanos() - (deadline - timeSource.nanoTime()));
    LOG.info("shutdown {} in {} ms", clean ? "complete" : "finished with errors or overruns", tookMillis);
    return clean;
  }

  /** Equivalent to {@link #stop()}. */
  @Override
  public void close() {
    stop();
  }

  private boolean stopAll(long deadline) {
    boolean clean = true;
    for (int i = started.size() - 1; i >= 0; i--) {
      Component component = started.get(i);
      clean &= runBounded(component, "stop", component::stop, deadline, true);
    }
    started.clear();
    return clean;
  }

  /**
   * Runs one step on its own thread and waits until it ends or the deadline passes (for a stop,
   * at least the force-stop timeout). Returns whether it ended in time without error.
   */
  private boolean runBounded(Component component, String step, Action action, long deadline, boolean isStop) {
    String name = component.name();
    long now = timeSource.nanoTime();
    long until = isStop ? Math.max(deadline, now + forceStopTimeout.toNanos()) : deadline;
    if (!isStop && until - now <= 0) {
      LOG.warn("no time left to drain {}: the shutdown deadline of {} ms has passed", name, shutdownDeadline.toMillis());
      return false;
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    Thread thread = new Thread(() -> {
      try {
        action.run();
        done.complete(null);
      } catch (Throwable e) {
        done.completeExceptionally(e);
      }
    }, "layerkit-lifecycle-" + step + "-" + name);
    thread.setDaemon(true);
    thread.start();
    while (true) {
      try {
        done.get(POLL_MILLIS, TimeUnit.MILLISECONDS);
        LOG.info("{} of {} done", step, name);
        return true;
      } catch (TimeoutException e) {
        if (timeSource.nanoTime() - until >= 0) {
          LOG.warn("component {} overran the shutdown deadline in {}; abandoning it{}", name, step,
              isStop ? "" : " and stopping it");
          thread.interrupt();
          return false;
        }
      } catch (ExecutionException e) {
        LOG.warn("component {} failed to {}", name, step, e.getCause());
        return false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        LOG.warn("interrupted while waiting for {} to {}; abandoning it", name, step);
        thread.interrupt();
        return false;
      }
    }
  }

  /**
   * Makes a JVM shutdown hook (run on SIGTERM, SIGINT or {@link System#exit(int)}) call
   * {@link #stop()}. With {@link Builder#haltAfterShutdownHook(boolean)} (the default) the hook
   * then halts the JVM with status 0 if the shutdown was clean and 1 otherwise, unless the
   * lifecycle had already been stopped before the hook ran. A hook cannot tell a signal from
   * {@code System.exit(n)}: call {@link #stop()} before {@code System.exit(n)} to keep status n.
   *
   * @return this lifecycle
   * @throws IllegalStateException if a hook is already installed
   */
  public synchronized Lifecycle installShutdownHook() {
    if (shutdownHook != null) {
      throw new IllegalStateException("the shutdown hook is already installed");
    }
    Thread hook = new Thread(() -> {
      boolean stoppedByHook;
      synchronized (this) {
        stoppedByHook = stopOutcome == null;
      }
      boolean clean = stop();
      // Only a shutdown this hook ran reports its outcome: an application that stopped the
      // lifecycle itself and then called System.exit(n) keeps its status n.
      if (haltAfterShutdownHook && stoppedByHook) {
        // After SIGTERM the JVM's own exit status is 143 whatever happened; halting reports the
        // drain's outcome instead.
        Runtime.getRuntime().halt(clean ? 0 : 1);
      }
    }, "layerkit-lifecycle-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    shutdownHook = hook;
    return this;
  }

  private static final class Registered {
    final Component component;
    final List<String> dependsOn;

    Registered(Component component, List<String> dependsOn) {
      this.component = component;
      this.dependsOn = dependsOn;
    }
  }

  /** Configures a {@link Lifecycle}. Not thread-safe; each setting may be given once. */
  public static final class Builder {
    private final BuilderSettings settings = new BuilderSettings();
    private @Nullable HealthRegistry health;
    private Duration preStopDelay = DEFAULT_PRE_STOP_DELAY;
    private Duration shutdownDeadline = DEFAULT_SHUTDOWN_DEADLINE;
    private Duration forceStopTimeout = DEFAULT_FORCE_STOP_TIMEOUT;
    private TimeSource timeSource = TimeSource.system();
    private Sleeper sleeper = Sleeper.system();
    private boolean haltAfterShutdownHook = true;

    private Builder() {}


    /**
     * Sets the registry whose {@link HealthRegistry.Phase} follows the lifecycle, so readiness
     * turns {@code DOWN} the moment shutdown begins.
     *
     * @param health the registry
     * @return this builder
     * @throws NullPointerException if {@code health} is null
     * @throws IllegalStateException if already set
     */
    public Builder healthRegistry(HealthRegistry health) {
      Objects.requireNonNull(health, "health");
      settings.requireUnset("healthRegistry", this.health);
      this.health = health;
      return this;
    }

    /**
     * Sets the wait between readiness going {@code DOWN} and draining; default
     * {@link #DEFAULT_PRE_STOP_DELAY}. Make it longer than the load balancer's probe period.
     *
     * @param preStopDelay zero or positive
     * @return this builder
     * @throws NullPointerException if {@code preStopDelay} is null
     * @throws IllegalArgumentException if negative
     * @throws IllegalStateException if already set
     */
    public Builder preStopDelay(Duration preStopDelay) {
      Arguments.notNegative(preStopDelay, "preStopDelay");
      settings.requireUnset("preStopDelay", this.preStopDelay);
      this.preStopDelay = preStopDelay;
      return this;
    }

    /**
     * Sets the time the whole shutdown may take, pre-stop delay included; default
     * {@link #DEFAULT_SHUTDOWN_DEADLINE}. Kubernetes' {@code terminationGracePeriodSeconds} must
     * be longer.
     *
     * @param shutdownDeadline positive
     * @return this builder
     * @throws NullPointerException if {@code shutdownDeadline} is null
     * @throws IllegalArgumentException if zero or negative
     * @throws IllegalStateException if already set
     */
    public Builder shutdownDeadline(Duration shutdownDeadline) {
      Arguments.positive(shutdownDeadline, "shutdownDeadline");
      settings.requireUnset("shutdownDeadline", this.shutdownDeadline);
      this.shutdownDeadline = shutdownDeadline;
      return this;
    }

    /**
     * Sets how long a component's stop is waited for once the deadline is spent; default
     * {@link #DEFAULT_FORCE_STOP_TIMEOUT}.
     *
     * @param forceStopTimeout positive
     * @return this builder
     * @throws NullPointerException if {@code forceStopTimeout} is null
     * @throws IllegalArgumentException if zero or negative
     * @throws IllegalStateException if already set
     */
    public Builder forceStopTimeout(Duration forceStopTimeout) {
      Arguments.positive(forceStopTimeout, "forceStopTimeout");
      settings.requireUnset("forceStopTimeout", this.forceStopTimeout);
      this.forceStopTimeout = forceStopTimeout;
      return this;
    }

    /**
     * Sets the time source for deadlines; meant for tests, with {@link #sleeper(Sleeper)}.
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
     * Sets what waits the pre-stop delay; meant for tests ({@code ManualTimeSource::sleeper}).
     *
     * @param sleeper the sleeper
     * @return this builder
     * @throws NullPointerException if {@code sleeper} is null
     * @throws IllegalStateException if already set
     */
    public Builder sleeper(Sleeper sleeper) {
      Objects.requireNonNull(sleeper, "sleeper");
      settings.requireUnset("sleeper", this.sleeper);
      this.sleeper = sleeper;
      return this;
    }

    /**
     * Sets whether the shutdown hook halts the JVM after stopping, with status 0 for a clean
     * shutdown and 1 otherwise; default true. Halting cuts short other shutdown hooks still
     * running, so register cleanup as components; without it the JVM exits with its own status
     * (143 after SIGTERM).
     *
     * @param halt whether to halt
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder haltAfterShutdownHook(boolean halt) {
      settings.requireUnset("haltAfterShutdownHook", this.haltAfterShutdownHook);
      this.haltAfterShutdownHook = halt;
      return this;
    }

    /**
     * Builds the lifecycle.
     *
     * @return a new lifecycle with no components
     * @throws IllegalStateException if the pre-stop delay is not shorter than the shutdown
     *     deadline
     */
    public Lifecycle build() {
      if (preStopDelay.compareTo(shutdownDeadline) >= 0) {
        throw new IllegalStateException("preStopDelay (" + preStopDelay + ") must be shorter than shutdownDeadline ("
            + shutdownDeadline + ")");
      }
      return new Lifecycle(this);
    }
  }

  @Override
  public synchronized String toString() {
    return "Lifecycle{state=" + state + ", components=" + components.keySet() + '}';
  }
}
