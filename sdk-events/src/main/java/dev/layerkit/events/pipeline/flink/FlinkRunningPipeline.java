package dev.layerkit.events.pipeline.flink;

import dev.layerkit.core.time.TimeSource;
import dev.layerkit.events.pipeline.PipelineException;
import dev.layerkit.events.pipeline.PipelineProgress;
import dev.layerkit.events.pipeline.PipelineReport;
import dev.layerkit.events.pipeline.RunningPipeline;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A streaming job {@link FlinkPipelineEngine#start started} on Flink: its {@link JobClient}, a
 * daemon thread that polls the job's accumulators for the progress and the meters, and the stop.
 *
 * <p>Stopping: the poller ends first, then the job is stopped with a savepoint (Flink's
 * stop-with-savepoint without draining: the sink's writers flush before it, open windows stay in
 * it unfired, the source's offsets are in it), the job's final accumulators make the report, and
 * {@link #completion()} completes with it. A job that fails on its own (beyond Flink's restart
 * strategy) completes it exceptionally.
 *
 * <p>Concurrency: {@link #close()} is serialized by {@code this}; the progress is the tracker's
 * volatile snapshot; the completion future and the latch {@link #close()} waits on are the only
 * other shared state.
 */
final class FlinkRunningPipeline implements RunningPipeline {

  private static final Logger LOG = LoggerFactory.getLogger(FlinkRunningPipeline.class);

  private final String name;
  private final JobClient client;
  private final JobProgress tracker;
  private final FlinkPipelineEngine.SourceCount sourceCount;
  private final Path savepoints;
  private final Duration pollInterval;
  private final TimeSource timeSource;
  private final long started;
  private final ScheduledExecutorService poller;
  private final CompletableFuture<PipelineReport> completion = new CompletableFuture<>();
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final AtomicBoolean released = new AtomicBoolean();
  private volatile boolean stopping;
  private volatile Thread pollerThread;

  FlinkRunningPipeline(String name, JobClient client, JobProgress tracker,
      FlinkPipelineEngine.SourceCount sourceCount, Path savepoints, Duration pollInterval,
      TimeSource timeSource) {
    this.name = name;
    this.client = client;
    this.tracker = tracker;
    this.sourceCount = sourceCount;
    this.savepoints = savepoints;
    this.pollInterval = pollInterval;
    this.timeSource = timeSource;
    this.started = timeSource.nanoTime();
    this.poller = Executors.newSingleThreadScheduledExecutor(task -> {
      Thread thread = new Thread(task, "layerkit-pipeline-flink-" + name);
      thread.setDaemon(true);
      pollerThread = thread;
      return thread;
    });
    poller.scheduleWithFixedDelay(this::poll, pollInterval.toMillis(), pollInterval.toMillis(),
        TimeUnit.MILLISECONDS);
    client.getJobExecutionResult().whenComplete((result, failure) -> {
      if (failure != null && !stopping) {
        PipelineException e = new PipelineException("pipeline " + name + " failed on Flink: "
            + failure.getMessage(), failure);
        LOG.error("{}", e.getMessage(), failure);
        completion.completeExceptionally(e);
        try {
          poller.execute(this::release); // after a running poll: the lag's consumer is not shared
        } catch (RejectedExecutionException alreadyStopping) {
          // close() releases
        }
        poller.shutdown();
        stopped.countDown();
      }
    });
  }

  private void poll() {
    try {
      tracker.update(client.getAccumulators()
          .get(Math.max(1_000, pollInterval.toMillis()), TimeUnit.MILLISECONDS));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      // The job may be between restarts or ending; the next poll tries again.
      LOG.debug("pipeline {}: polling Flink's accumulators failed", name, e);
    }
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public PipelineProgress progress() {
    return tracker.latest();
  }

  @Override
  public CompletableFuture<PipelineReport> completion() {
    return completion;
  }

  @Override
  public void close() {
    if (Thread.currentThread() == pollerThread) {
      // Called from the progress callback: stop on another thread, after the callback returns.
      Thread stopper = new Thread(this::close, "layerkit-pipeline-flink-stop-" + name);
      stopper.setDaemon(true);
      stopper.start();
      return;
    }
    synchronized (this) {
      if (!stopping) {
        stopping = true;
        stop();
      }
    }
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PipelineException("interrupted while pipeline " + name + " stops on Flink", e);
    }
  }

  private void stop() {
    poller.shutdownNow();
    try {
      if (!poller.awaitTermination(30, TimeUnit.SECONDS)) {
        LOG.warn("pipeline {}: the progress poller did not end in 30 s", name);
      }
      if (!completion.isDone()) {
        String savepoint = client.stopWithSavepoint(false, savepoints.toUri().toString(),
            SavepointFormatType.CANONICAL).get();
        JobExecutionResult result = client.getJobExecutionResult().get();
        Map<String, Object> accumulators = result.getAllAccumulatorResults();
        tracker.update(accumulators);
        PipelineReport report = FlinkPipelineEngine.report(name, accumulators,
            Duration.ofNanos(timeSource.nanoTime() - started));
        LOG.info("{} (stopped with savepoint {}; starting it again resumes there)",
            report.summary(), savepoint);
        completion.complete(report);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      completion.completeExceptionally(new PipelineException("interrupted while pipeline "
          + name + " stopped on Flink; its last checkpoint resumes it", e));
    } catch (ExecutionException | RuntimeException e) {
      Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
      completion.completeExceptionally(new PipelineException("pipeline " + name
          + " could not be stopped with a savepoint on Flink: " + cause.getMessage()
          + "; its last checkpoint resumes it", cause));
    } finally {
      release();
      stopped.countDown();
    }
  }

  private void release() {
    if (released.compareAndSet(false, true)) {
      tracker.close();
      sourceCount.close();
    }
  }

  @Override
  public String toString() {
    return "RunningPipeline{" + name + " on Flink job " + client.getJobID() + ", "
        + tracker.latest() + '}';
  }
}
