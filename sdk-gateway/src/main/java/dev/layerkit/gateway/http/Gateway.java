package dev.layerkit.gateway.http;

import dev.layerkit.core.health.Health;
import dev.layerkit.core.health.HealthCheck;
import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.internal.BuilderSettings;
import dev.layerkit.core.time.TimeSource;
import dev.layerkit.gateway.http.internal.PipelineAccess;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An embeddable HTTP/1.1 reverse proxy on Netty: it routes each request by its {@link Route}s,
 * runs the route's filters (CORS, {@link Auth}, rate limiting, response cache) and streams the
 * request to an endpoint of the route's {@link Upstream}, and the response back.
 *
 * <pre>{@code
 * try (Gateway gateway = Gateway.builder()
 *     .port(8080)
 *     .route(Route.builder("orders").pathPrefix("/orders").upstream(orders).build())
 *     .build()
 *     .start()) {
 *   ...
 * }
 * }</pre>
 *
 * <h2>What it does to requests</h2>
 *
 * <ul>
 *   <li>Keep-alive on both sides; idle upstream connections are pooled per endpoint and event-loop
 *       thread, so a request never hops threads.
 *   <li>Bodies stream in both directions with back-pressure: the gateway reads from one side only
 *       as fast as the other side takes the bytes, so its memory stays bounded whatever the body
 *       size. Request bodies over {@link Builder#maxBodySize} (or the route's own {@link
 *       Route.Builder#maxBodySize}) are a 413.
 *   <li>Hop-by-hop headers (RFC 9110 section 7.6.1: {@code Connection} and the headers it names,
 *       {@code Keep-Alive}, {@code Proxy-Connection}, {@code TE}, {@code Trailer}, {@code Upgrade}
 *       and the proxy authentication headers) are not forwarded; {@code X-Forwarded-For}, {@code
 *       -Proto} and {@code -Host} are added; {@code X-Request-Id} is kept when the client sent a
 *       valid one, generated otherwise, sent upstream and returned to the client.
 *   <li>{@code Upgrade: websocket} requests are passed through: after the endpoint's {@code 101}
 *       the gateway relays bytes both ways until either side closes.
 * </ul>
 *
 * <h2>Policies</h2>
 *
 * <p>Each is a filter of the request's chain ({@code GatewayFilters} documents the order) or a
 * piece of the proxy step, configured per {@link Route} in code or in a {@link RoutesFile}:
 *
 * <ul>
 *   <li>authentication ({@link Auth}: API keys, JWT with fixed keys or from a JWKS URL that is
 *       fetched off the event loop, with rotation, a refresh limit and outage tolerance) and
 *       authorization ({@link Authorization}: scopes, roles, API-key groups; 403 {@code
 *       insufficient_scope});
 *   <li>traffic: weighted canary splits with header or cookie pins ({@link TrafficSplit}),
 *       request mirroring to a shadow upstream ({@link Mirror}), header and path rewrites ({@link
 *       HeaderRewrite}, {@link Route.Builder#rewritePath});
 *   <li>gateway-wide: a watched routes file ({@link Builder#routesFile}), a JSON access log
 *       ({@link Builder#accessLog}) and response compression ({@link Builder#compression}).
 * </ul>
 *
 * <h2>TLS</h2>
 *
 * <p>With {@link Builder#tls} the port speaks HTTPS only: certificate and key from PEM files,
 * reloaded when they change without dropping connections, TLS 1.2 and 1.3 with a safe cipher
 * default, ALPN, optional client certificates whose verified chain reaches each {@link Auth}
 * ({@link GatewayRequest#clientCertificates()}), on OpenSSL when {@code
 * netty-tcnative-boringssl-static} is present and the JDK otherwise; see {@link Tls}. {@link
 * Builder#httpRedirectPort} adds a plaintext port that redirects to HTTPS. A failed handshake (a
 * refused client certificate, an old protocol version, plaintext or garbage sent to the TLS port)
 * closes the connection, counts in {@code layerkit.gateway.tls.handshake.failures} by reason and
 * is logged at DEBUG only; a plaintext HTTP request gets a 400 first.
 *
 * <h2>Errors</h2>
 *
 * <p>The gateway answers with a small JSON body ({@code {"status":502,"error":"Bad Gateway",
 * "message":"...","requestId":"..."}}) and never with a stack trace: malformed request 400, headers
 * too large 431, request line too long 414, body too large 413, no route 404, authentication 401
 * or 403, rate limited 429, endpoint refused or reset the connection 502, no available endpoint or
 * every circuit open 503, connect or response timeout 504. A client that trickles its headers is
 * cut off after {@link Builder#requestHeaderTimeout}; connections over {@link
 * Builder#maxConnections} are answered 503 and closed.
 *
 * <h2>Lifecycle and threads</h2>
 *
 * <p>{@link #start()} binds the port; {@link #close()} drains: it stops accepting, lets in-flight
 * requests finish until {@link Builder#shutdownTimeout}, then closes every connection. {@link
 * #reload(List)} swaps the routes atomically without dropping connections: requests already routed
 * finish on their old route. All methods are thread-safe. Filters run on the event loop and must
 * not block.
 *
 * <h2>Performance</h2>
 *
 * <p>The event loops run on io_uring where {@code netty-transport-native-io_uring} is on the class
 * path and the kernel allows it, else on epoll ({@code netty-transport-native-epoll}), else on NIO
 * ({@link Builder#transport}): io_uring submits every connection's reads and writes of an
 * event-loop turn in one system call, where epoll makes one per read and per write.
 *
 * <p>Run a production gateway with {@code -Dio.netty.leakDetection.level=disabled}: Netty's
 * default sampling leak detector cost about a fifth of the throughput in the nginx comparison
 * ({@code benchmarks/gateway/run.sh}, where the gateway reaches about 0.8x of nginx's requests/s
 * with a lower p99 on two cores).
 */
public final class Gateway implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

  static {
    // Benchmarks reach the pipelines through the internal PipelineAccess; nothing public grows.
    PipelineAccess.install(PipelineHarness.BRIDGE);
  }

  /** How often a watched routes file is checked for changes, by default. */
  public static final Duration DEFAULT_ROUTES_FILE_WATCH_INTERVAL = Duration.ofSeconds(2);

  /**
   * The transport a gateway runs on unless {@link Builder#transport} says otherwise: io_uring,
   * falling back to epoll and then NIO where it cannot run. Proxying HTTP/1.1 it made 0.6 system
   * calls per request against epoll's 4.4 (one submission for all the connections' reads and
   * writes of an event-loop turn) and cost about a quarter less CPU per request ({@code
   * benchmarks/gateway/cpu-per-request.sh}).
   */
  public static final Transport DEFAULT_TRANSPORT = Transport.IO_URING;

  /**
   * The buffer allocator of the gateway's connections unless {@link Builder#allocator} says
   * otherwise: Netty's pooled allocator, with Netty's settings except a per-thread cache of 1,024
   * small buffers of each size (Netty's default keeps 256, fewer than an event loop has in flight
   * on io_uring under load), one instance for every gateway of the JVM. With the system property
   * {@code io.netty.allocator.type} set it is Netty's default ({@code ByteBufAllocator.DEFAULT}),
   * and with {@code io.netty.allocator.smallCacheSize} set {@code PooledByteBufAllocator.DEFAULT},
   * so that a JVM-wide choice still wins. Netty 4.2's default, the adaptive allocator, cost about
   * 7 % more CPU per proxied HTTP/1.1 request and 10 % more over TLS here ({@code
   * benchmarks/README.md}); Velocity and Pekko made the same choice.
   */
  public static final ByteBufAllocator DEFAULT_ALLOCATOR = GatewayAllocator.create();

  /** Default limit of a request body. */
  public static final long DEFAULT_MAX_BODY_SIZE = 10L * 1024 * 1024;

  private final Settings settings;
  private final GatewayMetrics metrics;
  private final @Nullable RoutesFileWatcher watcher;
  private final @Nullable TlsTermination tls;
  private final @Nullable HttpsRedirectServer redirect;
  private final AccessLog accessLog;
  private final GatewayObservations observations;
  private volatile RouteTable routes;
  private final ChannelGroup clients = new DefaultChannelGroup("layerkit-gateway-clients",
      GlobalEventExecutor.INSTANCE);
  private final AtomicInteger inFlight = new AtomicInteger();
  private final Object lifecycle = new Object();
  /** Notified when the last in-flight request ends while draining. */
  private final Object drainMonitor = new Object();
  private @Nullable EventLoopGroup bossGroup;
  private @Nullable EventLoopGroup workerGroup;
  private @Nullable Channel serverChannel;
  private volatile State state = State.NEW;
  private volatile int boundPort = -1;
  private volatile int redirectPort = -1;
  private volatile @Nullable Transport transport;

  private enum State { NEW, RUNNING, DRAINING, CLOSED }

  private Gateway(Builder builder) {
    this.settings = new Settings(builder);
    this.metrics = new GatewayMetrics(builder.meterRegistry);
    this.accessLog = new AccessLog(builder.accessLog, builder.timeSource, builder.accessLogSink);
    Tls tlsSettings = builder.tls;
    this.tls = tlsSettings == null ? null : new TlsTermination(tlsSettings,
        ClientChannelInitializer.ALPN_PROTOCOLS, builder.meterRegistry, builder.timeSource);
    int locationPort = builder.redirectLocationPort;
    this.redirect = builder.httpRedirectPort < 0 ? null : new HttpsRedirectServer(this,
        builder.httpRedirectPort, () -> locationPort > 0 ? locationPort : boundPort);
    this.observations = new GatewayObservations(builder.observationRegistry);
    Path file = builder.routesFile;
    if (file == null) {
      this.watcher = null;
      this.routes = RouteTable.of(builder.routes, metrics);
      return;
    }
    String text = RoutesFileWatcher.read(file);
    RoutesFile initial = RoutesFile.parse(text, RoutesFileWatcher.isYaml(file), file.toString());
    List<Route> all = new ArrayList<>(builder.routes);
    all.addAll(initial.routes());
    try {
      this.routes = RouteTable.of(all, metrics);
    } catch (IllegalArgumentException e) {
      initial.close();
      throw e;
    }
    this.watcher = new RoutesFileWatcher(this, file, text, initial, builder.routes,
        builder.routesFileWatchInterval, builder.shutdownTimeout, builder.meterRegistry);
  }

  /**
   * Starts a builder.
   *
   * @return the builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Binds the port and starts serving.
   *
   * @return this gateway
   * @throws IllegalStateException if already started or closed
   * @throws GatewayStartException if the port cannot be bound
   */
  public Gateway start() {
    synchronized (lifecycle) {
      if (state != State.NEW) {
        throw new IllegalStateException("gateway already " + state.name().toLowerCase());
      }
      EventLoops shared = settings.eventLoops;
      Transport transport = shared != null ? shared.transport() : settings.transport.resolve();
      if (shared == null && transport != settings.transport) {
        LOG.info("gateway transport {} is not available here; using {}",
            settings.transport.name().toLowerCase(Locale.ROOT),
            transport.name().toLowerCase(Locale.ROOT));
      }
      EventLoopGroup boss = transport.newGroup(1, new DefaultThreadFactory("layerkit-gw-accept", true));
      EventLoopGroup workers = shared != null ? shared.group()
          : transport.newGroup(settings.workerThreads, new DefaultThreadFactory("layerkit-gw", true));
      UpstreamConnector connector =
          new UpstreamConnector(transport, settings.timeSource, settings.allocator);
      ServerBootstrap bootstrap = new ServerBootstrap()
          .group(boss, workers)
          .channel(transport.serverChannel())
          .option(ChannelOption.SO_BACKLOG, 1024)
          .option(ChannelOption.SO_REUSEADDR, true)
          .childOption(ChannelOption.ALLOCATOR, settings.allocator)
          .childOption(ChannelOption.TCP_NODELAY, true)
          .childOption(ChannelOption.AUTO_READ, false)
          .childHandler(new ClientChannelInitializer(this, connector));
      try {
        Channel channel = bootstrap.bind(new InetSocketAddress(settings.bindAddress, settings.port))
            .syncUninterruptibly().channel();
        this.serverChannel = channel;
        this.boundPort = ((InetSocketAddress) channel.localAddress()).getPort();
      } catch (RuntimeException e) {
        boss.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
        if (shared == null) {
          workers.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
        }
        throw new GatewayStartException("cannot bind " + settings.bindAddress + ":" + settings.port
            + ": " + e.getMessage(), e);
      }
      HttpsRedirectServer plain = redirect;
      if (plain != null) {
        try {
          this.redirectPort = plain.bind(boss, workers, transport);
        } catch (RuntimeException e) {
          Objects.requireNonNull(serverChannel).close().syncUninterruptibly();
          boss.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
          if (shared == null) {
            workers.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
          }
          throw new GatewayStartException("cannot bind the HTTPS redirect port "
              + settings.bindAddress + ":" + plain.port() + ": " + e.getMessage(), e);
        }
      }
      this.bossGroup = boss;
      this.workerGroup = workers;
      this.state = State.RUNNING;
      if (watcher != null) {
        watcher.start();
      }
      if (tls != null) {
        tls.start();
      }
      this.transport = transport;
      LOG.info("gateway listening on {}:{} ({}, {} transport, {} routes){}", settings.bindAddress,
          boundPort, tls == null ? "http" : "https", transport.name().toLowerCase(Locale.ROOT),
          routes.size(),
          plain == null ? "" : "; redirecting http on port " + redirectPort + " to https");
      return this;
    }
  }

  /**
   * Returns the port the gateway listens on (the actual port when built with port 0).
   *
   * @return the port
   * @throws IllegalStateException if the gateway has not started
   */
  public int port() {
    int port = boundPort;
    if (port < 0) {
      throw new IllegalStateException("gateway not started");
    }
    return port;
  }

  /**
   * Returns the transport the gateway runs on: the one {@link Builder#transport} asked for, or
   * the one it fell back to where that one cannot run.
   *
   * @return the transport
   * @throws IllegalStateException if the gateway has not started
   */
  public Transport transport() {
    Transport running = transport;
    if (running == null) {
      throw new IllegalStateException("gateway not started");
    }
    return running;
  }

  /**
   * Returns the plaintext port that redirects to HTTPS (the actual port when built with port 0).
   *
   * @return the port
   * @throws IllegalStateException if the gateway has no {@link Builder#httpRedirectPort} or has
   *     not started
   */
  public int httpRedirectPort() {
    if (redirect == null) {
      throw new IllegalStateException("gateway has no httpRedirectPort");
    }
    int port = redirectPort;
    if (port < 0) {
      throw new IllegalStateException("gateway not started");
    }
    return port;
  }

  /**
   * Returns the TLS implementation the gateway terminates TLS with, chosen when it was built
   * (also the {@code provider} tag of the {@code layerkit.gateway.tls.*} meters).
   *
   * @return the provider, or {@code null} without {@link Builder#tls}
   */
  public Tls.@Nullable Provider tlsProvider() {
    TlsTermination termination = tls;
    return termination == null ? null : termination.provider();
  }

  /**
   * Replaces the routes atomically. Connections stay open; a request already routed finishes on
   * its old route, the next one sees the new routes.
   *
   * @param newRoutes the routes, in match order
   * @throws IllegalArgumentException if two routes share an id (every duplicate is named)
   */
  public void reload(List<Route> newRoutes) {
    RouteTable table = RouteTable.of(newRoutes, metrics);
    this.routes = table;
    LOG.info("gateway routes reloaded: {}", table);
  }

  /**
   * Returns the current routes, in match order.
   *
   * @return the routes
   */
  public List<Route> routes() {
    return routes.routes();
  }

  /**
   * Returns how many requests are being handled now.
   *
   * @return the requests in flight
   */
  public int inFlightRequests() {
    return inFlight.get();
  }

  /**
   * Returns a health check: DOWN unless running, DEGRADED when an upstream has no available
   * endpoint (details name them), UP otherwise.
   *
   * @return the check, named {@code gateway}
   */
  public HealthCheck healthCheck() {
    return HealthCheck.of("gateway", () -> {
      State current = state;
      if (current != State.RUNNING) {
        return Health.down("gateway is " + current.name().toLowerCase()).build();
      }
      List<String> empty = new ArrayList<>();
      for (Upstream upstream : routes.upstreams()) {
        if (upstream.loadBalancer().availableEndpoints().isEmpty()) {
          empty.add(upstream.name());
        }
      }
      Health.Builder health = empty.isEmpty() ? Health.up()
          : Health.degraded("upstreams without an available endpoint: " + empty);
      health.detail("port", boundPort).detail("inFlight", inFlight.get())
          .detail("connections", clients.size());
      RoutesFileWatcher routesFile = watcher;
      if (routesFile != null) {
        RoutesFileWatcher.Status reload = routesFile.status();
        health.detail("routesFile", routesFile.file().toString())
            .detail("routesReload", reload.ok() ? "ok" : "rejected");
        if (reload.at() != null) {
          health.detail("routesReloadAt", String.valueOf(reload.at()));
        }
        if (!reload.ok()) {
          health.detail("routesErrors", reload.errors());
        }
      }
      TlsTermination termination = tls;
      if (termination != null) {
        java.security.cert.X509Certificate served = termination.current().certificate();
        TlsFileWatcher.Status reload = termination.watcher().status();
        health.detail("tlsProvider", termination.provider().name().toLowerCase(Locale.ROOT))
            .detail("tlsCertificateSerial", served.getSerialNumber().toString(16))
            .detail("tlsCertificateNotAfter", String.valueOf(served.getNotAfter().toInstant()))
            .detail("tlsReload", reload.ok() ? "ok" : "rejected");
        if (!reload.ok()) {
          health.detail("tlsErrors", reload.errors());
        }
      }
      return health.build();
    });
  }

  /** Stops accepting, drains in-flight requests until the shutdown timeout, then closes. */
  @Override
  public void close() {
    shutdown(settings.shutdownTimeout);
  }

  /**
   * Stops accepting connections, waits until in-flight requests finish or the deadline passes,
   * then closes every connection and stops the threads. Idle keep-alive connections are closed
   * at once; a connection whose request finishes while draining gets {@code Connection: close}.
   *
   * @param deadline how long to wait for in-flight requests
   * @return true if every in-flight request finished before the deadline
   */
  public boolean shutdown(Duration deadline) {
    Objects.requireNonNull(deadline, "deadline");
    EventLoopGroup boss;
    EventLoopGroup workers;
    synchronized (lifecycle) {
      if (state == State.CLOSED || state == State.DRAINING) {
        return true;
      }
      if (state == State.NEW) {
        state = State.CLOSED;
        if (watcher != null) {
          watcher.close();
        }
        if (tls != null) {
          tls.close();
        }
        return true;
      }
      state = State.DRAINING;
      if (watcher != null) {
        watcher.close();
      }
      if (tls != null) {
        tls.close();
      }
      boss = Objects.requireNonNull(bossGroup);
      workers = Objects.requireNonNull(workerGroup);
    }
    Channel server = serverChannel;
    if (server != null) {
      server.close().syncUninterruptibly();
    }
    if (redirect != null) {
      redirect.close();
    }
    for (Channel client : clients) {
      client.pipeline().fireUserEventTriggered(ClientHandler.DRAIN);
    }
    boolean drained;
    try {
      drained = awaitNoneInFlight(System.nanoTime() + deadline.toNanos());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      drained = false;
    }
    if (!drained) {
      LOG.warn("gateway shutdown deadline {} passed with {} requests in flight; closing them",
          deadline, inFlight.get());
    }
    clients.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    if (settings.eventLoops == null) { // shared loops are their creator's to close
      workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
    boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    state = State.CLOSED;
    LOG.info("gateway on port {} closed ({})", boundPort, drained ? "drained" : "deadline passed");
    return drained;
  }

  /**
   * Waits until no request is in flight or the deadline passes. {@link #requestEnded} wakes the
   * wait when the count reaches zero while draining, so shutdown returns as soon as the last
   * request ends. This one wait reads the system clock, not the time source: it blocks the
   * caller's thread on a monitor, and only real time can end a timed wait.
   */
  private boolean awaitNoneInFlight(long deadlineNanos) throws InterruptedException {
    synchronized (drainMonitor) {
      while (inFlight.get() > 0) {
        long left = deadlineNanos - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(drainMonitor, left);
      }
      return true;
    }
  }

  // --- used by the handlers --------------------------------------------------------------------

  Settings settings() {
    return settings;
  }

  RouteTable routeTable() {
    return routes;
  }

  GatewayMetrics metrics() {
    return metrics;
  }

  AccessLog accessLog() {
    return accessLog;
  }

  GatewayObservations observations() {
    return observations;
  }

  ChannelGroup clients() {
    return clients;
  }

  /** The TLS termination; only called where the gateway has one. */
  TlsTermination tls() {
    return Objects.requireNonNull(tls, "tls");
  }

  /** Whether client connections speak TLS. */
  boolean terminatesTls() {
    return tls != null;
  }

  boolean draining() {
    return state != State.RUNNING;
  }

  void requestStarted() {
    inFlight.incrementAndGet();
  }

  void requestEnded() {
    // The count is decremented before the state is read, and shutdown sets the state before it
    // reads the count, so a last request ending as draining starts is seen by one or the other.
    if (inFlight.decrementAndGet() == 0 && state == State.DRAINING) {
      synchronized (drainMonitor) {
        drainMonitor.notifyAll();
      }
    }
  }

  /** The builder's values, frozen. */
  static final class Settings {
    final String bindAddress;
    final int port;
    final int workerThreads;
    final int maxConnections;
    final int maxInitialLineLength;
    final int maxHeaderSize;
    final long maxBodySize;
    final Duration requestHeaderTimeout;
    final Duration idleTimeout;
    final Duration shutdownTimeout;
    /** The transport asked for; {@link Transport#resolve} gives the one that runs. */
    final Transport transport;
    /** The buffer allocator of every connection, client and upstream. */
    final ByteBufAllocator allocator;
    final TimeSource timeSource;
    final @Nullable Compression compression;
    final boolean cleartextHttp2;
    final Http2Limits http2Limits;
    /** Event loops the gateway runs on but does not own, or null for its own. */
    final @Nullable EventLoops eventLoops;

    Settings(Builder builder) {
      this.bindAddress = builder.bindAddress;
      this.port = builder.port;
      this.workerThreads = builder.workerThreads;
      this.maxConnections = builder.maxConnections;
      this.maxInitialLineLength = builder.maxInitialLineLength;
      this.maxHeaderSize = builder.maxHeaderSize;
      this.maxBodySize = builder.maxBodySize;
      this.requestHeaderTimeout = builder.requestHeaderTimeout;
      this.idleTimeout = builder.idleTimeout;
      this.shutdownTimeout = builder.shutdownTimeout;
      Transport chosen = builder.transport;
      this.transport = chosen != null ? chosen
          : builder.preferNativeTransport ? DEFAULT_TRANSPORT : Transport.NIO;
      this.allocator = builder.allocator;
      this.timeSource = builder.timeSource;
      this.compression = builder.compression;
      this.cleartextHttp2 = builder.cleartextHttp2;
      this.http2Limits = builder.http2Limits;
      this.eventLoops = builder.eventLoops;
    }
  }

  /**
   * Builds a {@link Gateway}. Not thread-safe. A setting given twice throws {@link
   * IllegalStateException} at the second call; {@link #route} and {@link #routes} add routes, so
   * they may be called again.
   */
  public static final class Builder {

    private final BuilderSettings settings = new BuilderSettings();

    private String bindAddress = "0.0.0.0";
    private int port = 8080;
    private int workerThreads = Runtime.getRuntime().availableProcessors();
    private int maxConnections = 10_000;
    private int maxInitialLineLength = 8192;
    private int maxHeaderSize = 16 * 1024;
    private long maxBodySize = DEFAULT_MAX_BODY_SIZE;
    private Duration requestHeaderTimeout = Duration.ofSeconds(10);
    private Duration idleTimeout = Duration.ofSeconds(60);
    private Duration shutdownTimeout = Duration.ofSeconds(30);
    private boolean preferNativeTransport = true;
    private @Nullable Transport transport;
    private ByteBufAllocator allocator = DEFAULT_ALLOCATOR;
    private @Nullable EventLoops eventLoops;
    private TimeSource timeSource = TimeSource.system();
    private MeterRegistry meterRegistry = new CompositeMeterRegistry();
    private ObservationRegistry observationRegistry = ObservationRegistry.NOOP;
    private final List<Route> routes = new ArrayList<>();
    private @Nullable Path routesFile;
    private boolean accessLog;
    private @Nullable Compression compression;
    private boolean cleartextHttp2 = true;
    private Http2Limits http2Limits = Http2Limits.ofDefaults();
    private java.util.function.@Nullable Consumer<String> accessLogSink;
    private Duration routesFileWatchInterval = DEFAULT_ROUTES_FILE_WATCH_INTERVAL;
    private @Nullable Tls tls;
    private int httpRedirectPort = -1;
    private int redirectLocationPort = -1;

    private Builder() {}

    /**
     * Sets the address to bind ({@code 0.0.0.0} by default).
     *
     * @param address an IP address or host name
     * @return this builder
     * @throws IllegalArgumentException if {@code address} is blank
     * @throws IllegalStateException if already set
     */
    public Builder bindAddress(String address) {
      settings.requireUnset("bindAddress", this.bindAddress);
      Objects.requireNonNull(address, "address");
      this.bindAddress = Arguments.notBlank(address, "bindAddress");
      return this;
    }

    /**
     * Sets the port (8080 by default; 0 picks a free one, see {@link Gateway#port()}).
     *
     * @param port 0 to 65535
     * @return this builder
     * @throws IllegalArgumentException if {@code port} is outside 0 to 65535
     * @throws IllegalStateException if already set
     */
    public Builder port(int port) {
      settings.requireUnset("port", this.port);
      if (port < 0 || port > 65_535) {
        throw new IllegalArgumentException("port must be 0 to 65535 but was " + port);
      }
      this.port = port;
      return this;
    }

    /**
     * Sets the number of event-loop threads (the number of processors by default).
     *
     * @param threads at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code threads} is less than 1
     * @throws IllegalStateException if already set
     */
    public Builder workerThreads(int threads) {
      settings.requireUnset("workerThreads", workerThreads);
      this.workerThreads = Arguments.positive(threads, "workerThreads");
      return this;
    }

    /**
     * Sets how many client connections may be open at once (10,000 by default); more are answered
     * 503 and closed (on a {@link #tls} port closed at once: there is no handshake yet to answer
     * over).
     *
     * @param max at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code max} is less than 1
     * @throws IllegalStateException if already set
     */
    public Builder maxConnections(int max) {
      settings.requireUnset("maxConnections", maxConnections);
      this.maxConnections = Arguments.positive(max, "maxConnections");
      return this;
    }

    /**
     * Sets the longest request line (8 KiB by default); longer is a 414.
     *
     * @param bytes at least 256
     * @return this builder
     * @throws IllegalArgumentException if {@code bytes} is less than 256
     * @throws IllegalStateException if already set
     */
    public Builder maxInitialLineLength(int bytes) {
      settings.requireUnset("maxInitialLineLength", maxInitialLineLength);
      if (bytes < 256) {
        throw new IllegalArgumentException("maxInitialLineLength must be >= 256 but was " + bytes);
      }
      this.maxInitialLineLength = bytes;
      return this;
    }

    /**
     * Sets the largest size of all request headers together (16 KiB by default); larger is a 431.
     *
     * @param bytes at least 1024
     * @return this builder
     * @throws IllegalArgumentException if {@code bytes} is less than 1024
     * @throws IllegalStateException if already set
     */
    public Builder maxHeaderSize(int bytes) {
      settings.requireUnset("maxHeaderSize", maxHeaderSize);
      if (bytes < 1024) {
        throw new IllegalArgumentException("maxHeaderSize must be >= 1024 but was " + bytes);
      }
      this.maxHeaderSize = bytes;
      return this;
    }

    /**
     * Sets the largest request body (10 MiB by default); larger is a 413, by its {@code
     * Content-Length} before anything is forwarded, or while streaming a chunked body (the
     * upstream request is then aborted). A route may set its own limit instead ({@link
     * Route.Builder#maxBodySize}).
     *
     * @param bytes at least 0
     * @return this builder
     * @throws IllegalArgumentException if {@code bytes} is negative
     * @throws IllegalStateException if already set
     */
    public Builder maxBodySize(long bytes) {
      settings.requireUnset("maxBodySize", maxBodySize);
      this.maxBodySize = Arguments.notNegative(bytes, "maxBodySize");
      return this;
    }

    /**
     * Sets how long a client may take from the first byte of a request to the end of its
     * headers (10 s by default); a slower client gets 408 and is disconnected.
     *
     * @param timeout positive
     * @return this builder
     * @throws IllegalArgumentException if {@code timeout} is zero or negative
     * @throws IllegalStateException if already set
     */
    public Builder requestHeaderTimeout(Duration timeout) {
      settings.requireUnset("requestHeaderTimeout", requestHeaderTimeout);
      this.requestHeaderTimeout = Arguments.positive(timeout, "requestHeaderTimeout");
      return this;
    }

    /**
     * Sets how long an idle keep-alive client connection is kept (60 s by default).
     *
     * @param timeout positive
     * @return this builder
     * @throws IllegalArgumentException if {@code timeout} is zero or negative
     * @throws IllegalStateException if already set
     */
    public Builder idleTimeout(Duration timeout) {
      settings.requireUnset("idleTimeout", idleTimeout);
      this.idleTimeout = Arguments.positive(timeout, "idleTimeout");
      return this;
    }

    /**
     * Sets how long {@link Gateway#close()} waits for in-flight requests (30 s by default).
     *
     * @param timeout positive
     * @return this builder
     * @throws IllegalArgumentException if {@code timeout} is zero or negative
     * @throws IllegalStateException if already set
     */
    public Builder shutdownTimeout(Duration timeout) {
      settings.requireUnset("shutdownTimeout", shutdownTimeout);
      this.shutdownTimeout = Arguments.positive(timeout, "shutdownTimeout");
      return this;
    }

    /**
     * Sets whether to use a native transport when one is available (true by default): {@link
     * #DEFAULT_TRANSPORT} or, where it cannot run, the next available one; false runs on NIO.
     * {@link #transport} chooses one by name.
     *
     * @param prefer false to force NIO
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder preferNativeTransport(boolean prefer) {
      settings.requireUnset("preferNativeTransport", preferNativeTransport);
      this.preferNativeTransport = prefer;
      return this;
    }

    /**
     * Sets the network transport of the gateway's event loops ({@link #DEFAULT_TRANSPORT} by
     * default). Where it cannot run (its Netty artifact is missing, or the kernel refuses it), the
     * gateway falls back to the next available of io_uring, epoll and NIO, and says so in its
     * start-up log; {@link Transport#isAvailable} tells beforehand.
     *
     * @param transport the transport
     * @return this builder
     * @throws NullPointerException if {@code transport} is null
     * @throws IllegalStateException if already set
     */
    public Builder transport(Transport transport) {
      settings.requireUnset("transport", this.transport);
      this.transport = Objects.requireNonNull(transport, "transport");
      return this;
    }

    /**
     * Sets the buffer allocator of the gateway's connections, client and upstream ({@link
     * #DEFAULT_ALLOCATOR} by default), for example {@code ByteBufAllocator.DEFAULT} to follow
     * Netty's own default, or an allocator an application shares with its other Netty servers.
     *
     * @param allocator the allocator
     * @return this builder
     * @throws NullPointerException if {@code allocator} is null
     * @throws IllegalStateException if already set
     */
    public Builder allocator(ByteBufAllocator allocator) {
      settings.requireUnset("allocator", this.allocator);
      this.allocator = Objects.requireNonNull(allocator, "allocator");
      return this;
    }

    /**
     * Runs the gateway's connections, client and upstream, on shared event loops instead of its
     * own, for example to share them with Lettuce under a Redis rate limiter (see {@link
     * EventLoops}). The gateway runs on their transport and thread count, and keeps only its
     * accepting thread of its own; it does not close them when it shuts down.
     *
     * @param loops the event loops, closed by their creator after the gateway's shutdown
     * @return this builder
     * @throws NullPointerException if {@code loops} is null
     * @throws IllegalStateException if already set; {@link #build} throws it if {@link #transport},
     *     {@link #workerThreads} or {@link #preferNativeTransport} was set too (the loops decide them)
     */
    public Builder eventLoops(EventLoops loops) {
      settings.requireUnset("eventLoops", this.eventLoops);
      this.eventLoops = Objects.requireNonNull(loops, "loops");
      return this;
    }

    /**
     * Sets the gateway's clock: the client-side timeouts ({@link #requestHeaderTimeout}, {@link
     * #idleTimeout}), each route's {@linkplain Route.Builder#responseTimeout response timeout},
     * the age of pooled upstream connections and the latencies reported to meters and balancers;
     * the system clock by default, a {@code ManualTimeSource} in tests. Timeouts are checked on
     * the event loop (the client-side ones a few times per timeout, a response timeout when it
     * is due and again until the clock has passed it), so a manual clock takes effect at the
     * next check.
     *
     * @param timeSource the time source
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder timeSource(TimeSource timeSource) {
      settings.requireUnset("timeSource", this.timeSource);
      this.timeSource = Objects.requireNonNull(timeSource, "timeSource");
      return this;
    }

    /**
     * Sets where the gateway's meters go ({@code layerkit.gateway.*}); none by default.
     *
     * @param registry the registry
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder meterRegistry(MeterRegistry registry) {
      settings.requireUnset("meterRegistry", meterRegistry);
      this.meterRegistry = Objects.requireNonNull(registry, "registry");
      return this;
    }

    /**
     * Sets where the gateway reports its observations: {@code layerkit.gateway.request} per
     * client request (a server span that continues the client's W3C {@code traceparent}) and
     * {@code layerkit.gateway.upstream} per upstream try (a client span whose context goes to the
     * upstream in {@code traceparent}), the balancer's pick as an event. {@link
     * ObservationRegistry#NOOP} by default: nothing is observed, propagated or allocated, and a
     * client's {@code traceparent} passes to the upstream unchanged.
     *
     * <p>The tracer's handlers run on the event loops, so they must not block (Micrometer
     * Tracing's do not; an exporter batches off the loop).
     *
     * @param registry the registry, with the tracer's handlers registered on it
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder observationRegistry(ObservationRegistry registry) {
      settings.requireUnset("observationRegistry", observationRegistry);
      this.observationRegistry = Objects.requireNonNull(registry, "registry");
      return this;
    }

    /**
     * Adds a route; routes match in the order added.
     *
     * @param route the route
     * @return this builder
     */
    public Builder route(Route route) {
      routes.add(Objects.requireNonNull(route, "route"));
      return this;
    }

    /**
     * Adds routes; routes match in the order added.
     *
     * @param routes the routes
     * @return this builder
     */
    public Builder routes(List<Route> routes) {
      for (Route route : routes) {
        route(route);
      }
      return this;
    }

    /**
     * Writes one JSON line per request to the SLF4J logger {@code dev.layerkit.gateway.access}
     * at INFO (off by default): time, request id, client address, method, path (no query),
     * route, upstream endpoint, status, response bytes, upstream and total milliseconds and the
     * rate limiter's decision, for every request that reached the routes (including those a
     * filter answered). The line is built without {@code String.format} or a JSON library in a
     * buffer per event loop; give the logger an asynchronous appender so that writing it does
     * not wait on the disk.
     *
     * <p>The backend decides most of the cost. Measured with {@code
     * benchmarks/gateway/access-log-cost.sh}: Log4j 2 with the logger an {@code AsyncLogger}
     * (LMAX Disruptor, {@code log4j2.asyncLoggerConfigWaitStrategy=Sleep} so that the event loop
     * never wakes the writer, {@code log4j2.asyncQueueFullPolicy=Discard} so that a full buffer
     * drops lines rather than blocking the event loop) in front of a {@code RandomAccessFile}
     * appender ({@code immediateFlush="false"}, a large {@code bufferSize}, pattern {@code %m%n})
     * costs well under a microsecond of CPU a line; logback's {@code AsyncAppender} ({@code
     * neverBlock}) in front of a buffered {@code FileAppender} about seven, spent in its writer
     * thread, which on a machine whose cores the gateway keeps busy comes out of its requests a
     * second.
     *
     * @param enabled true to write the lines
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder accessLog(boolean enabled) {
      settings.requireUnset("accessLog", accessLog);
      this.accessLog = enabled;
      return this;
    }

    /**
     * Compresses responses for clients that accept it (gzip; brotli too when brotli4j is on the
     * class path), by content type and size, never bodies already compressed or marked {@code
     * Cache-Control: no-transform}, with {@code Vary: Accept-Encoding}; see {@link Compression}.
     * Off by default: compression costs CPU on the gateway, and many upstreams compress already.
     *
     * @param compression the rules, for example {@link Compression#ofDefaults()}
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder compression(Compression compression) {
      settings.requireUnset("compression", this.compression);
      this.compression = Objects.requireNonNull(compression, "compression");
      return this;
    }

    /**
     * Sets whether plaintext connections may speak HTTP/2 with prior knowledge (h2c: the client
     * opens with the HTTP/2 connection preface, as gRPC clients and {@code curl
     * --http2-prior-knowledge} do). On by default: the first bytes of a connection tell the two
     * protocols apart, and HTTP/1.1 clients are served as before. HTTP/2 streams go through the
     * same routes, filters, limits and error answers as HTTP/1.1 requests, bounded by the {@link
     * #http2Limits}. The {@code Upgrade: h2c} dance of HTTP/1.1 is not offered (browsers never use
     * it; RFC 9113 deprecates it).
     *
     * @param enabled false to serve HTTP/1.1 only on plaintext connections
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder cleartextHttp2(boolean enabled) {
      settings.requireUnset("cleartextHttp2", cleartextHttp2);
      this.cleartextHttp2 = enabled;
      return this;
    }

    /**
     * Sets the bounds on what one HTTP/2 connection may ask ({@link Http2Limits#ofDefaults()} by
     * default): concurrent streams, header list size, resets, queued control frames and the
     * stream window.
     *
     * @param limits the limits
     * @return this builder
     * @throws NullPointerException if {@code limits} is null
     * @throws IllegalStateException if already set
     */
    public Builder http2Limits(Http2Limits limits) {
      settings.requireUnset("http2Limits", http2Limits);
      this.http2Limits = Objects.requireNonNull(limits, "limits");
      return this;
    }

    /** Sends access-log lines somewhere other than the logger: for tests of the line. */
    Builder accessLogSink(java.util.function.Consumer<String> sink) {
      this.accessLogSink = Objects.requireNonNull(sink, "sink");
      return this;
    }

    /**
     * Takes routes from a YAML or JSON file ({@link RoutesFile}) and watches it: once started,
     * the gateway reads the file every {@link #routesFileWatchInterval} and, when its content
     * changed, reloads the routes without dropping connections. A changed file with errors is
     * rejected as a whole: every error is logged once with its line, the routes loaded before
     * stay, {@code layerkit.gateway.routes.reloads} counts it with {@code result=failure}, and
     * the {@link Gateway#healthCheck()} details show the errors until a good file is saved.
     * Routes given in code ({@link #route}) come first, the file's after them. The gateway owns
     * the file's load balancers and closes them when it closes or when a reload replaced them.
     *
     * @param file the routes file, read by {@link #build} (whose errors it throws)
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder routesFile(Path file) {
      settings.requireUnset("routesFile", routesFile);
      this.routesFile = Objects.requireNonNull(file, "file");
      return this;
    }

    /**
     * Sets how often the {@link #routesFile} is checked for changes ({@link
     * #DEFAULT_ROUTES_FILE_WATCH_INTERVAL} by default).
     *
     * @param interval at least one millisecond
     * @return this builder
     * @throws IllegalArgumentException if {@code interval} is shorter than a millisecond
     * @throws IllegalStateException if already set
     */
    public Builder routesFileWatchInterval(Duration interval) {
      settings.requireUnset("routesFileWatchInterval", routesFileWatchInterval);
      this.routesFileWatchInterval = Arguments.atLeastOneMilli(interval, "routesFileWatchInterval");
      return this;
    }

    /**
     * Terminates TLS on the gateway's {@link #port}, which then speaks HTTPS only (none by
     * default); see {@link Tls}. The files are read by {@link #build}, which throws their errors,
     * and watched for changes once the gateway started.
     *
     * @param tls the certificate, key and TLS settings
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder tls(Tls tls) {
      settings.requireUnset("tls", this.tls);
      this.tls = Objects.requireNonNull(tls, "tls");
      return this;
    }

    /**
     * Opens a second, plaintext port that answers every request {@code 308 Permanent Redirect}
     * to the same host, path and query on HTTPS (none by default); needs {@link #tls}. The
     * {@code Location} names the gateway's port, or {@link #redirectLocationPort}, and leaves out
     * 443. It shares the gateway's threads, request limits and client timeouts, and counts in
     * {@code layerkit.gateway.tls.redirects}.
     *
     * @param port 0 to 65535 (0 picks a free one, see {@link Gateway#httpRedirectPort()})
     * @return this builder
     * @throws IllegalArgumentException if {@code port} is outside 0 to 65535
     * @throws IllegalStateException if already set
     */
    public Builder httpRedirectPort(int port) {
      settings.requireUnset("httpRedirectPort", httpRedirectPort);
      this.httpRedirectPort = checkPort(port, "httpRedirectPort");
      return this;
    }

    /**
     * Sets the HTTPS port that redirects point to, for a gateway reached through another port
     * than it listens on (behind a load balancer or a container port mapping); the gateway's own
     * port by default.
     *
     * @param port 1 to 65535
     * @return this builder
     * @throws IllegalArgumentException if {@code port} is outside 1 to 65535
     * @throws IllegalStateException if already set
     */
    public Builder redirectLocationPort(int port) {
      settings.requireUnset("redirectLocationPort", redirectLocationPort);
      if (port == 0) {
        throw new IllegalArgumentException("redirectLocationPort must be 1 to 65535 but was 0");
      }
      this.redirectLocationPort = checkPort(port, "redirectLocationPort");
      return this;
    }

    private static int checkPort(int port, String name) {
      if (port < 0 || port > 65_535) {
        throw new IllegalArgumentException(name + " must be 0 to 65535 but was " + port);
      }
      return port;
    }

    /**
     * Builds the gateway (not started).
     *
     * @return the gateway
     * @throws IllegalArgumentException if two routes share an id
     * @throws IllegalStateException if {@link #httpRedirectPort} is set without {@link #tls},
     *     {@link #redirectLocationPort} without {@link #httpRedirectPort}, or a native {@link
     *     #transport} with {@link #preferNativeTransport preferNativeTransport(false)}
     * @throws GatewayConfigException if the {@link #routesFile} or a {@link #tls} file is
     *     unreadable or invalid, or the TLS provider asked for is not available
     */
    public Gateway build() {
      if (eventLoops != null) {
        for (String decided : List.of("transport", "workerThreads", "preferNativeTransport")) {
          if (settings.isSet(decided)) {
            throw new IllegalStateException(decided + " conflicts with eventLoops(" + eventLoops
                + "): the shared loops decide the transport and the threads");
          }
        }
      }
      Transport chosen = transport;
      if (!preferNativeTransport && chosen != null && chosen != Transport.NIO) {
        throw new IllegalStateException("transport " + chosen
            + " conflicts with preferNativeTransport(false)");
      }
      if (httpRedirectPort >= 0 && tls == null) {
        throw new IllegalStateException("httpRedirectPort " + httpRedirectPort
            + " redirects to HTTPS and needs tls");
      }
      if (redirectLocationPort > 0 && httpRedirectPort < 0) {
        throw new IllegalStateException("redirectLocationPort " + redirectLocationPort
            + " needs httpRedirectPort");
      }
      return new Gateway(this);
    }
  }
}
