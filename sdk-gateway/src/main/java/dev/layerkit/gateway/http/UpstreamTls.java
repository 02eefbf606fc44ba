package dev.layerkit.gateway.http;

import dev.layerkit.core.internal.BuilderSettings;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;

/**
 * TLS from the gateway to an {@link Upstream}'s endpoints: which certificate authorities to trust,
 * an optional client certificate for services that require mutual TLS, and whether the endpoint's
 * certificate must name the endpoint's host.
 *
 * <p>By default the JDK's trusted authorities are used and the host name is verified (RFC 2818
 * rules, the same as {@code https} in a browser); the endpoint's host name is sent as SNI. Only
 * TLS 1.2 and 1.3 are offered. ALPN offers {@code h2} to an {@link Upstream.Protocol#HTTP_2}
 * upstream and {@code http/1.1} otherwise; an HTTP/2 upstream that does not select {@code h2} is a
 * failed connection.
 *
 * <p>The files are read once, when {@link Builder#build()} runs: a certificate that is renewed on
 * disk is picked up by building a new upstream and {@linkplain Gateway#reload reloading} the
 * routes. Immutable and thread-safe.
 */
public final class UpstreamTls {

  private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

  private final @Nullable Path trustedCertificates;
  private final @Nullable Path clientCertificateChain;
  private final boolean verifyHostname;
  private final SslContext http1;
  private final SslContext http2;

  private UpstreamTls(Builder builder) {
    this.trustedCertificates = builder.trustedCertificates;
    this.clientCertificateChain = builder.clientCertificateChain;
    this.verifyHostname = builder.verifyHostname;
    this.http1 = context(builder, ApplicationProtocolNames.HTTP_1_1);
    this.http2 = context(builder, ApplicationProtocolNames.HTTP_2);
  }

  /**
   * Returns TLS that trusts the JDK's default certificate authorities and verifies host names.
   *
   * @return the settings
   */
  public static UpstreamTls system() {
    return builder().build();
  }

  /**
   * Starts TLS settings; without further calls they equal {@link #system()}.
   *
   * @return the builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns whether the endpoint's certificate must name its host.
   *
   * @return true unless turned off
   */
  public boolean verifiesHostname() {
    return verifyHostname;
  }

  /** Makes the handler of one connection, with SNI and hostname verification for the host. */
  SslHandler newHandler(ByteBufAllocator alloc, String host, int port, boolean h2,
      Duration handshakeTimeout) {
    SslHandler handler = (h2 ? http2 : http1).newHandler(alloc, host, port);
    handler.setHandshakeTimeoutMillis(Math.max(1, handshakeTimeout.toMillis()));
    return handler;
  }

  private static SslContext context(Builder builder, String alpn) {
    SslContextBuilder context = SslContextBuilder.forClient()
        .protocols(PROTOCOLS)
        .endpointIdentificationAlgorithm(builder.verifyHostname ? "HTTPS" : null)
        .applicationProtocolConfig(new ApplicationProtocolConfig(
            ApplicationProtocolConfig.Protocol.ALPN,
            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, alpn));
    Path trusted = builder.trustedCertificates;
    if (trusted != null) {
      try {
        context.trustManager(trusted.toFile());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("trustedCertificates: cannot read PEM certificates from "
            + trusted + ": " + e.getMessage(), e);
      }
    }
    Path chain = builder.clientCertificateChain;
    Path key = builder.clientKey;
    if (chain != null && key != null) {
      try {
        context.keyManager(chain.toFile(), key.toFile(), builder.clientKeyPassword);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("clientCertificate: cannot read the PEM certificate "
            + chain + " or key " + key + ": " + e.getMessage(), e);
      }
    }
    try {
      return context.build();
    } catch (SSLException e) {
      throw new IllegalArgumentException("upstream TLS settings rejected (trustedCertificates="
          + trusted + ", clientCertificate=" + chain + "): " + e.getMessage(), e);
    }
  }

  @Override
  public String toString() {
    return "UpstreamTls[trust=" + (trustedCertificates == null ? "system" : trustedCertificates)
        + (clientCertificateChain == null ? "" : ", client=" + clientCertificateChain)
        + (verifyHostname ? "" : ", hostname not verified") + ']';
  }

  /**
   * Builds {@link UpstreamTls}. Not thread-safe. A setting given twice throws {@link
   * IllegalStateException}.
   */
  public static final class Builder {

    private final BuilderSettings settings = new BuilderSettings();
    private @Nullable Path trustedCertificates;
    private @Nullable Path clientCertificateChain;
    private @Nullable Path clientKey;
    private @Nullable String clientKeyPassword;
    private boolean verifyHostname = true;

    private Builder() {}

    /**
     * Trusts the certificate authorities in a PEM file instead of the JDK's defaults: for
     * services whose certificates a private CA issued.
     *
     * @param pemFile one or more PEM certificates
     * @return this builder
     * @throws IllegalArgumentException if the file does not exist or is not readable
     * @throws IllegalStateException if already set
     */
    public Builder trustedCertificates(Path pemFile) {
      Objects.requireNonNull(pemFile, "pemFile");
      settings.requireUnset("trustedCertificates", trustedCertificates);
      this.trustedCertificates = readable(pemFile, "trustedCertificates");
      return this;
    }

    /**
     * Presents a client certificate to endpoints that ask for one (mutual TLS).
     *
     * @param certificateChainPem the certificate, then its intermediates, in PEM
     * @param privateKeyPem the certificate's PKCS#8 private key in PEM, unencrypted
     * @return this builder
     * @throws IllegalArgumentException if a file does not exist or is not readable
     * @throws IllegalStateException if already set
     */
    public Builder clientCertificate(Path certificateChainPem, Path privateKeyPem) {
      return clientCertificate(certificateChainPem, privateKeyPem, null);
    }

    /**
     * Presents a client certificate whose key is encrypted with a password.
     *
     * @param certificateChainPem the certificate, then its intermediates, in PEM
     * @param privateKeyPem the certificate's PKCS#8 private key in PEM
     * @param keyPassword the key's password, or null if it is not encrypted
     * @return this builder
     * @throws IllegalArgumentException if a file does not exist or is not readable
     * @throws IllegalStateException if already set
     */
    public Builder clientCertificate(Path certificateChainPem, Path privateKeyPem,
        @Nullable String keyPassword) {
      Objects.requireNonNull(certificateChainPem, "certificateChainPem");
      Objects.requireNonNull(privateKeyPem, "privateKeyPem");
      settings.requireUnset("clientCertificate", clientCertificateChain);
      this.clientCertificateChain = readable(certificateChainPem, "clientCertificate chain");
      this.clientKey = readable(privateKeyPem, "clientCertificate key");
      this.clientKeyPassword = keyPassword;
      return this;
    }

    /**
     * Turns host-name verification off: any certificate issued by a trusted authority is
     * accepted, whatever host it names. Only for endpoints addressed by an IP that their
     * certificates do not list; the trust store still applies.
     *
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder noHostnameVerification() {
      settings.requireUnset("hostnameVerification", verifyHostname);
      this.verifyHostname = false;
      return this;
    }

    private static Path readable(Path file, String name) {
      if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
        throw new IllegalArgumentException(name + ": no readable file at " + file);
      }
      return file;
    }

    /**
     * Reads the files and builds the settings.
     *
     * @return the settings
     * @throws IllegalArgumentException if a file holds no valid PEM certificate or key
     */
    public UpstreamTls build() {
      return new UpstreamTls(this);
    }
  }
}
