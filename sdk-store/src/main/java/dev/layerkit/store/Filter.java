package dev.layerkit.store;

import dev.layerkit.core.internal.Arguments;
import dev.layerkit.store.internal.Names;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * An immutable query on top-level fields of an entity's JSON encoding: a conjunction of
 * conditions, an optional sort and an optional limit.
 *
 * <pre>{@code
 * Filter recentBig = Filter.eq("status", "PAID")
 *     .and(Filter.gte("amountCents", 10_000))
 *     .sortByDescending("amountCents")
 *     .limit(20);
 * }</pre>
 *
 * <p><b>Values are data.</b> A value is a {@code String}, a whole number (held as {@code long}),
 * a finite floating-point number (held as {@code double}) or a {@code Boolean}; every backend
 * binds it as a typed value (a prepared-statement parameter, a BSON value), never as query text,
 * so {@code "{\"$ne\": null}"} or {@code "' OR 1=1 --"} match only a field holding exactly that
 * string. Field names must match {@code [A-Za-z_][A-Za-z0-9_]{0,62}}.
 *
 * <p><b>Semantics, the same on every backend.</b> Equality and {@code in} compare numbers by value
 * ({@code 5} equals {@code 5.0}), and never match a value of another JSON type. Ranges match only
 * values of the bound's type: numbers by value, strings by Unicode code point, booleans with
 * {@code false < true}. A missing field matches no condition. Sorting uses one canonical order:
 * missing or null, then numbers, then strings, then objects, arrays and booleans (MongoDB's
 * order); ties are broken by the id's text, ascending, so results are deterministic and shards
 * can be merged.
 *
 * <p>Thread-safe (immutable). Each method returns a new filter.
 */
public final class Filter {

  /** The {@link #limit()} of a filter without a limit. */
  public static final int NO_LIMIT = Integer.MAX_VALUE;

  private static final Filter ALL = new Filter(List.of(), List.of(), NO_LIMIT);

  /** A comparison operator of a {@link Condition}. */
  public enum Operator {
    /** Equal to the single value. */
    EQ,
    /** Equal to one of the values. */
    IN,
    /** Greater than the value. */
    GT,
    /** Greater than or equal to the value. */
    GTE,
    /** Less than the value. */
    LT,
    /** Less than or equal to the value. */
    LTE
  }

  /**
   * One condition on a field.
   *
   * @param field the top-level field name
   * @param operator the comparison
   * @param values the operand: one value, or for {@link Operator#IN} one or more; each a
   *     {@code String}, {@code Long}, {@code Double} or {@code Boolean}
   */
  public record Condition(String field, Operator operator, List<Object> values) {

    /**
     * Creates a condition.
     *
     * @param field the field name
     * @param operator the comparison
     * @param values the operand values, copied
     * @throws NullPointerException if an argument or a value is null
     */
    public Condition {
      Objects.requireNonNull(field, "field");
      Objects.requireNonNull(operator, "operator");
      values = List.copyOf(values);
    }

    /**
     * Returns the single operand of a comparison other than {@link Operator#IN}.
     *
     * @return the value
     */
    public Object value() {
      return values.get(0);
    }
  }

  /**
   * One sort key.
   *
   * @param field the top-level field name
   * @param descending whether larger values come first
   */
  public record Sort(String field, boolean descending) {

    /**
     * Creates a sort key.
     *
     * @param field the field name
     * @param descending whether larger values come first
     * @throws NullPointerException if {@code field} is null
     */
    public Sort {
      Objects.requireNonNull(field, "field");
    }
  }

  private final List<Condition> conditions;
  private final List<Sort> sort;
  private final int limit;

  private Filter(List<Condition> conditions, List<Sort> sort, int limit) {
    this.conditions = conditions;
    this.sort = sort;
    this.limit = limit;
  }

  /**
   * Returns the filter that matches every entity, unsorted and unlimited.
   *
   * @return the filter
   */
  public static Filter all() {
    return ALL;
  }

  /**
   * Matches entities whose field equals the value.
   *
   * @param field the field name
   * @param value the value: a string, number or boolean
   * @return the filter
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the field name is invalid or the value is of another type
   *     or not finite
   */
  public static Filter eq(String field, Object value) {
    return of(field, Operator.EQ, List.of(normalize(field, value)));
  }

  /**
   * Matches entities whose field equals one of the values.
   *
   * @param field the field name
   * @param values one or more values
   * @return the filter
   * @throws NullPointerException if an argument or a value is null
   * @throws IllegalArgumentException if the field name is invalid, {@code values} is empty or a
   *     value is of an unsupported type
   */
  public static Filter in(String field, Collection<?> values) {
    Objects.requireNonNull(values, "values");
    if (values.isEmpty()) {
      throw new IllegalArgumentException("values of 'in' on field " + field + " must not be empty");
    }
    List<Object> normalized = new ArrayList<>(values.size());
    for (Object value : values) {
      normalized.add(normalize(field, value));
    }
    return of(field, Operator.IN, normalized);
  }

  /**
   * Matches entities whose field is greater than the value (of the same type).
   *
   * @param field the field name
   * @param value the lower bound, exclusive
   * @return the filter
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the field name or the value is invalid
   */
  public static Filter gt(String field, Object value) {
    return of(field, Operator.GT, List.of(normalize(field, value)));
  }

  /**
   * Matches entities whose field is greater than or equal to the value (of the same type).
   *
   * @param field the field name
   * @param value the lower bound, inclusive
   * @return the filter
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the field name or the value is invalid
   */
  public static Filter gte(String field, Object value) {
    return of(field, Operator.GTE, List.of(normalize(field, value)));
  }

  /**
   * Matches entities whose field is less than the value (of the same type).
   *
   * @param field the field name
   * @param value the upper bound, exclusive
   * @return the filter
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the field name or the value is invalid
   */
  public static Filter lt(String field, Object value) {
    return of(field, Operator.LT, List.of(normalize(field, value)));
  }

  /**
   * Matches entities whose field is less than or equal to the value (of the same type).
   *
   * @param field the field name
   * @param value the upper bound, inclusive
   * @return the filter
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the field name or the value is invalid
   */
  public static Filter lte(String field, Object value) {
    return of(field, Operator.LTE, List.of(normalize(field, value)));
  }

  /**
   * Returns a filter that matches what both this and {@code other} match. The sort keys are
   * concatenated; the smaller limit wins.
   *
   * @param other another filter
   * @return the conjunction
   * @throws NullPointerException if {@code other} is null
   */
  public Filter and(Filter other) {
    Objects.requireNonNull(other, "other");
    List<Condition> all = new ArrayList<>(conditions);
    all.addAll(other.conditions);
    List<Sort> sorts = new ArrayList<>(sort);
    sorts.addAll(other.sort);
    return new Filter(List.copyOf(all), List.copyOf(sorts), Math.min(limit, other.limit));
  }

  /**
   * Returns this filter with an ascending sort on {@code field} appended.
   *
   * @param field the field name
   * @return the filter
   * @throws NullPointerException if {@code field} is null
   * @throws IllegalArgumentException if the field name is invalid
   */
  public Filter sortBy(String field) {
    return withSort(new Sort(Names.field("field", field), false));
  }

  /**
   * Returns this filter with a descending sort on {@code field} appended.
   *
   * @param field the field name
   * @return the filter
   * @throws NullPointerException if {@code field} is null
   * @throws IllegalArgumentException if the field name is invalid
   */
  public Filter sortByDescending(String field) {
    return withSort(new Sort(Names.field("field", field), true));
  }

  /**
   * Returns this filter returning at most {@code limit} entities.
   *
   * @param limit the maximum number of results
   * @return the filter
   * @throws IllegalArgumentException if {@code limit} is not positive
   */
  public Filter limit(int limit) {
    Arguments.positive(limit, "limit");
    return new Filter(conditions, sort, limit);
  }

  /**
   * Returns the conditions, all of which an entity must meet.
   *
   * @return an immutable list, empty for {@link #all()}
   */
  public List<Condition> conditions() {
    return conditions;
  }

  /**
   * Returns the sort keys, most significant first.
   *
   * @return an immutable list, empty when unsorted
   */
  public List<Sort> sort() {
    return sort;
  }

  /**
   * Returns the maximum number of results.
   *
   * @return the limit, or {@link #NO_LIMIT}
   */
  public int limit() {
    return limit;
  }

  /**
   * Returns whether this filter has a limit.
   *
   * @return whether {@link #limit()} is not {@link #NO_LIMIT}
   */
  public boolean hasLimit() {
    return limit != NO_LIMIT;
  }

  /**
   * Returns this filter without its limit (and with the same conditions and sort).
   *
   * @return the unlimited filter
   */
  public Filter withoutLimit() {
    return limit == NO_LIMIT ? this : new Filter(conditions, sort, NO_LIMIT);
  }

  private Filter withSort(Sort key) {
    List<Sort> sorts = new ArrayList<>(sort);
    sorts.add(key);
    return new Filter(conditions, List.copyOf(sorts), limit);
  }

  private static Filter of(String field, Operator operator, List<Object> values) {
    return new Filter(List.of(new Condition(field, operator, values)), List.of(), NO_LIMIT);
  }

  private static Object normalize(String field, Object value) {
    Names.field("field", field);
    Objects.requireNonNull(value, () -> "value of field " + field);
    if (value instanceof String || value instanceof Boolean || value instanceof Long) {
      return value;
    }
    if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
      return ((Number) value).longValue();
    }
    if (value instanceof Double || value instanceof Float) {
      double d = ((Number) value).doubleValue();
      if (!Double.isFinite(d)) {
        throw new IllegalArgumentException("value of field " + field + " must be finite but was " + d);
      }
      return d;
    }
    if (value instanceof BigDecimal) {
      return ((BigDecimal) value).doubleValue();
    }
    throw new IllegalArgumentException("value of field " + field + " must be a String, a number or a Boolean but was a "
        + value.getClass().getName() + ": " + value);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Filter && ((Filter) o).conditions.equals(conditions) && ((Filter) o).sort.equals(sort)
        && ((Filter) o).limit == limit;
  }

  @Override
  public int hashCode() {
    return Objects.hash(conditions, sort, limit);
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("Filter[");
    for (int i = 0; i < conditions.size(); i++) {
      Condition c = conditions.get(i);
      s.append(i == 0 ? "" : " and ").append(c.field()).append(' ').append(c.operator()).append(' ')
          .append(c.operator() == Operator.IN ? c.values() : c.value());
    }
    if (conditions.isEmpty()) {
      s.append("all");
    }
    for (Sort key : sort) {
      s.append(", sort ").append(key.field()).append(key.descending() ? " desc" : " asc");
    }
    if (hasLimit()) {
      s.append(", limit ").append(limit);
    }
    return s.append(']').toString();
  }
}
