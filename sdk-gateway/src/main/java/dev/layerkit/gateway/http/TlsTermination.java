package dev.layerkit.gateway.http;

import dev.layerkit.core.time.TimeSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import io.netty.handler.ssl.OpenSsl;
import java.security.cert.X509Certificate;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A gateway's TLS termination: the context that new connections get (swapped by the {@link
 * TlsFileWatcher} when the files change), the handlers each connection starts with, and the
 * handshake meters.
 *
 * <p>Thread-safe: the context is read once per accepted connection from a volatile field, so a
 * connection keeps the context it was accepted with for its whole life, and a reload never
 * touches open connections.
 */
final class TlsTermination implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(TlsTermination.class);

  private final Tls settings;
  private final Tls.Provider provider;
  private final List<String> alpn;
  private final TlsMetrics metrics;
  private final TlsFileWatcher watcher;
  private volatile TlsContextLoader.Loaded current;

  /**
   * Reads the files and builds the first context.
   *
   * @param alpn the application protocols to offer, preferred first
   * @throws GatewayConfigException if a file is unreadable or invalid, or the provider asked for
   *     is not available
   */
  TlsTermination(Tls settings, List<String> alpn, MeterRegistry registry, TimeSource time) {
    this.settings = settings;
    this.alpn = List.copyOf(alpn);
    this.provider = TlsContextLoader.provider(settings);
    TlsContextLoader.FileContents files = TlsContextLoader.read(settings);
    TlsContextLoader.Loaded loaded = TlsContextLoader.load(settings, files, provider, this.alpn);
    this.current = loaded;
    this.metrics = new TlsMetrics(registry, provider, time,
        () -> current.certificate().getNotAfter().toInstant());
    this.watcher = new TlsFileWatcher(this, loaded.fingerprint(), time);
    LOG.info("gateway TLS on {}, {}, ALPN {}: {}", providerName(provider), settings.protocols(),
        this.alpn, describe(loaded.certificate()));
  }

  private static String providerName(Tls.Provider provider) {
    return provider == Tls.Provider.OPENSSL ? "OpenSSL (" + OpenSsl.versionString() + ")"
        : "the JDK provider (" + System.getProperty("java.version") + ")";
  }

  /** Describes a certificate for the log: subject, serial and end of validity. */
  static String describe(X509Certificate certificate) {
    return "certificate " + certificate.getSubjectX500Principal().getName() + " serial "
        + certificate.getSerialNumber().toString(16) + " valid until "
        + certificate.getNotAfter().toInstant();
  }

  /** Adds the handlers a new client connection starts with. */
  void install(Channel channel, TlsNegotiation.Pipelines pipelines) {
    channel.pipeline()
        .addLast("tls", new TlsDetector(this, current.context()))
        .addLast("alpn", new TlsNegotiation(this, pipelines));
  }

  void start() {
    watcher.start();
  }

  @Override
  public void close() {
    watcher.close();
  }

  Tls settings() {
    return settings;
  }

  Tls.Provider provider() {
    return provider;
  }

  List<String> alpn() {
    return alpn;
  }

  TlsContextLoader.Loaded current() {
    return current;
  }

  TlsMetrics metrics() {
    return metrics;
  }

  TlsFileWatcher watcher() {
    return watcher;
  }

  /** Makes a reloaded context the one new connections get. */
  void replace(TlsContextLoader.Loaded loaded) {
    this.current = loaded;
  }

  void handshakeCompleted(TlsSession session) {
    metrics.handshake(session.protocol());
  }

  /** Counts a failed handshake; logs it at DEBUG only, whatever the reason. */
  void handshakeFailed(Channel channel, HandshakeFailure reason, @Nullable Throwable cause) {
    metrics.failure(reason);
    if (LOG.isDebugEnabled()) {
      LOG.debug("TLS handshake from {} failed ({}): {}", channel.remoteAddress(), reason.tag(),
          cause == null ? "-" : cause.toString());
    }
  }
}
