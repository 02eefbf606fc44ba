package dev.layerkit.benchmarks.state;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A single-broker KRaft cluster in this JVM ({@code kafka-test-common-runtime}), or the broker
 * named by {@code -Dlayerkit.bench.kafka=host:port}. The publish benchmarks run it in a child JVM
 * through {@link KafkaBrokerProcess}, which calls {@link #startHere()}.
 */
public final class InJvmKafka implements AutoCloseable {

  private final KafkaClusterTestKit cluster;
  private final String bootstrapServers;

  private InJvmKafka(KafkaClusterTestKit cluster, String bootstrapServers) {
    this.cluster = cluster;
    this.bootstrapServers = bootstrapServers;
  }

  /**
   * Starts the broker, or connects to {@code layerkit.bench.kafka}.
   *
   * @return the broker
   * @throws Exception if it does not start
   */
  public static InJvmKafka start() throws Exception {
    String external = System.getProperty("layerkit.bench.kafka");
    if (external != null && !external.isBlank()) {
      return new InJvmKafka(null, external);
    }
    return startHere();
  }

  /**
   * Starts the broker in this JVM, whatever {@code layerkit.bench.kafka} says.
   *
   * @return the broker
   * @throws Exception if it does not start
   */
  public static InJvmKafka startHere() throws Exception {
    Path base = Files.createTempDirectory("layerkit-bench-kafka-");
    KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
            .setBaseDirectory(base)
            .setCombined(true)
            .setNumControllerNodes(1)
            .setNumBrokerNodes(1)
            .build())
        .setConfigProp("offsets.topic.replication.factor", "1")
        .setConfigProp("transaction.state.log.replication.factor", "1")
        .setConfigProp("transaction.state.log.min.isr", "1")
        .setConfigProp("group.initial.rebalance.delay.ms", "0")
        .setDeleteOnClose(true)
        .build();
    cluster.format();
    cluster.startup();
    cluster.waitForReadyBrokers();
    return new InJvmKafka(cluster, cluster.bootstrapServers());
  }

  /**
   * Returns the bootstrap servers.
   *
   * @return {@code host:port}
   */
  public String bootstrapServers() {
    return bootstrapServers;
  }

  /** Stops the broker (nothing for an external one). */
  @Override
  public void close() {
    if (cluster != null) {
      try {
        cluster.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (Exception e) {
        throw new IllegalStateException("could not stop the in-JVM Kafka broker", e);
      }
    }
  }
}
