package dev.layerkit.benchmarks;

import dev.layerkit.benchmarks.state.InJvmKafka;
import dev.layerkit.core.codec.Codecs;
import dev.layerkit.events.PublishReceipt;
import dev.layerkit.events.kafka.KafkaEventPublisher;
import dev.layerkit.events.kafka.KafkaTopics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Kafka publish throughput as rounds of three arms, for a machine shared with other work: each
 * round publishes {@value #ROUND} 100-byte events through a raw {@link KafkaProducer} keeping the
 * {@code send} futures, the same with a per-record callback, and through {@link
 * KafkaEventPublisher} (same settings, same in-JVM broker, same topic of 4 partitions, 1,024
 * keys), each followed by {@code flush()} and a check that every send succeeded; the order
 * rotates between rounds. The arms of a round see nearly the same load from the rest of the
 * machine, so the median of the per-round ratios is steadier than JMH scores taken a minute
 * apart.
 *
 * <p>Run (after {@code ./mvnw -B -q package -pl benchmarks -am -DskipTests}): {@code java -cp
 * benchmarks/target/benchmarks.jar dev.layerkit.benchmarks.KafkaPublishRatioReport [rounds]}
 * (default 30 rounds after 5 warm-up rounds).
 */
public final class KafkaPublishRatioReport {

  static final int ROUND = 50_000;
  static final int KEYS = 1_024;

  private KafkaPublishRatioReport() {}

  /**
   * Runs the rounds and prints the medians.
   *
   * @param args optional number of measured rounds
   * @throws Exception if the broker or a publish fails
   */
  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 30;
    int warmup = 5;
    String[] keys = new String[KEYS];
    for (int i = 0; i < KEYS; i++) {
      keys[i] = "customer-" + i;
    }
    byte[] payload = new byte[100];
    Arrays.fill(payload, (byte) 'x');
    try (InJvmKafka kafka = InJvmKafka.start()) {
      String topic = "bench-ratio-" + System.nanoTime();
      try (Admin admin = Admin.create(Map.<String, Object>of(
          AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
        KafkaTopics.create(admin, topic, 4, (short) 1, Map.of(), Duration.ofSeconds(60));
      }
      try (KafkaProducer<String, byte[]> raw = new KafkaProducer<>(
              KafkaEventPublisher.defaultProducerConfig(kafka.bootstrapServers()),
              new StringSerializer(), new ByteArraySerializer());
          KafkaEventPublisher<byte[]> publisher =
              KafkaEventPublisher.builder(kafka.bootstrapServers(), Codecs.bytes()).build()) {
        double[] rawRates = new double[rounds];
        double[] callbackRates = new double[rounds];
        double[] ourRates = new double[rounds];
        double[] ratios = new double[rounds];
        double[] callbackRatios = new double[rounds];
        for (int r = -warmup; r < rounds; r++) {
          double[] rates = new double[3];
          for (int k = 0; k < 3; k++) {
            int arm = Math.floorMod(r + k, 3);
            rates[arm] = switch (arm) {
              case 0 -> rawRound(raw, topic, keys, payload, false);
              case 1 -> rawRound(raw, topic, keys, payload, true);
              default -> ourRound(publisher, topic, keys, payload);
            };
          }
          if (r >= 0) {
            rawRates[r] = rates[0];
            callbackRates[r] = rates[1];
            ourRates[r] = rates[2];
            ratios[r] = rates[2] / rates[0];
            callbackRatios[r] = rates[2] / rates[1];
          }
        }
        System.out.printf(Locale.ROOT, "rounds: %d x %,d events per arm (after %d warm-up)%n",
            rounds, ROUND, warmup);
        print("raw send, futures", rawRates);
        print("raw send + callback", callbackRates);
        print("KafkaEventPublisher", ourRates);
        System.out.printf(Locale.ROOT,
            "publisher / raw send + callback, per round: median %.3f (p10 %.3f, p90 %.3f)%n",
            median(callbackRatios), percentile(callbackRatios, 10),
            percentile(callbackRatios, 90));
        System.out.printf(Locale.ROOT,
            "publisher / raw send, futures, per round:   median %.3f (p10 %.3f, p90 %.3f)%n",
            median(ratios), percentile(ratios, 10), percentile(ratios, 90));
      }
    }
  }

  private static void print(String name, double[] rates) {
    System.out.printf(Locale.ROOT, "%-22s median %,.0f events/s (p10 %,.0f, p90 %,.0f)%n", name,
        median(rates), percentile(rates, 10), percentile(rates, 90));
  }

  private static double rawRound(KafkaProducer<String, byte[]> raw, String topic, String[] keys,
      byte[] payload, boolean callback) throws Exception {
    List<Future<RecordMetadata>> sent = new ArrayList<>(ROUND);
    AtomicLong failures = new AtomicLong();
    Callback onAck = (metadata, error) -> {
      if (error != null) {
        failures.incrementAndGet();
      }
    };
    long start = System.nanoTime();
    for (int i = 0; i < ROUND; i++) {
      ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, keys[i & (KEYS - 1)],
          payload);
      sent.add(callback ? raw.send(record, onAck) : raw.send(record));
    }
    raw.flush();
    long nanos = System.nanoTime() - start;
    for (Future<RecordMetadata> f : sent) {
      f.get();
    }
    if (failures.get() > 0) {
      throw new IllegalStateException(failures.get() + " sends failed");
    }
    return ROUND * 1e9 / nanos;
  }

  private static double ourRound(KafkaEventPublisher<byte[]> publisher, String topic,
      String[] keys, byte[] payload) throws Exception {
    List<CompletableFuture<PublishReceipt>> sent = new ArrayList<>(ROUND);
    long start = System.nanoTime();
    for (int i = 0; i < ROUND; i++) {
      sent.add(publisher.publish(topic, keys[i & (KEYS - 1)], payload));
    }
    publisher.flush();
    long nanos = System.nanoTime() - start;
    for (CompletableFuture<PublishReceipt> f : sent) {
      f.get();
    }
    return ROUND * 1e9 / nanos;
  }

  private static double median(double[] values) {
    return percentile(values, 50);
  }

  private static double percentile(double[] values, int p) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int index = (int) Math.round((sorted.length - 1) * p / 100.0);
    return sorted[index];
  }
}
