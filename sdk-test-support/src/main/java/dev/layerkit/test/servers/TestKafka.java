package dev.layerkit.test.servers;

import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A running Kafka cluster for tests, from {@link TestServers#kafka()} or {@link
 * TestServers#kafka(int)}.
 *
 * <p>Tests share the cluster and keep apart by topic: each test takes its own names from {@link
 * #newTopicName(String)} (and its own consumer group ids). A cluster that runs in this JVM can lose
 * a broker on purpose, with {@link #shutdownBroker(int)}, to test fail-over; {@link
 * #startBroker(int)} puts it back.
 *
 * <pre>{@code
 * TestKafka kafka = TestServers.kafka(3);
 * String topic = kafka.newTopicName("orders");
 * // ... create the topic with replication factor 3, produce ...
 * kafka.shutdownBroker(leaderId);
 * try {
 *   // ... produce again: the cluster elects a new leader ...
 * } finally {
 *   kafka.startBroker(leaderId);
 * }
 * }</pre>
 *
 * <p>Thread-safe and immutable; stopping and starting brokers changes the cluster, not the handle.
 */
public final class TestKafka {

  private final String bootstrapServers;
  private final ServerSource source;
  private final List<Integer> brokerIds;
  private final String description;
  private final @Nullable BrokerControl brokers;

  TestKafka(
      String bootstrapServers,
      ServerSource source,
      List<Integer> brokerIds,
      String description,
      @Nullable BrokerControl brokers) {
    this.bootstrapServers = Objects.requireNonNull(bootstrapServers, "bootstrapServers");
    this.source = Objects.requireNonNull(source, "source");
    this.brokerIds = List.copyOf(brokerIds);
    this.description = Objects.requireNonNull(description, "description");
    this.brokers = brokers;
  }

  /**
   * Returns the cluster's bootstrap servers, for {@code bootstrap.servers}.
   *
   * @return e.g. {@code localhost:39733}
   */
  public String bootstrapServers() {
    return bootstrapServers;
  }

  /**
   * Returns where the cluster came from: {@link ServerSource#ENVIRONMENT} or {@link
   * ServerSource#EMBEDDED} (an in-JVM KRaft cluster).
   *
   * @return the source
   */
  public ServerSource source() {
    return source;
  }

  /**
   * Returns the number of brokers: the number started, for a cluster in this JVM; the number the
   * cluster reported when first reached, for one from {@code LAYERKIT_TEST_KAFKA}.
   *
   * <p>It does not drop while a broker is shut down.
   *
   * @return the broker count, at least 1
   */
  public int brokerCount() {
    return brokerIds.size();
  }

  /**
   * Returns the brokers' ids, in ascending order, whether running or shut down.
   *
   * @return the ids
   */
  public List<Integer> brokerIds() {
    return brokerIds;
  }

  /**
   * Returns what the cluster is, for test reports, e.g. "Kafka 4.1.1, in-JVM KRaft cluster of 3
   * brokers (kafka-test-common-runtime), localhost:39733,...".
   *
   * @return the description
   */
  public String description() {
    return description;
  }

  /**
   * Returns a topic name no other test, in this JVM or another, has: {@code
   * lk-test-<testName>-<12 hex digits>}.
   *
   * <p>Cheap and thread-safe. The topic is not created; the test creates it with the partitions and
   * replication it needs.
   *
   * @param testName what the topic is for; characters other than letters, digits and {@code -}
   *     become {@code -}
   * @return a legal topic name
   * @throws NullPointerException if {@code testName} is null
   * @throws IllegalArgumentException if {@code testName} is blank
   */
  public String newTopicName(String testName) {
    return Namespaces.kafkaTopic(testName);
  }

  /**
   * Returns whether this handle can shut brokers down and start them, that is whether the cluster
   * runs in this JVM.
   *
   * @return true for an {@link ServerSource#EMBEDDED} cluster
   */
  public boolean canControlBrokers() {
    return brokers != null;
  }

  /**
   * Shuts one broker down (a controlled shutdown) and returns when it has stopped.
   *
   * <p>Every user of this cluster in this JVM sees the broker gone until {@link #startBroker(int)};
   * a test that stops a broker starts it again in a {@code finally} block. Takes well under a
   * second.
   *
   * @param brokerId one of {@link #brokerIds()}
   * @throws UnsupportedOperationException if the cluster does not run in this JVM ({@link
   *     #canControlBrokers()} is false)
   * @throws IllegalArgumentException if there is no such broker
   */
  public void shutdownBroker(int brokerId) {
    requireControl().shutdownBroker(brokerId);
  }

  /**
   * Starts a broker that {@link #shutdownBroker(int)} stopped and returns when the cluster sees it
   * ready again.
   *
   * <p>Takes a few seconds: the controller lets the old broker session expire first.
   *
   * @param brokerId one of {@link #brokerIds()}
   * @throws UnsupportedOperationException if the cluster does not run in this JVM
   * @throws IllegalArgumentException if there is no such broker
   */
  public void startBroker(int brokerId) {
    requireControl().startBroker(brokerId);
  }

  private BrokerControl requireControl() {
    if (brokers == null) {
      throw new UnsupportedOperationException("the Kafka cluster from "
          + ServerKind.KAFKA.environmentVariable() + " does not run in this JVM, so its brokers "
          + "cannot be stopped; use TestServers.kafka(brokers) for a cluster that can");
    }
    return brokers;
  }

  @Override
  public String toString() {
    return description;
  }
}
