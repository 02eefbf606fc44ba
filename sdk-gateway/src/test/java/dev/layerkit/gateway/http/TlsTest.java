package dev.layerkit.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@link Tls}'s builder and the gateway settings that depend on it. */
class TlsTest {

  private static final Path CHAIN = Path.of("chain.pem");
  private static final Path KEY = Path.of("key.pem");

  @Test
  void defaultsAreTls13And12WithIntermediateCiphersAndNoClientCertificates() {
    Tls tls = Tls.fromPemFiles(CHAIN, KEY).build();

    assertThat(tls.protocols()).containsExactly("TLSv1.3", "TLSv1.2");
    assertThat(tls.clientAuth()).isEqualTo(Tls.ClientAuth.NONE);
    assertThat(tls.trustedClientCertificates()).isNull();
    assertThat(tls.provider()).isNull();
    assertThat(tls.reloadInterval()).isEqualTo(Tls.DEFAULT_RELOAD_INTERVAL);
    assertThat(tls.handshakeTimeout()).isEqualTo(Tls.DEFAULT_HANDSHAKE_TIMEOUT);
    assertThat(Tls.INTERMEDIATE_CIPHER_SUITES).allMatch(suite -> suite.contains("GCM")
        || suite.contains("CHACHA20")).noneMatch(suite -> suite.contains("CBC"));
  }

  @Test
  void protocolsBefore12AreRefusedNamingTheValue() {
    assertThatThrownBy(() -> Tls.fromPemFiles(CHAIN, KEY).protocols("TLSv1.3", "TLSv1.1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("protocols must be TLSv1.3 and/or TLSv1.2 but was TLSv1.1");
    assertThatThrownBy(() -> Tls.fromPemFiles(CHAIN, KEY).protocols())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("protocols must name TLSv1.3 and/or TLSv1.2 but was empty");
    assertThat(Tls.fromPemFiles(CHAIN, KEY).protocols("TLSv1.3").build().protocols())
        .containsExactly("TLSv1.3");
  }

  @Test
  void aSettingGivenTwiceThrowsAndTheKeyPasswordIsNotShown() {
    Tls.Builder builder = Tls.fromPemFiles(CHAIN, KEY).keyPassword("hunter2")
        .reloadInterval(Duration.ofSeconds(1));
    assertThatThrownBy(() -> builder.keyPassword("other"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("keyPassword was already set to (hidden)");
    assertThatThrownBy(() -> builder.reloadInterval(Duration.ofSeconds(2)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("reloadInterval was already set to PT1S");
    assertThatThrownBy(() -> Tls.fromPemFiles(CHAIN, KEY).keyPassword(""))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("keyPassword must not be empty");
    assertThat(builder.build().toString()).doesNotContain("hunter2");
  }

  @Test
  void clientCertificatesNeedATrustedCaFileAndACaFileNeedsClientCertificates() {
    assertThatThrownBy(() -> Tls.fromPemFiles(CHAIN, KEY)
        .clientAuth(Tls.ClientAuth.REQUIRED).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("clientAuth REQUIRED needs trustedClientCertificates");
    assertThatThrownBy(() -> Tls.fromPemFiles(CHAIN, KEY)
        .trustedClientCertificates(Path.of("ca.pem")).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("trustedClientCertificates ca.pem given but clientAuth is NONE; set clientAuth"
            + " OPTIONAL or REQUIRED");
  }

  @Test
  void durationsMustBeAtLeastAMillisecond() {
    assertThatThrownBy(() -> Tls.fromPemFiles(CHAIN, KEY).handshakeTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("handshakeTimeout");
    assertThatThrownBy(() -> Tls.fromPemFiles(CHAIN, KEY).reloadInterval(Duration.ofNanos(5)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("reloadInterval");
  }

  @Test
  void theRedirectPortNeedsTlsAndTheLocationPortNeedsTheRedirectPort() {
    assertThatThrownBy(() -> Gateway.builder().httpRedirectPort(8080).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("httpRedirectPort 8080 redirects to HTTPS and needs tls");
    assertThatThrownBy(() -> Gateway.builder().redirectLocationPort(443).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("redirectLocationPort 443 needs httpRedirectPort");
    assertThatThrownBy(() -> Gateway.builder().httpRedirectPort(70_000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("httpRedirectPort must be 0 to 65535 but was 70000");
    assertThatThrownBy(() -> Gateway.builder().redirectLocationPort(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("redirectLocationPort must be 1 to 65535 but was 0");
    Gateway.Builder builder = Gateway.builder().tls(Tls.fromPemFiles(CHAIN, KEY).build());
    assertThatThrownBy(() -> builder.tls(Tls.fromPemFiles(CHAIN, KEY).build()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("tls was already set to Tls[chain.pem, key.pem");
  }
}
