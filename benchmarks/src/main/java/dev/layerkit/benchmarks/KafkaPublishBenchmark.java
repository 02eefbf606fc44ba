package dev.layerkit.benchmarks;

import dev.layerkit.benchmarks.state.KafkaBrokerProcess;
import dev.layerkit.benchmarks.state.KafkaPublishArms;
import dev.layerkit.core.codec.Codecs;
import dev.layerkit.events.EventPublisher;
import dev.layerkit.events.kafka.KafkaEventPublisher;
import dev.layerkit.events.kafka.KafkaTopics;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Kafka publish throughput, events/s of 100-byte payloads acknowledged by the broker: {@link
 * KafkaEventPublisher} beside a raw {@link KafkaProducer} built from the same settings ({@link
 * KafkaEventPublisher#defaultProducerConfig}: idempotent, {@code acks=all}, {@code linger.ms=5},
 * 64 KiB batches, lz4), both to one single-broker KRaft cluster that {@code @Setup} starts in a
 * child JVM ({@link KafkaBrokerProcess}: the broker's threads share the machine, not the
 * benchmark's JVM), one topic of 4 partitions, 1,024 keys.
 *
 * <p>An operation is one call of a {@link KafkaPublishArms} arm, the same code that {@link
 * KafkaPublishRatioReport} times: {@value KafkaPublishArms#EVENTS} events, then {@code flush()},
 * which waits for every acknowledgement, and a check that every send succeeded. So the score is
 * end-to-end events/s, and the two tools measure the same thing. Each fork's broker is new, so
 * {@code @Setup} first runs the report's warm-up ({@link KafkaPublishArms#warmUp}: every arm in
 * turn, 1,000,000 events, on the producers that are then measured), so that a fork timing one arm
 * has the same JIT profile as the report timing all four.
 *
 * <p>One fork of five 2 s iterations per arm left the score's error at 20-60% even on an idle
 * machine, wider than the difference between the arms; each fork also has a broker of its own.
 * So the defaults are three forks of ten iterations per arm (about 5 minutes for three arms).
 *
 * <p>Run (after {@code ./mvnw -B -q package -pl benchmarks -am -DskipTests -DskipITs}):
 * {@code java -Djmh.ignoreLock=true -jar benchmarks/target/benchmarks.jar '\.KafkaPublishBenchmark\.'
 * -prof gc -rf json -rff /tmp/kafka-publish.json}, then {@code python3
 * benchmarks/jmh_table.py /tmp/kafka-publish.json rawSendWithCallback}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 10, time = 2)
@Fork(3)
@State(Scope.Benchmark)
public class KafkaPublishBenchmark {

  private KafkaBrokerProcess kafka;
  private KafkaProducer<String, byte[]> raw;
  private KafkaEventPublisher<byte[]> publisher;
  private KafkaPublishArms arms;

  /** Starts the broker, creates the topic and builds both producers. */
  @Setup(Level.Trial)
  public void setUp() throws Exception {
    kafka = KafkaBrokerProcess.start();
    String topic = "bench-publish-" + System.nanoTime();
    try (Admin admin = Admin.create(Map.<String, Object>of(
        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      KafkaTopics.create(admin, topic, 4, (short) 1, Map.of(), Duration.ofSeconds(60));
    }
    arms = new KafkaPublishArms(topic);
    raw = new KafkaProducer<>(KafkaEventPublisher.defaultProducerConfig(kafka.bootstrapServers()),
        new StringSerializer(), new ByteArraySerializer());
    publisher = KafkaEventPublisher.builder(kafka.bootstrapServers(), Codecs.bytes()).build();
    // Each fork has its own broker, cold: warm it, both producers and the JIT exactly as the
    // report does, every arm in turn, before any arm is timed.
    arms.warmUp(raw, publisher);
  }

  /** Closes the producers and stops the broker. */
  @TearDown(Level.Trial)
  public void tearDown() {
    raw.close();
    publisher.close();
    kafka.close();
  }

  /** The anchor: a raw {@code KafkaProducer.send} with a callback, then {@code flush()}. */
  @Benchmark
  @OperationsPerInvocation(KafkaPublishArms.EVENTS)
  public void rawSendWithCallback() {
    arms.rawSendWithCallback(raw);
  }

  /** A raw {@code KafkaProducer.send} keeping each future, then {@code flush()}. */
  @Benchmark
  @OperationsPerInvocation(KafkaPublishArms.EVENTS)
  public void rawSendKeepingFutures() throws Exception {
    arms.rawSendKeepingFutures(raw);
  }

  /** {@link EventPublisher#publish} through {@link KafkaEventPublisher}, then {@code flush()}. */
  @Benchmark
  @OperationsPerInvocation(KafkaPublishArms.EVENTS)
  public void layerkitPublish() {
    arms.publish(publisher);
  }

  /** {@link EventPublisher#publishAndForget}, then {@code flush()}. */
  @Benchmark
  @OperationsPerInvocation(KafkaPublishArms.EVENTS)
  public void layerkitPublishAndForget() {
    arms.publishAndForget(publisher);
  }
}
