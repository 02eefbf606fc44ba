/**
 * Tools for tests of code built on Layerkit, and of Layerkit backends: {@link
 * dev.layerkit.test.Concurrently} runs one task on threads released together, {@link
 * dev.layerkit.test.ManualScheduler} runs scheduled work when the test says so, {@link
 * dev.layerkit.test.Promtool} has Prometheus' promtool check generated rules and queries, {@link
 * dev.layerkit.test.TestTracing} is a real tracer with its spans in memory. Real servers are in
 * {@link dev.layerkit.test.servers}; the contract suites, in {@code layerkit-test}, are in the
 * packages named for each block ({@code dev.layerkit.test.gateway}, ...).
 */
@NullMarked
package dev.layerkit.test;

import org.jspecify.annotations.NullMarked;
