package dev.layerkit.events.pipeline.internal;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The table-name rule every analytics sink shares: names go into SQL, so they are checked, and
 * stay short enough for {@code <table>_checkpoints} to fit PostgreSQL's 63-character identifiers.
 */
public final class SinkTables {

  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,50}");

  private SinkTables() {}

  /**
   * Checks a table name.
   *
   * @param table the name
   * @return the name
   * @throws NullPointerException if {@code table} is null
   * @throws IllegalArgumentException if it is not a letter or {@code _} followed by at most 50
   *     letters, digits or {@code _}
   */
  public static String checkName(String table) {
    Objects.requireNonNull(table, "table");
    if (!NAME.matcher(table).matches()) {
      throw new IllegalArgumentException("table must be a letter or '_' followed by at most 50"
          + " letters, digits or '_', but was '" + table + "'");
    }
    return table;
  }
}
