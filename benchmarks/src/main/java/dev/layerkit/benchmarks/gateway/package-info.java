/** The gateway side of the nginx load comparison in {@code benchmarks/gateway/run.sh}. */
package dev.layerkit.benchmarks.gateway;
