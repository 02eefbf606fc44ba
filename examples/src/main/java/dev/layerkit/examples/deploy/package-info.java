/**
 * The order system's deployment files, generated: Kubernetes manifests for the gateway and the
 * order service and their Prometheus alert rules, written to {@code examples/deploy/} by {@link
 * dev.layerkit.examples.deploy.DeployFiles} and checked against it by a test so they never drift.
 */
package dev.layerkit.examples.deploy;
