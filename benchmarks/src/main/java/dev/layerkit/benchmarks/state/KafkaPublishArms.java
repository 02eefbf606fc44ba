package dev.layerkit.benchmarks.state;

import dev.layerkit.core.health.HealthStatus;
import dev.layerkit.events.PublishReceipt;
import dev.layerkit.events.kafka.KafkaEventPublisher;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * The arms of the Kafka publish comparison, shared by {@code KafkaPublishBenchmark} and {@code
 * KafkaPublishRatioReport} so that JMH and the paired report time exactly the same code: each arm
 * sends {@value #EVENTS} 100-byte events over {@value #KEYS} keys, then {@code flush()}es (which
 * waits for every acknowledgement) and checks that every send succeeded. Not thread-safe: one
 * instance per benchmark thread.
 *
 * <p>Both tools also warm up alike, with {@link #warmUp}: rounds of every arm in the rotating order
 * of {@link #armOfRound}, until the JIT is quiet, on the producers they then measure. So the JIT
 * has seen every arm (every callback type at Kafka's callback call sites) before anything is timed,
 * in a JMH fork that times one arm as in the report that times all five, and each producer's
 * connections, buffers and metadata are warm.
 */
public final class KafkaPublishArms {

  /** Events per arm call: a JMH operation and a report round. */
  public static final int EVENTS = 50_000;

  /** Distinct keys. */
  public static final int KEYS = 1_024;

  /** The arms' names, in the order of {@link #run}'s {@code arm} numbers. */
  public static final List<String> NAMES = List.of(
      "raw send, futures", "raw send + callback", "publish", "publishAndForget",
      "publish, futures");

  /** The fewest rounds of every arm in {@link #warmUp}: 1,250,000 events in all. */
  public static final int WARM_UP_ROUNDS = 5;

  /** The most rounds of every arm in {@link #warmUp}: 75,000,000 events in all. */
  public static final int MAX_WARM_UP_ROUNDS = 300;

  /**
   * {@link #warmUp} ends once its last {@value} rounds together made the JIT compile for less than
   * {@value #QUIET_COMPILE_MILLIS} ms.
   */
  public static final int QUIET_ROUNDS = 5;

  /** See {@link #QUIET_ROUNDS}. */
  public static final long QUIET_COMPILE_MILLIS = 10;

  private final String topic;
  private final String[] keys = new String[KEYS];
  private final byte[] payload = new byte[100];
  private final Object[] sent = new Object[EVENTS];
  private final AtomicLong failures = new AtomicLong();
  private final Callback countFailures = (metadata, error) -> {
    if (error != null) {
      failures.incrementAndGet();
    }
  };

  /**
   * Creates the arms for one topic.
   *
   * @param topic the topic, created by the caller
   */
  public KafkaPublishArms(String topic) {
    this.topic = topic;
    for (int i = 0; i < KEYS; i++) {
      keys[i] = "customer-" + i;
    }
    for (int i = 0; i < payload.length; i++) {
      payload[i] = (byte) ('a' + i % 26);
    }
  }

  /**
   * Returns which arm runs {@code k}-th in round {@code round}: the order rotates by one arm per
   * round, so that each arm follows each other arm equally often.
   *
   * @param round the round, from 0
   * @param k the position in the round, {@code 0 <= k < NAMES.size()}
   * @return the arm number, an index of {@link #NAMES}
   */
  public static int armOfRound(int round, int k) {
    return Math.floorMod(round + k, NAMES.size());
  }

  /**
   * Runs one arm.
   *
   * @param arm an index of {@link #NAMES}
   * @param raw the raw producer
   * @param publisher the publisher
   * @throws Exception if a send failed
   */
  public void run(int arm, KafkaProducer<String, byte[]> raw,
      KafkaEventPublisher<byte[]> publisher) throws Exception {
    switch (arm) {
      case 0 -> rawSendKeepingFutures(raw);
      case 1 -> rawSendWithCallback(raw);
      case 2 -> publish(publisher);
      case 3 -> publishAndForget(publisher);
      case 4 -> publishKeepingFutures(publisher);
      default -> throw new IllegalArgumentException("arm must be 0 to 4 but was " + arm);
    }
  }

  /**
   * Warms both producers, the broker and the JIT, the same way in both tools: rounds of every arm,
   * at least {@value #WARM_UP_ROUNDS}, then until the JIT is quiet (its last {@value #QUIET_ROUNDS}
   * rounds compiled for less than {@value #QUIET_COMPILE_MILLIS} ms in all), at most {@value
   * #MAX_WARM_UP_ROUNDS}. A fixed 1,000,000 events left C2 compiling (and deoptimising: the arms'
   * different callbacks) for about 30 s more on a loaded 2-core machine, within every JMH fork's
   * measured iterations but only within the report's first rounds.
   *
   * @param raw the raw producer that will be measured
   * @param publisher the publisher that will be measured
   * @return the rounds run
   * @throws Exception if a send failed
   */
  public int warmUp(KafkaProducer<String, byte[]> raw, KafkaEventPublisher<byte[]> publisher)
      throws Exception {
    CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    boolean timed = jit != null && jit.isCompilationTimeMonitoringSupported();
    long[] compiledAt = new long[MAX_WARM_UP_ROUNDS + 1];
    int round = 0;
    while (round < MAX_WARM_UP_ROUNDS) {
      compiledAt[round] = timed ? jit.getTotalCompilationTime() : 0;
      if (round >= Math.max(WARM_UP_ROUNDS, QUIET_ROUNDS)
          && (!timed || compiledAt[round] - compiledAt[round - QUIET_ROUNDS]
              < QUIET_COMPILE_MILLIS)) {
        break;
      }
      for (int k = 0; k < NAMES.size(); k++) {
        run(armOfRound(round, k), raw, publisher);
      }
      round++;
    }
    return round;
  }

  /**
   * Raw {@code KafkaProducer.send} keeping each future, then checking them all.
   *
   * @param raw the producer
   * @throws Exception if a send failed
   */
  public void rawSendKeepingFutures(KafkaProducer<String, byte[]> raw) throws Exception {
    Object[] futures = sent;
    for (int i = 0; i < EVENTS; i++) {
      futures[i] = raw.send(new ProducerRecord<>(topic, keys[i & (KEYS - 1)], payload));
    }
    raw.flush();
    for (Object future : futures) {
      @SuppressWarnings("unchecked")
      Future<RecordMetadata> f = (Future<RecordMetadata>) future;
      f.get();
    }
    Arrays.fill(futures, null);
  }

  /**
   * Raw {@code KafkaProducer.send} with one shared callback that counts failures, as a user who
   * wants to learn of failures does.
   *
   * @param raw the producer
   */
  public void rawSendWithCallback(KafkaProducer<String, byte[]> raw) {
    for (int i = 0; i < EVENTS; i++) {
      raw.send(new ProducerRecord<>(topic, keys[i & (KEYS - 1)], payload), countFailures);
    }
    raw.flush();
    checkFailures();
  }

  /**
   * {@code EventPublisher.publish}, keeping only the last future, then one check after {@code
   * flush()}, as cheap for the caller as the anchor's read of its callback's count: the last future
   * succeeded and the publisher is healthy (its health check is DOWN while the last acknowledged
   * publish failed), as {@link #publishAndForget} checks. Every publish still makes, returns and
   * completes its future; what this arm leaves out is a second pass over 50,000 futures, which
   * {@link #publishKeepingFutures} keeps (and which costs the caller about 18 ns per event: a
   * write-barriered store into an old array and a cache miss per future when it is read back). A
   * failure followed by successes within one round would go unseen here, where the anchor counts
   * it; on this one-broker benchmark failures come as a whole round's (a broker that is down).
   *
   * @param publisher the publisher
   */
  public void publish(KafkaEventPublisher<byte[]> publisher) {
    CompletableFuture<PublishReceipt> last = null;
    for (int i = 0; i < EVENTS; i++) {
      last = publisher.publish(topic, keys[i & (KEYS - 1)], payload);
    }
    publisher.flush();
    if (last == null || last.isCompletedExceptionally() || !last.isDone()
        || publisher.healthCheck().check().status() != HealthStatus.UP) {
      failures.incrementAndGet();
    }
    checkFailures();
  }

  /**
   * {@code EventPublisher.publish}, keeping each future in an array, then checking them all, as
   * {@link #rawSendKeepingFutures} does for the raw send.
   *
   * @param publisher the publisher
   */
  public void publishKeepingFutures(KafkaEventPublisher<byte[]> publisher) {
    Object[] futures = sent;
    for (int i = 0; i < EVENTS; i++) {
      futures[i] = publisher.publish(topic, keys[i & (KEYS - 1)], payload);
    }
    publisher.flush();
    for (Object future : futures) {
      @SuppressWarnings("unchecked")
      CompletableFuture<PublishReceipt> f = (CompletableFuture<PublishReceipt>) future;
      if (f.isCompletedExceptionally()) {
        failures.incrementAndGet();
      }
    }
    Arrays.fill(futures, null);
    checkFailures();
  }

  /**
   * {@code EventPublisher.publishAndForget}, then the publisher's health (DOWN after a failure).
   *
   * @param publisher the publisher
   */
  public void publishAndForget(KafkaEventPublisher<byte[]> publisher) {
    for (int i = 0; i < EVENTS; i++) {
      publisher.publishAndForget(topic, keys[i & (KEYS - 1)], payload);
    }
    publisher.flush();
    if (publisher.healthCheck().check().status() != HealthStatus.UP) {
      failures.incrementAndGet();
    }
    checkFailures();
  }

  private void checkFailures() {
    if (failures.get() > 0) {
      throw new IllegalStateException(failures.get() + " publishes failed");
    }
  }
}
