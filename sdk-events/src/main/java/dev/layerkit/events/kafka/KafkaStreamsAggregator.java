package dev.layerkit.events.kafka;

import dev.layerkit.core.codec.Codec;
import dev.layerkit.core.internal.BuilderSettings;
import dev.layerkit.events.internal.TopicNames;
import dev.layerkit.events.internal.WindowResults;
import dev.layerkit.events.stream.Aggregate;
import dev.layerkit.events.stream.WindowedAggregate;
import dev.layerkit.events.stream.WindowedAggregation;
import dev.layerkit.events.stream.WindowedAggregator;
import dev.layerkit.events.stream.Windows;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Suppressed;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.apache.kafka.streams.state.WindowStore;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka Streams engine of a {@link WindowedAggregation}: it builds a topology that reads the
 * input topic, decodes payloads with the codec, groups by record key, aggregates count, sum, min
 * and max in {@link TimeWindows} with the definition's size, advance and grace, and emits each
 * window's final result to the sink when the window closes ({@code
 * suppress(untilWindowCloses)}). It scales out like any Kafka Streams application: one task per
 * input partition, state in a changelogged window store.
 *
 * <p>Queries ({@link #get}, {@link #openWindows}, {@link #topN}) read the local window store
 * (interactive queries), so an instance sees the keys of its own partitions. Late events are
 * dropped by Kafka Streams; {@link #droppedLateEvents()} counts them by the same rule in a
 * processor ahead of the aggregation, per task, since the last start. {@link #close()} emits the
 * windows still open, then closes Kafka Streams. Records that cannot be decoded, or whose value
 * function throws, are skipped and logged. Delivery to the sink is Kafka Streams' {@code
 * processing.guarantee} (at least once by default: after a crash a window's result can be emitted
 * again).
 *
 * <p>Thread-safe. The sink is called from stream threads.
 *
 * <pre>{@code
 * KafkaStreamsAggregator<Order> aggregator = KafkaStreamsAggregator
 *     .builder("orders", Codecs.json(Order.class), revenuePerMinute, dashboard::publish)
 *     .build();
 * aggregator.start(Map.of("bootstrap.servers", "kafka:9092", "application.id", "revenue"));
 * }</pre>
 *
 * @param <T> the payload type
 */
public final class KafkaStreamsAggregator<T> implements WindowedAggregator<T> {

  /** The default name of the window store: {@value}. */
  public static final String DEFAULT_STORE_NAME = "layerkit-windows";

  private static final Logger LOG = LoggerFactory.getLogger(KafkaStreamsAggregator.class);

  /** The window store's value format: count, sum, min, max; 32 bytes. */
  static final Serde<Aggregate> AGGREGATE_SERDE = Serdes.serdeFrom(
      (topic, aggregate) -> aggregate == null ? null : ByteBuffer.allocate(32)
          .putLong(aggregate.count()).putDouble(aggregate.sum()).putDouble(aggregate.min())
          .putDouble(aggregate.max()).array(),
      (topic, bytes) -> {
        if (bytes == null) {
          return null;
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        return new Aggregate(buffer.getLong(), buffer.getDouble(), buffer.getDouble(),
            buffer.getDouble());
      });

  private final String inputTopic;
  private final Codec<T> codec;
  private final WindowedAggregation<T> aggregation;
  private final Windows windows;
  private final Consumer<WindowedAggregate> sink;
  private final String storeName;
  private final Topology topology;
  private final LongAdder dropped = new LongAdder();
  private final AtomicLong streamTime = new AtomicLong(Long.MIN_VALUE);
  private final TreeMap<Long, Set<String>> emitted = new TreeMap<>();
  private @Nullable KafkaStreams streams;
  private @Nullable ReadOnlyWindowStore<String, Aggregate> testStore;
  private boolean closed;

  private KafkaStreamsAggregator(Builder<T> builder) {
    this.inputTopic = builder.inputTopic;
    this.codec = builder.codec;
    this.aggregation = builder.aggregation;
    this.windows = aggregation.windows();
    this.sink = builder.sink;
    this.storeName = builder.storeName;
    this.topology = buildTopology();
  }

  /**
   * Returns a builder.
   *
   * @param inputTopic the topic to aggregate
   * @param codec the payload codec
   * @param aggregation what to aggregate
   * @param sink receives each window's results when it closes
   * @param <T> the payload type
   * @return a builder
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code inputTopic} is not a legal topic name
   */
  public static <T> Builder<T> builder(String inputTopic, Codec<T> codec,
      WindowedAggregation<T> aggregation, Consumer<WindowedAggregate> sink) {
    return new Builder<>(inputTopic, codec, aggregation, sink);
  }

  private Topology buildTopology() {
    StreamsBuilder builder = new StreamsBuilder();
    TimeWindows timeWindows = TimeWindows.ofSizeAndGrace(windows.size(), windows.grace())
        .advanceBy(windows.advance());
    builder.stream(inputTopic, Consumed.with(Serdes.String(), Serdes.ByteArray()))
        .processValues(LateCounter::new)
        .groupByKey(Grouped.with(Serdes.String(), Serdes.Double()))
        .windowedBy(timeWindows)
        .aggregate(Aggregate::empty, (key, value, aggregate) -> aggregate.add(value),
            Materialized.<String, Aggregate, WindowStore<Bytes, byte[]>>as(storeName)
                .withKeySerde(Serdes.String())
                .withValueSerde(AGGREGATE_SERDE))
        .suppress(Suppressed.untilWindowCloses(Suppressed.BufferConfig.unbounded()))
        .toStream()
        .foreach((window, aggregate) -> emit(window.key(), window.window().start(), aggregate));
    return builder.build();
  }

  /**
   * Decodes values to the aggregation's doubles and counts events late for all their windows; one
   * instance per task, so stream time is the task's, as in Kafka Streams' window aggregation.
   */
  private final class LateCounter implements FixedKeyProcessor<String, byte[], Double> {
    private @Nullable FixedKeyProcessorContext<String, Double> context;
    private long taskStreamTime = Long.MIN_VALUE;

    @Override
    public void init(FixedKeyProcessorContext<String, Double> context) {
      this.context = context;
    }

    @Override
    public void process(FixedKeyRecord<String, byte[]> record) {
      double value;
      try {
        value = aggregation.valueOf(
            codec.decode(record.value() == null ? new byte[0] : record.value()));
      } catch (RuntimeException e) {
        LOG.warn("Skipping a record of {} that cannot be decoded or valued for windowed "
            + "aggregation: {}", inputTopic, e.toString());
        return;
      }
      long ts = record.timestamp();
      taskStreamTime = Math.max(taskStreamTime, ts);
      streamTime.accumulateAndGet(ts, Math::max);
      if (windows.isLate(ts, taskStreamTime)) {
        dropped.increment();
      }
      Objects.requireNonNull(context).forward(record.withValue(value));
    }
  }

  private synchronized void emit(String key, long start, Aggregate aggregate) {
    emitted.computeIfAbsent(start, s -> new HashSet<>()).add(key);
    long horizon = streamTime.get() - 2 * (windows.sizeMillis() + windows.graceMillis());
    while (!emitted.isEmpty() && emitted.firstKey() < horizon) {
      emitted.pollFirstEntry();
    }
    sink.accept(WindowResults.of(windows, key, start, aggregate));
  }

  private synchronized boolean wasEmitted(String key, long start) {
    Set<String> keys = emitted.get(start);
    return keys != null && keys.contains(key);
  }

  /**
   * Returns the topology, to run with {@link #start(Map)} or, in tests, Kafka's {@code
   * TopologyTestDriver}.
   *
   * @return the topology
   */
  public Topology topology() {
    return topology;
  }

  /**
   * Returns the window store's name, for interactive queries outside this class.
   *
   * @return the store name
   */
  public String storeName() {
    return storeName;
  }

  /**
   * Starts Kafka Streams with the topology.
   *
   * @param streamsConfig Kafka Streams settings; {@code application.id} and {@code
   *     bootstrap.servers} are required
   * @throws NullPointerException if {@code streamsConfig} is null
   * @throws IllegalArgumentException if a required setting is missing
   * @throws IllegalStateException if already started or closed
   */
  public synchronized void start(Map<String, Object> streamsConfig) {
    Objects.requireNonNull(streamsConfig, "streamsConfig");
    for (String required : List.of(StreamsConfig.APPLICATION_ID_CONFIG,
        StreamsConfig.BOOTSTRAP_SERVERS_CONFIG)) {
      if (!streamsConfig.containsKey(required)) {
        throw new IllegalArgumentException("streamsConfig must contain " + required
            + " but had " + streamsConfig.keySet());
      }
    }
    if (streams != null || testStore != null || closed) {
      throw new IllegalStateException("the aggregator is already started or closed");
    }
    Properties properties = new Properties();
    properties.putAll(streamsConfig);
    KafkaStreams started = new KafkaStreams(topology, properties);
    started.start();
    streams = started;
  }

  /**
   * Returns Kafka Streams' state, or {@code NOT_RUNNING} before {@link #start(Map)}.
   *
   * @return the state
   */
  public synchronized KafkaStreams.State state() {
    KafkaStreams s = streams;
    return s == null ? KafkaStreams.State.NOT_RUNNING : s.state();
  }

  /** For tests with {@code TopologyTestDriver}: the store to query instead of a running app. */
  synchronized void useStore(ReadOnlyWindowStore<String, Aggregate> store) {
    this.testStore = store;
  }

  private synchronized ReadOnlyWindowStore<String, Aggregate> store() {
    ReadOnlyWindowStore<String, Aggregate> store = testStore;
    if (store != null) {
      return store;
    }
    KafkaStreams s = streams;
    if (s == null) {
      throw new IllegalStateException("the aggregator is not started");
    }
    return s.store(StoreQueryParameters.fromNameAndType(storeName,
        QueryableStoreTypes.<String, Aggregate>windowStore()));
  }

  /**
   * {@inheritDoc}
   *
   * <p>Reads the local store; a window closed recently may still be found there.
   *
   * @throws IllegalStateException if the aggregator is not started or its store is not queryable
   *     yet (a rebalance)
   */
  @Override
  public Optional<WindowedAggregate> get(String key, Instant windowStart) {
    Objects.requireNonNull(key, "key");
    long start = Objects.requireNonNull(windowStart, "windowStart").toEpochMilli();
    Aggregate aggregate = store().fetch(key, start);
    return aggregate == null ? Optional.empty()
        : Optional.of(WindowResults.of(windows, key, start, aggregate));
  }

  /**
   * {@inheritDoc}
   *
   * <p>Open means {@code end + grace} after the largest event time any local task has seen.
   *
   * @throws IllegalStateException if the aggregator is not started or its store is not queryable
   */
  @Override
  public List<WindowedAggregate> openWindows() {
    long now = streamTime.get();
    List<WindowedAggregate> open = new ArrayList<>();
    try (KeyValueIterator<Windowed<String>, Aggregate> all = store().all()) {
      while (all.hasNext()) {
        KeyValue<Windowed<String>, Aggregate> entry = all.next();
        long start = entry.key.window().start();
        if (start + windows.sizeMillis() + windows.graceMillis() > now) {
          open.add(WindowResults.of(windows, entry.key.key(), start, entry.value));
        }
      }
    }
    open.sort(Comparator.comparing(WindowedAggregate::windowStart)
        .thenComparing(WindowedAggregate::key));
    return open;
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalStateException if the aggregator is not started or its store is not queryable
   */
  @Override
  public List<WindowedAggregate> topN(Instant windowStart, int n) {
    Objects.requireNonNull(windowStart, "windowStart");
    WindowResults.checkTopN(n);
    long start = windowStart.toEpochMilli();
    List<WindowedAggregate> window = new ArrayList<>();
    try (KeyValueIterator<Windowed<String>, Aggregate> all =
        store().fetchAll(windowStart, windowStart)) {
      while (all.hasNext()) {
        KeyValue<Windowed<String>, Aggregate> entry = all.next();
        window.add(WindowResults.of(windows, entry.key.key(), start, entry.value));
      }
    }
    return WindowResults.topN(window, n);
  }

  @Override
  public long droppedLateEvents() {
    return dropped.sum();
  }

  /**
   * Emits every open window not yet emitted, ordered by start then key, and closes Kafka Streams
   * (with a TopologyTestDriver, the test closes the driver). Idempotent.
   */
  @Override
  public void close() {
    KafkaStreams s;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      s = streams;
    }
    List<WindowedAggregate> open = List.of();
    try {
      open = openWindows();
    } catch (RuntimeException e) {
      LOG.warn("Could not read the open windows of {} on close; they are not emitted", inputTopic,
          e);
    }
    if (s != null) {
      s.close(Duration.ofSeconds(30));
    }
    Map<Long, Set<String>> seen = new HashMap<>();
    for (WindowedAggregate result : open) {
      long start = result.windowStart().toEpochMilli();
      if (!wasEmitted(result.key(), start)
          && seen.computeIfAbsent(start, k -> new HashSet<>()).add(result.key())) {
        sink.accept(result);
      }
    }
  }

  @Override
  public String toString() {
    return "KafkaStreamsAggregator{input=" + inputTopic + ", " + windows + '}';
  }

  /**
   * Builds a {@link KafkaStreamsAggregator}. Each setting may be given once. Not thread-safe.
   *
   * @param <T> the payload type
   */
  public static final class Builder<T> {

    private final BuilderSettings settings = new BuilderSettings();
    private final String inputTopic;
    private final Codec<T> codec;
    private final WindowedAggregation<T> aggregation;
    private final Consumer<WindowedAggregate> sink;
    private String storeName = DEFAULT_STORE_NAME;

    private Builder(String inputTopic, Codec<T> codec, WindowedAggregation<T> aggregation,
        Consumer<WindowedAggregate> sink) {
      this.inputTopic = TopicNames.check(inputTopic);
      this.codec = Objects.requireNonNull(codec, "codec");
      this.aggregation = Objects.requireNonNull(aggregation, "aggregation");
      this.sink = Objects.requireNonNull(sink, "sink");
    }

    /**
     * Sets the window store's name (also the prefix of its changelog topic).
     *
     * @param storeName a legal topic name
     * @return this builder
     * @throws IllegalArgumentException if it is not a legal topic name
     * @throws IllegalStateException if already set
     */
    public Builder<T> storeName(String storeName) {
      settings.requireUnset("storeName", this.storeName);
      this.storeName = TopicNames.check(storeName);
      return this;
    }

    /**
     * Builds the aggregator and its topology, not yet started.
     *
     * @return the aggregator
     */
    public KafkaStreamsAggregator<T> build() {
      return new KafkaStreamsAggregator<>(this);
    }
  }
}
