package dev.layerkit.spring.health;

import dev.layerkit.core.health.HealthCheck;
import dev.layerkit.spring.LayerkitProperties;
import dev.layerkit.spring.cache.LayerkitCacheAutoConfiguration;
import dev.layerkit.spring.cache.LayerkitCacheManager;
import dev.layerkit.spring.ratelimit.RateLimitAutoConfiguration;
import dev.layerkit.spring.ratelimit.RateLimiterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.endpoint.EndpointId;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.web.AdditionalPathsMapper;
import org.springframework.boot.actuate.endpoint.web.WebServerNamespace;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.actuate.endpoint.AdditionalHealthEndpointPath;
import org.springframework.boot.health.actuate.endpoint.HealthEndpointGroup;
import org.springframework.boot.health.actuate.endpoint.HealthEndpointGroups;
import org.springframework.boot.health.actuate.endpoint.HealthEndpointGroupsPostProcessor;
import org.springframework.boot.health.actuate.endpoint.HttpCodeStatusMapper;
import org.springframework.boot.health.actuate.endpoint.StatusAggregator;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

/**
 * Layerkit's health in Actuator: the contributor {@code layerkit} holds every Layerkit check (the
 * shared Redis connection's, {@code redis}, which is {@code DOWN} until Redis has answered once;
 * the Redis rate limiters'; the caches'; the sharded repositories' shards'; the event clients';
 * and each {@link HealthCheck} bean of the application), and
 * the contributor {@code layerkitReadiness} the ones named in {@code layerkit.health.readiness}
 * (all when empty), which is a member of the {@code readiness} group only, so a Layerkit check
 * that is {@code DOWN} takes readiness down. Off with {@code layerkit.health.enabled=false}.
 */
@AutoConfiguration(after = {RateLimitAutoConfiguration.class, LayerkitCacheAutoConfiguration.class},
    afterName = "org.springframework.boot.health.autoconfigure.actuate.endpoint.AvailabilityProbesAutoConfiguration")
@ConditionalOnClass({HealthContributor.class, HealthEndpointGroupsPostProcessor.class})
@ConditionalOnProperty(prefix = "layerkit.health", name = "enabled", matchIfMissing = true)
@EnableConfigurationProperties(LayerkitProperties.class)
public class LayerkitHealthAutoConfiguration {

  /** The name of the contributor of every Layerkit check. */
  public static final String CONTRIBUTOR = "layerkit";

  /** The name of the contributor of the checks that decide readiness. */
  public static final String READINESS_CONTRIBUTOR = "layerkitReadiness";

  /** The readiness group's name. */
  public static final String READINESS_GROUP = "readiness";

  /** Created by Spring. */
  public LayerkitHealthAutoConfiguration() {}

  /**
   * Every Layerkit check.
   *
   * @param limiters the rate limiters, if any
   * @param caches the cache manager, if it is Layerkit's
   * @param sources other starter components with checks (repositories, event clients)
   * @param checks the application's health check beans
   * @return the contributor
   */
  @Bean(name = CONTRIBUTOR)
  @ConditionalOnMissingBean(name = CONTRIBUTOR)
  public LayerkitHealthContributor layerkitHealthContributor(ObjectProvider<RateLimiterRegistry> limiters,
      ObjectProvider<LayerkitCacheManager> caches, ObjectProvider<HealthCheckSource> sources,
      ObjectProvider<HealthCheck> checks) {
    return new LayerkitHealthContributor(() -> checks(limiters, caches, sources, checks), name -> true);
  }

  /**
   * The checks that decide readiness.
   *
   * @param properties the settings
   * @param limiters the rate limiters, if any
   * @param caches the cache manager, if it is Layerkit's
   * @param sources other starter components with checks (repositories, event clients)
   * @param checks the application's health check beans
   * @return the contributor
   */
  @Bean(name = READINESS_CONTRIBUTOR)
  @ConditionalOnMissingBean(name = READINESS_CONTRIBUTOR)
  public LayerkitHealthContributor layerkitReadinessContributor(LayerkitProperties properties,
      ObjectProvider<RateLimiterRegistry> limiters,
      ObjectProvider<LayerkitCacheManager> caches, ObjectProvider<HealthCheckSource> sources,
      ObjectProvider<HealthCheck> checks) {
    List<String> names = properties.getHealth().getReadiness();
    Set<String> included = Set.copyOf(names);
    Predicate<String> include = names.isEmpty() ? name -> true : included::contains;
    return new LayerkitHealthContributor(() -> checks(limiters, caches, sources, checks), include);
  }

  /**
   * Puts {@code layerkitReadiness} in the readiness group and only there.
   *
   * @return the post-processor
   */
  @Bean
  @Order(Ordered.LOWEST_PRECEDENCE)
  public HealthEndpointGroupsPostProcessor layerkitReadinessGroups() {
    return MembershipGroups::new;
  }

  /**
   * The groups with {@code layerkitReadiness} in readiness only; everything else, the additional
   * probe paths ({@code /livez}, {@code /readyz}) included, is the delegate's.
   */
  private static final class MembershipGroups implements HealthEndpointGroups, AdditionalPathsMapper {
    private final HealthEndpointGroups delegate;

    MembershipGroups(HealthEndpointGroups delegate) {
      this.delegate = delegate;
    }

    @Override
    public HealthEndpointGroup getPrimary() {
      return new Membership(delegate.getPrimary(), false);
    }

    @Override
    public Set<String> getNames() {
      return delegate.getNames();
    }

    @Override
    public @Nullable HealthEndpointGroup get(String name) {
      HealthEndpointGroup group = delegate.get(name);
      return group == null ? null : new Membership(group, READINESS_GROUP.equals(name));
    }

    @Override
    public @Nullable List<String> getAdditionalPaths(EndpointId endpointId, WebServerNamespace namespace) {
      return delegate instanceof AdditionalPathsMapper mapper ? mapper.getAdditionalPaths(endpointId, namespace)
          : null;
    }
  }

  private static List<HealthCheck> checks(ObjectProvider<RateLimiterRegistry> limiters,
      ObjectProvider<LayerkitCacheManager> caches, ObjectProvider<HealthCheckSource> sources,
      ObjectProvider<HealthCheck> beans) {
    List<HealthCheck> checks = new ArrayList<>();
    sources.orderedStream().forEach(source -> checks.addAll(source.healthChecks()));
    RateLimiterRegistry registry = limiters.getIfAvailable();
    if (registry != null) {
      checks.addAll(registry.healthChecks());
    }
    LayerkitCacheManager manager = caches.getIfAvailable();
    if (manager != null) {
      checks.addAll(manager.healthChecks());
    }
    beans.orderedStream().forEach(checks::add);
    return checks;
  }

  /** A group with {@code layerkitReadiness} in (readiness) or out (every other group). */
  private static final class Membership implements HealthEndpointGroup {
    private final HealthEndpointGroup delegate;
    private final boolean readiness;

    Membership(HealthEndpointGroup delegate, boolean readiness) {
      this.delegate = delegate;
      this.readiness = readiness;
    }

    @Override
    public boolean isMember(String name) {
      // Actuator asks about a composite's children by path too: "layerkitReadiness/<check>".
      if (READINESS_CONTRIBUTOR.equals(name) || name.startsWith(READINESS_CONTRIBUTOR + "/")) {
        return readiness;
      }
      return delegate.isMember(name);
    }

    @Override
    public boolean showComponents(SecurityContext securityContext) {
      return delegate.showComponents(securityContext);
    }

    @Override
    public boolean showDetails(SecurityContext securityContext) {
      return delegate.showDetails(securityContext);
    }

    @Override
    public StatusAggregator getStatusAggregator() {
      return delegate.getStatusAggregator();
    }

    @Override
    public HttpCodeStatusMapper getHttpCodeStatusMapper() {
      return delegate.getHttpCodeStatusMapper();
    }

    @Override
    public AdditionalHealthEndpointPath getAdditionalPath() {
      return delegate.getAdditionalPath();
    }
  }
}
