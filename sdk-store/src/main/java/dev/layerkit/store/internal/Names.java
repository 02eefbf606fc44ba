package dev.layerkit.store.internal;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Validation of the names that end up in queries: field names and table names. Both are checked
 * against strict patterns so that a name can be written into SQL or a MongoDB field path without
 * quoting and can never carry an operator, a quote or a comment.
 */
public final class Names {

  private static final Pattern FIELD = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");
  private static final Pattern TABLE = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

  private Names() {}

  /**
   * Checks a top-level field name.
   *
   * @param parameter the parameter's name, for the message
   * @param field the field name
   * @return the field name
   * @throws NullPointerException if {@code field} is null
   * @throws IllegalArgumentException if it does not match {@code [A-Za-z_][A-Za-z0-9_]{0,62}}
   */
  public static String field(String parameter, String field) {
    Objects.requireNonNull(field, parameter);
    if (!FIELD.matcher(field).matches()) {
      throw new IllegalArgumentException(parameter + " must match [A-Za-z_][A-Za-z0-9_]{0,62} but was '" + field + "'");
    }
    return field;
  }

  /**
   * Checks a table or collection name.
   *
   * @param parameter the parameter's name, for the message
   * @param name the name
   * @return the name
   * @throws NullPointerException if {@code name} is null
   * @throws IllegalArgumentException if it does not match {@code [a-z_][a-z0-9_]{0,62}}
   */
  public static String table(String parameter, String name) {
    Objects.requireNonNull(name, parameter);
    if (!TABLE.matcher(name).matches()) {
      throw new IllegalArgumentException(parameter + " must match [a-z_][a-z0-9_]{0,62} but was '" + name + "'");
    }
    return name;
  }
}
