package dev.layerkit.events.kafka;

import dev.layerkit.core.codec.Codec;
import dev.layerkit.core.health.Health;
import dev.layerkit.core.health.HealthCheck;
import dev.layerkit.core.health.HealthStatus;
import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.time.TimeSource;
import dev.layerkit.events.EventHandler;
import dev.layerkit.events.EventSubscriber;
import dev.layerkit.events.RetryPolicy;
import dev.layerkit.events.Subscription;
import dev.layerkit.events.internal.EncodedRecord;
import dev.layerkit.events.internal.EventDispatcher;
import dev.layerkit.events.internal.EventMetrics;
import dev.layerkit.events.internal.TopicNames;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.jspecify.annotations.Nullable;

/**
 * An {@link EventSubscriber} on Kafka: each {@link #subscribe} starts a {@code KafkaConsumer} in
 * the group on a thread of its own.
 *
 * <p>At least once: auto-commit is off; offsets are committed synchronously after the handler
 * returned (once per poll loop), when partitions are revoked in a rebalance, and on {@link
 * Subscription#close()}. A failing handler is retried by the {@link RetryPolicy} without blocking
 * the poll loop: the partition is paused while its head event waits for the next attempt, so that
 * the consumer keeps polling (no {@code max.poll.interval.ms} eviction) and other partitions keep
 * flowing; after the last attempt the record goes to {@code <topic>.DLT} through a producer of the
 * subscriber's own (idempotent, {@code acks=all}), with the headers of {@link
 * dev.layerkit.events.DeadLetters}, and only then is its offset committed. A record the codec
 * cannot decode goes there at once. Backpressure: a partition with fetched but unhandled records is
 * paused until they are handled, so a consumer holds at most one poll's records ({@code
 * max.poll.records}) in memory. Broker outages: the consumer reconnects by itself; the loop logs
 * and keeps polling.
 *
 * <p>New groups start at the earliest offset ({@code auto.offset.reset=earliest}). Dead-letter
 * topics are created by the broker's auto-creation or ahead of time ({@link KafkaTopics}).
 *
 * <p>Observability: each subscription reports its {@linkplain Subscription#lag() lag}; with a
 * {@link Builder#meterRegistry meter registry} the lag of each topic and group is the gauge {@code
 * layerkit.events.consumer.lag}; and {@link #healthCheck()} reports stopped or failing consumers
 * and, past {@link Builder#lagWarning(long)}, lagging ones.
 *
 * <p>Thread-safe.
 *
 * <pre>{@code
 * KafkaEventSubscriber<Order> subscriber = KafkaEventSubscriber
 *     .builder("kafka:9092", Codecs.json(Order.class))
 *     .retryPolicy(RetryPolicy.builder().maxAttempts(5).build())
 *     .build();
 * Subscription s = subscriber.subscribe("orders", "billing", e -> billing.charge(e.payload()));
 * }</pre>
 *
 * @param <T> the payload type
 */
public final class KafkaEventSubscriber<T> implements EventSubscriber<T> {

  /** Default longest wait of one poll: 100 ms. */
  public static final Duration DEFAULT_POLL_TIMEOUT = Duration.ofMillis(100);

  /** Default longest wait of {@link Subscription#close()}: 30 s. */
  public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);

  /**
   * Default time polls may keep failing before {@link #healthCheck()} reports DOWN: 30 s, long
   * enough to ride out a leader election or a broker restart.
   */
  public static final Duration DEFAULT_POLL_FAILURE_TIMEOUT = Duration.ofSeconds(30);

  /** Default {@link Builder#lagWarning(long)}: none, lag alone never degrades the health. */
  public static final long DEFAULT_LAG_WARNING = Long.MAX_VALUE;

  private static final String LAG_GAUGE = "layerkit.events.consumer.lag";

  private final Codec<T> codec;
  private final Map<String, Object> consumerConfig;
  private final RetryPolicy retryPolicy;
  private final Duration pollTimeout;
  private final Duration drainTimeout;
  private final TimeSource time;
  private final Duration pollFailureTimeout;
  private final long lagWarning;
  private final @Nullable MeterRegistry meterRegistry;
  /** The lag gauge of each topic and group with a live subscription; guarded by subscriptions. */
  private final Map<List<String>, Gauge> lagGauges = new HashMap<>();
  private final EventMetrics metrics;
  private final KafkaProducer<String, byte[]> deadLetterProducer;
  private final Duration deadLetterTimeout;
  private final List<KafkaSubscription<T>> subscriptions = new ArrayList<>();
  private final AtomicInteger ids = new AtomicInteger();
  private boolean closed;

  private KafkaEventSubscriber(Builder<T> builder) {
    this.codec = builder.codec;
    this.consumerConfig = Map.copyOf(builder.config);
    this.retryPolicy = builder.retryPolicy;
    this.pollTimeout = builder.pollTimeout;
    this.drainTimeout = builder.drainTimeout;
    this.time = builder.time;
    this.pollFailureTimeout = builder.pollFailureTimeout;
    this.lagWarning = builder.lagWarning;
    this.meterRegistry = builder.meterRegistry;
    this.metrics = new EventMetrics(builder.meterRegistry, "kafka", builder.observationRegistry);
    Map<String, Object> producerConfig = KafkaEventPublisher.defaultProducerConfig(
        String.valueOf(builder.config.get(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG)));
    producerConfig.put("linger.ms", 0);
    this.deadLetterTimeout = Duration.ofSeconds(30);
    this.deadLetterProducer = new KafkaProducer<>(producerConfig,
        new org.apache.kafka.common.serialization.StringSerializer(),
        new org.apache.kafka.common.serialization.ByteArraySerializer());
  }

  /**
   * Returns a builder.
   *
   * @param bootstrapServers Kafka's {@code bootstrap.servers}
   * @param codec the payload codec
   * @param <T> the payload type
   * @return a builder
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code bootstrapServers} is blank
   */
  public static <T> Builder<T> builder(String bootstrapServers, Codec<T> codec) {
    return new Builder<>(bootstrapServers, codec);
  }

  @Override
  public Subscription subscribe(String topic, String group, EventHandler<T> handler) {
    TopicNames.check(topic);
    TopicNames.checkGroup(group);
    Objects.requireNonNull(handler, "handler");
    synchronized (subscriptions) {
      if (closed) {
        throw new IllegalStateException("the subscriber is closed");
      }
      Map<String, Object> config = new HashMap<>(consumerConfig);
      config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
      String clientId = "layerkit-" + topic + '-' + group + '-' + ids.incrementAndGet();
      config.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
      EventDispatcher<T> dispatcher = new EventDispatcher<>(codec, handler, retryPolicy,
          this::sendDeadLetter, time, group, metrics);
      KafkaSubscription<T> subscription = new KafkaSubscription<>(topic, group, config,
          dispatcher, pollTimeout, drainTimeout, clientId, time, this::closed);
      subscriptions.add(subscription);
      registerLagGauge(topic, group);
      subscription.start();
      return subscription;
    }
  }

  /**
   * Registers the lag gauge of a topic and group once; it sums the lag of every live member of
   * that group here, since Micrometer keeps one gauge per name and tags.
   */
  private void registerLagGauge(String topic, String group) {
    MeterRegistry registry = meterRegistry;
    if (registry == null) {
      return;
    }
    lagGauges.computeIfAbsent(List.of(topic, group), key -> Gauge
        .builder(LAG_GAUGE, () -> groupLag(topic, group))
        .description("Events of the topic not yet handled by this process's members of the group")
        // No base unit: Prometheus would append it to the name the alert rules query.
        .tag("backend", "kafka").tag("topic", topic).tag("group", group)
        .strongReference(true)
        .register(registry));
  }

  private double groupLag(String topic, String group) {
    synchronized (subscriptions) {
      long total = 0;
      boolean known = false;
      for (KafkaSubscription<T> s : subscriptions) {
        OptionalLong lag = s.lag();
        if (s.topic().equals(topic) && s.group().equals(group) && lag.isPresent()) {
          total += lag.getAsLong();
          known = true;
        }
      }
      return known ? total : Double.NaN;
    }
  }

  /** Forgets a closed subscription, and its gauge when it was the last of its topic and group. */
  private void closed(KafkaSubscription<T> subscription) {
    synchronized (subscriptions) {
      subscriptions.remove(subscription);
      boolean lastOfGroup = subscriptions.stream().noneMatch(s ->
          s.topic().equals(subscription.topic()) && s.group().equals(subscription.group()));
      Gauge gauge = lastOfGroup
          ? lagGauges.remove(List.of(subscription.topic(), subscription.group())) : null;
      if (gauge != null && meterRegistry != null) {
        meterRegistry.remove(gauge);
      }
    }
  }

  /**
   * Returns a health check named {@code kafka-subscriber} over this subscriber's open
   * subscriptions.
   *
   * <p>{@link HealthStatus#DOWN} if the subscriber is closed, if a subscription's consumer thread
   * stopped on an unexpected error (its handler threw an {@code Error}, or the thread was
   * interrupted), or if its polls have kept failing for longer than {@link
   * Builder#pollFailureTimeout(Duration)}; {@link HealthStatus#DEGRADED} if a subscription's
   * {@linkplain Subscription#lag() lag} is above {@link Builder#lagWarning(long)}; {@link
   * HealthStatus#UP} otherwise, including with no subscriptions. A slow handler is not a failing
   * poll: it shows as lag. The details hold, under each subscription's client id, its topic,
   * group, lag ({@code -1} when unknown) and assigned partitions.
   *
   * <p>The check reads state the consumer threads publish; it makes no network call and never
   * blocks on a consumer. Thread-safe.
   *
   * @return the health check
   */
  public HealthCheck healthCheck() {
    return HealthCheck.of("kafka-subscriber", this::health);
  }

  private Health health() {
    List<KafkaSubscription<T>> open;
    synchronized (subscriptions) {
      if (closed) {
        return Health.down("closed").build();
      }
      open = new ArrayList<>(subscriptions);
    }
    HealthStatus status = HealthStatus.UP;
    List<String> reasons = new ArrayList<>();
    Map<String, Object> details = new LinkedHashMap<>();
    for (KafkaSubscription<T> s : open) {
      if (s.isClosed()) {
        continue;
      }
      OptionalLong lag = s.lag();
      Throwable death = s.death();
      Duration failingFor = s.pollFailingFor();
      if (death != null) {
        status = status.and(HealthStatus.DOWN);
        reasons.add(s.clientId() + " stopped: " + death);
      } else if (failingFor != null && failingFor.compareTo(pollFailureTimeout) > 0) {
        status = status.and(HealthStatus.DOWN);
        reasons.add(s.clientId() + " failing to poll for " + failingFor + ": "
            + s.lastPollFailure());
      } else if (lag.isPresent() && lag.getAsLong() > lagWarning) {
        status = status.and(HealthStatus.DEGRADED);
        reasons.add(s.clientId() + " lag " + lag.getAsLong() + " > " + lagWarning);
      }
      details.put(s.clientId(), Map.of("topic", s.topic(), "group", s.group(),
          "lag", lag.orElse(-1), "assignedPartitions", s.assignedPartitions()));
    }
    Health.Builder health = status == HealthStatus.UP ? Health.up()
        : status == HealthStatus.DEGRADED ? Health.degraded(String.join("; ", reasons))
        : Health.down(String.join("; ", reasons));
    details.forEach(health::detail);
    return health.build();
  }

  private void sendDeadLetter(String deadLetterTopic, EncodedRecord original,
      Map<String, String> headers) throws Exception {
    deadLetterProducer.send(new ProducerRecord<>(deadLetterTopic, null,
            original.timestampMillis(), original.key(), original.value(),
            KafkaRecords.toKafka(headers)))
        .get(deadLetterTimeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    List<KafkaSubscription<T>> all;
    synchronized (subscriptions) {
      if (closed) {
        return;
      }
      closed = true;
      all = new ArrayList<>(subscriptions);
      subscriptions.clear();
    }
    all.forEach(KafkaSubscription::close);
    deadLetterProducer.close();
  }

  @Override
  public String toString() {
    return "KafkaEventSubscriber{codec=" + codec + ", retryPolicy=" + retryPolicy + '}';
  }

  /**
   * Builds a {@link KafkaEventSubscriber}. Each setting may be given once; each {@link
   * #property(String, Object) property} once. The group id, client id, deserializers and
   * auto-commit are the subscriber's and cannot be set. Not thread-safe.
   *
   * @param <T> the payload type
   */
  public static final class Builder<T> extends KafkaClientBuilder<T, Builder<T>> {

    private RetryPolicy retryPolicy = RetryPolicy.ofDefaults();
    private Duration pollTimeout = DEFAULT_POLL_TIMEOUT;
    private Duration drainTimeout = DEFAULT_DRAIN_TIMEOUT;
    private Duration pollFailureTimeout = DEFAULT_POLL_FAILURE_TIMEOUT;
    private long lagWarning = DEFAULT_LAG_WARNING;

    private Builder(String bootstrapServers, Codec<T> codec) {
      super(bootstrapServers, codec, new HashMap<>());
      config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
      config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
      config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
      config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    }

    @Override
    @Nullable String refusal(String name, Object value) {
      return name.equals(ConsumerConfig.GROUP_ID_CONFIG)
          || name.equals(ConsumerConfig.CLIENT_ID_CONFIG)
          || name.equals(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG)
          || name.equals(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG)
          || name.equals(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG)
          ? "name must not be a setting the subscriber owns but was " + name
          : null;
    }

    /**
     * Sets the retry policy of failing handlers.
     *
     * @param retryPolicy the policy
     * @return this builder
     * @throws NullPointerException if {@code retryPolicy} is null
     * @throws IllegalStateException if already set
     */
    public Builder<T> retryPolicy(RetryPolicy retryPolicy) {
      settings.requireUnset("retryPolicy", this.retryPolicy);
      this.retryPolicy = Objects.requireNonNull(retryPolicy, "retryPolicy");
      return this;
    }

    /**
     * Sets the longest wait of one poll, which bounds how late a retry or a close is noticed.
     *
     * @param pollTimeout more than zero
     * @return this builder
     * @throws NullPointerException if {@code pollTimeout} is null
     * @throws IllegalArgumentException if it is zero or negative
     * @throws IllegalStateException if already set
     */
    public Builder<T> pollTimeout(Duration pollTimeout) {
      settings.requireUnset("pollTimeout", this.pollTimeout);
      this.pollTimeout = Arguments.positive(pollTimeout, "pollTimeout");
      return this;
    }

    /**
     * Sets how long {@link Subscription#close()} waits for the handler and the commit.
     *
     * @param drainTimeout more than zero
     * @return this builder
     * @throws NullPointerException if {@code drainTimeout} is null
     * @throws IllegalArgumentException if it is zero or negative
     * @throws IllegalStateException if already set
     */
    public Builder<T> drainTimeout(Duration drainTimeout) {
      settings.requireUnset("drainTimeout", this.drainTimeout);
      this.drainTimeout = Arguments.positive(drainTimeout, "drainTimeout");
      return this;
    }

    /**
     * Sets how long a subscription's polls may keep failing (the consumer throwing, for example on
     * an authorization error) before {@link KafkaEventSubscriber#healthCheck()} reports DOWN. A
     * broker that cannot be reached does not make polls fail: the consumer keeps reconnecting, and
     * the trouble shows as lag that does not fall.
     *
     * @param pollFailureTimeout zero or more; defaults to {@link #DEFAULT_POLL_FAILURE_TIMEOUT}
     * @return this builder
     * @throws NullPointerException if {@code pollFailureTimeout} is null
     * @throws IllegalArgumentException if it is negative
     * @throws IllegalStateException if already set
     */
    public Builder<T> pollFailureTimeout(Duration pollFailureTimeout) {
      settings.requireUnset("pollFailureTimeout", this.pollFailureTimeout);
      this.pollFailureTimeout = Arguments.notNegative(pollFailureTimeout, "pollFailureTimeout");
      return this;
    }

    /**
     * Sets the lag above which {@link KafkaEventSubscriber#healthCheck()} reports a subscription
     * DEGRADED. By default ({@link #DEFAULT_LAG_WARNING}) lag never degrades the health: what lag
     * is too much depends on the event rate and on how late the handler's work may be, so choose
     * it from those (for example a minute's worth of events).
     *
     * @param maxLag the largest lag still UP, more than zero
     * @return this builder
     * @throws IllegalArgumentException if {@code maxLag} is zero or negative
     * @throws IllegalStateException if already set
     */
    public Builder<T> lagWarning(long maxLag) {
      settings.requireUnset("lagWarning", this.lagWarning);
      this.lagWarning = Arguments.positive(maxLag, "maxLag");
      return this;
    }

    /**
     * Builds the subscriber and its dead-letter producer.
     *
     * <p>With a {@link #meterRegistry(MeterRegistry) registry} it records {@code
     * layerkit.events.handled}, {@code .retried} and {@code .dead-lettered} (tags {@code
     * backend=kafka}, {@code topic}, {@code group}), and the gauge {@code
     * layerkit.events.consumer.lag} (same tags): the sum of {@link Subscription#lag()} over this
     * subscriber's open subscriptions of that topic and group, NaN while none knows its lag. The
     * gauge is registered by the first {@link KafkaEventSubscriber#subscribe subscribe} of a
     * topic and group and removed when the last of them closes. Reading it takes the
     * subscriber's lock briefly and makes no network call.
     *
     * @return the subscriber
     */
    public KafkaEventSubscriber<T> build() {
      return new KafkaEventSubscriber<>(this);
    }
  }
}
