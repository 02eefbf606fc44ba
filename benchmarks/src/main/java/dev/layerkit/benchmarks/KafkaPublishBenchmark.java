package dev.layerkit.benchmarks;

import dev.layerkit.benchmarks.state.InJvmKafka;
import dev.layerkit.benchmarks.state.KeyCursor;
import dev.layerkit.core.codec.Codecs;
import dev.layerkit.events.EventPublisher;
import dev.layerkit.events.kafka.KafkaEventPublisher;
import dev.layerkit.events.kafka.KafkaTopics;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
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
 * 64 KiB batches, lz4), both to one in-JVM KRaft broker started in {@code @Setup} (or {@code
 * -Dlayerkit.bench.kafka=host:port}), one topic of 4 partitions, 1,024 keys.
 *
 * <p>An operation publishes {@value #BATCH} events and then {@code flush()}es, which waits for
 * every acknowledgement, so the score is end-to-end, not how fast records enter the buffer. The
 * raw anchor sends with a callback (as a user who wants to learn of failures does; it counts
 * failures); {@code layerkitPublish} counts failed futures after the flush; {@code
 * rawSendNoCallback} ignores failures.
 *
 * <p>Run (after {@code ./mvnw -B -q package -pl benchmarks -am -DskipTests}):
 * {@code java -Djmh.ignoreLock=true -jar benchmarks/target/benchmarks.jar '\.KafkaPublishBenchmark\.'
 * -f 1 -wi 3 -i 5 -prof gc -rf json -rff /tmp/kafka-publish.json}, then {@code python3
 * benchmarks/jmh_table.py /tmp/kafka-publish.json rawSendWithCallback}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class KafkaPublishBenchmark {

  static final int BATCH = 1_000;
  static final int KEYS = 1_024;

  private InJvmKafka kafka;
  private String topic;
  private String[] keys;
  private byte[] payload;
  private KafkaProducer<String, byte[]> raw;
  private KafkaEventPublisher<byte[]> publisher;
  private final AtomicLong failures = new AtomicLong();
  private Callback callback;
  private final CompletableFuture<?>[] futures = new CompletableFuture<?>[BATCH];

  /** Starts the broker, creates the topic and builds both producers. */
  @Setup(Level.Trial)
  public void setUp() throws Exception {
    kafka = InJvmKafka.start();
    topic = "bench-publish-" + System.nanoTime();
    try (Admin admin = Admin.create(Map.<String, Object>of(
        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      KafkaTopics.create(admin, topic, 4, (short) 1, Map.of(), Duration.ofSeconds(60));
    }
    keys = new String[KEYS];
    for (int i = 0; i < KEYS; i++) {
      keys[i] = "customer-" + i;
    }
    payload = new byte[100];
    for (int i = 0; i < payload.length; i++) {
      payload[i] = (byte) ('a' + i % 26);
    }
    raw = new KafkaProducer<>(KafkaEventPublisher.defaultProducerConfig(kafka.bootstrapServers()),
        new StringSerializer(), new ByteArraySerializer());
    publisher = KafkaEventPublisher.builder(kafka.bootstrapServers(), Codecs.bytes()).build();
    callback = (metadata, error) -> {
      if (error != null) {
        failures.incrementAndGet();
      }
    };
  }

  /** Closes the producers and the broker; fails the run if any publish failed. */
  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    raw.close();
    publisher.close();
    kafka.close();
    if (failures.get() > 0) {
      throw new IllegalStateException(failures.get() + " publishes failed");
    }
  }

  /** The anchor: a raw {@code KafkaProducer.send} with a callback, then {@code flush()}. */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void rawSendWithCallback(KeyCursor cursor) {
    for (int i = 0; i < BATCH; i++) {
      raw.send(new ProducerRecord<>(topic, cursor.next(keys), payload), callback);
    }
    raw.flush();
  }

  /** A raw {@code KafkaProducer.send} without a callback, then {@code flush()}. */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void rawSendNoCallback(KeyCursor cursor) {
    for (int i = 0; i < BATCH; i++) {
      raw.send(new ProducerRecord<>(topic, cursor.next(keys), payload));
    }
    raw.flush();
  }

  /**
   * A raw send with a callback carrying a 36-character UUID header, as an envelope's event id
   * would: what the id alone costs on the wire.
   */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void rawSendWithUuidHeader(KeyCursor cursor) {
    for (int i = 0; i < BATCH; i++) {
      ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, cursor.next(keys), payload);
      record.headers().add("layerkit.event-id", java.util.UUID.randomUUID().toString()
          .getBytes(java.nio.charset.StandardCharsets.UTF_8));
      raw.send(record, callback);
    }
    raw.flush();
  }

  /** {@link EventPublisher#publish} through {@link KafkaEventPublisher}, then {@code flush()}. */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void layerkitPublish(KeyCursor cursor) {
    CompletableFuture<?>[] sent = futures;
    for (int i = 0; i < BATCH; i++) {
      sent[i] = publisher.publish(topic, cursor.next(keys), payload);
    }
    publisher.flush();
    // The futures are complete after flush(); checking them here keeps the failure count off
    // the producer's I/O thread, where the anchor's callback does it.
    for (CompletableFuture<?> future : sent) {
      if (future.isCompletedExceptionally()) {
        failures.incrementAndGet();
      }
    }
  }
}
