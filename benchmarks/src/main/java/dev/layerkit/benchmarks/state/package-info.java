/** Shared JMH state: prepared keys and node sets. */
package dev.layerkit.benchmarks.state;
