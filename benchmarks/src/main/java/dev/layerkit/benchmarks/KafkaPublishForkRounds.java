package dev.layerkit.benchmarks;

import dev.layerkit.benchmarks.state.KafkaBrokerProcess;
import dev.layerkit.benchmarks.state.ThreadCpuProfiler;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs {@link KafkaPublishBenchmark} the way {@link KafkaPublishRatioReport} runs its arms: in
 * rounds, each round one JMH fork of every arm, the arms' order rotating between rounds, all
 * forks against one broker in a child JVM ({@link KafkaBrokerProcess}, started here once and
 * handed to every fork with {@code -Dlayerkit.bench.kafka}), with {@link ThreadCpuProfiler}'s CPU
 * time per event.
 *
 * <p>Why: plain JMH runs every fork of one arm, then every fork of the next, minutes apart, each
 * fork with a broker of its own; on a machine whose load changes, or with a broker that warms or
 * settles differently per fork, that difference shows up as a difference between the arms (the
 * anchor's score had a +-23% error over three forks on the idle machine). Here a change of load
 * spreads over every arm alike, as in the report, and every fork talks to the same warm broker.
 * Each fork is still an ordinary JMH fork (its warm-up, its iterations, its profilers).
 *
 * <p>It prints, per arm, the mean of the fork scores (events/s) with their range and the CPU time
 * per event; per arm against the anchor ({@code rawSendWithCallback}), the median of the
 * per-round ratios and the ratio of the means, the two statistics the report prints, and the ratio
 * of events per CPU second of this JVM's forks and the broker together (what the throughput ratio
 * is when every core is busy; the report prints it too, and it is far steadier under load).
 *
 * <p>Run (after {@code ./mvnw -B -q package -pl benchmarks -am -DskipTests -DskipITs}): {@code
 * java -Djmh.ignoreLock=true -cp benchmarks/target/benchmarks.jar
 * dev.layerkit.benchmarks.KafkaPublishForkRounds
 * '\.KafkaPublishBenchmark\.(rawSendWithCallback|layerkitPublish|layerkitPublishAndForget)$'
 * -prof gc}. JMH's options apply to every fork; {@code -f} is the number of rounds (default
 * {@value #DEFAULT_ROUNDS}); with {@code -rff /tmp/k.json}, each fork's result goes to {@code
 * /tmp/k-<round>-<arm>.json}.
 */
public final class KafkaPublishForkRounds {

  /** Rounds (forks per arm) unless {@code -f} says otherwise. */
  public static final int DEFAULT_ROUNDS = 5;

  /** The anchor of the ratios. */
  public static final String ANCHOR = "rawSendWithCallback";

  private static final List<String> ARMS = List.of(
      "rawSendKeepingFutures", ANCHOR, "layerkitPublish", "layerkitPublishAndForget",
      "layerkitPublishKeepingFutures");

  private static final List<String> CPU = List.of(
      "cpu.caller", "cpu.producerIo", "cpu.jvm", "cpu.broker");

  private KafkaPublishForkRounds() {}

  /**
   * Starts the broker, runs the rounds and prints the summary.
   *
   * @param args JMH's command line
   * @throws Exception if the broker does not start or JMH fails
   */
  public static void main(String[] args) throws Exception {
    CommandLineOptions command = new CommandLineOptions(args);
    List<String> arms = ARMS.stream().filter(arm -> selected(command, arm)).toList();
    if (arms.isEmpty()) {
      throw new IllegalArgumentException("no arm of KafkaPublishBenchmark matches "
          + command.getIncludes());
    }
    int rounds = command.getForkCount().orElse(DEFAULT_ROUNDS);
    double[][] scores = new double[arms.size()][rounds];
    double[][][] cpu = new double[arms.size()][CPU.size()][rounds];
    try (KafkaBrokerProcess kafka = KafkaBrokerProcess.start()) {
      List<String> jvmArgs = new ArrayList<>(command.getJvmArgsAppend().orElse(List.of()));
      jvmArgs.add("-Dlayerkit.bench.kafka=" + kafka.bootstrapServers());
      if (kafka.pid() >= 0) {
        jvmArgs.add("-D" + ThreadCpuProfiler.BROKER_PID + "=" + kafka.pid());
      }
      for (int round = 0; round < rounds; round++) {
        for (int k = 0; k < arms.size(); k++) {
          int arm = Math.floorMod(round + k, arms.size());
          RunResult result = runFork(command, jvmArgs, arms.get(arm), round);
          scores[arm][round] = result.getPrimaryResult().getScore();
          var secondary = result.getSecondaryResults(); // JMH's map of raw Results
          for (int c = 0; c < CPU.size(); c++) {
            Result<?> r = secondary.get(CPU.get(c));
            cpu[arm][c][round] = r == null ? Double.NaN : r.getScore();
          }
        }
      }
    }
    print(arms, rounds, scores, cpu);
  }

  private static boolean selected(CommandLineOptions command, String arm) {
    String name = KafkaPublishBenchmark.class.getName() + "." + arm;
    boolean included = command.getIncludes().isEmpty() || command.getIncludes().stream()
        .anyMatch(regex -> Pattern.compile(regex).matcher(name).find());
    return included && command.getExcludes().stream()
        .noneMatch(regex -> Pattern.compile(regex).matcher(name).find());
  }

  private static RunResult runFork(CommandLineOptions command, List<String> jvmArgs, String arm,
      int round) throws Exception {
    String name = KafkaPublishBenchmark.class.getName() + "." + arm;
    ChainedOptionsBuilder options = new OptionsBuilder()
        .parent(command)
        .include(Pattern.quote(name) + "$")
        .forks(1)
        .warmupForks(0)
        .jvmArgsAppend(jvmArgs.toArray(String[]::new))
        .addProfiler(ThreadCpuProfiler.class);
    // The command line's own patterns are kept by JMH (a parent's includes are added to the
    // child's), so every other arm is excluded by name.
    for (String other : ARMS) {
      if (!other.equals(arm)) {
        options.exclude(Pattern.quote(KafkaPublishBenchmark.class.getName() + "." + other) + "$");
      }
    }
    if (command.getResult().hasValue()) {
      String file = command.getResult().get();
      int dot = file.lastIndexOf('.');
      String suffix = "-" + round + "-" + arm;
      options.result(dot > file.lastIndexOf('/') ? file.substring(0, dot) + suffix
          + file.substring(dot) : file + suffix);
    }
    Collection<RunResult> results = new Runner(options.build()).run();
    if (results.size() != 1) {
      throw new IllegalStateException("expected one result for " + name + " but got "
          + results.size());
    }
    return results.iterator().next();
  }

  private static void print(List<String> arms, int rounds, double[][] scores,
      double[][][] cpu) {
    System.out.printf(Locale.ROOT, "%nKafkaPublishForkRounds: %d rounds, one JMH fork per arm per"
        + " round, arms rotating, one broker%n", rounds);
    System.out.printf(Locale.ROOT, "%-26s %12s %25s   %s%n", "arm", "mean ev/s", "forks min-max",
        "CPU ns/event: caller, producer I/O, JVM, broker");
    for (int arm = 0; arm < arms.size(); arm++) {
      double[] sorted = scores[arm].clone();
      Arrays.sort(sorted);
      System.out.printf(Locale.ROOT, "%-26s %,12.0f %,12.0f-%,12.0f  ", arms.get(arm),
          mean(scores[arm]), sorted[0], sorted[rounds - 1]);
      for (double[] perRound : cpu[arm]) {
        System.out.printf(Locale.ROOT, " %7.1f", mean(perRound));
      }
      System.out.println();
    }
    int anchor = arms.indexOf(ANCHOR);
    if (anchor < 0) {
      System.out.println("(no ratios: the anchor " + ANCHOR + " was not run)");
      return;
    }
    for (int arm = 0; arm < arms.size(); arm++) {
      if (arm == anchor) {
        continue;
      }
      double[] ratios = new double[rounds];
      for (int r = 0; r < rounds; r++) {
        ratios[r] = scores[arm][r] / scores[anchor][r];
      }
      double[] sorted = ratios.clone();
      Arrays.sort(sorted);
      double median = (sorted[(rounds - 1) / 2] + sorted[rounds / 2]) / 2;
      System.out.printf(Locale.ROOT, "%-26s / %s per round: median %.3f (min %.3f, max %.3f);"
          + " ratio of means %.3f; events per CPU second (JVM + broker) %.3f%n", arms.get(arm),
          ANCHOR, median, sorted[0], sorted[rounds - 1], mean(scores[arm]) / mean(scores[anchor]),
          (mean(cpu[anchor][2]) + mean(cpu[anchor][3])) / (mean(cpu[arm][2]) + mean(cpu[arm][3])));
    }
  }

  private static double mean(double[] values) {
    return Arrays.stream(values).average().orElse(Double.NaN);
  }
}
