package dev.layerkit.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/**
 * The {@code reason} of a failed handshake, from the messages the JDK provider and BoringSSL
 * really give (as GatewayTlsIT saw them); GatewayTlsIT checks the same reasons end to end.
 */
class HandshakeFailureTest {

  private static HandshakeFailure of(String message) {
    return HandshakeFailure.of(new DecoderException(new SSLHandshakeException(message)));
  }

  @Test
  void protocolVersionFromBothProviders() {
    assertThat(of("The client supported protocol versions [TLSv1.1] are not accepted by server"
        + " preferences [TLSv1.3, TLSv1.2]")).isEqualTo(HandshakeFailure.PROTOCOL_VERSION);
    assertThat(of("error:100000f0:SSL routines:OPENSSL_internal:UNSUPPORTED_PROTOCOL"))
        .isEqualTo(HandshakeFailure.PROTOCOL_VERSION);
  }

  @Test
  void noSharedCipherFromBothProviders() {
    assertThat(of("no cipher suites in common")).isEqualTo(HandshakeFailure.NO_SHARED_CIPHER);
    assertThat(of("error:100000b8:SSL routines:OPENSSL_internal:NO_SHARED_CIPHER"))
        .isEqualTo(HandshakeFailure.NO_SHARED_CIPHER);
  }

  @Test
  void certificateProblemsFromBothProviders() {
    assertThat(of("Empty client certificate chain")).isEqualTo(HandshakeFailure.CERTIFICATE);
    assertThat(of("PKIX path building failed: unable to find valid certification path"))
        .isEqualTo(HandshakeFailure.CERTIFICATE);
    assertThat(of("error:100000c0:SSL routines:OPENSSL_internal:PEER_DID_NOT_RETURN_A_CERTIFICATE"))
        .isEqualTo(HandshakeFailure.CERTIFICATE);
    SSLHandshakeException general = new SSLHandshakeException("General OpenSslEngine problem");
    general.initCause(new java.security.cert.CertificateException("PKIX path validation failed"));
    assertThat(HandshakeFailure.of(new DecoderException(general)))
        .isEqualTo(HandshakeFailure.CERTIFICATE);
  }

  @Test
  void timeoutsClosesAndRecordsThatAreNotTls() {
    assertThat(HandshakeFailure.of(new SslHandshakeTimeoutException("handshake timed out")))
        .isEqualTo(HandshakeFailure.TIMEOUT);
    assertThat(HandshakeFailure.of(new ClosedChannelException()))
        .isEqualTo(HandshakeFailure.CLOSED);
    assertThat(HandshakeFailure.of(new java.io.IOException("Connection reset by peer")))
        .isEqualTo(HandshakeFailure.CLOSED);
    assertThat(HandshakeFailure.of(new DecoderException(new NotSslRecordException("not TLS"))))
        .isEqualTo(HandshakeFailure.NOT_TLS);
    assertThat(of("Unexpected handshake message: server_hello")).isEqualTo(HandshakeFailure.OTHER);
  }

  @Test
  void plaintextDetectionTakesMethodTokensOnly() {
    assertThat(PlaintextOnTlsPort.looksLikeHttp(bytes("GET / HTTP/1.1\r\n"))).isTrue();
    assertThat(PlaintextOnTlsPort.looksLikeHttp(bytes("PATCH"))).isTrue();
    assertThat(PlaintextOnTlsPort.looksLikeHttp(bytes("PRI * HTTP/2.0"))).isTrue();
    assertThat(PlaintextOnTlsPort.looksLikeHttp(bytes("get / HTTP/1.1"))).isFalse();
    assertThat(PlaintextOnTlsPort.looksLikeHttp(bytes("GE / x"))).isFalse();
    assertThat(PlaintextOnTlsPort.looksLikeHttp(bytes("\u0000\u0001\u0002\u0003\u0004"))).isFalse();
  }

  private static io.netty.buffer.ByteBuf bytes(String text) {
    return Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1);
  }
}
