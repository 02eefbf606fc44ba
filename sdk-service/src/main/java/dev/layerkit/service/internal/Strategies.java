package dev.layerkit.service.internal;

import dev.layerkit.gateway.lb.LoadBalancerBuilder;
import dev.layerkit.gateway.lb.LoadBalancers;

/**
 * The one place {@code layerkit-service} names the peak-EWMA strategy's factory, so a rename in
 * {@code layerkit-gateway} ({@code powerOfTwoChoices()} is becoming {@code peakEwma()}) is a
 * one-line change here.
 */
public final class Strategies {

  private Strategies() {}

  /**
   * Starts a peak-EWMA (latency-aware power of two choices) balancer.
   *
   * @return a builder
   */
  public static LoadBalancerBuilder peakEwma() {
    return LoadBalancers.powerOfTwoChoices();
  }
}
