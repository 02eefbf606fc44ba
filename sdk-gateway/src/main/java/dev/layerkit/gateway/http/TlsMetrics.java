package dev.layerkit.gateway.http;

import dev.layerkit.core.time.TimeSource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The TLS meters, all registered up front so that counting a handshake allocates nothing:
 *
 * <ul>
 *   <li>{@code layerkit.gateway.tls.handshakes} (tags {@code provider}, {@code protocol}):
 *       completed handshakes;
 *   <li>{@code layerkit.gateway.tls.handshake.failures} (tags {@code provider}, {@code reason},
 *       one of {@link HandshakeFailure}'s tags): connections closed because their handshake
 *       failed;
 *   <li>{@code layerkit.gateway.tls.reloads} (tag {@code result}: {@code success}, {@code
 *       failure}): changed certificate files loaded or rejected;
 *   <li>{@code layerkit.gateway.tls.certificate.expiry} (tag {@code provider}): seconds until the
 *       served certificate's {@code notAfter}, negative once it has expired; the {@code provider}
 *       tag shows which implementation serves even before the first handshake;
 *   <li>{@code layerkit.gateway.tls.redirects}: plaintext requests answered 308 to HTTPS.
 * </ul>
 */
final class TlsMetrics {

  private final Counter tls13;
  private final Counter tls12;
  private final Map<HandshakeFailure, Counter> failures = new EnumMap<>(HandshakeFailure.class);
  private final Counter reloaded;
  private final Counter rejected;
  private final Counter redirects;

  TlsMetrics(MeterRegistry registry, Tls.Provider provider, TimeSource time,
      Supplier<java.time.Instant> notAfter) {
    String providerTag = provider.name().toLowerCase(java.util.Locale.ROOT);
    this.tls13 = handshakes(registry, providerTag, "TLSv1.3");
    this.tls12 = handshakes(registry, providerTag, "TLSv1.2");
    for (HandshakeFailure reason : HandshakeFailure.values()) {
      failures.put(reason, Counter.builder("layerkit.gateway.tls.handshake.failures")
          .description("TLS handshakes that failed, by reason")
          .tag("provider", providerTag).tag("reason", reason.tag()).register(registry));
    }
    this.reloaded = Counter.builder("layerkit.gateway.tls.reloads")
        .description("Changed TLS files loaded or rejected").tag("result", "success")
        .register(registry);
    this.rejected = Counter.builder("layerkit.gateway.tls.reloads")
        .description("Changed TLS files loaded or rejected").tag("result", "failure")
        .register(registry);
    this.redirects = Counter.builder("layerkit.gateway.tls.redirects")
        .description("Plaintext requests redirected to HTTPS").register(registry);
    Gauge.builder("layerkit.gateway.tls.certificate.expiry",
            () -> notAfter.get().getEpochSecond() - time.instant().getEpochSecond())
        .description("Seconds until the served certificate expires").baseUnit("seconds")
        .tag("provider", providerTag).register(registry);
  }

  private static Counter handshakes(MeterRegistry registry, String provider, String protocol) {
    return Counter.builder("layerkit.gateway.tls.handshakes")
        .description("TLS handshakes completed, by protocol version")
        .tag("provider", provider).tag("protocol", protocol).register(registry);
  }

  void handshake(String protocol) {
    (protocol.equals("TLSv1.3") ? tls13 : tls12).increment();
  }

  void failure(HandshakeFailure reason) {
    failures.get(reason).increment();
  }

  void reloaded() {
    reloaded.increment();
  }

  void rejected() {
    rejected.increment();
  }

  void redirected() {
    redirects.increment();
  }
}
