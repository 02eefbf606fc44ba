package dev.layerkit.events.kafka;

import dev.layerkit.core.codec.Codec;
import dev.layerkit.core.health.Health;
import dev.layerkit.core.health.HealthCheck;
import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.time.TimeSource;
import dev.layerkit.events.EventPublishException;
import dev.layerkit.events.EventPublisher;
import dev.layerkit.events.PublishReceipt;
import dev.layerkit.events.internal.EncodingPublisher;
import dev.layerkit.events.internal.EventHeaders;
import dev.layerkit.events.internal.EventIds;
import dev.layerkit.events.internal.EventMetrics;
import dev.layerkit.events.internal.Receipts;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link EventPublisher} on Kafka's {@link KafkaProducer}: idempotent, {@code acks=all},
 * batched ({@code linger.ms=5}, 64 KiB batches) and {@code lz4}-compressed by default; see {@link
 * #defaultProducerConfig(String)}. Any producer setting can be overridden with {@link
 * Builder#property(String, Object)}.
 *
 * <p>A record's key is the event key (UTF-8), its value the codec's bytes, its timestamp the event
 * time from the {@link TimeSource}, and its headers the application headers; an event published
 * with {@link #publishWithId} also carries {@code layerkit.event-id}, any other takes its place in
 * the log as its id, so the envelope costs no bytes on the wire. Kafka's default partitioner sends one key to one partition, and the
 * idempotent producer keeps one thread's records for a partition in order even across retries.
 *
 * <p>Failure: a payload the codec cannot encode fails the future at once and nothing is sent; a
 * broker that is down or too slow fails the future after {@link Builder#deliveryTimeout(Duration)}
 * (default 2 min, Kafka's); when the producer's buffer ({@code buffer.memory}, 32 MiB) is full,
 * {@code publish} blocks up to {@code max.block.ms} (default 60 s) and then fails the future, so
 * memory stays bounded. The future's continuations run on the producer's I/O thread: keep them
 * short or use the {@code *Async} variants. {@link #healthCheck()} reports DOWN while the last
 * publish failed.
 *
 * <p>Cost: a publish makes one object beyond what {@code KafkaProducer.send} makes, the returned
 * future, which is also the producer's callback and, once stored, the {@link PublishReceipt} it
 * completes with (so a receipt is equal only to itself: see {@link PublishReceipt}).
 *
 * <p>Thread-safe; one publisher per application is the norm, as for {@code KafkaProducer}.
 *
 * <pre>{@code
 * KafkaEventPublisher<Order> publisher = KafkaEventPublisher
 *     .builder("kafka:9092", Codecs.json(Order.class))
 *     .createTopics(12, (short) 3)
 *     .build();
 * publisher.publish("orders", order.id(), order).join();
 * }</pre>
 *
 * @param <T> the payload type
 */
public final class KafkaEventPublisher<T> extends EncodingPublisher<T> {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaEventPublisher.class);

  /** Default {@code linger.ms}: {@value}. */
  public static final int DEFAULT_LINGER_MS = 5;

  /** Default {@code batch.size}: {@value} bytes. */
  public static final int DEFAULT_BATCH_SIZE = 64 * 1024;

  /** Default {@code compression.type}: {@value}. */
  public static final String DEFAULT_COMPRESSION = "lz4";

  private final KafkaProducer<String, byte[]> producer;
  private final TimeSource time;
  private final EventMetrics metrics;
  private final boolean counting;
  private final @Nullable Admin admin;
  private final int topicPartitions;
  private final short topicReplication;
  private final Map<String, String> topicConfigs;
  private final Duration adminTimeout;
  private final Set<String> knownTopics = ConcurrentHashMap.newKeySet();
  private final AtomicReference<@Nullable Throwable> lastFailure = new AtomicReference<>();
  private final boolean systemTime;
  private final Callback forgotten = new Forgotten();

  private KafkaEventPublisher(Builder<T> builder) {
    this(builder, new EventMetrics(builder.meterRegistry, "kafka", builder.observationRegistry));
  }

  private KafkaEventPublisher(Builder<T> builder, EventMetrics metrics) {
    super(builder.codec, metrics);
    this.time = builder.time;
    this.systemTime = builder.time == TimeSource.system();
    this.metrics = metrics;
    this.counting = metrics.isCounting();
    this.producer = new KafkaProducer<>(builder.config, new StringSerializer(),
        new ByteArraySerializer());
    this.topicPartitions = builder.topicPartitions;
    this.topicReplication = builder.topicReplication;
    this.topicConfigs = Map.copyOf(builder.topicConfigs);
    this.adminTimeout = Duration.ofMillis(
        Long.parseLong(String.valueOf(builder.config.get(ProducerConfig.MAX_BLOCK_MS_CONFIG))));
    this.admin = builder.topicPartitions > 0
        ? Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
            builder.config.get(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG)))
        : null;
  }

  /**
   * Returns a builder.
   *
   * @param bootstrapServers Kafka's {@code bootstrap.servers}
   * @param codec the payload codec
   * @param <T> the payload type
   * @return a builder starting from {@link #defaultProducerConfig(String)}
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code bootstrapServers} is blank
   */
  public static <T> Builder<T> builder(String bootstrapServers, Codec<T> codec) {
    return new Builder<>(bootstrapServers, codec);
  }

  /**
   * Returns the producer settings a publisher starts from: idempotence, {@code acks=all}, {@code
   * linger.ms=5}, {@code batch.size=65536}, {@code compression.type=lz4}. The benchmark gives a raw
   * {@code KafkaProducer} the same map.
   *
   * @param bootstrapServers Kafka's {@code bootstrap.servers}
   * @return a new mutable map
   */
  public static Map<String, Object> defaultProducerConfig(String bootstrapServers) {
    Map<String, Object> config = new HashMap<>();
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.LINGER_MS_CONFIG, DEFAULT_LINGER_MS);
    config.put(ProducerConfig.BATCH_SIZE_CONFIG, DEFAULT_BATCH_SIZE);
    config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, DEFAULT_COMPRESSION);
    config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 60_000);
    return config;
  }

  @Override
  protected @Nullable Long nowMillis() {
    // On the system clock Kafka stamps the record itself (CreateTime), the same instant.
    return systemTime ? null : time.epochMillis();
  }

  @Override
  protected CompletableFuture<PublishReceipt> store(@Nullable String eventId,
      @Nullable Long timestampMillis, String topic, String key, byte[] value,
      Map<String, String> headers) {
    ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, null, timestampMillis,
        key, value, headers.isEmpty() ? null : KafkaRecords.toKafka(headers));
    if (eventId != null) {
      record.headers().add(EventHeaders.EVENT_ID, eventId.getBytes(StandardCharsets.UTF_8));
    }
    Delivery future = eventId == null ? new Delivery() : new IdentifiedDelivery(eventId);
    try {
      ensureTopic(topic);
      producer.send(record, future);
    } catch (KafkaException | IllegalStateException e) {
      lastFailure.set(e);
      metrics.publishFailed(topic);
      future.completeExceptionally(isClosed() ? EventPublishException.closed(topic)
          : EventPublishException.notStored(topic, e));
    }
    return future;
  }

  @Override
  protected void storeAndForget(@Nullable Long timestampMillis, String topic, String key,
      byte[] value) {
    ProducerRecord<String, byte[]> record =
        new ProducerRecord<>(topic, null, timestampMillis, key, value, null);
    try {
      ensureTopic(topic);
      producer.send(record, forgotten);
    } catch (KafkaException | IllegalStateException e) {
      lastFailure.set(e);
      metrics.publishFailed(topic);
      throw isClosed() ? EventPublishException.closed(topic)
          : EventPublishException.notStored(topic, e);
    }
  }

  /**
   * The callback of every {@link #publishAndForget}: one shared object, so that such a publish
   * adds nothing per event to the producer's record. It counts the outcome and keeps the last
   * failure for the health check; the first failure after a success is logged.
   */
  private final class Forgotten implements Callback {
    @Override
    public void onCompletion(@Nullable RecordMetadata metadata, @Nullable Exception error) {
      if (error == null) {
        acknowledged(metadata);
        return;
      }
      String topic = metadata != null ? metadata.topic() : "*";
      if (lastFailure.getAndSet(error) == null) {
        LOG.warn("A publishAndForget to {} was not stored; later failures until a success are"
            + " only counted", topic, error);
      }
      metrics.publishFailed(topic);
    }
  }

  /**
   * The future a publish returns, the producer's callback and the receipt the future completes
   * with, in one object: a publish makes 32 bytes (the future's two fields, this publisher and the
   * acknowledgement), and the producer's I/O thread, which runs {@link #onCompletion}, makes
   * nothing: the receipt reads the {@link RecordMetadata} that Kafka made for the callback. Only
   * {@link IdentifiedDelivery} carries an event id.
   *
   * <p>Concurrency: {@code stored} is written once, before {@code complete(this)}; whoever gets
   * this object as the future's value has read the future's volatile result after that write. The
   * receipt's methods are not meant to be called on the future before it has completed normally,
   * and throw {@link IllegalStateException} if they are. Equality is the future's, identity.
   */
  private class Delivery extends CompletableFuture<PublishReceipt>
      implements Callback, PublishReceipt {

    private @Nullable RecordMetadata stored;

    /** Returns the event's own id, or null if its id is its place in the log. */
    @Nullable String ownId() {
      return null;
    }

    @Override
    public final void onCompletion(@Nullable RecordMetadata metadata, @Nullable Exception error) {
      if (error == null) {
        acknowledged(metadata);
        stored = metadata;
        complete(this);
        return;
      }
      // Kafka (4.x) passes the metadata, with the topic, on failure too; "*" guards older clients.
      String topic = metadata != null ? metadata.topic() : "*";
      lastFailure.set(error);
      metrics.publishFailed(topic);
      completeExceptionally(EventPublishException.notStored(topic, error));
    }

    private RecordMetadata stored() {
      RecordMetadata metadata = stored;
      if (metadata == null) {
        throw new IllegalStateException("not stored (yet): " + super.toString());
      }
      return metadata;
    }

    @Override
    public final String eventId() {
      String id = ownId();
      if (id != null) {
        return id;
      }
      RecordMetadata metadata = stored();
      return EventIds.fromPosition(metadata.topic(), metadata.partition(), metadata.offset());
    }

    @Override
    public final String topic() {
      return stored().topic();
    }

    @Override
    public final int partition() {
      return stored().partition();
    }

    @Override
    public final long offset() {
      return stored().offset();
    }

    @Override
    public final Instant timestamp() {
      return Instant.ofEpochMilli(stored().timestamp());
    }

    /** The receipt's text once stored, else the future's ({@code ...[Incomplete]} and so on). */
    @Override
    public final String toString() {
      return stored != null ? Receipts.toString(this) : super.toString();
    }
  }

  /** The {@link Delivery} of {@link #publishWithId}, which carries the caller's id. */
  private final class IdentifiedDelivery extends Delivery {
    private final String eventId;

    IdentifiedDelivery(String eventId) {
      this.eventId = eventId;
    }

    @Override
    String ownId() {
      return eventId;
    }
  }

  /**
   * What every acknowledged send does on the producer's I/O thread, for both callbacks: clear the
   * health check's failure and count the event. Without a registry the count is skipped before its
   * topic is read, so that an acknowledgement costs the I/O thread nothing beyond the future.
   */
  private void acknowledged(@Nullable RecordMetadata metadata) {
    if (lastFailure.get() != null) {
      lastFailure.set(null);
    }
    if (counting) {
      metrics.published(metadata != null ? metadata.topic() : "*");
    }
  }

  private void ensureTopic(String topic) {
    Admin a = admin;
    if (a != null && !knownTopics.contains(topic)) {
      KafkaTopics.create(a, topic, topicPartitions, topicReplication, topicConfigs, adminTimeout);
      knownTopics.add(topic);
    }
  }

  /**
   * Blocks until every record sent before the call is acknowledged or failed ({@link
   * KafkaProducer#flush()}).
   *
   * @throws EventPublishException if the thread is interrupted
   */
  @Override
  public void flush() {
    try {
      producer.flush();
    } catch (org.apache.kafka.common.errors.InterruptException e) {
      throw EventPublishException.interrupted("*", new InterruptedException(e.getMessage()));
    }
  }

  /** Flushes and closes the producer (waiting at most the delivery timeout). Idempotent. */
  @Override
  public void close() {
    if (!markClosed()) {
      return;
    }
    producer.close();
    if (admin != null) {
      admin.close();
    }
  }

  /**
   * Returns a health check named {@code kafka-publisher}: UP while the last publish succeeded (or
   * none was made), DOWN with the error while the last one failed.
   *
   * @return the health check
   */
  public HealthCheck healthCheck() {
    return HealthCheck.of("kafka-publisher", () -> {
      Throwable failure = lastFailure.get();
      if (isClosed()) {
        return Health.down("closed").build();
      }
      return failure == null ? Health.up().build() : Health.down(failure).build();
    });
  }

  @Override
  public String toString() {
    return "KafkaEventPublisher{codec=" + codec() + '}';
  }

  /**
   * Builds a {@link KafkaEventPublisher}. Each setting may be given once; each {@link
   * #property(String, Object) property} once. The serializers are the publisher's (String keys,
   * byte values: payloads go through the codec) and cannot be set, nor can {@code acks} be {@code
   * 0}: the broker then returns no offset, and {@link PublishReceipt} promises one (and, for an
   * event without an id of its own, takes its id from it). Not thread-safe.
   *
   * @param <T> the payload type
   */
  public static final class Builder<T> extends KafkaClientBuilder<T, Builder<T>> {

    private int topicPartitions;
    private short topicReplication;
    private Map<String, String> topicConfigs = Map.of();
    private @Nullable Duration deliveryTimeout;

    private Builder(String bootstrapServers, Codec<T> codec) {
      super(bootstrapServers, codec, defaultProducerConfig(bootstrapServers));
    }

    @Override
    @Nullable String refusal(String name, Object value) {
      if (name.equals(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG)
          || name.equals(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG)) {
        return "name must not be a serializer setting but was " + name
            + "; payloads go through the codec";
      }
      if (name.equals(ProducerConfig.ACKS_CONFIG) && "0".equals(String.valueOf(value).trim())) {
        return "acks must not be 0 but was " + value + ": with acks=0 the broker returns no"
            + " offset, and a publish's receipt holds one";
      }
      return null;
    }

    /**
     * Sets how long a publish may take before its future fails ({@code delivery.timeout.ms});
     * {@code request.timeout.ms} is lowered to fit when needed.
     *
     * @param deliveryTimeout at least 1 ms
     * @return this builder
     * @throws NullPointerException if {@code deliveryTimeout} is null
     * @throws IllegalArgumentException if it is less than 1 ms
     * @throws IllegalStateException if already set
     */
    public Builder<T> deliveryTimeout(Duration deliveryTimeout) {
      settings.requireUnset("deliveryTimeout", this.deliveryTimeout);
      Arguments.atLeastOneMilli(deliveryTimeout, "deliveryTimeout");
      this.deliveryTimeout = deliveryTimeout;
      long millis = deliveryTimeout.toMillis();
      int linger = ((Number) config.get(ProducerConfig.LINGER_MS_CONFIG)).intValue();
      long request = Math.max(1, millis - linger);
      config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) Math.min(Integer.MAX_VALUE,
          Math.max(millis, request + linger)));
      config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG,
          (int) Math.min(request, 30_000));
      config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, millis);
      return this;
    }

    /**
     * Creates each topic on its first publish through the Admin client, with these partitions and
     * this replication factor, unless it exists. The first publish to a topic then blocks for the
     * creation.
     *
     * @param partitions at least 1
     * @param replicationFactor at least 1
     * @return this builder
     * @throws IllegalArgumentException if a value is less than 1
     * @throws IllegalStateException if topic creation was already set
     */
    public Builder<T> createTopics(int partitions, short replicationFactor) {
      return createTopics(partitions, replicationFactor, Map.of());
    }

    /**
     * Like {@link #createTopics(int, short)}, with topic configs such as {@code
     * min.insync.replicas}.
     *
     * @param partitions at least 1
     * @param replicationFactor at least 1
     * @param configs the topic configs
     * @return this builder
     * @throws IllegalArgumentException if a count is less than 1
     * @throws IllegalStateException if topic creation was already set
     */
    public Builder<T> createTopics(int partitions, short replicationFactor,
        Map<String, String> configs) {
      settings.requireUnset("createTopics", topicPartitions == 0 ? "off"
          : topicPartitions + " partitions, replication " + topicReplication);
      if (partitions < 1) {
        throw new IllegalArgumentException("partitions must be >= 1 but was " + partitions);
      }
      if (replicationFactor < 1) {
        throw new IllegalArgumentException("replicationFactor must be >= 1 but was "
            + replicationFactor);
      }
      this.topicPartitions = partitions;
      this.topicReplication = replicationFactor;
      this.topicConfigs = Map.copyOf(configs);
      return this;
    }

    /**
     * Builds the publisher and its producer. The meters, with a {@link
     * #meterRegistry(io.micrometer.core.instrument.MeterRegistry) registry}, are {@code
     * layerkit.events.published} and {@code layerkit.events.publish.failed}.
     *
     * @return the publisher
     * @throws KafkaException if the producer settings are invalid
     */
    public KafkaEventPublisher<T> build() {
      return new KafkaEventPublisher<>(this);
    }
  }
}
