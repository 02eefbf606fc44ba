package dev.layerkit.benchmarks.state;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * A JMH profiler of CPU time per operation, by thread kind: the benchmark's own threads ({@code
 * cpu.caller}), Kafka producers' I/O threads ({@code cpu.producerIo}), the whole benchmark JVM
 * ({@code cpu.jvm}, with GC and JIT), the collectors' pause time ({@code gc.pause}) and, when the
 * broker's process is known ({@value #BROKER_PID}, which {@code KafkaPublishForkRounds} sets), the
 * broker's process ({@code cpu.broker}).
 * The same figures as {@link CpuSampler} gives {@code KafkaPublishRatioReport}, so the two tools
 * can be compared on CPU time as well as on throughput. Use: {@code -prof
 * dev.layerkit.benchmarks.state.ThreadCpuProfiler}.
 *
 * <p>CPU time per event is far less disturbed by other work on the machine than events/s: on a
 * machine where every core is busy, throughput follows the CPU time an event costs all threads
 * together (caller, I/O thread, GC, broker), so these figures say where a difference in
 * throughput comes from.
 */
public final class ThreadCpuProfiler implements InternalProfiler {

  /** The system property that carries the broker process's id, for {@code cpu.broker}. */
  public static final String BROKER_PID = "layerkit.bench.kafka.pid";

  private static final CpuSampler MARKS = new CpuSampler(Long.getLong(BROKER_PID, -1));
  private static volatile CpuSampler.Sample markedStart;
  private static volatile CpuSampler.Sample markedEnd;

  private CpuSampler.Sample before = CpuSampler.Sample.NONE;
  private final CpuSampler sampler = new CpuSampler(Long.getLong(BROKER_PID, -1));

  /**
   * Marks where an iteration's measured work starts; call it from {@code @Setup(Level.Iteration)}.
   * Without marks the profiler measures from JMH's {@code beforeIteration} to {@code
   * afterIteration}, which for the last iteration also holds the trial's tear-down (closing
   * producers, deleting a topic).
   */
  public static void markIterationStart() {
    markedEnd = null;
    markedStart = MARKS.findThreads().sample();
  }

  /**
   * Marks where an iteration's measured work ends; call it from {@code @TearDown(Level.Iteration)}.
   */
  public static void markIterationEnd() {
    markedEnd = MARKS.sample();
  }

  /** Creates the profiler (JMH calls this). */
  public ThreadCpuProfiler() {}

  @Override
  public String getDescription() {
    return "CPU time per operation: benchmark threads, Kafka producer I/O threads, JVM, broker";
  }

  @Override
  public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
    before = sampler.findThreads().sample();
  }

  @Override
  @SuppressWarnings("rawtypes") // InternalProfiler declares the raw Result
  public Collection<? extends Result> afterIteration(BenchmarkParams benchmarkParams,
      IterationParams iterationParams, IterationResult result) {
    CpuSampler.Sample after = sampler.sample();
    CpuSampler.Sample start = markedStart;
    CpuSampler.Sample end = markedEnd;
    CpuSampler.Sample before = this.before;
    if (start != null && end != null) {
      before = start;
      after = end;
    }
    markedStart = null;
    markedEnd = null;
    long ops = result.getMetadata().getAllOps();
    List<Result<?>> results = new ArrayList<>();
    if (ops <= 0) {
      return results;
    }
    results.add(perOp("cpu.caller", after.caller() - before.caller(), ops));
    if (after.producerIo() >= 0 && before.producerIo() >= 0) {
      // unmarked, the last iteration's trial tear-down has already closed the producers
      results.add(perOp("cpu.producerIo", after.producerIo() - before.producerIo(), ops));
    }
    results.add(perOp("cpu.jvm", after.jvm() - before.jvm(), ops));
    results.add(perOp("gc.pause", after.gcPause() - before.gcPause(), ops));
    if (after.broker() >= 0 && before.broker() >= 0) {
      results.add(perOp("cpu.broker", after.broker() - before.broker(), ops));
    }
    return results;
  }

  private static ScalarResult perOp(String label, long nanos, long ops) {
    return new ScalarResult(label, (double) nanos / ops, "ns/op", AggregationPolicy.AVG);
  }

  /**
   * Reads CPU time, in nanoseconds since each thread or process started, of the thread kinds above.
   * {@code KafkaPublishRatioReport} samples around each arm, the profiler around each iteration.
   * Not thread-safe.
   */
  public static final class CpuSampler {

    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final long brokerPid;
    private long[] callerIds = new long[0];
    private long[] ioIds = new long[0];

    /**
     * Creates a sampler.
     *
     * @param brokerPid the broker process's id, or -1 if unknown
     */
    public CpuSampler(long brokerPid) {
      this.brokerPid = brokerPid;
    }

    /**
     * Finds the threads to sample: JMH's workers (or, when none runs, the calling thread) and
     * Kafka producers' I/O threads. Call it after the producers are built; {@link #sample} reads
     * the threads found by the last call.
     *
     * @return this sampler
     */
    public CpuSampler findThreads() {
      List<Long> workers = new ArrayList<>();
      List<Long> io = new ArrayList<>();
      for (Thread thread : Thread.getAllStackTraces().keySet()) {
        String name = thread.getName();
        if (name.contains("jmh-worker")) {
          workers.add(thread.getId());
        } else if (name.startsWith("kafka-producer-network-thread")) {
          io.add(thread.getId());
        }
      }
      callerIds = workers.stream().mapToLong(Long::longValue).toArray();
      ioIds = io.stream().mapToLong(Long::longValue).toArray();
      return this;
    }

    /**
     * Reads the CPU times now.
     *
     * @return the sample
     */
    public Sample sample() {
      long caller = callerIds.length == 0 ? threads.getCurrentThreadCpuTime() : sum(callerIds);
      return new Sample(caller, sum(ioIds), jvmCpu(), brokerCpu(), gcPause());
    }

    /** The sum of the threads' CPU times, or -1 if one of them has ended. */
    private long sum(long[] ids) {
      long sum = 0;
      for (long id : ids) {
        long cpu = threads.getThreadCpuTime(id);
        if (cpu < 0) {
          return -1;
        }
        sum += cpu;
      }
      return sum;
    }

    private static long gcPause() {
      long millis = 0;
      for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
        millis += Math.max(0, gc.getCollectionTime());
      }
      return millis * 1_000_000;
    }

    private static long jvmCpu() {
      return ManagementFactory.getOperatingSystemMXBean()
          instanceof com.sun.management.OperatingSystemMXBean os ? os.getProcessCpuTime() : -1;
    }

    private long brokerCpu() {
      if (brokerPid < 0) {
        return -1;
      }
      return ProcessHandle.of(brokerPid)
          .flatMap(process -> process.info().totalCpuDuration())
          .map(java.time.Duration::toNanos)
          .orElse(-1L);
    }

    /**
     * CPU times in nanoseconds; -1 where unknown.
     *
     * @param caller the benchmark's threads
     * @param producerIo the Kafka producers' I/O threads
     * @param jvm this JVM
     * @param broker the broker's process
     * @param gcPause this JVM's collectors' accumulated collection (pause) time, not CPU time
     */
    public record Sample(long caller, long producerIo, long jvm, long broker, long gcPause) {
      static final Sample NONE = new Sample(0, -1, 0, -1, 0);
    }
  }
}
