package dev.layerkit.benchmarks;

import dev.layerkit.benchmarks.state.KafkaBrokerProcess;
import dev.layerkit.benchmarks.state.KafkaPublishArms;
import dev.layerkit.benchmarks.state.ThreadCpuProfiler.CpuSampler;
import dev.layerkit.core.codec.Codecs;
import dev.layerkit.events.kafka.KafkaEventPublisher;
import dev.layerkit.events.kafka.KafkaTopics;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Kafka publish throughput as rounds of five arms, for a machine shared with other work: each
 * round runs every {@link KafkaPublishArms} arm once ({@value KafkaPublishArms#EVENTS} 100-byte
 * events, {@code flush()}, a check that every send succeeded; the same code {@link
 * KafkaPublishBenchmark} times), the arms' order rotating between rounds: a raw {@link
 * KafkaProducer} keeping the {@code send} futures, the same with a per-record callback (the
 * anchor), {@link KafkaEventPublisher#publish} checked as the anchor is (after {@code flush()}, by
 * one read: the publisher's health), {@link KafkaEventPublisher#publishAndForget}, and {@code
 * publish} keeping its futures and checking each, as the first arm does, to one broker in a child
 * JVM ({@link KafkaBrokerProcess}, as in the benchmark). The arms of a round see nearly
 * the same load from the rest of the machine, so the median of the per-round ratios is steadier
 * than JMH scores taken a minute apart. It also prints the ratio over all rounds (all events over
 * all time, per arm), which is what a JMH score is, so the two tools can be compared.
 *
 * <p>Besides time, it measures each arm's CPU time per event on the calling thread, on the
 * producers' I/O threads, in this whole JVM and in the broker's process ({@link CpuSampler}, the
 * same figures as {@code KafkaPublishBenchmark}'s {@code cpu.*} from {@link
 * dev.layerkit.benchmarks.state.ThreadCpuProfiler}), which other work on the machine disturbs far
 * less than it disturbs throughput: what {@code publish} adds on each thread. From the JVM's and
 * the broker's CPU time it prints the ratio of events per CPU second, publish against the anchor:
 * the throughput ratio when every core is busy (as on a 2-core machine running producer and
 * broker), steady under load; process CPU time has a 10 ms resolution per arm, so take it over
 * many rounds.
 *
 * <p>Run (after {@code ./mvnw -B -q package -pl benchmarks -am -DskipTests -DskipITs}): {@code
 * java -cp benchmarks/target/benchmarks.jar dev.layerkit.benchmarks.KafkaPublishRatioReport
 * [rounds]} (default {@value #DEFAULT_ROUNDS} rounds, after warm-up rounds until the JIT is
 * quiet: {@link KafkaPublishArms#warmUp}).
 */
public final class KafkaPublishRatioReport {

  /** Measured rounds unless the first argument says otherwise. */
  public static final int DEFAULT_ROUNDS = 300;

  private KafkaPublishRatioReport() {}

  /**
   * Runs the rounds and prints the medians.
   *
   * @param args optional number of measured rounds
   * @throws Exception if the broker or a publish fails
   */
  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : DEFAULT_ROUNDS;
    try (KafkaBrokerProcess kafka = KafkaBrokerProcess.start()) {
      String topic = "bench-ratio-" + System.nanoTime();
      try (Admin admin = Admin.create(Map.<String, Object>of(
          AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
        KafkaTopics.create(admin, topic, 4, (short) 1, Map.of(), Duration.ofSeconds(60));
      }
      KafkaPublishArms arms = new KafkaPublishArms(topic);
      try (KafkaProducer<String, byte[]> raw = new KafkaProducer<>(
              KafkaEventPublisher.defaultProducerConfig(kafka.bootstrapServers()),
              new StringSerializer(), new ByteArraySerializer());
          KafkaEventPublisher<byte[]> publisher =
              KafkaEventPublisher.builder(kafka.bootstrapServers(), Codecs.bytes()).build()) {
        int warmUpRounds = arms.warmUp(raw, publisher);
        CpuSampler cpu = new CpuSampler(kafka.pid()).findThreads();
        int armCount = KafkaPublishArms.NAMES.size();
        double[][] rates = new double[armCount][rounds];
        long[][] cpuTotals = new long[armCount][5];
        for (int r = 0; r < rounds; r++) {
          for (int k = 0; k < armCount; k++) {
            int arm = KafkaPublishArms.armOfRound(r, k);
            CpuSampler.Sample before = cpu.sample();
            long start = System.nanoTime();
            arms.run(arm, raw, publisher);
            rates[arm][r] = KafkaPublishArms.EVENTS * 1e9 / (System.nanoTime() - start);
            CpuSampler.Sample after = cpu.sample();
            cpuTotals[arm][0] += after.caller() - before.caller();
            cpuTotals[arm][1] += after.producerIo() - before.producerIo();
            cpuTotals[arm][2] += after.jvm() - before.jvm();
            cpuTotals[arm][3] += after.broker() - before.broker();
            cpuTotals[arm][4] += after.gcPause() - before.gcPause();
          }
        }
        System.out.printf(Locale.ROOT, "rounds: %d x %,d events per arm (after %d warm-up)%n",
            rounds, KafkaPublishArms.EVENTS, warmUpRounds);
        for (int arm = 0; arm < armCount; arm++) {
          System.out.printf(Locale.ROOT, "%-22s median %,.0f events/s (p10 %,.0f, p90 %,.0f)%n",
              KafkaPublishArms.NAMES.get(arm), median(rates[arm]), percentile(rates[arm], 10),
              percentile(rates[arm], 90));
        }
        double events = (double) rounds * KafkaPublishArms.EVENTS;
        System.out.println("CPU time per event, ns (as ThreadCpuProfiler's cpu.* in JMH): calling"
            + " thread, producer I/O threads, this JVM, broker process; and GC pause time");
        for (int arm = 0; arm < armCount; arm++) {
          System.out.printf(Locale.ROOT, "%-22s %7.1f %7.1f %7.1f %7.1f %7.1f%n",
              KafkaPublishArms.NAMES.get(arm), cpuTotals[arm][0] / events,
              cpuTotals[arm][1] / events, cpuTotals[arm][2] / events, cpuTotals[arm][3] / events,
              cpuTotals[arm][4] / events);
        }
        ratio("publish / raw send + callback", rates[2], rates[1]);
        ratio("publish / raw send, futures", rates[2], rates[0]);
        ratio("publishAndForget / raw send + callback", rates[3], rates[1]);
        ratio("publish, futures / raw send, futures", rates[4], rates[0]);
        ratio("publish, futures / raw send + callback", rates[4], rates[1]);
        // Events per CPU second of the benchmark's JVM and the broker together: what the
        // throughput ratio is when every core is busy, far steadier under load than events/s.
        System.out.printf(Locale.ROOT, "events per CPU second (JVM + broker), publish / raw send +"
            + " callback %.3f, publishAndForget / raw send + callback %.3f, publish, futures / raw"
            + " send, futures %.3f%n",
            cpuRatio(cpuTotals[2], cpuTotals[1]), cpuRatio(cpuTotals[3], cpuTotals[1]),
            cpuRatio(cpuTotals[4], cpuTotals[0]));
      }
    }
  }

  private static double cpuRatio(long[] ours, long[] anchor) {
    return (double) (anchor[2] + anchor[3]) / (ours[2] + ours[3]);
  }

  private static void ratio(String name, double[] ours, double[] anchor) {
    double[] ratios = new double[ours.length];
    for (int r = 0; r < ours.length; r++) {
      ratios[r] = ours[r] / anchor[r];
    }
    System.out.printf(Locale.ROOT,
        "%-40s per round: median %.3f (p10 %.3f, p90 %.3f); over all rounds %.3f%n", name,
        median(ratios), percentile(ratios, 10), percentile(ratios, 90),
        overall(ours) / overall(anchor));
  }

  /**
   * Events/s over all rounds (all events over all time), as a JMH iteration computes its score.
   */
  private static double overall(double[] rates) {
    double seconds = 0;
    for (double rate : rates) {
      seconds += KafkaPublishArms.EVENTS / rate;
    }
    return rates.length * KafkaPublishArms.EVENTS / seconds;
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
