package dev.layerkit.gateway.http;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.jspecify.annotations.Nullable;

/**
 * What a client connection's TLS handshake settled, kept on the channel so each request reads it
 * with one attribute lookup instead of asking the engine (which copies the peer chain on every
 * call). An HTTP/2 stream's channel finds it on its parent, the connection.
 *
 * @param protocol the protocol version, such as {@code TLSv1.3}
 * @param cipherSuite the cipher suite
 * @param clientCertificates the client's verified chain, leaf first; empty when it sent none
 */
record TlsSession(String protocol, String cipherSuite, List<X509Certificate> clientCertificates) {

  private static final AttributeKey<TlsSession> KEY = AttributeKey.valueOf("layerkit.tls");

  TlsSession {
    clientCertificates = List.copyOf(clientCertificates);
  }

  /** Reads a finished handshake's session. */
  static TlsSession of(SSLSession session) {
    List<X509Certificate> chain = new ArrayList<>();
    try {
      for (Certificate certificate : session.getPeerCertificates()) {
        if (certificate instanceof X509Certificate x509) {
          chain.add(x509);
        }
      }
    } catch (SSLPeerUnverifiedException e) {
      // no client certificate: the chain stays empty
    }
    return new TlsSession(session.getProtocol(), session.getCipherSuite(), chain);
  }

  /** Stores the session on a connection. */
  void attachTo(Channel channel) {
    channel.attr(KEY).set(this);
  }

  /** Returns the session of a connection or of the connection a stream belongs to. */
  static @Nullable TlsSession of(Channel channel) {
    TlsSession session = channel.attr(KEY).get();
    if (session == null && channel.parent() != null && !(channel.parent() instanceof
        io.netty.channel.ServerChannel)) {
      session = channel.parent().attr(KEY).get();
    }
    return session;
  }

  /** Returns the client's verified certificate chain on a connection, empty if none or plain. */
  static List<X509Certificate> clientCertificates(Channel channel) {
    TlsSession session = of(channel);
    return session == null ? List.of() : session.clientCertificates();
  }
}
