package dev.layerkit.events.pipeline;

import dev.layerkit.events.pipeline.internal.PipelinePlan;
import dev.layerkit.events.pipeline.internal.Step;
import dev.layerkit.events.stream.WindowedAggregation;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A batch pipeline: a source, transforms (filter, map, a join with a small {@link
 * DimensionTable}), a key, a {@link WindowedAggregation} (the one the in-memory and Kafka Streams
 * aggregators run) and an {@link AnalyticsSink} that receives one row per window and key. A
 * definition only: an engine ({@link PipelineEngines#inProcess()}) runs it.
 *
 * <pre>{@code
 * Pipeline hourly = Pipeline.from("hourly-revenue", KafkaTopicSource.builder(servers, "orders",
 *         Codecs.json(Order.class)).build())
 *     .filter(order -> order.quantity() > 0)
 *     .join(catalog, Order::productId, (order, product) -> new Sale(product.category(), order.total()))
 *     .keyBy(Sale::category)
 *     .aggregate(WindowedAggregation.<Sale>builder(Windows.tumbling(Duration.ofHours(1))
 *         .grace(Duration.ofMinutes(10))).value(Sale::total).build())
 *     .into(DuckDbAnalyticsSink.builder(Path.of("warehouse.duckdb"), "revenue_by_hour").build());
 * }</pre>
 *
 * <p>Windows follow the aggregation's rules: a record too late for every window it belongs to
 * (after the grace) is dropped and counted, as in the streaming engines. A record that cannot be
 * decoded, has an event time before the epoch, finds no row in a joined table or makes a transform
 * throw goes to the {@linkplain Stage#deadLetters dead letters} with its position; the job goes
 * on.
 *
 * <p>Immutable and thread-safe if the functions given are; every stage returns a new object.
 */
public final class Pipeline {

  private static final Logger LOG = LoggerFactory.getLogger(Pipeline.class);
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");

  private final PipelinePlan plan;

  private Pipeline(PipelinePlan plan) {
    this.plan = plan;
  }

  /**
   * Starts a pipeline definition.
   *
   * @param name the pipeline's name: letters, digits, {@code . _ -}, at most 100, starting with a
   *     letter or digit (it names metrics and checkpoints)
   * @param source the source
   * @param <T> the source's payload type
   * @return the first stage
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code name} is not a valid name
   */
  public static <T> Stage<T> from(String name, PipelineSource<T> source) {
    Objects.requireNonNull(name, "name");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("name must be 1 to 100 letters, digits, '.', '_' or '-'"
          + " starting with a letter or digit, but was '" + name + "'");
    }
    return new Stage<>(name, Objects.requireNonNull(source, "source"), List.of(),
        deadLetter -> LOG.warn("pipeline {}: {}", name, deadLetter));
  }

  /**
   * Returns the pipeline's name.
   *
   * @return the name
   */
  public String name() {
    return plan.name();
  }

  /**
   * Returns the sink.
   *
   * @return the sink
   */
  public AnalyticsSink sink() {
    return plan.sink();
  }

  /**
   * Returns the same pipeline writing into another sink, for example to run one definition into
   * DuckDB and PostgreSQL.
   *
   * @param sink the sink
   * @return a new pipeline
   * @throws NullPointerException if {@code sink} is null
   */
  public Pipeline withSink(AnalyticsSink sink) {
    Objects.requireNonNull(sink, "sink");
    return new Pipeline(new PipelinePlan(plan.name(), plan.source(), plan.steps(), plan.key(),
        plan.aggregation(), sink, plan.deadLetters()));
  }

  /**
   * Returns the same pipeline whose dead letters also go to {@code listener}, after the
   * pipeline's own dead-letter output; for example a runner that counts them and lists their
   * positions in its report. Called on the engine's thread: keep it quick.
   *
   * @param listener receives each dead letter
   * @return a new pipeline
   * @throws NullPointerException if {@code listener} is null
   */
  public Pipeline withDeadLetterListener(Consumer<DeadLetter> listener) {
    Objects.requireNonNull(listener, "listener");
    Consumer<DeadLetter> own = plan.deadLetters();
    return new Pipeline(new PipelinePlan(plan.name(), plan.source(), plan.steps(), plan.key(),
        plan.aggregation(), plan.sink(), own.andThen(listener)));
  }

  /**
   * Returns what engines run. Not API: engines in this SDK use it, and it may change without
   * notice.
   *
   * @return the plan
   */
  public PipelinePlan plan() {
    return plan;
  }

  @Override
  public String toString() {
    return "Pipeline{" + plan.name() + ": " + plan.source().name() + " -> "
        + plan.steps().stream().map(Step::name).toList() + " -> " + plan.aggregation().windows()
        + " -> " + plan.sink() + '}';
  }

  /**
   * A pipeline being defined, whose records are of type {@code T}. Immutable.
   *
   * @param <T> the records' type at this stage
   */
  public static final class Stage<T> {

    private final String name;
    private final PipelineSource<?> source;
    private final List<Step> steps;
    private final Consumer<DeadLetter> deadLetters;

    private Stage(String name, PipelineSource<?> source, List<Step> steps,
        Consumer<DeadLetter> deadLetters) {
      this.name = name;
      this.source = source;
      this.steps = steps;
      this.deadLetters = deadLetters;
    }

    private <R> Stage<R> with(Step step) {
      List<Step> next = new ArrayList<>(steps);
      next.add(step);
      return new Stage<>(name, source, List.copyOf(next), deadLetters);
    }

    private String stepName(String kind) {
      return kind + '[' + (steps.size() + 1) + ']';
    }

    /**
     * Keeps the records {@code predicate} accepts.
     *
     * @param predicate the predicate
     * @return a new stage
     * @throws NullPointerException if {@code predicate} is null
     */
    public Stage<T> filter(Predicate<? super T> predicate) {
      return with(new Step.Filter(stepName("filter"),
          Objects.requireNonNull(predicate, "predicate")));
    }

    /**
     * Transforms each record; a function that throws sends the record to the dead letters.
     *
     * @param function the function, never returning null
     * @param <R> the new type
     * @return a new stage
     * @throws NullPointerException if {@code function} is null
     */
    public <R> Stage<R> map(Function<? super T, ? extends R> function) {
      return with(new Step.Map(stepName("map"), Objects.requireNonNull(function, "function")));
    }

    /**
     * Joins each record with its row in a dimension table (an inner join): a record whose key has
     * no row goes to the dead letters, naming the table and the key.
     *
     * @param table the table
     * @param key the record's key in the table
     * @param combiner makes the next record from a record and its row
     * @param <K> the table's key type
     * @param <D> the table's row type
     * @param <R> the new type
     * @return a new stage
     * @throws NullPointerException if an argument is null
     */
    public <K, D, R> Stage<R> join(DimensionTable<K, D> table, Function<? super T, ? extends K> key,
        BiFunction<? super T, ? super D, ? extends R> combiner) {
      Objects.requireNonNull(table, "table");
      return with(new Step.Join(stepName("join " + table.name()), table,
          Objects.requireNonNull(key, "key"), Objects.requireNonNull(combiner, "combiner")));
    }

    /**
     * Sends the dead letters to {@code deadLetters} (by default they are logged at WARN). It is
     * called on the engine's thread: keep it quick. After a resume, the dead letters found after
     * the last checkpoint are sent again.
     *
     * @param deadLetters the dead-letter output
     * @return a new stage
     * @throws NullPointerException if {@code deadLetters} is null
     */
    public Stage<T> deadLetters(Consumer<DeadLetter> deadLetters) {
      return new Stage<>(name, source, steps, Objects.requireNonNull(deadLetters, "deadLetters"));
    }

    /**
     * Groups records by a key for the aggregation.
     *
     * @param key the group of a record, never null (a null key sends the record to the dead
     *     letters)
     * @return the keyed stage
     * @throws NullPointerException if {@code key} is null
     */
    public Keyed<T> keyBy(Function<? super T, String> key) {
      return new Keyed<>(this, Objects.requireNonNull(key, "key"));
    }
  }

  /**
   * A pipeline whose records are grouped by a key. Immutable.
   *
   * @param <T> the records' type
   */
  public static final class Keyed<T> {

    private final Stage<T> stage;
    private final Function<? super T, String> key;

    private Keyed(Stage<T> stage, Function<? super T, String> key) {
      this.stage = stage;
      this.key = key;
    }

    /**
     * Aggregates each key's records in windows.
     *
     * @param aggregation the windows and each record's value
     * @return the aggregating stage
     * @throws NullPointerException if {@code aggregation} is null
     */
    public Aggregating aggregate(WindowedAggregation<? super T> aggregation) {
      return new Aggregating(stage, key, Objects.requireNonNull(aggregation, "aggregation"));
    }
  }

  /** A pipeline with its aggregation, waiting for its sink. Immutable. */
  public static final class Aggregating {

    private final Stage<?> stage;
    private final Function<?, String> key;
    private final WindowedAggregation<?> aggregation;

    private Aggregating(Stage<?> stage, Function<?, String> key,
        WindowedAggregation<?> aggregation) {
      this.stage = stage;
      this.key = key;
      this.aggregation = aggregation;
    }

    /**
     * Completes the pipeline with its sink.
     *
     * @param sink the sink of one row per window and key
     * @return the pipeline
     * @throws NullPointerException if {@code sink} is null
     */
    @SuppressWarnings("unchecked")
    public Pipeline into(AnalyticsSink sink) {
      Objects.requireNonNull(sink, "sink");
      return new Pipeline(new PipelinePlan(stage.name, stage.source, stage.steps,
          (Function<Object, String>) key, (WindowedAggregation<Object>) aggregation, sink,
          stage.deadLetters));
    }
  }
}
