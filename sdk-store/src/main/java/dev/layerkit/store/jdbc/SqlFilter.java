package dev.layerkit.store.jdbc;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.layerkit.store.Filter;
import dev.layerkit.store.Filter.Condition;
import dev.layerkit.store.internal.JsonDocs;
import java.math.BigDecimal;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Translates a {@link Filter} into a WHERE and ORDER BY clause on the {@code doc jsonb} column.
 *
 * <p>Field names are validated by {@code Names} ({@code [A-Za-z_][A-Za-z0-9_]*}) and written as
 * string literals ({@code doc->'customerId'}) so that PostgreSQL can match expression indexes;
 * every value is a parameter. Equality and numeric ranges compare {@code jsonb} values (typed:
 * {@code '5'} never equals {@code '"5"'}); string ranges compare text in {@code COLLATE "C"}, the
 * code-point order of the canonical filter semantics.
 */
final class SqlFilter {

  final String where;
  final String orderBy;
  private final List<Object> parameters;

  private SqlFilter(String where, String orderBy, List<Object> parameters) {
    this.where = where;
    this.orderBy = orderBy;
    this.parameters = parameters;
  }

  static SqlFilter of(Filter filter) {
    StringBuilder where = new StringBuilder();
    List<Object> parameters = new ArrayList<>();
    for (Condition condition : filter.conditions()) {
      where.append(where.length() == 0 ? " WHERE " : " AND ");
      String path = "doc->'" + condition.field() + "'";
      switch (condition.operator()) {
        case EQ:
          where.append(path).append(" = ?::jsonb");
          parameters.add(json(condition.value()));
          break;
        case IN:
          where.append(path).append(" IN (");
          for (int i = 0; i < condition.values().size(); i++) {
            where.append(i == 0 ? "?::jsonb" : ", ?::jsonb");
            parameters.add(json(condition.values().get(i)));
          }
          where.append(')');
          break;
        default:
          String op = operator(condition.operator());
          Object bound = condition.value();
          if (bound instanceof String) {
            where.append("(CASE WHEN jsonb_typeof(").append(path).append(") = 'string' THEN doc->>'")
                .append(condition.field()).append("' END) COLLATE \"C\" ").append(op).append(" ?");
            parameters.add(bound);
          } else {
            String type = bound instanceof Boolean ? "boolean" : "number";
            where.append("(jsonb_typeof(").append(path).append(") = '").append(type).append("' AND ").append(path)
                .append(' ').append(op).append(" ?::jsonb)");
            parameters.add(json(bound));
          }
      }
    }
    StringBuilder order = new StringBuilder();
    for (Filter.Sort key : filter.sort()) {
      String path = "doc->'" + key.field() + "'";
      String dir = key.descending() ? " DESC" : "";
      order.append(order.length() == 0 ? " ORDER BY " : ", ");
      order.append("CASE jsonb_typeof(").append(path).append(") WHEN 'number' THEN 1 WHEN 'string' THEN 2")
          .append(" WHEN 'object' THEN 3 WHEN 'array' THEN 4 WHEN 'boolean' THEN 5 ELSE 0 END").append(dir)
          .append(", CASE WHEN jsonb_typeof(").append(path).append(") = 'number' THEN (doc->>'")
          .append(key.field()).append("')::numeric END").append(dir)
          .append(", (CASE WHEN jsonb_typeof(").append(path).append(") <> 'number' THEN doc->>'")
          .append(key.field()).append("' END) COLLATE \"C\"").append(dir);
    }
    if (!filter.sort().isEmpty()) {
      order.append(", id COLLATE \"C\"");
    }
    return new SqlFilter(where.toString(), order.toString(), parameters);
  }

  /** The values bound to the clause's {@code ?} markers, in order (for tests). */
  List<Object> parameters() {
    return List.copyOf(parameters);
  }

  /** Binds the filter's parameters from index {@code first}; returns the next free index. */
  int bind(PreparedStatement statement, int first) throws SQLException {
    int index = first;
    for (Object parameter : parameters) {
      if (parameter instanceof BigDecimal) {
        statement.setBigDecimal(index++, (BigDecimal) parameter);
      } else {
        statement.setString(index++, (String) parameter);
      }
    }
    return index;
  }

  private static String operator(Filter.Operator operator) {
    switch (operator) {
      case GT:
        return ">";
      case GTE:
        return ">=";
      case LT:
        return "<";
      case LTE:
        return "<=";
      default:
        throw new AssertionError(operator);
    }
  }

  private static String json(Object value) {
    try {
      return JsonDocs.MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write a filter value as JSON: " + value, e);
    }
  }
}
