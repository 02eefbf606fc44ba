package dev.layerkit.store.mongo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.layerkit.store.Filter;
import java.util.Map;
import org.bson.BsonArray;
import org.bson.BsonBoolean;
import org.bson.BsonDecimal128;
import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonNull;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.types.Decimal128;

/**
 * Converts between Jackson trees and BSON without MongoDB's extended JSON: a string such as
 * {@code {"$ne": null}} or an object key such as {@code $date} is data, never an operator or a
 * type marker, which {@code Document.parse} would not guarantee.
 */
final class BsonJson {

  private BsonJson() {}

  static BsonValue toBson(JsonNode node) {
    switch (node.getNodeType()) {
      case OBJECT: {
        BsonDocument doc = new BsonDocument();
        for (Map.Entry<String, JsonNode> field : node.properties()) {
          doc.append(field.getKey(), toBson(field.getValue()));
        }
        return doc;
      }
      case ARRAY: {
        BsonArray array = new BsonArray();
        for (JsonNode element : node) {
          array.add(toBson(element));
        }
        return array;
      }
      case STRING:
        return new BsonString(node.textValue());
      case BOOLEAN:
        return BsonBoolean.valueOf(node.booleanValue());
      case NUMBER:
        if (node.canConvertToInt() && node.isIntegralNumber()) {
          return new BsonInt32(node.intValue());
        }
        if (node.canConvertToLong() && node.isIntegralNumber()) {
          return new BsonInt64(node.longValue());
        }
        if (node.isIntegralNumber() || node.isBigDecimal()) {
          return new BsonDecimal128(new Decimal128(node.decimalValue()));
        }
        return new BsonDouble(node.doubleValue());
      default:
        return BsonNull.VALUE;
    }
  }

  static BsonValue value(Object filterValue) {
    if (filterValue instanceof String) {
      return new BsonString((String) filterValue);
    }
    if (filterValue instanceof Long) {
      return new BsonInt64((Long) filterValue);
    }
    if (filterValue instanceof Double) {
      return new BsonDouble((Double) filterValue);
    }
    if (filterValue instanceof Boolean) {
      return BsonBoolean.valueOf((Boolean) filterValue);
    }
    throw new IllegalArgumentException("unsupported filter value " + filterValue.getClass().getName());
  }

  static String path(Filter.Condition condition) {
    return MongoRepository.DOC + "." + condition.field();
  }
}
