package dev.layerkit.gateway.http;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A path rewrite from one template to another: {@code /v1/orders/{id}} to {@code /orders/{id}}.
 * A {@code {name}} matches one path segment (no {@code /}); {@code {name*}}, allowed last only,
 * matches the rest of the path, slashes included. The target may use every variable of the
 * source, each as often as it likes, and no other; the query string is kept.
 *
 * <p>Immutable and thread-safe; a rewrite is one regular-expression match.
 */
final class PathTemplate {

  private static final Pattern VARIABLE = Pattern.compile("\\{([A-Za-z][A-Za-z0-9_]*)(\\*?)}");

  private final String from;
  private final String to;
  private final Pattern pattern;
  private final List<Object> target;

  private PathTemplate(String from, String to, Pattern pattern, List<Object> target) {
    this.from = from;
    this.to = to;
    this.pattern = pattern;
    this.target = target;
  }

  /**
   * Compiles a rewrite.
   *
   * @throws IllegalArgumentException naming the problem, if either template is invalid
   */
  static PathTemplate of(String from, String to) {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    if (!from.startsWith("/") || !to.startsWith("/")) {
      throw new IllegalArgumentException("path templates must start with '/' but were '" + from
          + "' -> '" + to + "'");
    }
    StringBuilder regex = new StringBuilder();
    Set<String> names = new LinkedHashSet<>();
    Matcher variable = VARIABLE.matcher(from);
    int at = 0;
    while (variable.find()) {
      regex.append(Pattern.quote(from.substring(at, variable.start())));
      String name = variable.group(1);
      boolean rest = !variable.group(2).isEmpty();
      if (!names.add(name)) {
        throw new IllegalArgumentException("variable {" + name + "} appears twice in '" + from + "'");
      }
      if (rest && variable.end() != from.length()) {
        throw new IllegalArgumentException("{" + name + "*} must end the template '" + from + "'");
      }
      regex.append(rest ? "(?<" + name + ">.*)" : "(?<" + name + ">[^/]+)");
      at = variable.end();
    }
    String tail = from.substring(at);
    if (tail.contains("{") || tail.contains("}")) {
      throw new IllegalArgumentException("'" + from + "' has a brace that is not a {variable}");
    }
    regex.append(Pattern.quote(tail));
    List<Object> target = new ArrayList<>();
    Matcher used = VARIABLE.matcher(to);
    at = 0;
    while (used.find()) {
      target.add(to.substring(at, used.start()));
      if (!names.contains(used.group(1))) {
        throw new IllegalArgumentException("'" + to + "' uses {" + used.group(1)
            + "}, which '" + from + "' does not define");
      }
      target.add(new Variable(used.group(1)));
      at = used.end();
    }
    String rest = to.substring(at);
    if (rest.contains("{") || rest.contains("}")) {
      throw new IllegalArgumentException("'" + to + "' has a brace that is not a {variable}");
    }
    target.add(rest);
    return new PathTemplate(from, to, Pattern.compile(regex.toString()), List.copyOf(target));
  }

  /**
   * Returns the rewritten request target, or null when the path does not match the source.
   *
   * @param uri path and query
   */
  @Nullable String rewrite(String uri) {
    int query = uri.indexOf('?');
    String path = query < 0 ? uri : uri.substring(0, query);
    Matcher matcher = pattern.matcher(path);
    if (!matcher.matches()) {
      return null;
    }
    StringBuilder out = new StringBuilder(uri.length() + 16);
    for (Object part : target) {
      if (part instanceof Variable variable) {
        out.append(matcher.group(variable.name));
      } else {
        out.append((String) part);
      }
    }
    if (query >= 0) {
      out.append(uri, query, uri.length());
    }
    return out.toString();
  }

  @Override
  public String toString() {
    return from + " -> " + to;
  }

  private record Variable(String name) {}
}
