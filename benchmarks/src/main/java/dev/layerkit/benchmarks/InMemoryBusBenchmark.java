package dev.layerkit.benchmarks;

import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import com.lmax.disruptor.util.DaemonThreadFactory;
import dev.layerkit.benchmarks.state.KeyCursor;
import dev.layerkit.core.codec.Codecs;
import dev.layerkit.events.EventBuses;
import dev.layerkit.events.EventPublisher;
import dev.layerkit.events.InMemoryEventBus;
import dev.layerkit.events.Subscription;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The in-memory event bus, publish to handle, beside two hand-offs between threads: an {@link
 * ArrayBlockingQueue} ({@code put} / {@code take} on a consumer thread) and the LMAX Disruptor
 * (single producer, {@link BlockingWaitStrategy}, so that, like the others, an idle consumer
 * sleeps instead of spinning on one of the two cores).
 *
 * <p>Every side carries a 100-byte payload to one consumer thread that counts it, and holds at
 * most 1,024 events in flight (the bus: one partition retaining 1,024, so a publish waits for the
 * handler, which is its backpressure; the queue and the ring: capacity 1,024). So the publishing
 * rate measured here is, past the first 1,024, the rate events are handled.
 *
 * <ul>
 *   <li>{@code *Throughput}: publish one event (ops/s); {@code busForgetThroughput} publishes
 *       with {@link EventPublisher#publishAndForget}, which makes no receipt and no future.</li>
 *   <li>{@code *RoundTrip} (sample time): publish one event and wait until the consumer has
 *       handled it; its p50 and p99 are the hand-off latency.</li>
 * </ul>
 *
 * <p>Run (after {@code ./mvnw -B -q package -pl benchmarks -am -DskipTests}):
 * {@code java -Djmh.ignoreLock=true -jar benchmarks/target/benchmarks.jar '\.InMemoryBusBenchmark\..*Throughput'
 * -f 1 -wi 3 -i 5 -prof gc -rf json -rff /tmp/bus-throughput.json} then {@code python3
 * benchmarks/jmh_table.py /tmp/bus-throughput.json queueThroughput}; and the same with {@code
 * '\.InMemoryBusBenchmark\..*RoundTrip'} and {@code -rff /tmp/bus-latency.json}.
 */
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@Threads(1)
@State(Scope.Benchmark)
public class InMemoryBusBenchmark {

  static final int CAPACITY = 1_024;
  static final String[] KEYS = {"customer-1", "customer-2", "customer-3", "customer-4"};

  private final byte[] payload = new byte[100];

  private final AtomicLong busHandled = new AtomicLong();
  private InMemoryEventBus bus;
  private EventPublisher<byte[]> busPublisher;
  private Subscription subscription;

  private final AtomicLong queueHandled = new AtomicLong();
  private ArrayBlockingQueue<byte[]> queue;
  private Thread queueConsumer;

  /** A Disruptor slot. */
  static final class Slot {
    byte[] payload;
  }

  private final AtomicLong disruptorHandled = new AtomicLong();
  private Disruptor<Slot> disruptor;
  private RingBuffer<Slot> ring;

  /** Starts the three consumers. */
  @Setup(Level.Trial)
  public void setUp() {
    bus = EventBuses.inMemory().partitions(1).retention(CAPACITY).build();
    busPublisher = bus.publisher(Codecs.bytes());
    subscription = bus.subscriber(Codecs.bytes()).subscribe("bench", "consumer",
        event -> busHandled.lazySet(busHandled.get() + 1));

    queue = new ArrayBlockingQueue<>(CAPACITY);
    queueConsumer = new Thread(() -> {
      try {
        while (true) {
          queue.take();
          queueHandled.lazySet(queueHandled.get() + 1);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "queue-consumer");
    queueConsumer.setDaemon(true);
    queueConsumer.start();

    disruptor = new Disruptor<>(Slot::new, CAPACITY, DaemonThreadFactory.INSTANCE,
        ProducerType.SINGLE, new BlockingWaitStrategy());
    disruptor.handleEventsWith((slot, sequence, endOfBatch) ->
        disruptorHandled.lazySet(disruptorHandled.get() + 1));
    ring = disruptor.start();
  }

  /** Stops the consumers. */
  @TearDown(Level.Trial)
  public void tearDown() {
    subscription.close();
    bus.close();
    queueConsumer.interrupt();
    disruptor.shutdown();
  }

  /** Publishes one event to the in-memory bus. */
  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  public Object busThroughput(KeyCursor cursor) {
    return busPublisher.publish("bench", cursor.next(KEYS), payload);
  }

  /**
   * Publishes one event to the in-memory bus without a receipt ({@link
   * EventPublisher#publishAndForget}): what the bus costs without the future the API returns.
   */
  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  public void busForgetThroughput(KeyCursor cursor) {
    busPublisher.publishAndForget("bench", cursor.next(KEYS), payload);
  }

  /** The anchor: {@code ArrayBlockingQueue.put}. */
  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  public void queueThroughput() throws InterruptedException {
    queue.put(payload);
  }

  /** Publishes one event to the Disruptor's ring. */
  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  public void disruptorThroughput() {
    ring.publishEvent((slot, sequence, bytes) -> slot.payload = bytes, payload);
  }

  /** Publishes to the bus and waits until the handler has seen it. */
  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public void busRoundTrip(KeyCursor cursor) {
    long target = busHandled.get() + 1;
    busPublisher.publish("bench", cursor.next(KEYS), payload);
    while (busHandled.get() < target) {
      Thread.onSpinWait();
    }
  }

  /** The anchor: put on the queue and wait until the consumer has taken it. */
  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public void queueRoundTrip() throws InterruptedException {
    long target = queueHandled.get() + 1;
    queue.put(payload);
    while (queueHandled.get() < target) {
      Thread.onSpinWait();
    }
  }

  /** Publish to the ring and wait until the handler has seen it. */
  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public void disruptorRoundTrip() {
    long target = disruptorHandled.get() + 1;
    ring.publishEvent((slot, sequence, bytes) -> slot.payload = bytes, payload);
    while (disruptorHandled.get() < target) {
      Thread.onSpinWait();
    }
  }
}
