package dev.layerkit.infra;

import java.util.List;
import java.util.Objects;

/**
 * Thrown by {@link Config.Builder#build()} when settings are invalid or missing; lists every
 * problem at once so that one deployment attempt shows them all.
 *
 * <p>Unchecked. A secret's value never appears in the message or in {@link #problems()}.
 */
public final class ConfigException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** The problems; immutable. */
  @SuppressWarnings("serial")
  private final List<Problem> problems;

  private ConfigException(List<Problem> problems) {
    super(message(problems));
    this.problems = problems;
  }

  /**
   * Returns an exception listing the given problems.
   *
   * @param problems one or more problems
   * @return the exception
   * @throws NullPointerException if {@code problems} or an element is null
   * @throws IllegalArgumentException if {@code problems} is empty
   */
  public static ConfigException of(List<Problem> problems) {
    List<Problem> copy = List.copyOf(problems);
    if (copy.isEmpty()) {
      throw new IllegalArgumentException("problems must not be empty");
    }
    return new ConfigException(copy);
  }

  private static String message(List<Problem> problems) {
    StringBuilder message = new StringBuilder()
        .append(problems.size()).append(problems.size() == 1 ? " invalid setting:" : " invalid settings:");
    for (Problem problem : problems) {
      message.append("\n  ").append(problem);
    }
    return message.toString();
  }

  /**
   * Returns every problem found, in the order the settings were declared.
   *
   * @return the problems
   */
  public List<Problem> problems() {
    return problems;
  }

  /**
   * One invalid or missing setting.
   *
   * @param setting the setting's name
   * @param value the value as given, masked for a secret, or empty when missing
   * @param source where the value came from, for example {@code "environment variable LAYERKIT_CACHE_TTL"}
   * @param message what is wrong, for example {@code "expected a duration such as 250ms or 5s"}
   */
  public record Problem(String setting, String value, String source, String message) {

    /**
     * Creates a problem.
     *
     * @param setting the setting's name
     * @param value the value
     * @param source its source
     * @param message what is wrong
     * @throws NullPointerException if an argument is null
     */
    public Problem {
      Objects.requireNonNull(setting, "setting");
      Objects.requireNonNull(value, "value");
      Objects.requireNonNull(source, "source");
      Objects.requireNonNull(message, "message");
    }

    @Override
    public String toString() {
      return setting + " = '" + value + "' from " + source + ": " + message;
    }
  }
}
