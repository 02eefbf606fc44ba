package dev.layerkit.events.kafka;

import dev.layerkit.events.internal.RawRecord;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/** Conversions between Layerkit's string headers and raw records and Kafka's types. */
final class KafkaRecords {

  private KafkaRecords() {}

  static Headers toKafka(Map<String, String> headers) {
    RecordHeaders kafka = new RecordHeaders();
    headers.forEach((name, value) -> kafka.add(name, value.getBytes(StandardCharsets.UTF_8)));
    return kafka;
  }

  static Map<String, String> fromKafka(Headers headers) {
    Map<String, String> map = new HashMap<>();
    for (Header header : headers) {
      byte[] value = header.value();
      map.put(header.key(), value == null ? "" : new String(value, StandardCharsets.UTF_8));
    }
    return map;
  }

  static RawRecord toRaw(ConsumerRecord<String, byte[]> record) {
    byte[] value = record.value();
    return new RawRecord(record.topic(), record.partition(), record.offset(),
        record.key() == null ? "" : record.key(), record.timestamp(),
        fromKafka(record.headers()), value == null ? new byte[0] : value);
  }
}
