package dev.layerkit.events.pipeline;

/**
 * Runs a {@link Pipeline} over its bounded source into its sink. Engines: {@link
 * PipelineEngines#inProcess()}.
 */
public interface PipelineEngine {

  /**
   * Runs a pipeline to the end of its source, resuming from its checkpoint if the engine has one,
   * and returns what it did.
   *
   * @param pipeline the pipeline
   * @return the report
   * @throws NullPointerException if {@code pipeline} is null
   * @throws PipelineException if the source, the sink, the checkpoint store or the progress
   *     callback fails; the checkpoint saved before stays, so running again resumes there
   */
  PipelineReport run(Pipeline pipeline);
}
