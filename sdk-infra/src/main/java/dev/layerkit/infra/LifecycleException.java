package dev.layerkit.infra;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Thrown when a {@link Lifecycle} cannot start: a component failed to start, or the components'
 * dependencies are missing or circular.
 *
 * <p>Unchecked; carries the name of the component at fault. By the time it is thrown, the
 * components that had started are stopped again.
 */
public final class LifecycleException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final String component;

  private LifecycleException(String component, String message, @Nullable Throwable cause) {
    super(message, cause);
    this.component = component;
  }

  /**
   * Returns an exception for a component whose {@code start()} threw.
   *
   * @param component the component's name
   * @param cause what it threw
   * @return the exception
   * @throws NullPointerException if an argument is null
   */
  public static LifecycleException startFailed(String component, Throwable cause) {
    Objects.requireNonNull(component, "component");
    Objects.requireNonNull(cause, "cause");
    return new LifecycleException(component, "component '" + component + "' failed to start: " + cause, cause);
  }

  /**
   * Returns an exception for a dependency problem: an unknown dependency or a cycle.
   *
   * @param component the component's name
   * @param problem what is wrong, for example {@code "depends on unknown component 'db'"}
   * @return the exception
   * @throws NullPointerException if an argument is null
   */
  public static LifecycleException badDependencies(String component, String problem) {
    Objects.requireNonNull(component, "component");
    Objects.requireNonNull(problem, "problem");
    return new LifecycleException(component, "component '" + component + "' " + problem, null);
  }

  /**
   * Returns the name of the component at fault.
   *
   * @return the name
   */
  public String component() {
    return component;
  }
}
