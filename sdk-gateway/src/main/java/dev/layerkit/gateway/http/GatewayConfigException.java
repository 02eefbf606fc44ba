package dev.layerkit.gateway.http;

import java.util.List;

/**
 * A routes file or route set is invalid. The message lists every problem found, each with where it
 * is ({@code routes[2] (orders).upstream: unknown upstream 'ordrs' (line 14)}: the path in the
 * file, and the line when the problem came from a file's text), so that one edit fixes them all.
 */
public final class GatewayConfigException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  private final List<String> problems;

  /**
   * Creates the exception.
   *
   * @param source what was read, for example the file's path
   * @param problems every problem found, at least one
   */
  public GatewayConfigException(String source, List<String> problems) {
    super(source + " is invalid (" + problems.size() + (problems.size() == 1 ? " problem" : " problems")
        + "):\n  " + String.join("\n  ", problems));
    this.problems = List.copyOf(problems);
  }

  /**
   * Returns every problem found.
   *
   * @return the problems, each naming where it is
   */
  public List<String> problems() {
    return problems;
  }
}
