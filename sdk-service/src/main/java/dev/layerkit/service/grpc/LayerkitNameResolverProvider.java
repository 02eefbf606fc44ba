package dev.layerkit.service.grpc;

import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.internal.BuilderSettings;
import dev.layerkit.gateway.lb.EndpointSource;
import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.grpc.NameResolverRegistry;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Resolves {@code layerkit://<service>} targets from Layerkit {@link EndpointSource}s, so a
 * {@code ManagedChannel} follows a static list, DNS, a Redis registry or any custom source, and
 * sees every change to it.
 *
 * <pre>{@code
 * LayerkitNameResolverProvider provider = LayerkitNameResolverProvider.builder()
 *     .service("orders", ordersSource)
 *     .build()
 *     .register();                      // into NameResolverRegistry.getDefaultRegistry()
 * ManagedChannel channel = ManagedChannelBuilder.forTarget("layerkit://orders")
 *     .defaultLoadBalancingPolicy(LayerkitGrpc.PEAK_EWMA)
 *     .usePlaintext()
 *     .build();
 * }</pre>
 *
 * <p>The service is the target's authority ({@code layerkit://orders}) or, failing that, its path
 * ({@code layerkit:///orders}). A target naming a service the provider has no source for gets a
 * resolver that reports {@code UNAVAILABLE} naming the service, so calls fail with a clear
 * status rather than hanging. Each address carries its {@link dev.layerkit.gateway.lb.Endpoint}
 * under {@link LayerkitGrpc#ENDPOINT}; endpoint hosts should be IP literals, since they are
 * resolved on the source's thread.
 *
 * <p>grpc-java asks only the highest-priority provider of a scheme, so register one provider that
 * holds every service (a second one must have a higher {@linkplain Builder#priority(int)
 * priority} and then shadows the first). The provider is not registered through {@code META-INF/services}: it needs its sources, so
 * it is registered by {@link #register()} (or passed to a {@link NameResolverRegistry} of your
 * own). Thread-safe and immutable; closing a channel unsubscribes its resolver but never closes a
 * source.
 */
public final class LayerkitNameResolverProvider extends NameResolverProvider {

  /** The provider priority unless set otherwise: {@value}, above grpc-java's DNS resolver. */
  public static final int DEFAULT_PRIORITY = 6;

  private final Map<String, EndpointSource> sources;
  private final int priority;

  private LayerkitNameResolverProvider(Builder b) {
    this.sources = Map.copyOf(b.sources);
    this.priority = b.priority;
  }

  /**
   * Starts building a provider.
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Registers this provider in grpc-java's default registry, where
   * {@code ManagedChannelBuilder.forTarget("layerkit://...")} finds it.
   *
   * @return this provider
   */
  public LayerkitNameResolverProvider register() {
    NameResolverRegistry.getDefaultRegistry().register(this);
    return this;
  }

  /**
   * Removes this provider from grpc-java's default registry. Channels already built keep their
   * resolvers.
   */
  public void deregister() {
    NameResolverRegistry.getDefaultRegistry().deregister(this);
  }

  @Override
  public @Nullable NameResolver newNameResolver(URI targetUri, NameResolver.Args args) {
    if (!SCHEME_NAME.equals(targetUri.getScheme())) {
      return null;
    }
    String service = serviceOf(targetUri);
    return new LayerkitNameResolver(service, sources.get(service), args);
  }

  @Override
  public String getDefaultScheme() {
    return SCHEME_NAME;
  }

  @Override
  protected boolean isAvailable() {
    return true;
  }

  @Override
  protected int priority() {
    return priority;
  }

  @Override
  public Collection<Class<? extends SocketAddress>> getProducedSocketAddressTypes() {
    return List.of(InetSocketAddress.class);
  }

  private static final String SCHEME_NAME = LayerkitGrpc.SCHEME;

  static String serviceOf(URI target) {
    String authority = target.getAuthority();
    if (authority != null && !authority.isEmpty()) {
      return authority;
    }
    String path = target.getPath();
    if (path != null && path.startsWith("/") && path.length() > 1) {
      return path.substring(1);
    }
    throw new IllegalArgumentException("target must name a service, as layerkit://orders, but was '" + target + "'");
  }

  /** Builds a {@link LayerkitNameResolverProvider}; each setting may be given once. Not thread-safe. */
  public static final class Builder {

    private final BuilderSettings settings = new BuilderSettings();
    private final Map<String, EndpointSource> sources = new LinkedHashMap<>();
    private int priority = DEFAULT_PRIORITY;

    private Builder() {}

    /**
     * Maps a service name to the source of its endpoints.
     *
     * @param name the service name, as in {@code layerkit://<name>}
     * @param source its endpoints; the caller keeps owning it
     * @return this builder
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code name} is blank
     * @throws IllegalStateException if {@code name} was already mapped
     */
    public Builder service(String name, EndpointSource source) {
      Arguments.notBlank(name, "name");
      Objects.requireNonNull(source, "source");
      settings.requireUnset("service " + name, sources.get(name));
      sources.put(name, source);
      return this;
    }

    /**
     * Sets the provider's priority among those for the same scheme (0 to 10); default
     * {@value LayerkitNameResolverProvider#DEFAULT_PRIORITY}.
     *
     * @param priority the priority
     * @return this builder
     * @throws IllegalArgumentException if {@code priority} is not in [0, 10]
     * @throws IllegalStateException if already set
     */
    public Builder priority(int priority) {
      if (priority < 0 || priority > 10) {
        throw new IllegalArgumentException("priority must be in [0, 10] but was " + priority);
      }
      settings.requireUnset("priority", this.priority);
      this.priority = priority;
      return this;
    }

    /**
     * Builds the provider.
     *
     * @return the provider, not yet registered
     */
    public LayerkitNameResolverProvider build() {
      return new LayerkitNameResolverProvider(this);
    }
  }
}
