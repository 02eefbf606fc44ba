package dev.layerkit.gateway.http;

import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.util.Locale;

/**
 * Why a TLS handshake failed, as the {@code reason} tag of {@code
 * layerkit.gateway.tls.handshake.failures}: a handful of values, so the tag stays low-cardinality
 * whatever clients send.
 *
 * <p>Neither provider reports the TLS alert as a value: the JDK and BoringSSL each put it in an
 * exception message ({@code Client requested protocol TLSv1.1 is not enabled}, {@code
 * UNSUPPORTED_PROTOCOL}). {@link #of} reads the messages of the cause chain for the words both
 * providers use; the gateway's TLS tests check each reason against both.
 */
enum HandshakeFailure {
  /** A plaintext HTTP request arrived on the TLS port (answered 400, then closed). */
  PLAINTEXT_HTTP("plaintext_http"),
  /** The first bytes were neither TLS nor HTTP. */
  NOT_TLS("not_tls"),
  /** The client offered only protocol versions the gateway does not accept (before TLS 1.2). */
  PROTOCOL_VERSION("protocol_version"),
  /** The client offered no cipher suite the gateway accepts. */
  NO_SHARED_CIPHER("no_shared_cipher"),
  /**
   * A certificate was refused: the client's was missing, did not chain to a trusted CA or was
   * otherwise invalid, or the client refused the gateway's.
   */
  CERTIFICATE("certificate"),
  /** The client did not finish the handshake within {@link Tls#handshakeTimeout()}. */
  TIMEOUT("timeout"),
  /** The client closed or reset the connection during the handshake. */
  CLOSED("closed"),
  /** Anything else, such as a malformed handshake message. */
  OTHER("other");

  private final String tag;

  HandshakeFailure(String tag) {
    this.tag = tag;
  }

  /** Returns the {@code reason} tag value. */
  String tag() {
    return tag;
  }

  /** Classifies the cause a failed handshake reported. */
  static HandshakeFailure of(Throwable cause) {
    StringBuilder messages = new StringBuilder();
    int depth = 0;
    for (Throwable t = cause; t != null && depth < 16; t = t.getCause(), depth++) {
      if (t instanceof SslHandshakeTimeoutException) {
        return TIMEOUT;
      }
      if (t instanceof NotSslRecordException) {
        return NOT_TLS;
      }
      if (t instanceof ClosedChannelException || t instanceof java.io.IOException
          && !(t instanceof javax.net.ssl.SSLException)) {
        return CLOSED; // closed, reset or broken pipe: the peer went away
      }
      if (t.getMessage() != null) {
        messages.append(t.getMessage().toLowerCase(Locale.ROOT)).append('\n');
      }
    }
    String text = messages.toString();
    if (contains(text, "protocol_version", "unsupported_protocol", "wrong_version_number",
        "client requested protocol", "no appropriate protocol", "unsupported protocol",
        "protocol version")) {
      return PROTOCOL_VERSION;
    }
    if (contains(text, "no_shared_cipher", "no cipher suites in common", "no shared cipher",
        "insufficient_security")) {
      return NO_SHARED_CIPHER;
    }
    if (contains(text, "certificate", "pkix", "certification path", "cert chain",
        "unknown_ca", "certificate_required", "peer_did_not_return")) {
      return CERTIFICATE;
    }
    if (contains(text, "closed", "connection reset", "broken pipe", "end of stream")) {
      return CLOSED;
    }
    return OTHER;
  }

  private static boolean contains(String text, String... words) {
    for (String word : words) {
      if (text.contains(word)) {
        return true;
      }
    }
    return false;
  }
}
