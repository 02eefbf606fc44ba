package dev.layerkit.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link ClientCertificateAuth} on requests carrying a verified chain, without sockets. */
class ClientCertificateAuthTest {

  private static TestPki pki;
  private static X509Certificate billing;

  @BeforeAll
  static void certificates() throws Exception {
    pki = new TestPki();
    billing = TestPki.client("CN=billing,OU=Payments,O=Example", pki.ca).getCertificate();
  }

  /** A request as the gateway hands it to an Auth on a TLS connection with a client chain. */
  private static GatewayRequest withChain(List<X509Certificate> chain) {
    GatewayRequest plain = GatewayRequest.of("GET", "/billing",
        new InetSocketAddress("127.0.0.1", 5000));
    return new GatewayRequest() {
      @Override public String method() {
        return plain.method();
      }

      @Override public String uri() {
        return plain.uri();
      }

      @Override public String path() {
        return plain.path();
      }

      @Override public String host() {
        return plain.host();
      }

      @Override public @Nullable String header(String name) {
        return plain.header(name);
      }

      @Override public List<String> headers(String name) {
        return plain.headers(name);
      }

      @Override public InetSocketAddress remoteAddress() {
        return plain.remoteAddress();
      }

      @Override public String requestId() {
        return plain.requestId();
      }

      @Override public List<X509Certificate> clientCertificates() {
        return chain;
      }
    };
  }

  @Test
  void anAllowedSubjectIsAuthenticatedWithIssuerAndSerialAsClaims() {
    Auth auth = Auth.clientCertificate().allowSubject("cn=Billing, ou=payments, o=example").build();

    AuthResult result = auth.authenticate(withChain(List.of(billing)));

    assertThat(result.authenticated()).isTrue();
    assertThat(result.principal()).isEqualTo(new Principal("CN=billing,OU=Payments,O=Example",
        "client-certificate", java.util.Map.of("issuer", "CN=Layerkit Test CA,O=Layerkit",
            "serialNumber", billing.getSerialNumber().toString(16))));
  }

  @Test
  void anotherSubjectIs403AndNoCertificateIs401() {
    Auth auth = Auth.clientCertificate().allowSubject("CN=reports,O=Example").build();

    AuthResult other = auth.authenticate(withChain(List.of(billing)));
    AuthResult none = auth.authenticate(GatewayRequest.of("GET", "/",
        new InetSocketAddress("127.0.0.1", 5000)));

    assertThat(other.status()).isEqualTo(403);
    assertThat(other.challenge()).isEqualTo("ClientCertificate");
    assertThat(none.status()).isEqualTo(401);
    assertThat(none.message()).isEqualTo("client certificate required");
  }

  @Test
  void withoutAllowedSubjectsEveryVerifiedCertificateIsAdmitted() {
    ClientCertificateAuth auth = Auth.clientCertificate().build();

    assertThat(auth.authenticate(withChain(List.of(billing))).principal().subject())
        .isEqualTo("CN=billing,OU=Payments,O=Example");
    assertThat(auth.allowedSubjects()).isEmpty();
  }

  @Test
  void aMalformedSubjectIsRefusedNamingIt() {
    assertThatThrownBy(() -> Auth.clientCertificate().allowSubject("billing"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("allowSubject must be an X.500 distinguished name but was"
            + " 'billing'");
  }
}
