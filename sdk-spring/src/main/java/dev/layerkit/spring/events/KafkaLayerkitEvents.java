package dev.layerkit.spring.events;

import dev.layerkit.core.codec.Codec;
import dev.layerkit.core.health.HealthCheck;
import dev.layerkit.events.EventPublisher;
import dev.layerkit.events.EventSubscriber;
import dev.layerkit.events.kafka.KafkaEventPublisher;
import dev.layerkit.events.kafka.KafkaEventSubscriber;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link LayerkitEvents} on Kafka: every client gets the producer or consumer settings Spring Boot
 * built from {@code spring.kafka.*}, except those Layerkit's clients own (serializers; a consumer's
 * group and client ids and auto commit: payloads go through the codec, each subscription is its
 * own group member, and offsets are committed after the handler). Thread-safe; closes what it made.
 */
final class KafkaLayerkitEvents implements LayerkitEvents {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaLayerkitEvents.class);

  /** Producer settings the Layerkit publisher owns; Spring's values for them are not passed. */
  static final Set<String> PRODUCER_OWNED = Set.of(
      CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG,
      ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
      ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG);

  /** Consumer settings the Layerkit subscriber owns; Spring's values for them are not passed. */
  static final Set<String> CONSUMER_OWNED = Set.of(
      CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG,
      ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
      ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
      ConsumerConfig.GROUP_ID_CONFIG,
      CommonClientConfigs.CLIENT_ID_CONFIG,
      ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG);

  private final String bootstrapServers;
  private final Map<String, Object> producer;
  private final Map<String, Object> consumer;
  private final @Nullable MeterRegistry meters;
  private final @Nullable ObservationRegistry observations;
  private final List<KafkaEventPublisher<?>> publishers = new CopyOnWriteArrayList<>();
  private final List<KafkaEventSubscriber<?>> subscribers = new CopyOnWriteArrayList<>();

  KafkaLayerkitEvents(String bootstrapServers, Map<String, Object> producer, Map<String, Object> consumer,
      @Nullable MeterRegistry meters, @Nullable ObservationRegistry observations) {
    this.bootstrapServers = Objects.requireNonNull(bootstrapServers, "bootstrapServers");
    this.producer = Map.copyOf(producer);
    this.consumer = Map.copyOf(consumer);
    this.meters = meters;
    this.observations = observations;
  }

  @Override
  public String backend() {
    return "kafka";
  }

  @Override
  public <T> EventPublisher<T> publisher(Codec<T> codec) {
    KafkaEventPublisher.Builder<T> builder = KafkaEventPublisher.builder(bootstrapServers, codec);
    producer.forEach((name, value) -> {
      if (!PRODUCER_OWNED.contains(name)) {
        builder.property(name, value);
      }
    });
    if (meters != null) {
      builder.meterRegistry(meters);
    }
    if (observations != null) {
      builder.observationRegistry(observations);
    }
    KafkaEventPublisher<T> publisher = builder.build();
    publishers.add(publisher);
    return publisher;
  }

  @Override
  public <T> EventSubscriber<T> subscriber(Codec<T> codec) {
    KafkaEventSubscriber.Builder<T> builder = KafkaEventSubscriber.builder(bootstrapServers, codec);
    consumer.forEach((name, value) -> {
      if (!CONSUMER_OWNED.contains(name)) {
        builder.property(name, value);
      }
    });
    if (meters != null) {
      builder.meterRegistry(meters);
    }
    if (observations != null) {
      builder.observationRegistry(observations);
    }
    KafkaEventSubscriber<T> subscriber = builder.build();
    subscribers.add(subscriber);
    return subscriber;
  }

  @Override
  public List<HealthCheck> healthChecks() {
    // Named apart: every client's own check has the same name.
    List<HealthCheck> checks = new ArrayList<>();
    for (int i = 0; i < publishers.size(); i++) {
      HealthCheck check = publishers.get(i).healthCheck();
      checks.add(HealthCheck.of("events-kafka-publisher-" + i, check::check));
    }
    for (int i = 0; i < subscribers.size(); i++) {
      HealthCheck check = subscribers.get(i).healthCheck();
      checks.add(HealthCheck.of("events-kafka-subscriber-" + i, check::check));
    }
    return checks;
  }

  @Override
  public void close() {
    for (KafkaEventSubscriber<?> subscriber : subscribers) {
      closeQuietly(subscriber);
    }
    for (KafkaEventPublisher<?> publisher : publishers) {
      closeQuietly(publisher);
    }
  }

  private static void closeQuietly(AutoCloseable closeable) {
    try {
      closeable.close();
    } catch (Exception e) {
      LOG.warn("Closing {} failed", closeable, e);
    }
  }

  @Override
  public String toString() {
    return "LayerkitEvents{kafka " + bootstrapServers + '}';
  }
}
