/**
 * Windowed analytics on event time: a {@link dev.layerkit.events.stream.WindowedAggregation}
 * (tumbling or hopping {@link dev.layerkit.events.stream.Windows} with a grace period; count, sum,
 * min and max per key) runs on the in-memory engine ({@link
 * dev.layerkit.events.stream.WindowedAggregator#inMemory}) or on Kafka Streams ({@code
 * dev.layerkit.events.kafka.KafkaStreamsAggregator}), with the same results.
 */
@NullMarked
package dev.layerkit.events.stream;

import org.jspecify.annotations.NullMarked;
