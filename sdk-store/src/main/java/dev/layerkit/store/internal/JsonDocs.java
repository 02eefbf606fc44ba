package dev.layerkit.store.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import dev.layerkit.store.Filter;
import dev.layerkit.store.Filter.Condition;
import dev.layerkit.store.StoreException;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.Comparator;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Evaluates {@link Filter}s on entities' JSON encodings, with the canonical order every backend
 * follows (see {@link Filter}).
 *
 * <p>The order of JSON types: missing or null (0), number (1), string (2), object (3), array (4),
 * boolean (5), as in MongoDB. Numbers compare by value, strings by code point, booleans
 * {@code false < true}; objects and arrays by their text (deterministic, not meaningful).
 *
 * <p>Thread-safe and stateless.
 */
public final class JsonDocs {

  /** A plain mapper for reading trees: no typing, no custom modules. */
  public static final ObjectMapper MAPPER = JsonMapper.builder().build();

  private JsonDocs() {}

  /**
   * Parses bytes that must be a JSON object.
   *
   * @param repository the repository's name, for the message
   * @param bytes the codec's bytes
   * @return the tree
   * @throws StoreException if the bytes are not a JSON object
   */
  public static JsonNode parseObject(String repository, byte[] bytes) {
    JsonNode tree;
    try {
      tree = MAPPER.readTree(bytes);
    } catch (IOException e) {
      throw new StoreException("repository " + repository + ": the codec's bytes are not JSON, so fields cannot be"
          + " queried; use a JSON codec: " + e.getMessage(), e);
    }
    if (tree == null || !tree.isObject()) {
      throw new StoreException("repository " + repository + ": the codec must encode an entity as a JSON object but gave "
          + (tree == null ? "nothing" : tree.getNodeType()), null);
    }
    return tree;
  }

  /**
   * Returns whether a document meets every condition of the filter.
   *
   * @param doc the entity's JSON object
   * @param filter the filter
   * @return whether it matches
   */
  public static boolean matches(JsonNode doc, Filter filter) {
    for (Condition condition : filter.conditions()) {
      if (!matches(doc.get(condition.field()), condition)) {
        return false;
      }
    }
    return true;
  }

  private static boolean matches(@Nullable JsonNode value, Condition condition) {
    if (value == null || value.isNull()) {
      return false;
    }
    switch (condition.operator()) {
      case EQ:
        return sameType(value, condition.value()) && compare(value, condition.value()) == 0;
      case IN:
        for (Object candidate : condition.values()) {
          if (sameType(value, candidate) && compare(value, candidate) == 0) {
            return true;
          }
        }
        return false;
      case GT:
        return sameType(value, condition.value()) && compare(value, condition.value()) > 0;
      case GTE:
        return sameType(value, condition.value()) && compare(value, condition.value()) >= 0;
      case LT:
        return sameType(value, condition.value()) && compare(value, condition.value()) < 0;
      case LTE:
        return sameType(value, condition.value()) && compare(value, condition.value()) <= 0;
      default:
        throw new AssertionError(condition.operator());
    }
  }

  private static boolean sameType(JsonNode value, Object operand) {
    if (operand instanceof String) {
      return value.isTextual();
    }
    if (operand instanceof Boolean) {
      return value.isBoolean();
    }
    return value.isNumber();
  }

  private static int compare(JsonNode value, Object operand) {
    if (operand instanceof String) {
      return compareCodePoints(value.textValue(), (String) operand);
    }
    if (operand instanceof Boolean) {
      return Boolean.compare(value.booleanValue(), (Boolean) operand);
    }
    BigDecimal bound = operand instanceof Long ? BigDecimal.valueOf((Long) operand) : BigDecimal.valueOf((Double) operand);
    return value.decimalValue().compareTo(bound);
  }

  /**
   * Compares two strings by Unicode code point (the order of their UTF-8 bytes), as MongoDB and
   * PostgreSQL's {@code COLLATE "C"} do.
   *
   * @param a a string
   * @param b another
   * @return negative, zero or positive
   */
  public static int compareCodePoints(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      int ca = a.codePointAt(i);
      int cb = b.codePointAt(j);
      if (ca != cb) {
        return Integer.compare(ca, cb);
      }
      i += Character.charCount(ca);
      j += Character.charCount(cb);
    }
    return Boolean.compare(i < a.length(), j < b.length());
  }

  /**
   * Compares two field values in the canonical order; null stands for a missing field.
   *
   * @param a a value or null
   * @param b another or null
   * @return negative, zero or positive
   */
  public static int compareValues(@Nullable JsonNode a, @Nullable JsonNode b) {
    int ra = rank(a);
    int rb = rank(b);
    if (ra != rb) {
      return Integer.compare(ra, rb);
    }
    if (a == null || b == null || ra == 0) {
      return 0;
    }
    switch (a.getNodeType()) {
      case NUMBER:
        return a.decimalValue().compareTo(b.decimalValue());
      case STRING:
        return compareCodePoints(a.textValue(), b.textValue());
      case BOOLEAN:
        return Boolean.compare(a.booleanValue(), b.booleanValue());
      default:
        return compareCodePoints(a.toString(), b.toString());
    }
  }

  private static int rank(@Nullable JsonNode node) {
    if (node == null) {
      return 0;
    }
    JsonNodeType type = node.getNodeType();
    switch (type) {
      case NUMBER:
        return 1;
      case STRING:
        return 2;
      case OBJECT:
      case POJO:
        return 3;
      case ARRAY:
        return 4;
      case BOOLEAN:
        return 5;
      default:
        return 0;
    }
  }

  /**
   * Returns the comparator of documents for a sort: the sort keys in order, then the id key
   * ascending.
   *
   * @param sort the sort keys
   * @return the comparator of (document, id key) pairs
   */
  public static Comparator<Keyed> comparator(List<Filter.Sort> sort) {
    return (x, y) -> {
      for (Filter.Sort key : sort) {
        int c = compareValues(x.doc().get(key.field()), y.doc().get(key.field()));
        if (c != 0) {
          return key.descending() ? -c : c;
        }
      }
      return compareCodePoints(x.idKey(), y.idKey());
    };
  }

  /**
   * A document with its id key, for sorting.
   *
   * @param idKey the id's text
   * @param doc the JSON object
   * @param payload what the caller carries along: bytes or a decoded entity
   */
  public record Keyed(String idKey, JsonNode doc, Object payload) {}
}
