package dev.layerkit.events.pipeline.cli;

import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.internal.BuilderSettings;
import dev.layerkit.events.pipeline.DeadLetter;
import dev.layerkit.events.pipeline.InProcessPipelineEngine;
import dev.layerkit.events.pipeline.Pipeline;
import dev.layerkit.events.pipeline.PipelineEngine;
import dev.layerkit.events.pipeline.PipelineEngines;
import dev.layerkit.events.pipeline.PipelineException;
import dev.layerkit.events.pipeline.PipelineProgress;
import dev.layerkit.events.pipeline.PipelineReport;
import dev.layerkit.events.pipeline.RunningPipeline;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.jspecify.annotations.Nullable;

/**
 * Runs a pipeline as a command-line job: a progress bar (records read of the source's total,
 * rate, time left; windows and dead letters beside it) while it runs, then a report, and an exit
 * code for {@code System.exit}: {@value #EXIT_OK} when the job ended, {@value #EXIT_FAILED} when
 * it failed. {@link #run} is a batch job; {@link #follow} a streaming one, until stopped.
 *
 * <pre>{@code
 * public static void main(String[] args) {
 *   Pipeline nightly = ...;
 *   System.exit(PipelineRunner.builder()
 *       .engine(progress -> PipelineEngines.inProcess()
 *           .checkpoints(CheckpointStores.directory(Path.of("checkpoints")))
 *           .progress(progress).progressEvery(1_000).build())
 *       .build()
 *       .run(nightly));
 * }
 * }</pre>
 *
 * <p>The report names the pipeline and gives the records read and their rate, how many were
 * aggregated, filtered, dropped as late and sent to the dead letters (with the first dead
 * letters' positions), the rows written and the time taken. A failure prints the engine's message
 * (which names the pipeline and how far it got) and that a job with checkpoints resumes when run
 * again.
 *
 * <p>This class prints, unlike the rest of the SDK: that is its purpose, and it prints only to the
 * streams it is given. The bar is drawn by {@code me.tongfei:progressbar} (an optional dependency
 * of this module: add it) on JLine's terminal; where the output is not a terminal it is redrawn
 * on one line with carriage returns. Thread-safe: {@link #run} may be called by several threads,
 * each with its own bar.
 */
public final class PipelineRunner {

  /** The exit code of a job that ended. */
  public static final int EXIT_OK = 0;
  /** The exit code of a job that failed. */
  public static final int EXIT_FAILED = 1;
  /** How long a shutdown waits for a followed job to stop and its report to be printed. */
  public static final Duration SHUTDOWN_WAIT = Duration.ofSeconds(30);
  /** How many dead letters' positions the report lists unless {@link Builder#deadLetterPositions}. */
  public static final int DEFAULT_DEAD_LETTER_POSITIONS = 10;

  private final Function<Consumer<PipelineProgress>, ? extends PipelineEngine> engine;
  private final PrintStream out;
  private final @Nullable PrintStream progressOut;
  private final int deadLetterPositions;

  private PipelineRunner(Builder b) {
    this.engine = b.engine;
    this.out = b.out;
    this.progressOut = b.progressOut;
    this.deadLetterPositions = b.deadLetterPositions;
  }

  /**
   * Returns a builder: by default the in-process engine without checkpoints, the bar on {@code
   * System.err} and the report on {@code System.out}.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /** Counts the dead letters and keeps the first positions, on the engine's thread. */
  private static final class DeadLetters implements Consumer<DeadLetter> {
    final AtomicLong count = new AtomicLong();
    final List<String> first = new ArrayList<>();
    final int keep;

    DeadLetters(int keep) {
      this.keep = keep;
    }

    @Override
    public void accept(DeadLetter deadLetter) {
      count.incrementAndGet();
      synchronized (first) {
        if (first.size() < keep) {
          first.add(deadLetter.position() + " (" + deadLetter.stage() + ")");
        }
      }
    }
  }

  /**
   * Runs the pipeline to the end of its source, with the progress bar, and prints the report.
   *
   * @param pipeline the pipeline
   * @return {@link #EXIT_OK} if the job ended, {@link #EXIT_FAILED} if it failed
   * @throws NullPointerException if {@code pipeline} is null
   */
  public int run(Pipeline pipeline) {
    Objects.requireNonNull(pipeline, "pipeline");
    DeadLetters deadLetters = new DeadLetters(deadLetterPositions);
    Pipeline watched = pipeline.withDeadLetterListener(deadLetters);
    return run(pipeline.name(), progress -> engine.apply(progress).run(watched), deadLetters);
  }

  /**
   * Runs a job on an engine that is not a {@link PipelineEngine} (the Flink engine, which takes a
   * factory of the pipeline), with the progress bar, and prints the report. The job is given the
   * runner's progress callback, which it passes to its engine; the runner's {@link
   * Builder#engine} is not used. The report counts the dead letters but cannot list their
   * positions: they are seen in the engine's tasks.
   *
   * <pre>{@code
   * int exit = PipelineRunner.builder().build().run("hourly-revenue",
   *     progress -> FlinkPipelineEngine.builder().progress(progress).build().run(hourly));
   * }</pre>
   *
   * @param pipeline the pipeline's name, for the bar and a failure's message
   * @param job runs the job with the progress callback and returns its report
   * @return {@link #EXIT_OK} if the job ended, {@link #EXIT_FAILED} if it failed
   * @throws NullPointerException if an argument is null
   */
  public int run(String pipeline, Function<Consumer<PipelineProgress>, PipelineReport> job) {
    Objects.requireNonNull(pipeline, "pipeline");
    Objects.requireNonNull(job, "job");
    return run(pipeline, job, new DeadLetters(0));
  }

  private int run(String name, Function<Consumer<PipelineProgress>, PipelineReport> job,
      DeadLetters deadLetters) {
    ProgressBar bar = progressOut == null ? null : new ProgressBarBuilder()
        .setTaskName(name)
        .setInitialMax(-1)
        .setStyle(ProgressBarStyle.ASCII)
        .setUpdateIntervalMillis(250)
        .setConsumer(new ConsoleProgressBarConsumer(progressOut))
        .setUnit("", 1)
        .showSpeed()
        .build();
    PipelineReport report;
    try {
      Consumer<PipelineProgress> progress = bar == null ? p -> { } : p -> {
        if (p.remaining() >= 0) {
          bar.maxHint(p.recordsRead() + p.remaining());
        }
        bar.stepTo(p.recordsRead());
        bar.setExtraMessage(String.format(Locale.ROOT, " windows %d, dead letters %d",
            p.windowsEmitted(), p.deadLetters()));
      };
      report = Objects.requireNonNull(job.apply(progress), "the job returned no report");
    } catch (PipelineException | IllegalArgumentException | IllegalStateException e) {
      if (bar != null) {
        bar.close();
      }
      out.println("pipeline " + name + " FAILED: " + e.getMessage());
      if (e.getCause() != null && e.getCause().getMessage() != null) {
        out.println("  cause: " + e.getCause());
      }
      out.println("  with checkpoints, running it again resumes from the last one");
      return EXIT_FAILED;
    }
    if (bar != null) {
      bar.close();
    }
    print(report, deadLetters);
    return EXIT_OK;
  }

  /**
   * Follows a pipeline's unbounded source as a streaming job ({@link
   * InProcessPipelineEngine#start}) until {@code stop} completes or the JVM shuts down (Ctrl-C,
   * SIGTERM), with a bar of the records read, the lag, the windows and the dead letters; then
   * stops the job, which saves its checkpoint, and prints the report. On shutdown the hook waits
   * (up to {@link #SHUTDOWN_WAIT}) for the report to be printed; the process's exit status is then
   * the signal's.
   *
   * @param pipeline the pipeline, over an {@link dev.layerkit.events.pipeline.UnboundedSource}
   * @param stop completes when the job should stop
   * @return {@link #EXIT_OK} if the job stopped, {@link #EXIT_FAILED} if it failed or could not
   *     start
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the engine cannot stream (only the in-process engine can)
   */
  public int follow(Pipeline pipeline, CompletionStage<?> stop) {
    Objects.requireNonNull(pipeline, "pipeline");
    Objects.requireNonNull(stop, "stop");
    DeadLetters deadLetters = new DeadLetters(deadLetterPositions);
    ProgressBar bar = progressOut == null ? null : new ProgressBarBuilder()
        .setTaskName(pipeline.name())
        .setInitialMax(-1)
        .setStyle(ProgressBarStyle.ASCII)
        .setUpdateIntervalMillis(250)
        .setConsumer(new ConsoleProgressBarConsumer(progressOut))
        .setUnit("", 1)
        .showSpeed()
        .build();
    Consumer<PipelineProgress> progress = bar == null ? p -> { } : p -> {
      bar.stepTo(p.recordsRead());
      bar.setExtraMessage(String.format(Locale.ROOT, " lag %d, windows %d, dead letters %d",
          p.remaining(), p.windowsEmitted(), p.deadLetters()));
    };
    PipelineEngine built = engine.apply(progress);
    if (!(built instanceof InProcessPipelineEngine streaming)) {
      if (bar != null) {
        bar.close();
      }
      throw new IllegalArgumentException("the engine " + built + " cannot stream; follow needs"
          + " the in-process engine");
    }
    RunningPipeline running;
    try {
      running = streaming.start(pipeline.withDeadLetterListener(deadLetters));
    } catch (IllegalArgumentException | IllegalStateException e) {
      if (bar != null) {
        bar.close();
      }
      out.println("pipeline " + pipeline.name() + " FAILED to start: " + e.getMessage());
      return EXIT_FAILED;
    }
    CountDownLatch printed = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      running.close();
      try {
        printed.await(SHUTDOWN_WAIT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "layerkit-pipeline-runner-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    stop.whenComplete((done, failure) -> running.close());
    try {
      PipelineReport report = running.completion().join();
      if (bar != null) {
        bar.close();
      }
      print(report, deadLetters);
      out.println("  stopped; its checkpoint resumes it");
      return EXIT_OK;
    } catch (CompletionException e) {
      if (bar != null) {
        bar.close();
      }
      out.println("pipeline " + pipeline.name() + " FAILED: " + e.getCause().getMessage());
      out.println("  with checkpoints, running it again resumes from the last one");
      return EXIT_FAILED;
    } finally {
      printed.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running: it waited for the report above
      }
    }
  }

  private void print(PipelineReport report, DeadLetters deadLetters) {
    double seconds = report.elapsed().toNanos() / 1e9;
    long thisRun = report.recordsRead() - report.resumedAt();
    out.printf(Locale.ROOT, "pipeline %s: done in %.3f s%s%n", report.pipeline(), seconds,
        report.resumedAt() > 0 ? " (resumed after " + report.resumedAt() + " records)" : "");
    out.printf(Locale.ROOT, "  records read    %,12d  (%,.0f records/s)%n", report.recordsRead(),
        seconds > 0 ? thisRun / seconds : 0.0);
    out.printf(Locale.ROOT, "  aggregated      %,12d%n", report.aggregated());
    out.printf(Locale.ROOT, "  filtered        %,12d%n", report.filtered());
    out.printf(Locale.ROOT, "  late, dropped   %,12d%n", report.lateDropped());
    out.printf(Locale.ROOT, "  dead letters    %,12d%s%n", report.deadLetters(),
        positions(report.deadLetters(), deadLetters));
    out.printf(Locale.ROOT, "  rows written    %,12d  (windows x keys, into the sink)%n",
        report.windowsEmitted());
  }

  private static String positions(long total, DeadLetters deadLetters) {
    List<String> first;
    synchronized (deadLetters.first) {
      first = List.copyOf(deadLetters.first);
    }
    if (first.isEmpty()) {
      return "";
    }
    // A resumed job's report counts dead letters from before the resume, which this run did not see.
    long more = Math.max(0, total - first.size());
    return "  at " + String.join(", ", first) + (more > 0 ? " and " + more + " more" : "");
  }

  @Override
  public String toString() {
    return "PipelineRunner{bar=" + (progressOut != null) + '}';
  }

  /** Builds a {@link PipelineRunner}. Each setting may be given once. Not thread-safe. */
  public static final class Builder {

    private final BuilderSettings settings = new BuilderSettings();
    private Function<Consumer<PipelineProgress>, ? extends PipelineEngine> engine =
        progress -> PipelineEngines.inProcess().progress(progress).progressEvery(1_000).build();
    private PrintStream out = System.out;
    private @Nullable PrintStream progressOut = System.err;
    private int deadLetterPositions = DEFAULT_DEAD_LETTER_POSITIONS;

    private Builder() {}

    /**
     * Sets how the engine is built, given the runner's progress callback, which the engine must
     * call (the in-process engine's {@code progress(...)}; a {@code progressEvery} of about a
     * thousandth of the job keeps the bar moving). Default: the in-process engine without
     * checkpoints, progress every 1,000 records.
     *
     * @param engine builds the engine from the progress callback
     * @return this builder
     * @throws NullPointerException if {@code engine} is null
     * @throws IllegalStateException if already set
     */
    public Builder engine(Function<Consumer<PipelineProgress>, ? extends PipelineEngine> engine) {
      settings.requireUnset("engine", this.engine);
      this.engine = Objects.requireNonNull(engine, "engine");
      return this;
    }

    /**
     * Sets where the report is printed (default {@code System.out}).
     *
     * @param out the stream
     * @return this builder
     * @throws NullPointerException if {@code out} is null
     * @throws IllegalStateException if already set
     */
    public Builder out(PrintStream out) {
      settings.requireUnset("out", this.out);
      this.out = Objects.requireNonNull(out, "out");
      return this;
    }

    /**
     * Sets where the progress bar is drawn (default {@code System.err}, so that the report on
     * {@code System.out} can be piped), or null for no bar.
     *
     * @param progressOut the stream, or null
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder progressBar(@Nullable PrintStream progressOut) {
      settings.requireUnset("progressBar", this.progressOut);
      this.progressOut = progressOut;
      return this;
    }

    /**
     * Sets how many dead letters' positions the report lists (default {@value
     * #DEFAULT_DEAD_LETTER_POSITIONS}); the count is always complete.
     *
     * @param positions 0 or more
     * @return this builder
     * @throws IllegalArgumentException if {@code positions} is negative
     * @throws IllegalStateException if already set
     */
    public Builder deadLetterPositions(int positions) {
      settings.requireUnset("deadLetterPositions", this.deadLetterPositions);
      this.deadLetterPositions = Arguments.notNegative(positions, "deadLetterPositions");
      return this;
    }

    /**
     * Builds the runner. The builder can be used again afterwards.
     *
     * @return a new runner, thread-safe
     */
    public PipelineRunner build() {
      return new PipelineRunner(this);
    }
  }
}
