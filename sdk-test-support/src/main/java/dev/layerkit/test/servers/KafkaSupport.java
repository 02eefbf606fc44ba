package dev.layerkit.test.servers;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import kafka.server.BrokerServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.common.utils.AppInfoParser;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * Finds or starts Kafka for {@link TestServers}: the cluster named by {@code LAYERKIT_TEST_KAFKA},
 * or a KRaft cluster inside this JVM from {@code kafka-test-common-runtime}'s {@link
 * KafkaClusterTestKit}.
 *
 * <p>The in-JVM cluster runs one controller combined with the first broker (the fewest threads on
 * a small CI machine) at the latest production metadata version, so tests see what a real
 * deployment would. Internal topics get the largest replication the cluster can hold (up to 3) and
 * one partition each, and consumer groups rebalance without the usual 3 s initial delay, so the
 * first consumer of a test is not slowed down. Stateless and thread-safe.
 */
final class KafkaSupport {

  private static final int ENVIRONMENT_TIMEOUT_SECONDS = 15;

  private KafkaSupport() {}

  /**
   * Uses the cluster named by {@code LAYERKIT_TEST_KAFKA}, after asking it for its brokers.
   *
   * @param bootstrapServers the variable's value
   * @return the cluster
   * @throws ServerUnavailableException if it does not describe itself within 15 s
   * @throws InterruptedException if interrupted while waiting for it
   */
  static TestKafka fromEnvironment(String bootstrapServers)
      throws ServerUnavailableException, InterruptedException {
    Properties properties = new Properties();
    properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    properties.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
    properties.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");
    Collection<Node> nodes;
    try (Admin admin = Admin.create(properties)) {
      nodes = admin.describeCluster().nodes().get(ENVIRONMENT_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new ServerUnavailableException("Kafka at " + bootstrapServers
          + " did not describe its cluster: " + (e.getCause() != null ? e.getCause() : e));
    }
    List<Integer> ids = nodes.stream().map(Node::id).sorted().toList();
    return new TestKafka(bootstrapServers, ServerSource.ENVIRONMENT, ids, "Kafka cluster of "
        + ids.size() + " broker(s) from " + ServerKind.KAFKA.environmentVariable() + "="
        + bootstrapServers, null);
  }

  /**
   * Uses a cluster this JVM does not run (a container), after it describes itself.
   *
   * @param bootstrapServers the cluster's bootstrap servers
   * @param source where it came from
   * @param description what it is, for reports
   * @return the cluster; its brokers cannot be stopped through the handle
   * @throws ServerUnavailableException if it does not describe its cluster in time
   * @throws InterruptedException if interrupted while waiting
   */
  static TestKafka external(String bootstrapServers, ServerSource source, String description)
      throws ServerUnavailableException, InterruptedException {
    TestKafka found = fromEnvironment(bootstrapServers);
    return new TestKafka(bootstrapServers, source, found.brokerIds(), description, null);
  }

  /**
   * Starts a KRaft cluster of {@code brokers} brokers in this JVM on free ports; it stops, and its
   * log directories are deleted, when the JVM exits.
   *
   * <p>Takes about 2 to 3 s on a 2-core machine.
   *
   * @param brokers the number of brokers, at least 1
   * @return the cluster
   * @throws Exception if the cluster fails to format or start; it is closed first
   */
  static TestKafka startCluster(int brokers) throws Exception {
    String replication = Integer.toString(Math.min(brokers, 3));
    String minInSync = Integer.toString(Math.min(brokers, 2));
    // Our own directory, not the test kit's default: that one is deleted by a shutdown hook of its
    // own, which races with ours and pulls the log directories from under brokers still closing.
    Path baseDirectory = Files.createTempDirectory("layerkit-kafka-");
    TestKitNodes nodes = new TestKitNodes.Builder()
        .setBaseDirectory(baseDirectory)
        .setCombined(true)
        .setNumControllerNodes(1)
        .setNumBrokerNodes(brokers)
        .setBootstrapMetadataVersion(MetadataVersion.LATEST_PRODUCTION)
        .build();
    KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(nodes)
        .setConfigProp("offsets.topic.replication.factor", replication)
        .setConfigProp("offsets.topic.num.partitions", "1")
        .setConfigProp("transaction.state.log.replication.factor", replication)
        .setConfigProp("transaction.state.log.min.isr", minInSync)
        .setConfigProp("transaction.state.log.num.partitions", "1")
        .setConfigProp("group.initial.rebalance.delay.ms", "0")
        // A broker that restarts must wait for its old session to expire; the default 9 s session
        // would make startBroker slow for nothing on loopback.
        .setConfigProp("broker.session.timeout.ms", "3000")
        .setConfigProp("broker.heartbeat.interval.ms", "500")
        .setDeleteOnClose(true)
        .build();
    try {
      cluster.format();
      cluster.startup();
      cluster.waitForReadyBrokers();
    } catch (Exception e) {
      closeQuietly(cluster, e);
      throw e;
    }
    InJvmCluster control = new InJvmCluster(cluster);
    ServerCloser.register("in-JVM Kafka cluster " + cluster.bootstrapServers(), cluster);
    String description = "Kafka " + AppInfoParser.getVersion() + ", in-JVM KRaft cluster of "
        + brokers + (brokers == 1 ? " broker" : " brokers")
        + " (org.apache.kafka:kafka-test-common-runtime), " + cluster.bootstrapServers();
    return new TestKafka(
        cluster.bootstrapServers(), ServerSource.EMBEDDED, control.brokerIds(), description, control);
  }

  private static void closeQuietly(KafkaClusterTestKit cluster, Exception failure) {
    try {
      cluster.close();
    } catch (Exception e) {
      failure.addSuppressed(e);
    }
  }

  /** Brokers of a {@link KafkaClusterTestKit}; one stop or start at a time. */
  private static final class InJvmCluster implements BrokerControl {

    private final KafkaClusterTestKit cluster;

    InJvmCluster(KafkaClusterTestKit cluster) {
      this.cluster = cluster;
    }

    @Override
    public List<Integer> brokerIds() {
      return cluster.brokers().keySet().stream().sorted().toList();
    }

    @Override
    public synchronized void shutdownBroker(int brokerId) {
      BrokerServer broker = broker(brokerId);
      if (broker.isShutdown()) {
        throw new IllegalStateException("broker " + brokerId + " is already shut down");
      }
      broker.shutdown();
      broker.awaitShutdown();
    }

    @Override
    public synchronized void startBroker(int brokerId) {
      BrokerServer broker = broker(brokerId);
      if (!broker.isShutdown()) {
        throw new IllegalStateException("broker " + brokerId + " is running");
      }
      broker.startup();
      try {
        cluster.waitForReadyBrokers();
      } catch (ExecutionException e) {
        throw new IllegalStateException("broker " + brokerId + " did not become ready", e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while starting broker " + brokerId, e);
      }
    }

    private BrokerServer broker(int brokerId) {
      Map<Integer, BrokerServer> brokers = cluster.brokers();
      BrokerServer broker = brokers.get(brokerId);
      if (broker == null) {
        throw new IllegalArgumentException(
            "brokerId must be one of " + brokerIds() + " but was " + brokerId);
      }
      return broker;
    }
  }
}
