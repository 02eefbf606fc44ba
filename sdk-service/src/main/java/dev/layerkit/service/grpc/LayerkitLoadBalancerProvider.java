package dev.layerkit.service.grpc;

import dev.layerkit.core.time.Durations;
import dev.layerkit.gateway.lb.LoadBalancerBuilder;
import dev.layerkit.gateway.lb.LoadBalancers;
import dev.layerkit.gateway.lb.OutlierDetection;
import io.grpc.LoadBalancer;
import io.grpc.LoadBalancerProvider;
import io.grpc.LoadBalancerRegistry;
import io.grpc.NameResolver.ConfigOrError;
import io.grpc.Status;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Offers Layerkit's balancing strategies to grpc-java as load-balancing policies, each with
 * outlier ejection: {@value LayerkitGrpc#PEAK_EWMA}, {@value LayerkitGrpc#LEAST_REQUEST},
 * {@value LayerkitGrpc#ROUND_ROBIN}, {@value LayerkitGrpc#WEIGHTED_ROUND_ROBIN} and
 * {@value LayerkitGrpc#RANDOM}. grpc-java's own policies have neither peak EWMA nor outlier
 * ejection outside xDS.
 *
 * <p>The providers are registered through {@code META-INF/services/io.grpc.LoadBalancerProvider},
 * so with {@code layerkit-service} on the class path
 * {@code ManagedChannelBuilder.defaultLoadBalancingPolicy("layerkit_peak_ewma")} works with no
 * code; {@link #registerAll(LoadBalancerRegistry)} registers them in another registry.
 *
 * <h2>How it balances</h2>
 *
 * <p>The policy keeps one subchannel per resolved address and feeds the READY ones, as
 * endpoints, to a Layerkit {@code LoadBalancer} of the chosen strategy. Each pick asks that
 * balancer, and the stream's end reports its latency and outcome back: {@code UNAVAILABLE},
 * {@code INTERNAL}, {@code UNKNOWN}, {@code DATA_LOSS} and {@code DEADLINE_EXCEEDED} count as
 * failures for ejection; other statuses are the application's answers and count as successes; a
 * cancelled call reports nothing but its end. An endpoint whose subchannel leaves READY leaves the
 * balancer (and its latency history with it).
 *
 * <h2>Configuration</h2>
 *
 * <p>In a service config, {@code {"loadBalancingConfig": [{"layerkit_peak_ewma": {...}}]}} may
 * hold {@code "outlierDetection": false} to turn ejection off, or an object with
 * {@code consecutiveFailures}, {@code maxEjectionPercent} (numbers), {@code baseEjectionTime} and
 * {@code maxEjectionTime} (durations such as {@code "30s"}). Unset values are
 * {@link OutlierDetection#ofDefaults()}'s.
 */
public final class LayerkitLoadBalancerProvider extends LoadBalancerProvider {

  /** The provider priority: {@value}, grpc-java's usual value for a policy. */
  public static final int PRIORITY = 5;

  private final String policyName;
  private final Supplier<LoadBalancerBuilder> strategy;

  private LayerkitLoadBalancerProvider(String policyName, Supplier<LoadBalancerBuilder> strategy) {
    this.policyName = policyName;
    this.strategy = strategy;
  }

  /**
   * Returns the {@value LayerkitGrpc#PEAK_EWMA} provider.
   *
   * @return the provider
   */
  public static LayerkitLoadBalancerProvider peakEwma() {
    return new LayerkitLoadBalancerProvider(LayerkitGrpc.PEAK_EWMA, LoadBalancers::peakEwma);
  }

  /**
   * Returns the {@value LayerkitGrpc#LEAST_REQUEST} provider.
   *
   * @return the provider
   */
  public static LayerkitLoadBalancerProvider leastRequest() {
    return new LayerkitLoadBalancerProvider(LayerkitGrpc.LEAST_REQUEST, LoadBalancers::leastRequest);
  }

  /**
   * Returns the {@value LayerkitGrpc#ROUND_ROBIN} provider.
   *
   * @return the provider
   */
  public static LayerkitLoadBalancerProvider roundRobin() {
    return new LayerkitLoadBalancerProvider(LayerkitGrpc.ROUND_ROBIN, LoadBalancers::roundRobin);
  }

  /**
   * Returns the {@value LayerkitGrpc#WEIGHTED_ROUND_ROBIN} provider.
   *
   * @return the provider
   */
  public static LayerkitLoadBalancerProvider weightedRoundRobin() {
    return new LayerkitLoadBalancerProvider(LayerkitGrpc.WEIGHTED_ROUND_ROBIN, LoadBalancers::weightedRoundRobin);
  }

  /**
   * Returns the {@value LayerkitGrpc#RANDOM} provider.
   *
   * @return the provider
   */
  public static LayerkitLoadBalancerProvider random() {
    return new LayerkitLoadBalancerProvider(LayerkitGrpc.RANDOM, LoadBalancers::random);
  }

  /**
   * Returns one provider per policy.
   *
   * @return the providers, in the order of {@link LayerkitGrpc#POLICIES}
   */
  public static List<LayerkitLoadBalancerProvider> all() {
    return List.of(peakEwma(), leastRequest(), roundRobin(), weightedRoundRobin(), random());
  }

  /**
   * Registers every policy in {@code registry}.
   *
   * @param registry the registry, for example {@link LoadBalancerRegistry#getDefaultRegistry()}
   */
  public static void registerAll(LoadBalancerRegistry registry) {
    for (LayerkitLoadBalancerProvider provider : all()) {
      registry.register(provider);
    }
  }

  @Override
  public boolean isAvailable() {
    return true;
  }

  @Override
  public int getPriority() {
    return PRIORITY;
  }

  @Override
  public String getPolicyName() {
    return policyName;
  }

  @Override
  public LoadBalancer newLoadBalancer(LoadBalancer.Helper helper) {
    return new LayerkitGrpcLoadBalancer(helper, strategy);
  }

  @Override
  public ConfigOrError parseLoadBalancingPolicyConfig(Map<String, ?> rawConfig) {
    try {
      return ConfigOrError.fromConfig(parse(rawConfig));
    } catch (IllegalArgumentException | ClassCastException e) {
      return ConfigOrError.fromError(Status.INVALID_ARGUMENT.withCause(e)
          .withDescription(policyName + " config is invalid: " + e.getMessage()));
    }
  }

  static PolicyConfig parse(Map<String, ?> raw) {
    for (String key : raw.keySet()) {
      if (!key.equals("outlierDetection")) {
        throw new IllegalArgumentException("unknown key '" + key + "'; the one key is 'outlierDetection'");
      }
    }
    Object od = raw.get("outlierDetection");
    if (od == null) {
      return PolicyConfig.DEFAULT;
    }
    if (od instanceof Boolean enabled) {
      return enabled ? PolicyConfig.DEFAULT : new PolicyConfig(null);
    }
    Map<?, ?> map = (Map<?, ?>) od;
    OutlierDetection.Builder b = OutlierDetection.builder();
    for (Map.Entry<?, ?> e : map.entrySet()) {
      String key = String.valueOf(e.getKey());
      Object value = e.getValue();
      switch (key) {
        case "consecutiveFailures" -> b.consecutiveFailures(((Number) value).intValue());
        case "maxEjectionPercent" -> b.maxEjectionPercent(((Number) value).intValue());
        case "baseEjectionTime" -> b.baseEjectionTime(Durations.parse((String) value));
        case "maxEjectionTime" -> b.maxEjectionTime(Durations.parse((String) value));
        default -> throw new IllegalArgumentException("unknown outlierDetection key '" + key + "'");
      }
    }
    return new PolicyConfig(b.build());
  }

  /** A parsed policy config: the outlier detection, or null for none. */
  record PolicyConfig(@Nullable OutlierDetection outlierDetection) {
    static final PolicyConfig DEFAULT = new PolicyConfig(OutlierDetection.ofDefaults());
  }
}
