package dev.layerkit.benchmarks;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The shape of a hot key's lock-free take, without the rest of a decision: every call reads the
 * refill-time word, then takes one unit from the credit word, either by reading the credit and
 * swapping it ({@code compareAndExchange}, what {@code BucketArithmetic} did) or by one atomic add
 * that is returned if it overdrew ({@code getAndAdd}, what it does), with the two words in one
 * cache line or a line apart (the layout a key uses). Run with two threads: the evidence for the
 * atomic add and the layout in {@code benchmarks/README.md}. The credit never runs out, so every
 * call takes.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar '\.ContendedCreditBenchmark\.' -t 2 -f 2}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ContendedCreditBenchmark {

  private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
  private static final long PLENTY = Long.MAX_VALUE / 2;
  private static final int REFILL_TIME = 0;
  private static final int CREDIT_SAME_LINE = 2;
  /** Eight longs on: another cache line, whatever the array's alignment. */
  private static final int CREDIT_NEXT_LINE = 8;

  final long[] sameLine = {0, 0, PLENTY};
  final long[] lineApart = new long[CREDIT_NEXT_LINE + 1];
  volatile long now;

  /** Fills the line-apart state's credit. */
  public ContendedCreditBenchmark() {
    lineApart[CREDIT_NEXT_LINE] = PLENTY;
  }

  @Benchmark
  public long swapSameLine() {
    return swap(sameLine, CREDIT_SAME_LINE);
  }

  @Benchmark
  public long swapLineApart() {
    return swap(lineApart, CREDIT_NEXT_LINE);
  }

  @Benchmark
  public long addSameLine() {
    return add(sameLine, CREDIT_SAME_LINE);
  }

  @Benchmark
  public long addLineApart() {
    return add(lineApart, CREDIT_NEXT_LINE);
  }

  private long swap(long[] state, int credit) {
    if (now - (long) LONGS.getVolatile(state, REFILL_TIME) > 0) {
      return -1;
    }
    long seen = (long) LONGS.getVolatile(state, credit);
    while (seen >= 1) {
      long witness = (long) LONGS.compareAndExchange(state, credit, seen, seen - 1);
      if (witness == seen) {
        return seen - 1;
      }
      seen = witness;
    }
    return -2;
  }

  private long add(long[] state, int credit) {
    if (now - (long) LONGS.getVolatile(state, REFILL_TIME) > 0) {
      return -1;
    }
    long left = (long) LONGS.getAndAdd(state, credit, -1L) - 1;
    if (left < 0) {
      LONGS.getAndAdd(state, credit, 1L);
      return -2;
    }
    return left;
  }
}
