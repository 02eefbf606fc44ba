package dev.layerkit.events.pipeline;

import dev.layerkit.core.time.TimeSource;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A streaming job of the in-process engine: one thread reads an unbounded source, aggregates,
 * and writes closed windows and a checkpoint when {@code checkpointEvery} records were read since
 * the last, when {@code checkpointInterval} has passed with something to save, or when the source
 * is idle (caught up) and closed windows wait: the sink is up to date whenever the job has caught
 * up. The stop flag is read between two reads, so {@link #close()} waits at most one poll of the
 * source (a fraction of a second) plus the last upsert.
 *
 * <p>Concurrency: the job's thread alone touches the reader, the windows and the counts; other
 * threads see only the volatile progress snapshot (replaced, never mutated), the stop flag, the
 * lag gauge's atomic and the completion future, which the thread completes after its last
 * checkpoint and before it counts down the latch {@link #close()} waits on.
 */
final class InProcessStream implements RunningPipeline, Runnable {

  private static final Logger LOG = LoggerFactory.getLogger(InProcessStream.class);

  private final InProcessJob job;
  private final UnboundedSource<?> source;
  private final int checkpointEvery;
  private final long checkpointIntervalNanos;
  private final int progressEvery;
  private final Consumer<PipelineProgress> progressCallback;
  private final TimeSource timeSource;
  private final CompletableFuture<PipelineReport> completion = new CompletableFuture<>();
  private final CountDownLatch ended = new CountDownLatch(1);
  private final Thread thread;
  private volatile boolean stopping;
  private volatile PipelineProgress progress;

  InProcessStream(InProcessJob job, UnboundedSource<?> source, int checkpointEvery,
      Duration checkpointInterval, int progressEvery, Consumer<PipelineProgress> progressCallback,
      TimeSource timeSource) {
    this.job = job;
    this.source = source;
    this.checkpointEvery = checkpointEvery;
    this.checkpointIntervalNanos = checkpointInterval.toNanos();
    this.progressEvery = progressEvery;
    this.progressCallback = progressCallback;
    this.timeSource = timeSource;
    this.progress = job.progress(-1);
    this.thread = new Thread(this, "layerkit-pipeline-" + job.name);
  }

  void start() {
    thread.start();
  }

  @Override
  public void run() {
    long started = timeSource.nanoTime();
    try {
      try (job; SourceReader<?> reader = source.openUnbounded(job.position())) {
        if (job.resumedAt() > 0) {
          LOG.info("pipeline {}: following {} from its checkpoint, after {} records", job.name,
              source.name(), job.resumedAt());
        }
        long lastCheckpoint = timeSource.nanoTime();
        long sinceCheckpoint = 0;
        while (!stopping) {
          SourceRecord<?> record = reader.next();
          if (record != null) {
            job.accept(record);
            sinceCheckpoint++;
          }
          boolean idle = record == null;
          boolean due = timeSource.nanoTime() - lastCheckpoint >= checkpointIntervalNanos;
          if (sinceCheckpoint >= checkpointEvery
              || (due && (sinceCheckpoint > 0 || job.hasClosedWindows()))
              || (idle && job.hasClosedWindows())) {
            job.checkpoint(reader);
            lastCheckpoint = timeSource.nanoTime();
            sinceCheckpoint = 0;
            report(reader.remaining());
          } else if (idle || job.read() % progressEvery == 0) {
            report(reader.remaining());
          }
        }
        job.checkpoint(reader);
        report(reader.remaining());
      }
      PipelineReport report = job.report(Duration.ofNanos(timeSource.nanoTime() - started));
      LOG.info("{} (stopped; its checkpoint resumes it)", report.summary());
      completion.complete(report);
    } catch (RuntimeException | Error e) {
      PipelineException failure = new PipelineException("pipeline " + job.name
          + " failed after " + job.read() + " records read: " + e.getMessage(), e);
      LOG.error("{}", failure.getMessage(), e);
      completion.completeExceptionally(failure);
    } finally {
      ended.countDown();
    }
  }

  /** Publishes the progress; the callback only on a record count or a change while idle. */
  private void report(long remaining) {
    PipelineProgress now = job.progress(remaining);
    PipelineProgress before = progress;
    progress = now;
    if (!now.equals(before)) {
      progressCallback.accept(now);
    }
  }

  @Override
  public String name() {
    return job.name;
  }

  @Override
  public PipelineProgress progress() {
    return progress;
  }

  @Override
  public CompletableFuture<PipelineReport> completion() {
    return completion;
  }

  @Override
  public void close() {
    stopping = true;
    if (Thread.currentThread() == thread) {
      return; // called from the progress callback: the loop ends after it returns
    }
    try {
      ended.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PipelineException("interrupted while pipeline " + job.name + " stops", e);
    }
  }

  @Override
  public String toString() {
    return "RunningPipeline{" + job.name + ", " + progress + '}';
  }
}
