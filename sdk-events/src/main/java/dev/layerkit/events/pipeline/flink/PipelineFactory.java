package dev.layerkit.events.pipeline.flink;

import dev.layerkit.events.pipeline.Pipeline;
import java.io.Serializable;

/**
 * Makes a {@link Pipeline}: what {@link FlinkPipelineEngine} ships to Flink's tasks in place of
 * the pipeline itself, whose functions (lambdas, codecs, tables, sinks) need not be serializable.
 * Each task calls {@link #create()} once when it opens and uses the parts it runs: the source,
 * the transforms, or the sink.
 *
 * <p>Write it as a lambda or a method reference to a method that builds the pipeline from
 * serializable settings, so that what it captures is small and serializable:
 *
 * <pre>{@code
 * PipelineFactory hourly = () -> Jobs.hourlyRevenue(bootstrapServers, warehouseFile);
 * }</pre>
 *
 * <p>Every call must return the same definition (name, source, transforms, windows, sink table):
 * tasks of one job each build their own. The factory is called from several threads at once
 * (one per task), and once on the client to plan the job.
 */
@FunctionalInterface
public interface PipelineFactory extends Serializable {

  /**
   * Builds the pipeline.
   *
   * @return a new pipeline, never null
   * @throws RuntimeException if the pipeline cannot be built: the job fails with it
   */
  Pipeline create();
}
