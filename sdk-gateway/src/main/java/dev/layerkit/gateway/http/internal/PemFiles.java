package dev.layerkit.gateway.http.internal;

import io.netty.handler.ssl.SslContext;
import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Reads PEM certificate chains and PKCS#8 private keys (plain or encrypted) with Netty's own
 * parsers, and checks that a key belongs to a certificate.
 *
 * <p>Netty exposes its PEM parsing only as protected statics of {@link SslContext}; this class
 * extends it (it is never instantiated) to reach them, so the gateway reads the files exactly as
 * {@code SslContextBuilder.forServer(File, File, String)} would, yet holds the parsed objects: it
 * logs the certificate's subject and serial, and checks the key before a reload swaps contexts.
 *
 * <p>The key check is written here because neither the JDK's key manager nor Netty's builder
 * rejects a key that does not belong to the certificate: such a context builds, and every
 * handshake fails. It signs a fixed text with the key and verifies it with the certificate's
 * public key. Stateless and thread-safe.
 */
public abstract class PemFiles extends SslContext {

  private static final byte[] PROBE = "layerkit key check".getBytes(
      java.nio.charset.StandardCharsets.US_ASCII);

  private PemFiles() {}

  /**
   * Parses the certificates of a PEM file, in file order.
   *
   * @param pem the file's bytes
   * @return the certificates, at least one
   * @throws CertificateException if the text holds no certificate or one is malformed
   */
  public static List<X509Certificate> certificates(byte[] pem) throws CertificateException {
    X509Certificate[] chain = toX509Certificates(new ByteArrayInputStream(pem));
    if (chain == null || chain.length == 0) {
      throw new CertificateException("no certificate found");
    }
    return List.of(chain);
  }

  /**
   * Parses a PKCS#8 private key, {@code BEGIN PRIVATE KEY} or, with a password, {@code BEGIN
   * ENCRYPTED PRIVATE KEY}.
   *
   * @param pem the file's bytes
   * @param password the key's password, or {@code null} for a plain key
   * @return the key
   * @throws GeneralSecurityException if the text holds no key, the key is malformed, or the
   *     password is wrong or missing
   */
  public static PrivateKey privateKey(byte[] pem, @Nullable String password)
      throws GeneralSecurityException {
    PrivateKey key;
    try {
      key = toPrivateKey(new ByteArrayInputStream(pem), password);
    } catch (java.io.IOException e) {
      throw new GeneralSecurityException(e.getMessage(), e);
    }
    if (key == null) {
      throw new GeneralSecurityException("no private key found");
    }
    return key;
  }

  /**
   * Checks that {@code key} is the private half of {@code certificate}'s public key.
   *
   * @param key the private key
   * @param certificate the certificate it should belong to
   * @return true if a signature made with {@code key} verifies with the certificate
   */
  public static boolean matches(PrivateKey key, X509Certificate certificate) {
    PublicKey publicKey = certificate.getPublicKey();
    if (!key.getAlgorithm().equals(publicKey.getAlgorithm())) {
      return false;
    }
    String algorithm = signatureAlgorithm(key);
    if (algorithm == null) {
      return true; // an algorithm without a JDK signature here: left to the handshake
    }
    try {
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(PROBE);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(publicKey);
      verifier.update(PROBE);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static @Nullable String signatureAlgorithm(PrivateKey key) {
    return switch (key.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC" -> "SHA256withECDSA";
      case "Ed25519", "Ed448", "EdDSA" -> key.getAlgorithm();
      default -> null;
    };
  }
}
