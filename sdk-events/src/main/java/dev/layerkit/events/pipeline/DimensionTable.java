package dev.layerkit.events.pipeline;

import dev.layerkit.core.internal.Arguments;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A small table a {@link Pipeline} joins its records with, such as the product catalog: held in
 * memory by key for the whole job, so every record is looked up without a round trip. Immutable.
 *
 * @param <K> the key type
 * @param <D> the row type
 */
public final class DimensionTable<K, D> {

  private final String name;
  private final Map<K, D> rows;

  private DimensionTable(String name, Map<K, D> rows) {
    this.name = name;
    this.rows = rows;
  }

  /**
   * Returns a table of the given rows.
   *
   * @param name the table's name, for dead letters of records without a match
   * @param rows the rows by key, copied
   * @param <K> the key type
   * @param <D> the row type
   * @return the table
   * @throws NullPointerException if an argument, a key or a row is null
   * @throws IllegalArgumentException if {@code name} is blank
   */
  public static <K, D> DimensionTable<K, D> of(String name, Map<? extends K, ? extends D> rows) {
    Arguments.notBlank(name, "name");
    return new DimensionTable<>(name, Map.copyOf(Objects.requireNonNull(rows, "rows")));
  }

  /**
   * Returns the table's name.
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  /**
   * Returns the row of a key.
   *
   * @param key the key
   * @return the row, or empty
   */
  public Optional<D> get(K key) {
    return Optional.ofNullable(rows.get(key));
  }

  /**
   * Returns the number of rows.
   *
   * @return the size
   */
  public int size() {
    return rows.size();
  }

  @Override
  public String toString() {
    return "DimensionTable{" + name + ", " + rows.size() + " rows}";
  }
}
