package dev.layerkit.events.pipeline;

/** Factory of {@link PipelineEngine}s; each method returns a builder. */
public final class PipelineEngines {

  private PipelineEngines() {}

  /**
   * Returns a builder of the in-process engine: one thread, the caller's, reads the source and
   * writes the sink.
   *
   * <pre>{@code
   * PipelineReport report = PipelineEngines.inProcess()
   *     .checkpoints(CheckpointStores.directory(Path.of("checkpoints")))
   *     .progress(p -> LOG.info("{}% done", Math.round(100 * p.fractionDone())))
   *     .meterRegistry(registry)
   *     .build()
   *     .run(hourly);
   * }</pre>
   *
   * @return a new builder
   */
  public static InProcessPipelineEngine.Builder inProcess() {
    return new InProcessPipelineEngine.Builder();
  }
}
