package dev.layerkit.gateway.http;

import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.internal.BuilderSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * How a {@link Gateway} terminates TLS ({@link Gateway.Builder#tls}): the certificate chain and
 * private key from PEM files, watched and reloaded when they change, protocol versions, client
 * certificates and the provider.
 *
 * <pre>{@code
 * Gateway.builder()
 *     .port(8443)
 *     .tls(Tls.fromPemFiles(Path.of("/etc/gw/chain.pem"), Path.of("/etc/gw/key.pem")).build())
 *     .httpRedirectPort(8080)
 *     ...
 * }</pre>
 *
 * <h2>Defaults</h2>
 *
 * <ul>
 *   <li>TLS 1.3 and 1.2 only ({@link #PROTOCOLS}), with Mozilla's "intermediate" cipher suites
 *       ({@link #INTERMEDIATE_CIPHER_SUITES}): forward secrecy and AEAD ciphers only, no CBC, RC4,
 *       3DES or static RSA key exchange. A client that offers only older versions or ciphers is
 *       refused in the handshake.
 *   <li>ALPN offers the gateway's HTTP versions; a client without ALPN gets HTTP/1.1.
 *   <li>The provider is OpenSSL (BoringSSL from {@code io.netty:netty-tcnative-boringssl-static})
 *       when its native library loads, the JDK's otherwise ({@link #provider}); the gateway logs
 *       which one at INFO when it is built, and {@link Gateway#tlsProvider()} returns it.
 *   <li>No client certificates ({@link #clientAuth}).
 * </ul>
 *
 * <h2>Reloading</h2>
 *
 * <p>The gateway reads the files when it is built (and throws {@link GatewayConfigException}
 * naming each unreadable or invalid file), then checks them every {@link #reloadInterval} on a
 * thread of its own. When a file's content changed, it builds a new context: new connections get
 * the new certificate, open connections keep theirs until they close. A changed set of files that
 * does not load (a malformed file, a wrong password, a key that does not belong to the
 * certificate) is rejected with one WARN naming the file, and the gateway keeps serving the last
 * good certificate. Replace the certificate and key together (write both, then rename them into
 * place, as a Kubernetes secret volume does): a check that reads a new certificate beside the old
 * key reports a mismatch, and the next check loads the pair.
 *
 * <p>Immutable and thread-safe. Build with {@link #fromPemFiles}.
 */
public final class Tls {

  /** The protocol versions a gateway accepts: TLS 1.3 and 1.2. */
  public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

  /**
   * Mozilla's "intermediate" cipher suites (server-side TLS recommendations, version 5.7), in
   * order of preference, by their IANA names. Suites a provider lacks are left out (BoringSSL has
   * no finite-field DHE); TLS 1.3's suites are all AEAD and always enabled.
   */
  public static final List<String> INTERMEDIATE_CIPHER_SUITES = List.of(
      "TLS_AES_128_GCM_SHA256",
      "TLS_AES_256_GCM_SHA384",
      "TLS_CHACHA20_POLY1305_SHA256",
      "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
      "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
      "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
      "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
      "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
      "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
      "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

  /** How often the files are checked for changes, by default. */
  public static final Duration DEFAULT_RELOAD_INTERVAL = Duration.ofSeconds(10);

  /** How long a client has to complete its handshake, by default. */
  public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

  /** Whether the gateway asks clients for a certificate (mutual TLS). */
  public enum ClientAuth {
    /** No client certificate is asked for. */
    NONE,
    /**
     * A certificate is asked for; a client without one is let in (and an {@link Auth} such as
     * {@link Auth#clientCertificate()} decides per route), one with a certificate that does not
     * chain to a trusted CA is refused in the handshake.
     */
    OPTIONAL,
    /** Every client must present a certificate that chains to a trusted CA. */
    REQUIRED
  }

  /** The TLS implementation. */
  public enum Provider {
    /** BoringSSL through {@code netty-tcnative-boringssl-static}. */
    OPENSSL,
    /** The JDK's own {@code SSLEngine}. */
    JDK
  }

  private final Path certificateChain;
  private final Path privateKey;
  private final @Nullable String keyPassword;
  private final ClientAuth clientAuth;
  private final @Nullable Path trustedClientCertificates;
  private final @Nullable Provider provider;
  private final List<String> protocols;
  private final Duration reloadInterval;
  private final Duration handshakeTimeout;

  private Tls(Builder builder) {
    this.certificateChain = builder.certificateChain;
    this.privateKey = builder.privateKey;
    this.keyPassword = builder.keyPassword;
    this.clientAuth = builder.clientAuth;
    this.trustedClientCertificates = builder.trustedClientCertificates;
    this.provider = builder.provider;
    this.protocols = builder.protocols;
    this.reloadInterval = builder.reloadInterval;
    this.handshakeTimeout = builder.handshakeTimeout;
  }

  /**
   * Starts a builder on a PEM certificate chain (the server's certificate first, then the
   * intermediates) and its PKCS#8 PEM private key ({@code BEGIN PRIVATE KEY}, or {@code BEGIN
   * ENCRYPTED PRIVATE KEY} with {@link Builder#keyPassword}).
   *
   * @param certificateChain the chain file
   * @param privateKey the key file
   * @return the builder
   * @throws NullPointerException if either path is null
   */
  public static Builder fromPemFiles(Path certificateChain, Path privateKey) {
    return new Builder(Objects.requireNonNull(certificateChain, "certificateChain"),
        Objects.requireNonNull(privateKey, "privateKey"));
  }

  /**
   * Returns the certificate chain file.
   *
   * @return the path
   */
  public Path certificateChain() {
    return certificateChain;
  }

  /**
   * Returns the private key file.
   *
   * @return the path
   */
  public Path privateKey() {
    return privateKey;
  }

  @Nullable String keyPassword() {
    return keyPassword;
  }

  /**
   * Returns whether clients are asked for certificates.
   *
   * @return the mode
   */
  public ClientAuth clientAuth() {
    return clientAuth;
  }

  /**
   * Returns the PEM file of CA certificates that client certificates must chain to.
   *
   * @return the path, or {@code null} without client certificates
   */
  public @Nullable Path trustedClientCertificates() {
    return trustedClientCertificates;
  }

  /**
   * Returns the provider asked for.
   *
   * @return the provider, or {@code null} for OpenSSL when available and the JDK otherwise
   */
  public @Nullable Provider provider() {
    return provider;
  }

  /**
   * Returns the protocol versions accepted.
   *
   * @return {@code TLSv1.3} and/or {@code TLSv1.2}
   */
  public List<String> protocols() {
    return protocols;
  }

  /**
   * Returns how often the files are checked for changes.
   *
   * @return the interval
   */
  public Duration reloadInterval() {
    return reloadInterval;
  }

  /**
   * Returns how long a client has to complete its handshake.
   *
   * @return the timeout
   */
  public Duration handshakeTimeout() {
    return handshakeTimeout;
  }

  @Override
  public String toString() {
    return "Tls[" + certificateChain + ", " + privateKey + ", clientAuth=" + clientAuth
        + (provider == null ? "" : ", provider=" + provider) + ", " + protocols + "]";
  }

  /**
   * Builds a {@link Tls}. Not thread-safe. A setting given twice throws {@link
   * IllegalStateException} at the second call.
   */
  public static final class Builder {

    private final BuilderSettings settings = new BuilderSettings();
    private final Path certificateChain;
    private final Path privateKey;
    private @Nullable String keyPassword;
    private ClientAuth clientAuth = ClientAuth.NONE;
    private @Nullable Path trustedClientCertificates;
    private @Nullable Provider provider;
    private List<String> protocols = PROTOCOLS;
    private Duration reloadInterval = DEFAULT_RELOAD_INTERVAL;
    private Duration handshakeTimeout = DEFAULT_HANDSHAKE_TIMEOUT;

    private Builder(Path certificateChain, Path privateKey) {
      this.certificateChain = certificateChain;
      this.privateKey = privateKey;
    }

    /**
     * Sets the password of an encrypted private key ({@code BEGIN ENCRYPTED PRIVATE KEY}); none
     * by default. The same password applies to a reloaded key file.
     *
     * @param password the password
     * @return this builder
     * @throws IllegalArgumentException if {@code password} is empty
     * @throws IllegalStateException if already set
     */
    public Builder keyPassword(String password) {
      settings.requireUnset("keyPassword", keyPassword == null ? null : "(hidden)");
      Objects.requireNonNull(password, "password");
      if (password.isEmpty()) {
        throw new IllegalArgumentException("keyPassword must not be empty");
      }
      this.keyPassword = password;
      return this;
    }

    /**
     * Sets whether clients are asked for certificates ({@link ClientAuth#NONE} by default).
     * {@link ClientAuth#OPTIONAL} and {@link ClientAuth#REQUIRED} need {@link
     * #trustedClientCertificates}. A verified client's chain reaches each route's {@link Auth}
     * as {@link GatewayRequest#clientCertificates()}.
     *
     * @param mode the mode
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder clientAuth(ClientAuth mode) {
      settings.requireUnset("clientAuth", clientAuth);
      this.clientAuth = Objects.requireNonNull(mode, "mode");
      return this;
    }

    /**
     * Sets the PEM file of CA certificates that client certificates must chain to; it is watched
     * and reloaded like the server's files.
     *
     * @param caCertificates the file
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder trustedClientCertificates(Path caCertificates) {
      settings.requireUnset("trustedClientCertificates", trustedClientCertificates);
      this.trustedClientCertificates = Objects.requireNonNull(caCertificates, "caCertificates");
      return this;
    }

    /**
     * Sets the provider. By default OpenSSL is used when {@code netty-tcnative-boringssl-static}
     * is on the class path and loads, the JDK otherwise; asking for {@link Provider#OPENSSL}
     * makes building the gateway fail when it is not available.
     *
     * @param provider the provider
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder provider(Provider provider) {
      settings.requireUnset("provider", this.provider);
      this.provider = Objects.requireNonNull(provider, "provider");
      return this;
    }

    /**
     * Narrows the protocol versions ({@link #PROTOCOLS} by default), for example to {@code
     * TLSv1.3} alone (Mozilla's "modern" profile). Versions before 1.2 cannot be enabled.
     *
     * @param protocols {@code TLSv1.3} and/or {@code TLSv1.2}
     * @return this builder
     * @throws IllegalArgumentException if {@code protocols} is empty or names another version
     * @throws IllegalStateException if already set
     */
    public Builder protocols(String... protocols) {
      settings.requireUnset("protocols", this.protocols);
      Objects.requireNonNull(protocols, "protocols");
      if (protocols.length == 0) {
        throw new IllegalArgumentException("protocols must name TLSv1.3 and/or TLSv1.2 but was empty");
      }
      Set<String> chosen = new LinkedHashSet<>();
      for (String protocol : protocols) {
        Objects.requireNonNull(protocol, "protocol");
        if (!PROTOCOLS.contains(protocol)) {
          throw new IllegalArgumentException(
              "protocols must be TLSv1.3 and/or TLSv1.2 but was " + protocol);
        }
        chosen.add(protocol);
      }
      this.protocols = List.copyOf(chosen);
      return this;
    }

    /**
     * Sets how often the files are checked for changes ({@link #DEFAULT_RELOAD_INTERVAL} by
     * default). A check reads the files (a few kilobytes) on the watch thread and compares them
     * with the last content loaded.
     *
     * @param interval at least one millisecond
     * @return this builder
     * @throws IllegalArgumentException if {@code interval} is shorter than a millisecond
     * @throws IllegalStateException if already set
     */
    public Builder reloadInterval(Duration interval) {
      settings.requireUnset("reloadInterval", reloadInterval);
      this.reloadInterval = Arguments.atLeastOneMilli(interval, "reloadInterval");
      return this;
    }

    /**
     * Sets how long a client has from connecting to completing its handshake ({@link
     * #DEFAULT_HANDSHAKE_TIMEOUT} by default); then the connection is closed and counted with
     * reason {@code timeout}. Measured by the event loop's scheduler in real time, not by the
     * gateway's {@link Gateway.Builder#timeSource}.
     *
     * @param timeout at least one millisecond
     * @return this builder
     * @throws IllegalArgumentException if {@code timeout} is shorter than a millisecond
     * @throws IllegalStateException if already set
     */
    public Builder handshakeTimeout(Duration timeout) {
      settings.requireUnset("handshakeTimeout", handshakeTimeout);
      this.handshakeTimeout = Arguments.atLeastOneMilli(timeout, "handshakeTimeout");
      return this;
    }

    /**
     * Builds the settings. The files are read later, when the gateway is built.
     *
     * @return the settings
     * @throws IllegalStateException if {@link #clientAuth} asks for certificates without {@link
     *     #trustedClientCertificates}, or trusted certificates are given with {@link
     *     ClientAuth#NONE}
     */
    public Tls build() {
      if (clientAuth != ClientAuth.NONE && trustedClientCertificates == null) {
        throw new IllegalStateException("clientAuth " + clientAuth
            + " needs trustedClientCertificates, the CA file that client certificates chain to");
      }
      if (clientAuth == ClientAuth.NONE && trustedClientCertificates != null) {
        throw new IllegalStateException("trustedClientCertificates " + trustedClientCertificates
            + " given but clientAuth is NONE; set clientAuth OPTIONAL or REQUIRED");
      }
      return new Tls(this);
    }
  }
}
