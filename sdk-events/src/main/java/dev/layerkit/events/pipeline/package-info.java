/**
 * Batch ETL and analytics pipelines: a {@link dev.layerkit.events.pipeline.Pipeline} reads a
 * bounded {@link dev.layerkit.events.pipeline.PipelineSource} (a list, a Kafka topic's retained
 * range, a repository's records), filters, maps and joins its records with small {@link
 * dev.layerkit.events.pipeline.DimensionTable}s, aggregates them by key in the windows of a {@link
 * dev.layerkit.events.stream.WindowedAggregation}, and upserts one row per window and key into an
 * {@link dev.layerkit.events.pipeline.AnalyticsSink} (in memory, DuckDB, PostgreSQL). The
 * in-process engine ({@link dev.layerkit.events.pipeline.PipelineEngines#inProcess()}) runs it
 * with progress, metrics, dead letters, checkpoints and a report, as a batch job or, over an
 * {@link dev.layerkit.events.pipeline.UnboundedSource} such as a topic, as a streaming job ({@link
 * dev.layerkit.events.pipeline.InProcessPipelineEngine#start}). The command-line runner is in
 * {@code pipeline.cli}.
 */
@NullMarked
package dev.layerkit.events.pipeline;

import org.jspecify.annotations.NullMarked;
