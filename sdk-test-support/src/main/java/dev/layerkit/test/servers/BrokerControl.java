package dev.layerkit.test.servers;

import java.util.List;

/**
 * Stops and starts single brokers of a Kafka cluster that runs in this JVM.
 *
 * <p>Kept apart from {@link TestKafka} so that the handle holds no Kafka server types: a module
 * that reaches Kafka only through {@code LAYERKIT_TEST_KAFKA} does not load them. Implementations
 * are thread-safe.
 */
interface BrokerControl {

  /** Returns the ids of the cluster's brokers, running or not, in ascending order. */
  List<Integer> brokerIds();

  /**
   * Stops one broker and waits until it has stopped.
   *
   * @param brokerId the broker
   * @throws IllegalArgumentException if there is no such broker
   */
  void shutdownBroker(int brokerId);

  /**
   * Starts a stopped broker and waits until the controller sees every broker ready.
   *
   * @param brokerId the broker
   * @throws IllegalArgumentException if there is no such broker
   */
  void startBroker(int brokerId);
}
