package dev.layerkit.store.mongo;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.mongodb.MongoClientSettings;
import dev.layerkit.store.Filter;
import dev.layerkit.store.FilterFuzzing;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonValue;

/**
 * Fuzzes the translation of a {@link Filter} into a MongoDB query ({@link MongoRepository#toBson})
 * with hostile field names and literals. In a normal test run Jazzer replays the committed inputs
 * under {@code MongoFilterFuzzTestInputs/}; RELIABILITY.md has the command for a fuzzing run.
 */
class MongoFilterFuzzTest {

  private static final Set<String> OPERATORS = Set.of("$in", "$gt", "$gte", "$lt", "$lte");

  /**
   * No injection: the query's only keys are the operators and {@code doc.<field>} for a field that
   * is a plain identifier (so no {@code $where}, no dotted path into another field), and the
   * literal appears only as a typed leaf value equal to itself (a string such as
   * <code>{"$ne": null}</code> stays a string, never a sub-query).
   */
  @FuzzTest(maxDuration = "2m")
  void aFuzzedLiteralIsALeafValueAndNeverAnOperatorOrAPath(FuzzedDataProvider data) {
    FilterFuzzing.Case c = FilterFuzzing.read(data);
    Filter filter = c.filter();
    if (filter == null) {
      return; // refused at the boundary
    }
    assertThat(c.field()).matches("[A-Za-z_][A-Za-z0-9_]{0,62}");
    BsonDocument query = render(filter);
    List<String> keys = new ArrayList<>();
    List<BsonValue> leaves = new ArrayList<>();
    walk(query, keys, leaves);
    for (String key : keys) {
      assertThat(key.equals(MongoRepository.DOC + "." + c.field()) || OPERATORS.contains(key)).as(key).isTrue();
    }
    assertThat(leaves).containsExactly(BsonJson.value(filter.conditions().get(0).value()));
    assertThat(render(c.withOtherLiteral()).keySet()).isEqualTo(query.keySet());
  }

  private static BsonDocument render(Filter filter) {
    return MongoRepository.toBson(filter).toBsonDocument(BsonDocument.class, MongoClientSettings.getDefaultCodecRegistry());
  }

  private static void walk(BsonValue value, List<String> keys, List<BsonValue> leaves) {
    if (value instanceof BsonDocument document) {
      for (Map.Entry<String, BsonValue> entry : document.entrySet()) {
        keys.add(entry.getKey());
        walk(entry.getValue(), keys, leaves);
      }
    } else if (value instanceof BsonArray array) {
      for (BsonValue element : array) {
        walk(element, keys, leaves);
      }
    } else {
      leaves.add(value);
    }
  }
}
