package dev.layerkit.store;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** Builds one-condition filters from fuzzer input, for the SQL and MongoDB translation fuzz tests. */
public final class FilterFuzzing {

  private FilterFuzzing() {}

  /** A fuzzed field, operator and literal. */
  public record Case(String field, Filter.Operator operator, Object literal) {

    /**
     * Returns the filter, or null if {@link Filter} refuses the field or the literal.
     *
     * @return the filter
     */
    public @Nullable Filter filter() {
      return filterWith(literal);
    }

    /**
     * Returns the same filter with another literal of the same type.
     *
     * @return the filter
     */
    public Filter withOtherLiteral() {
      Object other = literal instanceof String ? "x" : literal instanceof Boolean ? Boolean.valueOf(!(Boolean) literal)
          : literal instanceof Long ? (Object) 7L : (Object) 0.5d;
      Filter filter = filterWith(other);
      if (filter == null) {
        throw new AssertionError("the placeholder filter was refused");
      }
      return filter;
    }

    private @Nullable Filter filterWith(Object value) {
      try {
        switch (operator) {
          case EQ:
            return Filter.eq(field, value);
          case IN:
            return Filter.in(field, List.of(value));
          case GT:
            return Filter.gt(field, value);
          case GTE:
            return Filter.gte(field, value);
          case LT:
            return Filter.lt(field, value);
          default:
            return Filter.lte(field, value);
        }
      } catch (IllegalArgumentException e) {
        return null;
      }
    }
  }

  /**
   * Reads a case: the operator and the literal's type from the end of the input, a field of up to
   * 40 characters, then the literal from the rest.
   *
   * @param data the fuzzer's input
   * @return the case
   */
  public static Case read(FuzzedDataProvider data) {
    Filter.Operator operator = Filter.Operator.values()[data.consumeInt(0, Filter.Operator.values().length - 1)];
    int type = data.consumeInt(0, 3);
    String field = data.consumeString(40);
    Object literal = switch (type) {
      case 0 -> data.consumeRemainingAsString();
      case 1 -> data.consumeLong();
      case 2 -> data.consumeRegularDouble();
      default -> data.consumeBoolean();
    };
    return new Case(field, operator, literal);
  }
}
