package dev.layerkit.gateway.http;

import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * A certificate authority made at test time (nothing is committed), and PEM files of what it
 * issues, for the upstream TLS tests.
 */
final class UpstreamPki {

  final X509Bundle ca;
  final Path caPem;
  private final Path dir;

  UpstreamPki(Path dir, String name) throws Exception {
    this.dir = dir;
    Instant now = Instant.now();
    this.ca = new CertificateBuilder()
        .subject("CN=" + name)
        .setIsCertificateAuthority(true)
        .notBefore(now.minus(1, ChronoUnit.DAYS))
        .notAfter(now.plus(1, ChronoUnit.DAYS))
        .ecp256()
        .buildSelfSigned();
    this.caPem = write(name + "-ca.pem", ca.getCertificatePEM());
  }

  /** Issues a server certificate for a DNS name; returns its chain and key files. */
  Issued server(String dnsName) throws Exception {
    return issue(dnsName, new CertificateBuilder().subject("CN=" + dnsName).addSanDnsName(dnsName)
        .addExtendedKeyUsageServerAuth());
  }

  /** Issues a client certificate; returns its chain and key files. */
  Issued client(String commonName) throws Exception {
    return issue(commonName, new CertificateBuilder().subject("CN=" + commonName)
        .addExtendedKeyUsageClientAuth());
  }

  private Issued issue(String name, CertificateBuilder builder) throws Exception {
    Instant now = Instant.now();
    X509Bundle bundle = builder
        .notBefore(now.minus(1, ChronoUnit.DAYS))
        .notAfter(now.plus(1, ChronoUnit.DAYS))
        .ecp256()
        .buildIssuedBy(ca);
    String file = name.replaceAll("[^A-Za-z0-9.-]", "_") + "-" + System.nanoTime();
    return new Issued(bundle, write(file + ".pem", bundle.getCertificatePEM()),
        write(file + "-key.pem", bundle.getPrivateKeyPEM()));
  }

  private Path write(String name, String pem) throws IOException {
    return Files.writeString(dir.resolve(name), pem);
  }

  record Issued(X509Bundle bundle, Path certificate, Path key) {}
}
