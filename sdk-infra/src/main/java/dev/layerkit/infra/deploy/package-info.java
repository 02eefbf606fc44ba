/**
 * Deployment as code: a {@link dev.layerkit.infra.deploy.ServiceSpec} rendered by
 * {@link dev.layerkit.infra.deploy.KubernetesManifests} into a Deployment, Service,
 * HorizontalPodAutoscaler, PodDisruptionBudget and ConfigMap with fabric8's kubernetes-model.
 */
@NullMarked
package dev.layerkit.infra.deploy;

import org.jspecify.annotations.NullMarked;
