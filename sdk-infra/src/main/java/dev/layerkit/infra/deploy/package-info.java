/**
 * Deployment as code: a {@link dev.layerkit.infra.deploy.ServiceSpec} rendered by
 * {@link dev.layerkit.infra.deploy.KubernetesManifests} into a Deployment, Service (and a headless
 * Service for client-side balancing), HorizontalPodAutoscaler (or a KEDA {@code ScaledObject} on
 * Kafka consumer lag), PodDisruptionBudget and ConfigMap with fabric8's kubernetes-model; the
 * Prometheus adapter's rules for autoscaling on a per-pod rate in
 * {@link dev.layerkit.infra.deploy.PrometheusAdapterRule}.
 */
@NullMarked
package dev.layerkit.infra.deploy;

import org.jspecify.annotations.NullMarked;
