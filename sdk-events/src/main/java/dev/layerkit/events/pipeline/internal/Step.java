package dev.layerkit.events.pipeline.internal;

import dev.layerkit.events.pipeline.DimensionTable;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * One transform of a pipeline, applied to a record's current value. Values are untyped here: the
 * public {@code Pipeline.Stage} keeps the types, and every engine applies steps through {@link
 * PipelinePlan#transform} so that they all agree.
 */
public sealed interface Step {

  /**
   * Returns the step's name, for dead letters.
   *
   * @return the name
   */
  String name();

  /**
   * Applies the step.
   *
   * @param value the current value
   * @return the next value, null if the record is filtered out, or a {@link Rejected}
   */
  @Nullable Object apply(Object value);

  /** Why a step rejected a record: it goes to the dead letters. */
  record Rejected(String stage, String reason) {}

  /**
   * Keeps the values a predicate accepts.
   *
   * @param name the step's name
   * @param predicate the predicate
   */
  @SuppressWarnings({"rawtypes", "unchecked"})
  record Filter(String name, Predicate predicate) implements Step {
    @Override
    public @Nullable Object apply(Object value) {
      return predicate.test(value) ? value : null;
    }
  }

  /**
   * Maps values.
   *
   * @param name the step's name
   * @param function the function
   */
  @SuppressWarnings({"rawtypes", "unchecked"})
  record Map(String name, Function function) implements Step {
    @Override
    public Object apply(Object value) {
      return Objects.requireNonNull(function.apply(value), "the function returned null");
    }
  }

  /**
   * Joins values with a dimension table's row; a value without a row is rejected.
   *
   * @param name the step's name
   * @param table the table
   * @param key the value's key in the table
   * @param combiner the value and its row to the next value
   */
  @SuppressWarnings({"rawtypes", "unchecked"})
  record Join(String name, DimensionTable table, Function key, BiFunction combiner)
      implements Step {
    @Override
    public Object apply(Object value) {
      Object k = key.apply(value);
      Optional<?> row = k == null ? Optional.empty() : table.get(k);
      if (row.isEmpty()) {
        return new Rejected(name, "no row in table '" + table.name() + "' for key " + k);
      }
      return Objects.requireNonNull(combiner.apply(value, row.get()),
          "the combiner returned null");
    }
  }
}
