package dev.layerkit.gateway.http;

import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * A client limited to one old protocol version, run by {@link GatewayTlsIT} in a JVM of its own:
 * the JDK disables TLS 1.0 and 1.1 in {@code jdk.tls.disabledAlgorithms}, read once per JVM, so
 * the test starts this with a security properties file that enables them again, without touching
 * the test JVM. Prints {@code HANDSHAKE <protocol>} or {@code REFUSED <exception>}.
 */
final class TlsVersionProbe {

  private TlsVersionProbe() {}

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    String protocol = args[1];
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, new TrustManager[] {new X509TrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    }}, null);
    try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      socket.setEnabledProtocols(new String[] {protocol});
      socket.startHandshake();
      System.out.println("HANDSHAKE " + socket.getSession().getProtocol());
    } catch (SSLException e) {
      System.out.println("REFUSED " + e);
    }
  }
}
