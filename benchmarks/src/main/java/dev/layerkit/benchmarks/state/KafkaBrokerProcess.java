package dev.layerkit.benchmarks.state;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A single-broker KRaft cluster in a child JVM, so that the broker's threads do not share the
 * benchmark's JVM (its JIT, its GC, its safepoints) and what is measured is the client; or the
 * broker named by {@code -Dlayerkit.bench.kafka=host:port}.
 *
 * <p>The child runs {@link #main}: it starts {@link InJvmKafka} in its own JVM, prints {@value
 * #READY} and the bootstrap servers on standard output, and stops the broker when its standard
 * input closes, which is when {@link #close()} closes it or when the benchmark's JVM dies, so a
 * killed benchmark leaves no broker behind. The child's output goes to a log file named in the
 * error if it fails to start.
 *
 * <p>Child JVM options: {@code -Dlayerkit.bench.kafka.jvmArgs="-Xmx1g ..."} (default {@code
 * -Xms512m -Xmx1g}).
 *
 * <p>Pinning: with {@code -Dlayerkit.bench.kafka.cpus=1} the child runs under {@code taskset -c 1}
 * (Linux), so that the broker keeps to its CPUs; pin the benchmark to the others with {@code
 * taskset -c 0 java ...} (JMH's forks and this child inherit the benchmark's CPUs otherwise). Off
 * by default.
 */
public final class KafkaBrokerProcess implements AutoCloseable {

  /** The line prefix that carries the bootstrap servers. */
  static final String READY = "LAYERKIT_KAFKA_BOOTSTRAP=";

  private final Process process; // null for an external broker
  private final String bootstrapServers;

  private KafkaBrokerProcess(Process process, String bootstrapServers) {
    this.process = process;
    this.bootstrapServers = bootstrapServers;
  }

  /**
   * Starts the broker in a child JVM, or connects to {@code layerkit.bench.kafka}.
   *
   * @return the broker
   * @throws IOException if the child cannot be started or stops before it is ready
   */
  public static KafkaBrokerProcess start() throws IOException {
    String external = System.getProperty("layerkit.bench.kafka");
    if (external != null && !external.isBlank()) {
      return new KafkaBrokerProcess(null, external);
    }
    Path log = Files.createTempFile("layerkit-bench-kafka-", ".log");
    List<String> command = new ArrayList<>();
    String cpus = System.getProperty("layerkit.bench.kafka.cpus", "").trim();
    if (!cpus.isEmpty()) {
      command.add("taskset");
      command.add("-c");
      command.add(cpus);
    }
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String option : System.getProperty("layerkit.bench.kafka.jvmArgs", "-Xms512m -Xmx1g")
        .trim().split("\\s+")) {
      if (!option.isEmpty()) {
        command.add(option);
      }
    }
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(KafkaBrokerProcess.class.getName());
    Process child = new ProcessBuilder(command)
        .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .start();
    BufferedReader out = new BufferedReader(
        new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = out.readLine()) != null) {
      if (line.startsWith(READY)) {
        String servers = line.substring(READY.length());
        Thread drain = new Thread(() -> drain(out), "kafka-broker-process-stdout");
        drain.setDaemon(true);
        drain.start();
        return new KafkaBrokerProcess(child, servers);
      }
    }
    child.destroyForcibly();
    throw new IOException("the Kafka broker process stopped before it was ready; see " + log);
  }

  private static void drain(BufferedReader out) {
    try {
      while (out.readLine() != null) {
        // the broker's chatter on standard output is not needed
      }
    } catch (IOException e) {
      // the child is gone
    }
  }

  /**
   * Returns the bootstrap servers.
   *
   * @return {@code host:port}
   */
  public String bootstrapServers() {
    return bootstrapServers;
  }

  /**
   * Returns the broker process's id: the child's, or for an external broker the one given by
   * {@code -Dlayerkit.bench.kafka.pid}, else -1. {@link ThreadCpuProfiler} reads the broker's CPU
   * time through it.
   *
   * @return the process id, or -1 if unknown
   */
  public long pid() {
    Process child = process;
    return child != null ? child.pid() : Long.getLong(ThreadCpuProfiler.BROKER_PID, -1);
  }

  /** Stops the child (closing its input), forcibly after 60 s; nothing for an external broker. */
  @Override
  public void close() {
    Process child = process;
    if (child == null) {
      return;
    }
    try (OutputStream in = child.getOutputStream()) {
      in.flush();
    } catch (IOException e) {
      // already closed
    }
    try {
      if (!child.waitFor(60, TimeUnit.SECONDS)) {
        child.destroyForcibly();
      }
    } catch (InterruptedException e) {
      child.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /**
   * The child's entry point: starts the broker, prints where it is, and stops it when standard
   * input closes.
   *
   * @param args none
   * @throws Exception if the broker fails to start
   */
  public static void main(String[] args) throws Exception {
    try (InJvmKafka kafka = InJvmKafka.startHere()) {
      System.out.println(READY + kafka.bootstrapServers());
      System.out.flush();
      while (System.in.read() >= 0) {
        // wait for the parent to close the pipe, or to die
      }
    }
    System.exit(0);
  }
}
