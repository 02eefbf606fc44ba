package dev.layerkit.events.pipeline;

import java.util.concurrent.CompletableFuture;

/**
 * A streaming job started by {@link InProcessPipelineEngine#start} (or the Flink engine's {@code
 * start}): it follows its source until {@link #close()}, emitting each window to the sink once the
 * stream's event time has passed its end and grace, and checkpointing as it goes.
 *
 * <p>Thread-safe: any thread may read its progress, wait for it or stop it.
 */
public interface RunningPipeline extends AutoCloseable {

  /**
   * Returns the pipeline's name.
   *
   * @return the name
   */
  String name();

  /**
   * Returns how far the job is, as last seen by its thread (updated after every record batch
   * and at least every poll of an idle source). Its {@code remaining} is the lag.
   *
   * @return the latest progress
   */
  PipelineProgress progress();

  /**
   * Returns the job's outcome: completed with its report once it has stopped after {@link
   * #close()}, or exceptionally with a {@link PipelineException} if it failed (the checkpoint
   * saved before the failure stays, so starting again resumes there).
   *
   * @return the outcome; cancelling it does nothing to the job (use {@link #close()})
   */
  CompletableFuture<PipelineReport> completion();

  /**
   * Stops the job and waits for its thread to end: the windows closed so far go to the sink and
   * the checkpoint is saved with the windows still open, so that starting the pipeline again
   * resumes exactly there, counting nothing twice. Idempotent; does not throw the job's failure
   * (see {@link #completion()}). Called on the job's own thread (from the progress callback), it
   * only asks the job to stop, which it does when the callback returns.
   *
   * @throws PipelineException if interrupted while waiting; the job still stops
   */
  @Override
  void close();
}
