package dev.layerkit.gateway.http;

import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.PBEParameterSpec;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * Certificates for the TLS tests, made at test time with netty-pkitesting (nothing committed): a
 * CA, server certificates for {@code localhost}/{@code 127.0.0.1} with chosen serials, client
 * certificates, and a second CA nobody trusts.
 */
final class TestPki {

  final X509Bundle ca;
  final X509Bundle otherCa;

  TestPki() throws Exception {
    this.ca = new CertificateBuilder().subject("CN=Layerkit Test CA,O=Layerkit")
        .setIsCertificateAuthority(true).ecp256().buildSelfSigned();
    this.otherCa = new CertificateBuilder().subject("CN=Untrusted CA,O=Elsewhere")
        .setIsCertificateAuthority(true).ecp256().buildSelfSigned();
  }

  /** A server certificate for localhost and 127.0.0.1 with the given serial, issued by the CA. */
  X509Bundle server(long serial) throws Exception {
    return new CertificateBuilder().subject("CN=localhost,O=Layerkit")
        .serial(BigInteger.valueOf(serial))
        .addSanDnsName("localhost").addSanIpAddress("127.0.0.1")
        .setKeyUsage(true, CertificateBuilder.KeyUsage.digitalSignature)
        .addExtendedKeyUsageServerAuth().ecp256().buildIssuedBy(ca);
  }

  /** A client certificate with the given subject, issued by {@code issuer}. */
  static X509Bundle client(String subject, X509Bundle issuer) throws Exception {
    return new CertificateBuilder().subject(subject)
        .setKeyUsage(true, CertificateBuilder.KeyUsage.digitalSignature)
        .addExtendedKeyUsageClientAuth().ecp256().buildIssuedBy(issuer);
  }

  /** Writes a bundle's chain (without the root) and plain PKCS#8 key as PEM files. */
  static void write(X509Bundle bundle, Path chain, Path key) throws IOException {
    replace(chain, bundle.getCertificatePathPEM());
    replace(key, bundle.getPrivateKeyPEM());
  }

  /** Writes the CA certificate as a PEM file. */
  static void writeCa(X509Bundle ca, Path file) throws IOException {
    replace(file, ca.getCertificatePEM());
  }

  /**
   * Returns a bundle's key as an encrypted PKCS#8 PEM ({@code BEGIN ENCRYPTED PRIVATE KEY}),
   * PBES2 with PBKDF2-HMAC-SHA256 and AES-256-CBC, as {@code openssl pkcs8 -topk8 -v2 aes-256-cbc}
   * writes it.
   */
  static String encryptedKeyPem(X509Bundle bundle, String password)
      throws GeneralSecurityException, IOException {
    String algorithm = "PBEWithHmacSHA256AndAES_256";
    byte[] salt = new byte[16];
    byte[] iv = new byte[16];
    SecureRandom random = new SecureRandom();
    random.nextBytes(salt);
    random.nextBytes(iv);
    SecretKeyFactory factory = SecretKeyFactory.getInstance(algorithm);
    Cipher cipher = Cipher.getInstance(algorithm);
    cipher.init(Cipher.ENCRYPT_MODE, factory.generateSecret(new PBEKeySpec(password.toCharArray())),
        new PBEParameterSpec(salt, 10_000, new IvParameterSpec(iv)));
    byte[] encrypted = cipher.doFinal(bundle.getKeyPair().getPrivate().getEncoded());
    // Named PBES2 (the OID openssl writes): Java 17 cannot encode the parameters by the cipher's
    // name.
    AlgorithmParameters parameters = AlgorithmParameters.getInstance("PBES2");
    parameters.init(cipher.getParameters().getEncoded());
    byte[] der = new EncryptedPrivateKeyInfo(parameters, encrypted).getEncoded();
    return "-----BEGIN ENCRYPTED PRIVATE KEY-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END ENCRYPTED PRIVATE KEY-----\n";
  }

  /** Replaces a file's content atomically (write beside it, then rename), as a deploy would. */
  static void replace(Path file, String content) throws IOException {
    Path temp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
    Files.writeString(temp, content);
    Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** A client context that trusts the test CA and presents no certificate. */
  SSLContext clientTrustingCa() throws Exception {
    return clientContext(null, ca);
  }

  /**
   * A client context that trusts {@code trusted} and presents {@code identity}, if any, to every
   * server: also to one whose certificate request names other CAs (the JDK's own key manager would
   * then send no certificate at all, and a test of an untrusted certificate would test none).
   */
  static SSLContext clientContext(X509Bundle identity, X509Bundle trusted) throws Exception {
    SSLContext context = SSLContext.getInstance("TLS");
    KeyManager[] keys = identity == null ? null
        : new KeyManager[] {new FixedKeyManager(identity.getCertificatePath(),
            identity.getKeyPair().getPrivate())};
    TrustManagerFactory trust = trusted.toTrustManagerFactory();
    context.init(keys, trust.getTrustManagers(), null);
    return context;
  }

  /** Presents one certificate whatever the server asks for. */
  private static final class FixedKeyManager extends X509ExtendedKeyManager {
    private final X509Certificate[] chain;
    private final PrivateKey key;

    FixedKeyManager(X509Certificate[] chain, PrivateKey key) {
      this.chain = chain.clone();
      this.key = key;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
      return new String[] {"client"};
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
      return "client";
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
      return "client";
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
      return new String[0];
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
      return null;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
      return chain.clone();
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
      return key;
    }
  }
}
