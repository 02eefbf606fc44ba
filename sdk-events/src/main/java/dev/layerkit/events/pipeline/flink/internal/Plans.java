package dev.layerkit.events.pipeline.flink.internal;

import dev.layerkit.events.pipeline.AnalyticsSink;
import dev.layerkit.events.pipeline.Pipeline;
import dev.layerkit.events.pipeline.flink.PipelineFactory;
import dev.layerkit.events.pipeline.internal.PipelinePlan;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds a task's pipeline from its factory. */
public final class Plans {

  private static final Logger LOG = LoggerFactory.getLogger(Plans.class);

  private Plans() {}

  /**
   * Builds the pipeline and closes its sink at once: for the client and the tasks that do not
   * write (a DuckDB sink holds its file open, and one process may open it once).
   *
   * @param factory the factory
   * @return the plan, whose sink is closed
   * @throws NullPointerException if the factory returns null
   */
  public static PipelinePlan withoutSink(PipelineFactory factory) {
    Pipeline pipeline = create(factory);
    close(pipeline.sink());
    return pipeline.plan();
  }

  /**
   * Builds the pipeline.
   *
   * @param factory the factory
   * @return the pipeline
   * @throws NullPointerException if the factory returns null
   */
  public static Pipeline create(PipelineFactory factory) {
    return Objects.requireNonNull(factory.create(), "the pipeline factory returned null");
  }

  /**
   * Closes a sink, logging a failure: nothing was written through it.
   *
   * @param sink the sink
   */
  public static void close(AnalyticsSink sink) {
    try {
      sink.close();
    } catch (RuntimeException e) {
      LOG.warn("closing unused sink {} failed", sink, e);
    }
  }
}
