/**
 * The Apache Flink engine of pipelines: {@link dev.layerkit.events.pipeline.flink.FlinkPipelineEngine}
 * runs the definition the in-process engine runs, on Flink's DataStream API, with the same
 * results. Needs {@code flink-streaming-java} and {@code flink-clients}, and for Kafka topics
 * {@code flink-connector-kafka} with {@code flink-connector-base}.
 */
@NullMarked
package dev.layerkit.events.pipeline.flink;

import org.jspecify.annotations.NullMarked;
