package dev.layerkit.benchmarks;

import dev.layerkit.benchmarks.state.KafkaBrokerProcess;
import dev.layerkit.benchmarks.state.KafkaPublishArms;
import dev.layerkit.benchmarks.state.ThreadCpuProfiler;
import dev.layerkit.core.codec.Codecs;
import dev.layerkit.events.EventPublisher;
import dev.layerkit.events.kafka.KafkaEventPublisher;
import dev.layerkit.events.kafka.KafkaTopics;
import java.time.Duration;
import java.util.List;
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
 * 64 KiB batches, lz4), both to one single-broker KRaft cluster in a child JVM ({@link
 * KafkaBrokerProcess}: the broker's threads share the machine, not the benchmark's JVM), one topic
 * of 4 partitions per fork (deleted when the fork ends), 1,024 keys.
 *
 * <p>An operation is one call of a {@link KafkaPublishArms} arm, the same code that {@link
 * KafkaPublishRatioReport} times: {@value KafkaPublishArms#EVENTS} events, then {@code flush()},
 * which waits for every acknowledgement, and a check that every send succeeded. So the score is
 * end-to-end events/s, and the two tools measure the same thing. {@code @Setup} first runs the
 * report's warm-up ({@link KafkaPublishArms#warmUp}: every arm in turn, on the producers that are
 * then measured, until the JIT is quiet), so that a fork timing one arm has the same JIT profile
 * as the report timing all five.
 *
 * <p>Each arm checks its sends the way its raw counterpart does: {@code layerkitPublish} after
 * {@code flush()} by one read, the publisher's health, as the anchor reads its shared callback's
 * count (every publish still makes, returns and completes its future);
 * {@code layerkitPublishKeepingFutures} keeps every future and checks each, as {@code
 * rawSendKeepingFutures} does, a pass that costs the caller about 18 ns per event more.
 *
 * <p>Run it through {@link KafkaPublishForkRounds}, which starts one broker for every fork and runs
 * the forks of the arms interleaved, as the report runs its rounds, with CPU time per event ({@link
 * ThreadCpuProfiler}): {@code java -Djmh.ignoreLock=true -cp benchmarks/target/benchmarks.jar
 * dev.layerkit.benchmarks.KafkaPublishForkRounds
 * '\.KafkaPublishBenchmark\.(rawSendWithCallback|layerkitPublish|layerkitPublishAndForget)$' -prof
 * gc} (about 8 minutes: 5 rounds; per fork a warm-up until the JIT is quiet, then 2 + 5 iterations
 * of 2 s). Plain JMH ({@code java -jar benchmarks/target/benchmarks.jar
 * '\.KafkaPublishBenchmark\.'}) still works, each fork then starting a broker of its own and each
 * arm's forks running one after the other; on the idle machine that left the anchor's score with
 * a +-23% error over three forks and the ratio 1.16 against the report's 0.90.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(5)
@State(Scope.Benchmark)
public class KafkaPublishBenchmark {

  private KafkaBrokerProcess kafka;
  private String topic;
  private KafkaProducer<String, byte[]> raw;
  private KafkaEventPublisher<byte[]> publisher;
  private KafkaPublishArms arms;

  /** Starts the broker, creates the topic and builds both producers. */
  @Setup(Level.Trial)
  public void setUp() throws Exception {
    kafka = KafkaBrokerProcess.start();
    topic = "bench-publish-" + System.nanoTime();
    try (Admin admin = admin()) {
      KafkaTopics.create(admin, topic, 4, (short) 1, Map.of(), Duration.ofSeconds(60));
    }
    arms = new KafkaPublishArms(topic);
    raw = new KafkaProducer<>(KafkaEventPublisher.defaultProducerConfig(kafka.bootstrapServers()),
        new StringSerializer(), new ByteArraySerializer());
    publisher = KafkaEventPublisher.builder(kafka.bootstrapServers(), Codecs.bytes()).build();
    // Warm the broker, both producers and the JIT exactly as the report does, every arm in turn,
    // before any arm is timed.
    int warmUpRounds = arms.warmUp(raw, publisher);
    System.out.println("(warm-up: " + warmUpRounds + " rounds of every arm, until the JIT was"
        + " quiet)");
  }

  /** Marks the start of the iteration's CPU time for {@link ThreadCpuProfiler}. */
  @Setup(Level.Iteration)
  public void markIterationStart() {
    ThreadCpuProfiler.markIterationStart();
  }

  /** Marks the end of the iteration's CPU time, before a trial's tear-down. */
  @TearDown(Level.Iteration)
  public void markIterationEnd() {
    ThreadCpuProfiler.markIterationEnd();
  }

  /**
   * Closes the producers, deletes the topic (so that a broker shared by every fork holds the same
   * data when each fork starts) and stops the broker if this fork started it.
   */
  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    raw.close();
    publisher.close();
    try (Admin admin = admin()) {
      admin.deleteTopics(List.of(topic)).all().get(60, TimeUnit.SECONDS);
    }
    kafka.close();
  }

  private Admin admin() {
    return Admin.create(Map.<String, Object>of(
        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
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

  /**
   * {@link EventPublisher#publish}, keeping every future and checking each after {@code flush()},
   * as {@link #rawSendKeepingFutures} does.
   */
  @Benchmark
  @OperationsPerInvocation(KafkaPublishArms.EVENTS)
  public void layerkitPublishKeepingFutures() {
    arms.publishKeepingFutures(publisher);
  }

  /** {@link EventPublisher#publishAndForget}, then {@code flush()}. */
  @Benchmark
  @OperationsPerInvocation(KafkaPublishArms.EVENTS)
  public void layerkitPublishAndForget() {
    arms.publishAndForget(publisher);
  }
}
