package dev.layerkit.gateway.http;

import dev.layerkit.gateway.http.internal.PemFiles;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;

/**
 * Reads a {@link Tls}'s files and builds a server {@link SslContext} from them, or names every
 * file that is wrong. Stateless; runs on the thread that builds the gateway and on the TLS watch
 * thread, never on an event loop (it reads files).
 */
final class TlsContextLoader {

  /** The files' bytes, read together so that one check sees one version of each. */
  static final class FileContents {
    final byte[] chain;
    final byte[] key;
    final byte @Nullable [] trusted;

    FileContents(byte[] chain, byte[] key, byte @Nullable [] trusted) {
      this.chain = chain;
      this.key = key;
      this.trusted = trusted;
    }

    /** A digest of all the files, to tell whether any changed without keeping the key around. */
    byte[] fingerprint() {
      try {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        digest.update(digest.digest(chain));
        digest.update(digest.digest(key));
        if (trusted != null) {
          digest.update(digest.digest(trusted));
        }
        return digest.digest();
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("SHA-256 is missing from this JDK", e);
      }
    }
  }

  /** What loading gave: a context, or the problems. */
  sealed interface Outcome permits Loaded, Problems {}

  /** A built context and what it serves. */
  record Loaded(SslContext context, X509Certificate certificate, byte[] fingerprint)
      implements Outcome {}

  /**
   * The files' problems, each naming its file; {@code pairMismatch} when the only problem is a
   * key that does not belong to the certificate, what a check sees between the replacement of
   * one file and the other.
   */
  record Problems(List<String> problems, boolean pairMismatch) implements Outcome {}

  private TlsContextLoader() {}

  /** Returns the provider to use: the one asked for, else OpenSSL if it loads, else the JDK. */
  static Tls.Provider provider(Tls tls) {
    Tls.Provider asked = tls.provider();
    if (asked == Tls.Provider.JDK) {
      return Tls.Provider.JDK;
    }
    if (OpenSsl.isAvailable()) {
      return Tls.Provider.OPENSSL;
    }
    if (asked == Tls.Provider.OPENSSL) {
      Throwable cause = OpenSsl.unavailabilityCause();
      throw new GatewayConfigException("TLS settings", List.of("provider OPENSSL is not available"
          + " (add io.netty:netty-tcnative-boringssl-static for this platform): " + cause));
    }
    return Tls.Provider.JDK;
  }

  /**
   * Reads the files.
   *
   * @throws GatewayConfigException naming each file that cannot be read
   */
  static FileContents read(Tls tls) {
    List<String> problems = new ArrayList<>();
    byte[] chain = read(tls.certificateChain(), problems);
    byte[] key = read(tls.privateKey(), problems);
    Path trustedFile = tls.trustedClientCertificates();
    byte[] trusted = trustedFile == null ? null : read(trustedFile, problems);
    if (!problems.isEmpty()) {
      throw new GatewayConfigException("TLS files", problems);
    }
    return new FileContents(chain, key, trusted);
  }

  private static byte[] read(Path file, List<String> problems) {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      problems.add(file + ": cannot read: " + e);
      return new byte[0];
    }
  }

  /**
   * Parses the files, checks that the key belongs to the certificate and builds the context.
   *
   * @param alpn the application protocols to offer, preferred first
   * @throws GatewayConfigException naming each file that is wrong
   */
  static Loaded load(Tls tls, FileContents files, Tls.Provider provider, List<String> alpn) {
    Outcome outcome = tryLoad(tls, files, provider, alpn);
    if (outcome instanceof Problems wrong) {
      throw new GatewayConfigException("TLS files", wrong.problems());
    }
    return (Loaded) outcome;
  }

  /**
   * Like {@link #load}, returning the problems instead of throwing them.
   *
   * @return a {@link Loaded} or the {@link Problems}
   */
  static Outcome tryLoad(Tls tls, FileContents files, Tls.Provider provider, List<String> alpn) {
    List<String> problems = new ArrayList<>();
    List<X509Certificate> chain = List.of();
    try {
      chain = PemFiles.certificates(files.chain);
    } catch (CertificateException | RuntimeException e) {
      problems.add(tls.certificateChain() + ": not a PEM certificate chain: " + e.getMessage());
    }
    PrivateKey key = null;
    try {
      key = PemFiles.privateKey(files.key, tls.keyPassword());
    } catch (GeneralSecurityException | RuntimeException e) {
      problems.add(tls.privateKey() + ": not a PKCS#8 PEM private key"
          + (tls.keyPassword() == null ? "" : " or not its keyPassword") + ": " + e.getMessage());
    }
    boolean mismatch = key != null && !chain.isEmpty() && !PemFiles.matches(key, chain.get(0));
    if (mismatch) {
      problems.add(tls.privateKey() + ": the key does not belong to the first certificate of "
          + tls.certificateChain() + " (" + chain.get(0).getSubjectX500Principal() + ")");
    }
    List<X509Certificate> trusted = List.of();
    Path trustedFile = tls.trustedClientCertificates();
    if (trustedFile != null && files.trusted != null) {
      try {
        trusted = PemFiles.certificates(files.trusted);
      } catch (CertificateException | RuntimeException e) {
        problems.add(trustedFile + ": not a PEM file of CA certificates: " + e.getMessage());
      }
    }
    if (!problems.isEmpty() || key == null) {
      return new Problems(problems, mismatch && problems.size() == 1);
    }
    SslContextBuilder builder = SslContextBuilder.forServer(key, chain)
        .sslProvider(provider == Tls.Provider.OPENSSL ? SslProvider.OPENSSL : SslProvider.JDK)
        .protocols(tls.protocols())
        .ciphers(Tls.INTERMEDIATE_CIPHER_SUITES, SupportedCipherSuiteFilter.INSTANCE)
        .applicationProtocolConfig(new ApplicationProtocolConfig(
            ApplicationProtocolConfig.Protocol.ALPN,
            // The only behaviours both providers support: without a common protocol the
            // handshake goes on and the gateway falls back to HTTP/1.1.
            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
            alpn));
    if (tls.clientAuth() != Tls.ClientAuth.NONE) {
      builder.clientAuth(tls.clientAuth() == Tls.ClientAuth.REQUIRED ? ClientAuth.REQUIRE
          : ClientAuth.OPTIONAL).trustManager(trusted);
    }
    SslContext context;
    try {
      context = builder.build();
    } catch (SSLException | RuntimeException e) {
      return new Problems(List.of("cannot build a TLS context from " + tls.certificateChain()
          + " and " + tls.privateKey() + ": " + e.getMessage()), false);
    }
    return new Loaded(context, chain.get(0), files.fingerprint());
  }
}
