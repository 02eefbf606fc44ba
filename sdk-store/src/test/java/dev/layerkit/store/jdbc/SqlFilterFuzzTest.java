package dev.layerkit.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.layerkit.store.Filter;
import dev.layerkit.store.FilterFuzzing;
import dev.layerkit.store.internal.JsonDocs;

/**
 * Fuzzes the translation of a {@link Filter} into SQL ({@link SqlFilter}) with hostile field names
 * and literals. In a normal test run Jazzer replays the committed inputs under
 * {@code SqlFilterFuzzTestInputs/}; RELIABILITY.md has the command for a fuzzing run.
 */
class SqlFilterFuzzTest {

  /**
   * No injection: a field name reaches the SQL text only if it is a plain identifier; the SQL text
   * is the same whatever the literal (so the literal cannot change the statement), the literal is
   * bound as a parameter that reads back as exactly the literal, and under the canonical filter
   * semantics an equality on it matches only a document holding that literal.
   */
  @FuzzTest(maxDuration = "2m")
  void aFuzzedLiteralIsBoundAsAParameterAndNeverChangesTheSql(FuzzedDataProvider data) throws Exception {
    FilterFuzzing.Case c = FilterFuzzing.read(data);
    Filter filter = c.filter();
    if (filter == null) {
      return; // refused at the boundary, before any SQL is written
    }
    assertThat(c.field()).matches("[A-Za-z_][A-Za-z0-9_]{0,62}");
    SqlFilter sql = SqlFilter.of(filter);
    assertThat(sql.where).isEqualTo(SqlFilter.of(c.withOtherLiteral()).where);
    assertThat(sql.parameters()).hasSize(1);
    Object bound = sql.parameters().get(0);
    Object literal = filter.conditions().get(0).value();
    if (literal instanceof String && bound.equals(literal)) {
      assertThat(c.operator()).isNotIn(Filter.Operator.EQ, Filter.Operator.IN); // a text range binds the text itself
    } else {
      JsonNode json = JsonDocs.MAPPER.readTree((String) bound); // a ?::jsonb parameter: the literal as JSON
      assertThat(sameJsonValue(json, node(literal))).as("%s binds %s", literal, bound).isTrue();
    }
    if (c.operator() == Filter.Operator.EQ) {
      ObjectNode holding = JsonNodeFactory.instance.objectNode().set(c.field(), node(literal));
      ObjectNode other = JsonNodeFactory.instance.objectNode().set(c.field(),
          node(c.withOtherLiteral().conditions().get(0).value()));
      assertThat(JsonDocs.matches(holding, filter)).isTrue();
      assertThat(JsonDocs.matches(other, filter)).isEqualTo(node(literal).equals(other.get(c.field())));
    }
  }

  /**
   * JSON equality as jsonb compares: numbers by value (Jackson reads a small long back as an
   * IntNode, which {@code equals} would tell apart; the first fuzzing run found that in this
   * oracle, and the input stays as {@code long_zero_binds_as_json_int}), anything else exactly.
   */
  private static boolean sameJsonValue(JsonNode a, JsonNode b) {
    if (a.isNumber() && b.isNumber()) {
      return a.decimalValue().compareTo(b.decimalValue()) == 0;
    }
    return a.equals(b);
  }

  private static JsonNode node(Object literal) {
    return JsonDocs.MAPPER.valueToTree(literal);
  }
}
