/** A Kafka topic's retained range as a pipeline source; needs {@code kafka-clients}. */
@NullMarked
package dev.layerkit.events.pipeline.kafka;

import org.jspecify.annotations.NullMarked;
