package dev.layerkit.events.pipeline.flink;

import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.internal.BuilderSettings;
import dev.layerkit.core.time.TimeSource;
import dev.layerkit.events.pipeline.PipelineException;
import dev.layerkit.events.pipeline.PipelineProgress;
import dev.layerkit.events.pipeline.PipelineReport;
import dev.layerkit.events.pipeline.RunningPipeline;
import dev.layerkit.events.pipeline.SourceReader;
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
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
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
import org.apache.flink.core.execution.JobClient;
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
 * <p>Modes: {@link #run} reads the source to its end (a topic to its end offsets at the job's
 * start): without {@link Builder#checkpoints checkpoints} in Flink's batch execution mode; with
 * them, in streaming mode, checkpointing into a directory, and a job killed or failed is resumed
 * by the next {@link #run} from its latest checkpoint there. A run that ends deletes its
 * checkpoints. {@link #start} follows a topic as a streaming job (unbounded, checkpointed) until
 * it is closed, which stops it with a savepoint that the next {@link #start} resumes.
 *
 * <p>Progress and meters: {@link Builder#progress} and {@link Builder#meterRegistry} give the
 * in-process engine's {@link PipelineProgress} and meters (same names), made from the job's Flink
 * accumulators, polled every {@link Builder#progressInterval}.
 *
 * <p>The pipeline's functions need not be serializable: {@link #run} takes a {@link
 * PipelineFactory} that each task calls to build its own copy. The dead-letter output is called
 * in the task that transforms, on Flink's thread.
 *
 * <p>Thread-safe: {@link #run} may be called by several threads for different pipelines; one
 * pipeline must not run twice at once on the same checkpoint directory.
 */
public final class FlinkPipelineEngine {

  /** How often a job's progress is polled unless {@link Builder#progressInterval} says otherwise. */
  public static final Duration DEFAULT_PROGRESS_INTERVAL = Duration.ofSeconds(1);
  /** The subdirectory of a pipeline's checkpoint directory where stopping a stream saves. */
  static final String SAVEPOINTS = "savepoints";

  private static final Logger LOG = LoggerFactory.getLogger(FlinkPipelineEngine.class);

  private final @Nullable Integer parallelism;
  private final @Nullable Path checkpointDirectory;
  private final Duration checkpointInterval;
  private final Configuration configuration;
  private final TimeSource timeSource;
  private final Consumer<PipelineProgress> progress;
  private final boolean watched;
  private final Duration progressInterval;
  private final @Nullable MeterRegistry registry;

  private FlinkPipelineEngine(Builder b) {
    this.parallelism = b.parallelism;
    this.checkpointDirectory = b.checkpointDirectory;
    this.checkpointInterval = b.checkpointInterval;
    this.configuration = new Configuration(b.configuration);
    this.timeSource = b.timeSource;
    this.progress = b.progress;
    this.watched = b.watched;
    this.progressInterval = b.progressInterval;
    this.registry = b.registry;
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
    Configuration conf = configuration(name, checkpoints);
    try (SourceCount total = sourceCount(plan);
        JobProgress tracker = new JobProgress(name, progress, registry, total)) {
      JobClient client = submit(conf, plan, factory, true);
      JobExecutionResult result = await(client, tracker, name);
      if (checkpoints != null) {
        deleteRecursively(checkpoints);
      }
      PipelineReport report = report(name, result.getAllAccumulatorResults(),
          Duration.ofNanos(timeSource.nanoTime() - started));
      tracker.finish(report, result.getAllAccumulatorResults());
      LOG.info("{}", report.summary());
      return report;
    }
  }

  /**
   * Starts a streaming job that follows the pipeline's Kafka topic: Flink's Kafka connector reads
   * it unbounded from its earliest offsets (or from the job's latest checkpoint or savepoint in the
   * engine's {@link Builder#checkpoints checkpoint directory}), and records published later are
   * aggregated and their windows upserted into the sink as the stream's event time closes them,
   * as {@link dev.layerkit.events.pipeline.InProcessPipelineEngine#start} does. Rows reach the
   * sink at each checkpoint (the sink's writers flush before it), so the sink trails the topic by
   * about a checkpoint interval.
   *
   * <p>{@link RunningPipeline#close()} stops the job with a savepoint in that directory (open
   * windows stay in it, unfired), which the next {@code start} of the pipeline resumes: records
   * after it are read again and their windows upserted again, so nothing is counted twice. The
   * progress callback and meters are those of {@link #run}, polled every {@link
   * Builder#progressInterval} on a daemon thread of the engine's; the lag is the records in the
   * topic less those read.
   *
   * @param factory makes the pipeline, whose source is a {@code KafkaTopicSource}
   * @return the running job; close it to stop it
   * @throws NullPointerException if {@code factory} is null or returns null
   * @throws IllegalArgumentException if the pipeline's source is not a Kafka topic
   * @throws IllegalStateException if the engine has no checkpoint directory (a streaming job
   *     without checkpoints would never flush its sink or resume)
   * @throws PipelineException if Flink refuses the job
   */
  public RunningPipeline start(PipelineFactory factory) {
    Objects.requireNonNull(factory, "factory");
    PipelinePlan plan = Plans.withoutSink(factory);
    String name = plan.name();
    if (!(plan.source() instanceof KafkaTopicSource<?>)) {
      throw new IllegalArgumentException("pipeline " + name + " cannot stream on Flink: its"
          + " source " + plan.source().name() + " is not a Kafka topic ("
          + plan.source().getClass().getSimpleName() + "); run it with run()");
    }
    if (checkpointDirectory == null) {
      throw new IllegalStateException("pipeline " + name + " cannot stream on Flink without"
          + " checkpoints: give the engine's builder checkpoints(directory, interval)");
    }
    Path checkpoints = checkpointDirectory.resolve(name);
    SourceCount total = sourceCount(plan);
    JobProgress tracker = new JobProgress(name, progress, registry, total);
    JobClient client;
    try {
      client = submit(configuration(name, checkpoints), plan, factory, false);
    } catch (PipelineException e) {
      tracker.close();
      total.close();
      throw e;
    }
    return new FlinkRunningPipeline(name, client, tracker, total,
        checkpoints.resolve(SAVEPOINTS), progressInterval, timeSource);
  }

  /** The job's configuration: the engine's settings, the mode, the checkpoint to resume. */
  private Configuration configuration(String name, @Nullable Path checkpoints) {
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
    return conf;
  }

  /** Builds the job graph and submits it, without waiting for it. */
  private JobClient submit(Configuration conf, PipelinePlan plan, PipelineFactory factory,
      boolean bounded) {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    if (parallelism != null) {
      env.setParallelism(parallelism);
    }
    try {
      build(env, plan, factory, bounded);
      return env.executeAsync("layerkit pipeline " + plan.name());
    } catch (Exception e) {
      throw new PipelineException("pipeline " + plan.name() + " failed on Flink: "
          + rootMessage(e), e);
    }
  }

  /** Waits for a bounded job's end, polling its progress meanwhile. */
  private JobExecutionResult await(JobClient client, JobProgress tracker, String name) {
    CompletableFuture<JobExecutionResult> result = client.getJobExecutionResult();
    try {
      while (true) {
        try {
          return result.get(progressInterval.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException running) {
          Map<String, Object> accumulators;
          try {
            accumulators = client.getAccumulators()
                .get(Math.max(1_000, progressInterval.toMillis()), TimeUnit.MILLISECONDS);
          } catch (TimeoutException | ExecutionException | RuntimeException e) {
            // The job is starting, restarting or ending (a local mini cluster that shuts down
            // after its job refuses the call at once); the next poll tries again.
            LOG.debug("pipeline {}: polling Flink's accumulators failed", name, e);
            continue;
          }
          try {
            tracker.update(accumulators);
          } catch (RuntimeException e) {
            cancel(client, name);
            throw new PipelineException("pipeline " + name + " failed on Flink: the progress"
                + " callback threw " + e + "; the job is cancelled", e);
          }
        }
      }
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw new PipelineException("pipeline " + name + " failed on Flink: " + rootMessage(cause),
          cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      cancel(client, name);
      throw new PipelineException("interrupted while pipeline " + name + " ran on Flink; the job"
          + " is cancelled", e);
    }
  }

  /** Cancels a job; one that has ended already (its cluster gone) needs nothing. */
  private static void cancel(JobClient client, String name) {
    try {
      client.cancel();
    } catch (RuntimeException e) {
      LOG.debug("pipeline {}: cancelling the Flink job failed; it has ended", name, e);
    }
  }

  /** A job's report from its accumulators. */
  static PipelineReport report(String name, Map<String, Object> accumulators, Duration elapsed) {
    return new PipelineReport(name, count(accumulators, PlanOperator.READ),
        count(accumulators, PlanOperator.FILTERED), count(accumulators, PlanOperator.DEAD_LETTERS),
        count(accumulators, PlanOperator.LATE), count(accumulators, RowCounter.EMITTED),
        count(accumulators, PlanOperator.RESUMED_AT), elapsed);
  }

  /**
   * The records in the source, for the lag: a topic's asked of its brokers at each call; another
   * source's from a reader opened once on this side (a repository is scanned for it), only if
   * someone watches the progress; -1 if unknown.
   */
  private SourceCount sourceCount(PipelinePlan plan) {
    if (registry == null && !watched) {
      return SourceCount.UNKNOWN;
    }
    if (plan.source() instanceof KafkaTopicSource<?> topic) {
      KafkaRecords.RecordCount count = KafkaRecords.recordCount(topic);
      return new SourceCount() {
        @Override
        public long getAsLong() {
          return count.records();
        }

        @Override
        public void close() {
          count.close();
        }
      };
    }
    long records;
    try (SourceReader<?> reader = plan.source().open(Map.of())) {
      records = reader.remaining();
    }
    return () -> records;
  }

  /** The records in a source, closed with the job. */
  interface SourceCount extends LongSupplier, AutoCloseable {

    /** A source that cannot tell. */
    SourceCount UNKNOWN = () -> -1;

    @Override
    default void close() {}
  }

  /**
   * Builds the job graph. Each operator has a fixed uid, so a checkpoint is restored into the same
   * operators whatever Flink's generated ids would be; a changed definition fails the restore.
   */
  @SuppressWarnings({"rawtypes", "unchecked"})
  private void build(StreamExecutionEnvironment env, PipelinePlan plan, PipelineFactory factory,
      boolean bounded) {
    String name = plan.name();
    TypeInformation<SourceRecord> recordType = TypeInformation.of(SourceRecord.class);
    DataStream<SourceRecord> records;
    if (plan.source() instanceof KafkaTopicSource<?> topic) {
      records = env.fromSource(KafkaRecords.source(topic, factory, name, bounded),
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

  private static long count(Map<String, Object> accumulators, String accumulator) {
    return accumulators.get(accumulator) instanceof Long n ? n : 0;
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + t + ')';
  }

  /**
   * The newest complete checkpoint ({@code <job>/chk-N/_metadata}) or savepoint ({@code
   * savepoints/savepoint-.../_metadata}) under a directory.
   */
  static Optional<Path> latestCheckpoint(Path directory) {
    if (!Files.isDirectory(directory)) {
      return Optional.empty();
    }
    try (Stream<Path> files = Files.find(directory, 3,
        (p, attributes) -> p.getFileName().toString().equals("_metadata")
            && (p.getParent().getFileName().toString().startsWith("chk-")
                || p.getParent().getFileName().toString().startsWith("savepoint-")))) {
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
    private Consumer<PipelineProgress> progress = p -> { };
    private boolean watched;
    private Duration progressInterval = DEFAULT_PROGRESS_INTERVAL;
    private @Nullable MeterRegistry registry;

    Builder() {}

    /**
     * Sets the progress callback: the in-process engine's {@link PipelineProgress}, with the
     * whole job's counts, made from the job's Flink accumulators. It is called when they changed,
     * every {@link #progressInterval} while the job runs (on the thread that called {@link
     * FlinkPipelineEngine#run}, or the engine's poller of a {@link FlinkPipelineEngine#start
     * started} job), and once at the end of a run. The counts are as fresh as Flink's last
     * heartbeat from the task managers (its {@code heartbeat.interval}, 10 s by default), so
     * they move in steps. Keep it quick. With it (or meters), a source that is not a topic is
     * opened once more on the calling side to count its records, for the lag; a repository is
     * scanned for that.
     *
     * @param progress the callback
     * @return this builder
     * @throws NullPointerException if {@code progress} is null
     * @throws IllegalStateException if already set
     */
    public Builder progress(Consumer<PipelineProgress> progress) {
      settings.requireUnset("progress", this.progress);
      this.progress = Objects.requireNonNull(progress, "progress");
      this.watched = true;
      return this;
    }

    /**
     * Sets how often a running job's accumulators are polled for the progress callback and the
     * meters (default {@link FlinkPipelineEngine#DEFAULT_PROGRESS_INTERVAL}).
     *
     * @param interval at least 10 ms
     * @return this builder
     * @throws NullPointerException if {@code interval} is null
     * @throws IllegalArgumentException if less than 10 ms
     * @throws IllegalStateException if already set
     */
    public Builder progressInterval(Duration interval) {
      settings.requireUnset("progressInterval", this.progressInterval);
      Objects.requireNonNull(interval, "interval");
      if (interval.toMillis() < 10) {
        throw new IllegalArgumentException("progressInterval must be at least 10 ms but was "
            + interval);
      }
      this.progressInterval = interval;
      return this;
    }

    /**
     * Sets the registry of the job's meters (none by default): the in-process engine's, by the
     * same names ({@code layerkit.pipeline.records.read}, {@code layerkit.pipeline.windows.emitted},
     * {@code layerkit.pipeline.dead.letters}, {@code layerkit.pipeline.late.dropped} and the gauge
     * {@code layerkit.pipeline.lag}, tagged {@code name}), moved at each poll of the job's
     * accumulators and at its end; the counters count this run's work, not the records before a
     * restored checkpoint. Cost: the tasks' accumulators are counted anyway; the poll is one call
     * to the job manager (and, for a topic, one to its brokers) per {@link #progressInterval}.
     *
     * @param registry the registry
     * @return this builder
     * @throws NullPointerException if {@code registry} is null
     * @throws IllegalStateException if already set
     */
    public Builder meterRegistry(MeterRegistry registry) {
      settings.requireUnset("meterRegistry", this.registry);
      this.registry = Objects.requireNonNull(registry, "registry");
      return this;
    }

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
