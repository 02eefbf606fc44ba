package dev.layerkit.events.kafka;

import dev.layerkit.events.internal.TopicNames;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates topics through Kafka's {@link Admin} client, for publishers built with {@link
 * KafkaEventPublisher.Builder#createTopics(int, short)} and for setup code.
 *
 * <pre>{@code
 * try (Admin admin = Admin.create(Map.of("bootstrap.servers", servers))) {
 *   KafkaTopics.create(admin, "orders", 12, (short) 3, Map.of("min.insync.replicas", "2"),
 *       Duration.ofSeconds(30));
 * }
 * }</pre>
 */
public final class KafkaTopics {

  private KafkaTopics() {}

  /**
   * Creates a topic unless it exists, and returns when every partition has a leader that serves
   * it.
   *
   * @param admin the admin client
   * @param topic the topic, a legal topic name
   * @param partitions at least 1
   * @param replicationFactor at least 1, at most the number of brokers
   * @param configs topic configs such as {@code min.insync.replicas}
   * @param timeout how long to wait for the cluster
   * @return true if this call created it, false if it existed (with whatever layout it has)
   * @throws IllegalArgumentException if {@code topic} breaks a naming rule, or {@code partitions}
   *     or {@code replicationFactor} is less than 1
   * @throws IllegalStateException if the cluster refused or did not answer in time
   */
  public static boolean create(Admin admin, String topic, int partitions, short replicationFactor,
      Map<String, String> configs, Duration timeout) {
    Objects.requireNonNull(admin, "admin");
    TopicNames.check(topic);
    Objects.requireNonNull(configs, "configs");
    Objects.requireNonNull(timeout, "timeout");
    if (partitions < 1) {
      throw new IllegalArgumentException("partitions must be >= 1 but was " + partitions);
    }
    if (replicationFactor < 1) {
      throw new IllegalArgumentException("replicationFactor must be >= 1 but was "
          + replicationFactor);
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      boolean created;
      try {
        admin.createTopics(List.of(new NewTopic(topic, partitions, replicationFactor)
                .configs(configs)))
            .all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        created = true;
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) {
          throw e;
        }
        created = false;
      }
      awaitLeaders(admin, topic, deadline);
      return created;
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot create topic '" + topic + "': "
          + e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("cannot create topic '" + topic + "': no answer within "
          + timeout, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating topic '" + topic + "'", e);
    }
  }

  /**
   * Waits until every partition has a leader whose log answers. A producer that writes to a topic whose leaders the
   * brokers do not know yet gets retriable errors on its first batches, and the idempotent
   * producer can then reject its own retry as out of sequence until the delivery timeout
   * (KAFKA-14359); waiting here keeps a new topic's first publishes off that path.
   */
  private static void awaitLeaders(Admin admin, String topic, long deadlineNanos)
      throws InterruptedException, TimeoutException {
    while (true) {
      try {
        TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames()
            .get(Math.max(1, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS).get(topic);
        if (description != null && !description.partitions().isEmpty()
            && description.partitions().stream().allMatch(p -> p.leader() != null
                && !p.leader().isEmpty())) {
          // The leaders answer a ListOffsets only once their logs are online: the same readiness
          // a produce request needs, checked without writing anything.
          Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
          description.partitions().forEach(p ->
              latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
          admin.listOffsets(latest).all()
              .get(Math.max(1, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
          return;
        }
      } catch (ExecutionException e) {
        // Not known to the broker that answered yet (UnknownTopicOrPartition): ask again.
      }
      if (System.nanoTime() - deadlineNanos > 0) {
        throw new TimeoutException("no leader for every partition of " + topic);
      }
      Thread.sleep(20);
    }
  }
}
