package dev.layerkit.events.pipeline.flink;

import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.internal.BuilderSettings;
import dev.layerkit.core.time.TimeSource;
import dev.layerkit.events.pipeline.PipelineException;
import dev.layerkit.events.pipeline.PipelineReport;
import dev.layerkit.events.pipeline.SourceRecord;
import dev.layerkit.events.pipeline.flink.internal.Contribution;
import dev.layerkit.events.pipeline.flink.internal.KafkaRecords;
import dev.layerkit.events.pipeline.flink.internal.PlanOperator;
import dev.layerkit.events.pipeline.flink.internal.PlanSource;
import dev.layerkit.events.pipeline.flink.internal.PlannedWindows;
import dev.layerkit.events.pipeline.flink.internal.Plans;
import dev.layerkit.events.pipeline.flink.internal.Row;
import dev.layerkit.events.pipeline.flink.internal.RowCounter;
import dev.layerkit.events.pipeline.flink.internal.SinkWriting;
import dev.layerkit.events.pipeline.flink.internal.WindowFunctions;
import dev.layerkit.events.pipeline.internal.PipelinePlan;
import dev.layerkit.events.pipeline.kafka.KafkaTopicSource;
import dev.layerkit.events.stream.Windows;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.datastream.WindowedStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link dev.layerkit.events.pipeline.Pipeline} on Apache Flink's DataStream API, with the
 * results of the in-process engine: the same table, row for row and double for double, and the
 * same report. Built with {@link #builder()}; it runs on the environment Flink gives the calling
 * code: a local mini cluster in a plain JVM, the cluster when the application is submitted with
 * {@code flink run}, the test cluster under {@code flink-test-utils}' {@code
 * MiniClusterExtension}.
 *
 * <pre>{@code
 * PipelineReport report = FlinkPipelineEngine.builder()
 *     .parallelism(4)
 *     .build()
 *     .run(() -> Jobs.hourlyRevenue(bootstrapServers, warehouse));
 * }</pre>
 *
 * <p>The job: the source (a Kafka topic through Flink's Kafka connector, any other source through
 * a Flink source over its reader) and the transforms run in one task, in the source's order,
 * which also decides each record's lateness with the in-process engine's rule (stream time over
 * all records); the records are then keyed by group and aggregated in their windows at the
 * configured parallelism, and the rows are upserted through the pipeline's {@link
 * dev.layerkit.events.pipeline.AnalyticsSink}. Why one ordered task: the lateness rule depends on
 * the order of all records, and Flink's own (per-partition watermarks, none at all in batch mode)
 * would drop other records than the in-process engine. A Kafka topic of several partitions is
 * read in the order the connector fetches them, not merged by timestamp as the in-process engine
 * merges them: with late records across partitions the two may drop different ones; a topic of
 * one partition, a list and a repository give the same results.
 *
 * <p>Modes: without {@link Builder#checkpoints checkpoints} the job runs in Flink's batch
 * execution mode (the sources are bounded); with them, in streaming mode, checkpointing into a
 * directory, and a job killed or failed is resumed by the next {@link #run} from its latest
 * checkpoint there. A job that ends deletes its checkpoints.
 *
 * <p>The pipeline's functions need not be serializable: {@link #run} takes a {@link
 * PipelineFactory} that each task calls to build its own copy. The dead-letter output is called
 * in the task that transforms, on Flink's thread.
 *
 * <p>Thread-safe: {@link #run} may be called by several threads for different pipelines; one
 * pipeline must not run twice at once on the same checkpoint directory.
 */
public final class FlinkPipelineEngine {

  private static final Logger LOG = LoggerFactory.getLogger(FlinkPipelineEngine.class);

  private final @Nullable Integer parallelism;
  private final @Nullable Path checkpointDirectory;
  private final Duration checkpointInterval;
  private final Configuration configuration;
  private final TimeSource timeSource;

  private FlinkPipelineEngine(Builder b) {
    this.parallelism = b.parallelism;
    this.checkpointDirectory = b.checkpointDirectory;
    this.checkpointInterval = b.checkpointInterval;
    this.configuration = new Configuration(b.configuration);
    this.timeSource = b.timeSource;
  }

  /**
   * Returns a builder.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Runs a pipeline to the end of its source, resuming from its latest checkpoint if the engine
   * has a checkpoint directory holding one, and returns what it did. The factory is called once
   * here to plan the job (the sink of that copy is closed unused) and once in each task.
   *
   * @param factory makes the pipeline
   * @return the report; its {@code resumedAt} is the records read before the restored checkpoint
   * @throws NullPointerException if {@code factory} is null or returns null
   * @throws PipelineException if the job fails (the source, a transform's runtime error that is
   *     not a dead letter, the sink, Flink); checkpoints taken before stay, so running again
   *     resumes there
   */
  public PipelineReport run(PipelineFactory factory) {
    Objects.requireNonNull(factory, "factory");
    PipelinePlan plan = Plans.withoutSink(factory);
    String name = plan.name();
    long started = timeSource.nanoTime();
    Path checkpoints = checkpointDirectory == null ? null : checkpointDirectory.resolve(name);
    Configuration conf = new Configuration(configuration);
    conf.set(PipelineOptions.NAME, "layerkit pipeline " + name);
    conf.set(PipelineOptions.OBJECT_REUSE, true);
    conf.set(ExecutionOptions.RUNTIME_MODE,
        checkpoints == null ? RuntimeExecutionMode.BATCH : RuntimeExecutionMode.STREAMING);
    if (checkpoints != null) {
      conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
      conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, checkpointInterval);
      conf.set(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
          ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
      Optional<Path> latest = latestCheckpoint(checkpoints);
      latest.ifPresent(p -> {
        LOG.info("pipeline {}: resuming from Flink checkpoint {}", name, p);
        conf.set(StateRecoveryOptions.SAVEPOINT_PATH, p.toUri().toString());
      });
    }
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    if (parallelism != null) {
      env.setParallelism(parallelism);
    }
    JobExecutionResult result;
    try {
      build(env, plan, factory);
      result = env.execute("layerkit pipeline " + name);
    } catch (Exception e) {
      throw new PipelineException("pipeline " + name + " failed on Flink: " + rootMessage(e), e);
    }
    if (checkpoints != null) {
      deleteRecursively(checkpoints);
    }
    PipelineReport report = new PipelineReport(name, count(result, PlanOperator.READ),
        count(result, PlanOperator.FILTERED), count(result, PlanOperator.DEAD_LETTERS),
        count(result, PlanOperator.LATE), count(result, RowCounter.EMITTED),
        count(result, PlanOperator.RESUMED_AT),
        Duration.ofNanos(timeSource.nanoTime() - started));
    LOG.info("{}", report.summary());
    return report;
  }

  /**
   * Builds the job graph. Each operator has a fixed uid, so a checkpoint is restored into the same
   * operators whatever Flink's generated ids would be; a changed definition fails the restore.
   */
  @SuppressWarnings({"rawtypes", "unchecked"})
  private void build(StreamExecutionEnvironment env, PipelinePlan plan, PipelineFactory factory) {
    String name = plan.name();
    TypeInformation<SourceRecord> recordType = TypeInformation.of(SourceRecord.class);
    DataStream<SourceRecord> records;
    if (plan.source() instanceof KafkaTopicSource<?> topic) {
      records = env.fromSource(KafkaRecords.source(topic, factory, name),
          WatermarkStrategy.noWatermarks(), "read", recordType)
          .uid("layerkit-read-kafka").setParallelism(1);
    } else {
      records = env.fromSource(new PlanSource(factory), WatermarkStrategy.noWatermarks(),
          "read", recordType).uid("layerkit-read").setParallelism(1);
    }
    Windows windows = plan.aggregation().windows();
    SingleOutputStreamOperator<Contribution> contributions = records
        .process(new PlanOperator(factory), TypeInformation.of(Contribution.class))
        .name("transform " + name).uid("layerkit-transform").setParallelism(1)
        .assignTimestampsAndWatermarks(WatermarkStrategy
            .<Contribution>forBoundedOutOfOrderness(Duration.ofMillis(windows.graceMillis()))
            .withTimestampAssigner((c, previous) -> c.timestamp))
        .uid("layerkit-watermarks").setParallelism(1);
    WindowedStream<Contribution, String, TimeWindow> windowed = contributions
        .keyBy(c -> c.key, Types.STRING)
        .window(new PlannedWindows(windows.sizeMillis()));
    TypeInformation<Row> rowType = TypeInformation.of(Row.class);
    SingleOutputStreamOperator<Row> rows = env.getConfiguration()
        .get(ExecutionOptions.RUNTIME_MODE) == RuntimeExecutionMode.BATCH
        ? windowed.process(new WindowFunctions.InSourceOrder(), rowType)
        : windowed.aggregate(new WindowFunctions.Incremental(), new WindowFunctions.Named(),
            rowType, rowType, rowType);
    rows.name("aggregate " + name).uid("layerkit-aggregate")
        .map(new RowCounter(), rowType).name("count rows").uid("layerkit-count")
        .sinkTo(new SinkWriting(factory)).name("upsert into " + plan.sink().table())
        .uid("layerkit-sink");
  }

  private static long count(JobExecutionResult result, String accumulator) {
    Object value = result.getAccumulatorResult(accumulator);
    return value instanceof Long n ? n : 0;
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + t + ')';
  }

  /** The newest complete checkpoint ({@code <job>/chk-N/_metadata}) under a directory. */
  static Optional<Path> latestCheckpoint(Path directory) {
    if (!Files.isDirectory(directory)) {
      return Optional.empty();
    }
    try (Stream<Path> files = Files.find(directory, 3,
        (p, attributes) -> p.getFileName().toString().equals("_metadata")
            && p.getParent().getFileName().toString().startsWith("chk-"))) {
      return files.max(Comparator.comparing((Path p) -> modified(p))
              .thenComparingLong(p -> checkpointNumber(p.getParent())))
          .map(Path::getParent);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list checkpoints in " + directory, e);
    }
  }

  private static long modified(Path p) {
    try {
      return Files.getLastModifiedTime(p).toMillis();
    } catch (IOException e) {
      return 0;
    }
  }

  private static long checkpointNumber(Path chk) {
    try {
      return Long.parseLong(chk.getFileName().toString().substring("chk-".length()));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static void deleteRecursively(Path directory) {
    try (Stream<Path> paths = Files.walk(directory)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      LOG.warn("pipeline checkpoints in {} could not be deleted: the next run would resume from"
          + " them; delete them by hand", directory, e);
    }
  }

  @Override
  public String toString() {
    return "FlinkPipelineEngine{parallelism=" + parallelism + ", checkpoints="
        + checkpointDirectory + '}';
  }

  /**
   * Builds a {@link FlinkPipelineEngine}; start from {@link FlinkPipelineEngine#builder()}. Each
   * setting may be given once. Not thread-safe.
   */
  public static final class Builder {

    private final BuilderSettings settings = new BuilderSettings();
    private @Nullable Integer parallelism;
    private @Nullable Path checkpointDirectory;
    private Duration checkpointInterval = Duration.ZERO;
    private Configuration configuration = new Configuration();
    private TimeSource timeSource = TimeSource.system();

    Builder() {}

    /**
     * Sets the parallelism of the aggregation and the sink's writers (default: the
     * environment's). The source and the transforms run in one task whatever it is.
     *
     * @param parallelism at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code parallelism} is less than 1
     * @throws IllegalStateException if already set
     */
    public Builder parallelism(int parallelism) {
      settings.requireUnset("parallelism", this.parallelism);
      this.parallelism = Arguments.positive(parallelism, "parallelism");
      return this;
    }

    /**
     * Runs jobs in streaming mode with Flink checkpoints every {@code interval} in a
     * subdirectory of {@code directory} named for the pipeline, and resumes a job that did not
     * end from its latest checkpoint there. Without this, jobs run in batch mode and a failed
     * job starts again from the beginning (its upserts make that safe, only slower).
     *
     * @param directory the checkpoint directory (a local path, shared by the cluster's nodes
     *     when it is not a local mini cluster)
     * @param interval time between two checkpoints, at least 10 ms
     * @return this builder
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code interval} is less than 10 ms
     * @throws IllegalStateException if already set
     */
    public Builder checkpoints(Path directory, Duration interval) {
      settings.requireUnset("checkpoints", this.checkpointDirectory);
      Objects.requireNonNull(directory, "directory");
      Objects.requireNonNull(interval, "interval");
      if (interval.toMillis() < 10) {
        throw new IllegalArgumentException("interval must be at least 10 ms but was " + interval);
      }
      this.checkpointDirectory = directory.toAbsolutePath();
      this.checkpointInterval = interval;
      return this;
    }

    /**
     * Adds Flink settings to the job's configuration (memory, a remote cluster, restart
     * strategy...). The engine's own settings (runtime mode, checkpointing, object reuse, job
     * name) replace the same keys given here.
     *
     * @param configuration the settings, copied
     * @return this builder
     * @throws NullPointerException if {@code configuration} is null
     * @throws IllegalStateException if already set
     */
    public Builder configuration(Configuration configuration) {
      settings.requireUnset("configuration", this.configuration);
      this.configuration = new Configuration(Objects.requireNonNull(configuration,
          "configuration"));
      return this;
    }

    /**
     * Sets the time source of the report's elapsed time (default {@link TimeSource#system()});
     * meant for tests.
     *
     * @param timeSource the time source
     * @return this builder
     * @throws NullPointerException if {@code timeSource} is null
     * @throws IllegalStateException if already set
     */
    public Builder timeSource(TimeSource timeSource) {
      settings.requireUnset("timeSource", this.timeSource);
      this.timeSource = Objects.requireNonNull(timeSource, "timeSource");
      return this;
    }

    /**
     * Builds the engine. The builder can be used again afterwards.
     *
     * @return a new engine, thread-safe
     */
    public FlinkPipelineEngine build() {
      return new FlinkPipelineEngine(this);
    }
  }
}
