package dev.layerkit.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.layerkit.core.health.Health;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.pkitesting.X509Bundle;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * TLS termination over real sockets, on both providers: java.net.http and {@code SSLSocket}
 * clients against a gateway serving certificates made at test time ({@link TestPki}).
 */
class GatewayTlsIT extends GatewayTestSupport {

  private static final Duration WAIT = Duration.ofSeconds(30);

  private static TestPki pki;

  @TempDir Path dir;
  private Path chain;
  private Path key;
  private Path clientCa;
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  @BeforeAll
  static void makeCertificates() throws Exception {
    pki = new TestPki();
  }

  @BeforeEach
  void writeFiles() throws Exception {
    chain = dir.resolve("chain.pem");
    key = dir.resolve("key.pem");
    clientCa = dir.resolve("client-ca.pem");
    TestPki.write(pki.server(1001), chain, key);
    TestPki.writeCa(pki.ca, clientCa);
  }

  private Tls.Builder tls(Tls.Provider provider) {
    return Tls.fromPemFiles(chain, key).provider(provider);
  }

  private Gateway startTls(Tls tls, Route... routes) {
    return start(Gateway.builder().tls(tls).meterRegistry(registry).routes(List.of(routes)));
  }

  private Route echoRoute() throws Exception {
    return Route.builder("all").pathPrefix("/").upstream(upstreamOf("svc", upstream("a"))).build();
  }

  private static URI https(Gateway gateway, String path) {
    return URI.create("https://127.0.0.1:" + gateway.port() + path);
  }

  private static HttpClient httpsClient(SSLContext context) {
    return HttpClient.newBuilder().sslContext(context).connectTimeout(Duration.ofSeconds(5))
        .build();
  }

  private static HttpResponse<String> send(HttpClient client, URI uri) throws Exception {
    return client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String tag(Tls.Provider provider) {
    return provider.name().toLowerCase(Locale.ROOT);
  }

  private double failures(Tls.Provider provider, String reason) {
    return registry.get("layerkit.gateway.tls.handshake.failures")
        .tags("provider", tag(provider), "reason", reason).counter().count();
  }

  private double allFailures() {
    return registry.get("layerkit.gateway.tls.handshake.failures").counters().stream()
        .mapToDouble(c -> c.count()).sum();
  }

  /** Opens a TLS connection and returns the serial of the certificate the gateway served. */
  private static BigInteger servedSerial(Gateway gateway) throws Exception {
    try (SSLSocket socket = (SSLSocket) pki.clientTrustingCa().getSocketFactory()
        .createSocket("127.0.0.1", gateway.port())) {
      socket.setSoTimeout(10_000);
      socket.startHandshake();
      return serialOf(socket);
    }
  }

  private static BigInteger serialOf(SSLSocket socket) throws Exception {
    return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
  }

  private static SSLSocket connect(SSLContext context, Gateway gateway) throws IOException {
    SSLSocket socket = (SSLSocket) context.getSocketFactory()
        .createSocket("127.0.0.1", gateway.port());
    socket.setSoTimeout(10_000);
    return socket;
  }


  @ParameterizedTest
  @EnumSource(Tls.Provider.class)
  void servesJavaHttpClientOverTls13WithHttp2OrHttp11AsAlpnChooses(Tls.Provider provider)
      throws Exception {
    Gateway gateway = startTls(tls(provider).build(), echoRoute());

    // java.net.http offers h2 and http/1.1 by ALPN: the gateway picks h2.
    HttpResponse<String> h2 = send(httpsClient(pki.clientTrustingCa()),
        https(gateway, "/echo?x=1"));
    // Told to speak HTTP/1.1, it offers only http/1.1.
    HttpResponse<String> h1 = send(HttpClient.newBuilder().sslContext(pki.clientTrustingCa())
        .version(HttpClient.Version.HTTP_1_1).build(), https(gateway, "/echo?x=2"));

    assertThat(h2.statusCode()).isEqualTo(200);
    assertThat(h2.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(h2.body()).startsWith("GET /echo?x=1\n").contains("x-forwarded-proto: https\n");
    assertThat(h1.statusCode()).isEqualTo(200);
    assertThat(h1.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
    assertThat(h1.body()).startsWith("GET /echo?x=2\n").contains("x-forwarded-proto: https\n");
    assertThat(gateway.tlsProvider()).isEqualTo(provider);
    assertThat(registry.get("layerkit.gateway.tls.handshakes")
        .tags("provider", tag(provider), "protocol", "TLSv1.3").counter().count()).isEqualTo(2);
    assertThat(registry.get("layerkit.gateway.tls.certificate.expiry")
        .tags("provider", tag(provider)).gauge().value()).isGreaterThan(0);
  }

  @ParameterizedTest
  @EnumSource(Tls.Provider.class)
  void acceptsTls12WithAnIntermediateCipher(Tls.Provider provider) throws Exception {
    Gateway gateway = startTls(tls(provider).build(), echoRoute());

    try (SSLSocket socket = connect(pki.clientTrustingCa(), gateway)) {
      socket.setEnabledProtocols(new String[] {"TLSv1.2"});
      RawHttp http = new RawHttp(socket);
      http.send("GET /id HTTP/1.1\r\nHost: localhost\r\n\r\n");

      assertThat(http.read().status()).isEqualTo(200);
      assertThat(socket.getSession().getProtocol()).isEqualTo("TLSv1.2");
      assertThat(Tls.INTERMEDIATE_CIPHER_SUITES).contains(socket.getSession().getCipherSuite());
    }
  }

  @Test
  void choosesOpenSslWhenTcnativeIsPresentAndLogsTheChoiceOnceAtInfo() throws Exception {
    Gateway gateway;
    List<LogCapture.Line> lines;
    try (LogCapture log = new LogCapture()) {
      gateway = startTls(Tls.fromPemFiles(chain, key).build(), echoRoute());
      lines = log.lines();
    }

    // netty-tcnative-boringssl-static is on the test class path: OpenSSL is the default.
    assertThat(gateway.tlsProvider()).isEqualTo(Tls.Provider.OPENSSL);
    assertThat(lines).filteredOn(line -> line.logger().endsWith("TlsTermination")
            && line.level().equals("INFO"))
        .singleElement().satisfies(line -> assertThat(line.text())
            .contains("OpenSSL").contains("serial 3e9"));
    assertThat(registry.get("layerkit.gateway.tls.certificate.expiry").tags("provider", "openssl")
        .gauge()).isNotNull();
  }


  @ParameterizedTest
  @EnumSource(Tls.Provider.class)
  void newConnectionsGetAReplacedCertificateWhileAnOpenConnectionKeepsWorking(
      Tls.Provider provider) throws Exception {
    Gateway gateway = startTls(tls(provider).reloadInterval(Duration.ofMillis(50)).build(),
        echoRoute());
    try (SSLSocket old = connect(pki.clientTrustingCa(), gateway)) {
      RawHttp oldHttp = new RawHttp(old);
      oldHttp.send("GET /id HTTP/1.1\r\nHost: localhost\r\n\r\n");
      assertThat(oldHttp.read().status()).isEqualTo(200);
      assertThat(serialOf(old)).isEqualTo(1001);

      TestPki.write(pki.server(2002), chain, key);

      await().atMost(WAIT).untilAsserted(() ->
          assertThat(servedSerial(gateway)).isEqualTo(2002));
      // The keep-alive connection opened before the swap still serves, on its old certificate.
      oldHttp.send("GET /id HTTP/1.1\r\nHost: localhost\r\n\r\n");
      RawHttp.Response again = oldHttp.read();
      assertThat(again.status()).isEqualTo(200);
      assertThat(again.body()).isEqualTo("a");
      assertThat(serialOf(old)).isEqualTo(1001);
    }
    assertThat(registry.get("layerkit.gateway.tls.reloads").tags("result", "success").counter()
        .count()).isGreaterThanOrEqualTo(1);
  }

  @ParameterizedTest
  @EnumSource(Tls.Provider.class)
  void aBadNewFileKeepsTheOldCertificateAndIsReportedOnceAsWarnNamingTheFile(
      Tls.Provider provider) throws Exception {
    Gateway gateway = startTls(tls(provider).reloadInterval(Duration.ofMillis(20)).build(),
        echoRoute());
    List<LogCapture.Line> lines;
    try (LogCapture log = new LogCapture()) {
      TestPki.replace(chain, "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n"
          + "-----END CERTIFICATE-----\n");
      await().atMost(WAIT).until(() -> registry.get("layerkit.gateway.tls.reloads")
          .tags("result", "failure").counter().count() >= 1);
      // More checks see the same bad content: nothing new is loaded or reported.
      for (int i = 0; i < 3; i++) {
        assertThat(gateway.tls().watcher().check()).isFalse();
      }
      lines = log.lines();
    }

    assertThat(lines).filteredOn(line -> line.level().equals("WARN"))
        .singleElement().satisfies(line -> assertThat(line.text())
            .contains("TLS files rejected").contains(chain.toString()));
    assertThat(registry.get("layerkit.gateway.tls.reloads").tags("result", "failure").counter()
        .count()).isEqualTo(1);
    assertThat(servedSerial(gateway)).isEqualTo(1001);
    Health health = gateway.healthCheck().check();
    assertThat(health.details()).containsEntry("tlsReload", "rejected")
        .containsEntry("tlsCertificateSerial", "3e9");
    assertThat(health.details().get("tlsErrors").toString()).contains(chain.toString());

    TestPki.write(pki.server(3003), chain, key);

    await().atMost(WAIT).untilAsserted(() -> assertThat(servedSerial(gateway)).isEqualTo(3003));
    assertThat(gateway.healthCheck().check().details()).containsEntry("tlsReload", "ok");
  }

  @Test
  void aCertificateReplacedBeforeItsKeyIsReportedOnlyIfTheKeyDoesNotFollowByTheNextCheck()
      throws Exception {
    // Polls only when the test calls check().
    Gateway gateway = startTls(tls(Tls.Provider.JDK).reloadInterval(Duration.ofHours(1)).build(),
        echoRoute());
    X509Bundle next = pki.server(8008);
    Path nextKey = dir.resolve("next-key.pem");
    TestPki.write(next, chain, nextKey); // the new chain is in place, its key not yet

    List<LogCapture.Line> lines;
    try (LogCapture log = new LogCapture()) {
      assertThat(gateway.tls().watcher().check()).isFalse();
      assertThat(log.lines()).noneMatch(line -> line.level().equals("WARN"));
      assertThat(gateway.healthCheck().check().details()).containsEntry("tlsReload", "ok");

      Files.move(nextKey, key, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      assertThat(gateway.tls().watcher().check()).isTrue();
      assertThat(servedSerial(gateway)).isEqualTo(8008);

      // A mismatch that is still there at the next check is reported.
      TestPki.write(pki.server(9009), chain, dir.resolve("unused-key.pem"));
      assertThat(gateway.tls().watcher().check()).isFalse();
      assertThat(gateway.tls().watcher().check()).isFalse();
      lines = log.lines();
    }

    assertThat(lines).filteredOn(line -> line.level().equals("WARN")).singleElement()
        .satisfies(line -> assertThat(line.text()).contains(key + ": the key does not belong"));
    assertThat(registry.get("layerkit.gateway.tls.reloads").tags("result", "failure").counter()
        .count()).isEqualTo(1);
    assertThat(servedSerial(gateway)).isEqualTo(8008);
  }

  @ParameterizedTest
  @EnumSource(Tls.Provider.class)
  void anEncryptedKeyLoadsWithItsPasswordAndAWrongPasswordNamesTheKeyFile(Tls.Provider provider)
      throws Exception {
    X509Bundle server = pki.server(4004);
    TestPki.write(server, chain, key);
    TestPki.replace(key, TestPki.encryptedKeyPem(server, "s3cret pass"));

    Gateway gateway = startTls(tls(provider).keyPassword("s3cret pass").build(), echoRoute());
    assertThat(servedSerial(gateway)).isEqualTo(4004);

    assertThatThrownBy(() -> Gateway.builder().tls(tls(provider).keyPassword("wrong").build())
        .build())
        .isInstanceOf(GatewayConfigException.class)
        .hasMessageContaining(key.toString())
        .hasMessageContaining("not its keyPassword");
  }

  @Test
  void aKeyThatDoesNotBelongToTheCertificateIsRefusedAtBuildNamingBothFiles() throws Exception {
    TestPki.write(pki.server(5005), chain, dir.resolve("unused.pem"));
    TestPki.write(pki.server(6006), dir.resolve("other-chain.pem"), key);

    assertThatThrownBy(() -> Gateway.builder().tls(Tls.fromPemFiles(chain, key).build()).build())
        .isInstanceOf(GatewayConfigException.class)
        .hasMessageContaining(key + ": the key does not belong to the first certificate of "
            + chain);
  }

  @Test
  void aMissingFileIsRefusedAtBuildNamingIt() {
    Path missing = dir.resolve("missing.pem");

    assertThatThrownBy(() -> Gateway.builder().tls(Tls.fromPemFiles(missing, key).build()).build())
        .isInstanceOf(GatewayConfigException.class)
        .hasMessageContaining(missing + ": cannot read");
  }


  @Test
  void thePlaintextPortRedirectsWith308ToTheSameHostPathAndQueryOnHttps() throws Exception {
    Gateway gateway = start(Gateway.builder().tls(tls(Tls.Provider.JDK).build())
        .httpRedirectPort(0).meterRegistry(registry).route(echoRoute()));

    try (RawHttp http = new RawHttp(gateway.httpRedirectPort())) {
      http.send("GET /orders/7?expand=items&x=%20 HTTP/1.1\r\nHost: shop.example:8080\r\n\r\n");
      RawHttp.Response first = http.read();
      assertThat(first.status()).isEqualTo(308);
      assertThat(first.header("Location"))
          .isEqualTo("https://shop.example:" + gateway.port() + "/orders/7?expand=items&x=%20");

      // Same connection: a POST with a body is redirected too (308 keeps the method).
      http.send("POST /submit HTTP/1.1\r\nHost: shop.example\r\nContent-Length: 5\r\n\r\nhello");
      RawHttp.Response second = http.read();
      assertThat(second.status()).isEqualTo(308);
      assertThat(second.header("Location"))
          .isEqualTo("https://shop.example:" + gateway.port() + "/submit");

      http.send("GET / HTTP/1.1\r\nHost: bad/host\r\nConnection: close\r\n\r\n");
      RawHttp.Response bad = http.read();
      assertThat(bad.status()).isEqualTo(400);
      assertThat(bad.body()).contains("no valid host");
      assertThat(http.closedByServer()).isTrue();
    }

    // java.net.http follows the redirect to the TLS port.
    HttpClient following = HttpClient.newBuilder().sslContext(pki.clientTrustingCa())
        .followRedirects(HttpClient.Redirect.NORMAL).build();
    HttpResponse<String> followed = send(following,
        URI.create("http://127.0.0.1:" + gateway.httpRedirectPort() + "/echo?q=1"));
    assertThat(followed.statusCode()).isEqualTo(200);
    assertThat(followed.uri().toString())
        .isEqualTo("https://127.0.0.1:" + gateway.port() + "/echo?q=1");
    assertThat(followed.body()).contains("x-forwarded-proto: https\n");
    assertThat(registry.get("layerkit.gateway.tls.redirects").counter().count()).isEqualTo(3);
  }

  @Test
  void theRedirectNamesTheConfiguredPortAndLeavesOut443() throws Exception {
    Gateway public443 = start(Gateway.builder().tls(tls(Tls.Provider.JDK).build())
        .httpRedirectPort(0).redirectLocationPort(443).route(echoRoute()));
    Path otherChain = dir.resolve("c2.pem");
    Path otherKey = dir.resolve("k2.pem");
    TestPki.write(pki.server(7007), otherChain, otherKey);
    Gateway public8443 = start(Gateway.builder()
        .tls(Tls.fromPemFiles(otherChain, otherKey).provider(Tls.Provider.JDK).build())
        .httpRedirectPort(0).redirectLocationPort(8443).route(echoRoute()));

    try (RawHttp http = new RawHttp(public443.httpRedirectPort());
        RawHttp other = new RawHttp(public8443.httpRedirectPort())) {
      http.send("GET /a HTTP/1.1\r\nHost: example.com\r\n\r\n");
      other.send("GET /a HTTP/1.1\r\nHost: example.com\r\n\r\n");

      assertThat(http.read().header("Location")).isEqualTo("https://example.com/a");
      assertThat(other.read().header("Location")).isEqualTo("https://example.com:8443/a");
    }
  }


  @ParameterizedTest
  @EnumSource(Tls.Provider.class)
  void requiredClientCertificatesAdmitTrustedClientsAndRefuseOthersInTheHandshake(
      Tls.Provider provider) throws Exception {
    Gateway gateway = startTls(tls(provider).clientAuth(Tls.ClientAuth.REQUIRED)
        .trustedClientCertificates(clientCa).build(), echoRoute());
    X509Bundle billing = TestPki.client("CN=billing,O=Example", pki.ca);
    X509Bundle stranger = TestPki.client("CN=stranger,O=Elsewhere", pki.otherCa);

    HttpResponse<String> admitted = send(httpsClient(TestPki.clientContext(billing, pki.ca)),
        https(gateway, "/id"));
    assertThat(admitted.statusCode()).isEqualTo(200);

    assertThat(handshakeAndRead(pki.clientTrustingCa(), gateway)).isNotEqualTo("200");
    assertThat(handshakeAndRead(TestPki.clientContext(stranger, pki.ca), gateway))
        .isNotEqualTo("200");
    await().atMost(WAIT).until(() -> failures(provider, "certificate") == 2);
    assertThat(allFailures()).isEqualTo(2);
  }

  @ParameterizedTest
  @EnumSource(Tls.Provider.class)
  void theVerifiedSubjectReachesAuthAndClientCertificateAuthDecidesPerRoute(Tls.Provider provider)
      throws Exception {
    List<GatewayRequest> seenRequests = new CopyOnWriteArrayList<>();
    List<AuthResult> seenResults = new CopyOnWriteArrayList<>();
    ClientCertificateAuth billingOnly = Auth.clientCertificate()
        .allowSubject("CN=billing, O=Example").build();
    Auth recording = request -> {
      seenRequests.add(request);
      AuthResult result = billingOnly.authenticate(request);
      seenResults.add(result);
      return result;
    };
    TestUpstream up = upstream("a");
    Gateway gateway = startTls(tls(provider).clientAuth(Tls.ClientAuth.OPTIONAL)
            .trustedClientCertificates(clientCa).build(),
        Route.builder("billing").pathPrefix("/billing").auth(recording)
            .upstream(upstreamOf("svc", up)).build(),
        Route.builder("open").pathPrefix("/").upstream(upstreamOf("svc2", up)).build());
    HttpClient billing = httpsClient(TestPki.clientContext(
        TestPki.client("CN=billing,O=Example", pki.ca), pki.ca));
    HttpClient reports = httpsClient(TestPki.clientContext(
        TestPki.client("CN=reports,O=Example", pki.ca), pki.ca));
    HttpClient anonymous = httpsClient(pki.clientTrustingCa());

    HttpResponse<String> admitted = send(billing, https(gateway, "/billing/id"));
    assertThat(admitted.statusCode()).isEqualTo(200);
    // Over HTTP/2 the request is a stream; its certificate comes from the connection.
    assertThat(admitted.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(seenRequests.get(0).clientCertificates()).hasSize(1);
    Principal principal = seenResults.get(0).principal();
    assertThat(principal.subject()).isEqualTo("CN=billing,O=Example");
    assertThat(principal.scheme()).isEqualTo("client-certificate");
    assertThat(principal.claims()).containsEntry("issuer", "CN=Layerkit Test CA,O=Layerkit");

    HttpResponse<String> forbidden = send(reports, https(gateway, "/billing/id"));
    assertThat(forbidden.statusCode()).isEqualTo(403);

    HttpResponse<String> missing = send(anonymous, https(gateway, "/billing/id"));
    assertThat(missing.statusCode()).isEqualTo(401);
    assertThat(missing.headers().firstValue("WWW-Authenticate")).hasValue("ClientCertificate");
    // OPTIONAL: a client without a certificate still reaches routes that do not ask for one.
    assertThat(send(anonymous, https(gateway, "/id")).statusCode()).isEqualTo(200);
  }


  @ParameterizedTest
  @EnumSource(Tls.Provider.class)
  void aClientLimitedToTls11IsRefusedCountedAndNotLoggedAboveDebug(Tls.Provider provider)
      throws Exception {
    Gateway gateway = startTls(tls(provider).build(), echoRoute());
    // The JDK disables TLS 1.1 for clients too; the probe runs in a JVM where it is enabled.
    Path security = dir.resolve("java.security");
    Files.writeString(security, "jdk.tls.disabledAlgorithms=SSLv3, RC4, DES, MD5withRSA, "
        + "DH keySize < 1024, EC keySize < 224, 3DES_EDE_CBC, anon, NULL\n");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String classes = Path.of(TlsVersionProbe.class.getProtectionDomain().getCodeSource()
        .getLocation().toURI()).toString();

    String output;
    List<LogCapture.Line> lines;
    try (LogCapture log = new LogCapture()) {
      Process probe = new ProcessBuilder(java, "-Djava.security.properties=" + security,
          "-cp", classes, TlsVersionProbe.class.getName(), String.valueOf(gateway.port()),
          "TLSv1.1").redirectErrorStream(true).start();
      assertThat(probe.waitFor(60, TimeUnit.SECONDS)).as("probe finished").isTrue();
      output = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      await().atMost(WAIT).until(() -> failures(provider, "protocol_version") == 1);
      lines = log.lines();
    }

    assertThat(output).startsWith("REFUSED");
    assertThat(allFailures()).isEqualTo(1);
    assertThat(lines).noneMatch(line -> List.of("INFO", "WARN", "ERROR").contains(line.level()));
  }

  @ParameterizedTest
  @EnumSource(Tls.Provider.class)
  void aClientOfferingOnlyCbcCiphersIsRefused(Tls.Provider provider) throws Exception {
    Gateway gateway = startTls(tls(provider).build(), echoRoute());

    try (SSLSocket socket = connect(pki.clientTrustingCa(), gateway)) {
      socket.setEnabledProtocols(new String[] {"TLSv1.2"});
      socket.setEnabledCipherSuites(new String[] {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"});

      assertThatThrownBy(socket::startHandshake).isInstanceOf(IOException.class);
    }
    await().atMost(WAIT).until(() -> failures(provider, "no_shared_cipher") == 1);
  }

  @ParameterizedTest
  @EnumSource(Tls.Provider.class)
  void plaintextHttpOnTheTlsPortGets400AndGarbageIsClosed(Tls.Provider provider)
      throws Exception {
    Gateway gateway = startTls(tls(provider).build(), echoRoute());

    try (RawHttp http = new RawHttp(gateway.port())) {
      http.send("GET /orders HTTP/1.1\r\nHost: localhost\r\n\r\n");
      RawHttp.Response response = http.read();
      assertThat(response.status()).isEqualTo(400);
      assertThat(response.body()).contains("plain HTTP request sent to the HTTPS port");
      assertThat(http.closedByServer()).isTrue();
    }
    try (RawHttp garbage = new RawHttp(gateway.port())) {
      garbage.send("\u0000\u0001\u0002\u0003\u0004\u0005garbage");
      assertThat(garbage.closedByServer()).isTrue();
    }

    await().atMost(WAIT).until(() -> failures(provider, "plaintext_http") == 1
        && failures(provider, "not_tls") == 1);
  }

  @Test
  void aClientThatSendsNothingIsClosedAfterTheHandshakeTimeout() throws Exception {
    Gateway gateway = startTls(tls(Tls.Provider.JDK).handshakeTimeout(Duration.ofMillis(200))
        .build(), echoRoute());

    try (RawHttp silent = new RawHttp(gateway.port())) {
      assertThat(silent.closedByServer()).isTrue();
    }
    await().atMost(WAIT).until(() -> failures(Tls.Provider.JDK, "timeout") == 1);
  }

  @Test
  void aConnectionBeyondMaxConnectionsIsClosedBeforeAnyHandshake() throws Exception {
    Gateway gateway = start(Gateway.builder().tls(tls(Tls.Provider.JDK).build()).maxConnections(1)
        .meterRegistry(registry).route(echoRoute()));

    try (SSLSocket first = connect(pki.clientTrustingCa(), gateway)) {
      RawHttp http = new RawHttp(first);
      http.send("GET /id HTTP/1.1\r\nHost: localhost\r\n\r\n");
      assertThat(http.read().status()).isEqualTo(200);

      // Opened only once the first is served: two connections accepted at once may be set up
      // on two event loops in either order, and then either could be the one refused.
      try (RawHttp second = new RawHttp(gateway.port())) {
        assertThat(second.closedByServer()).isTrue();
      }
      assertThat(registry.get("layerkit.gateway.connections.rejected").counter().count())
          .isEqualTo(1);
      http.send("GET /id HTTP/1.1\r\nHost: localhost\r\n\r\n");
      assertThat(http.read().status()).isEqualTo(200);
    }
    assertThat(allFailures()).isZero();
  }

  @ParameterizedTest
  @EnumSource(Tls.Provider.class)
  void aFloodOf200BadHandshakesIsCountedByReasonAndLogsNothingAboveDebug(Tls.Provider provider)
      throws Exception {
    Gateway gateway = startTls(tls(provider).clientAuth(Tls.ClientAuth.REQUIRED)
        .trustedClientCertificates(clientCa).build(), echoRoute());
    SSLContext noCertificate = pki.clientTrustingCa();
    SSLContext untrusted = TestPki.clientContext(
        TestPki.client("CN=intruder,O=Elsewhere", pki.otherCa), pki.ca);

    List<LogCapture.Line> lines;
    try (LogCapture log = new LogCapture()) {
      onThreads(200, 4, i -> {
        switch (i % 4) {
          case 0 -> rawAndDrain(gateway, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
          case 1 -> rawAndDrain(gateway, "\u0000\u0000\u0000\u0000\u0000junk" + i);
          case 2 -> assertThat(handshakeAndRead(noCertificate, gateway)).isNotEqualTo("200");
          default -> assertThat(handshakeAndRead(untrusted, gateway)).isNotEqualTo("200");
        }
        return i;
      });
      await().atMost(WAIT).until(() -> allFailures() == 200
          && log.lines().stream().filter(line -> line.level().equals("DEBUG")).count() == 200);
      lines = log.lines();
    }

    assertThat(failures(provider, "plaintext_http")).isEqualTo(50);
    assertThat(failures(provider, "not_tls")).isEqualTo(50);
    assertThat(failures(provider, "certificate")).isEqualTo(100);
    assertThat(lines).filteredOn(line -> !line.level().equals("DEBUG")).isEmpty();
    assertThat(lines).allMatch(line -> line.logger().endsWith("TlsTermination")
        && line.text().contains("TLS handshake from"));
    // The gateway still serves a good client.
    HttpResponse<String> fine = send(httpsClient(TestPki.clientContext(
        TestPki.client("CN=billing,O=Example", pki.ca), pki.ca)), https(gateway, "/id"));
    assertThat(fine.statusCode()).isEqualTo(200);
  }

  /** Sends bytes to the TLS port and reads until the gateway closes. */
  private static void rawAndDrain(Gateway gateway, String bytes) throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), gateway.port())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(bytes.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = socket.getInputStream();
      while (in.read() >= 0) {
        // the gateway's answer, if any, then end of stream
      }
    } catch (java.net.SocketException e) {
      // reset by the gateway's close: also the end
    }
  }

  /**
   * Handshakes, sends a request and reads: TLS 1.3 refuses a client certificate only after the
   * client's last handshake message, so a refusal may show at the read.
   *
   * @return the response's status, or the exception that ended the attempt
   */
  private static String handshakeAndRead(SSLContext context, Gateway gateway) {
    try (SSLSocket socket = connect(context, gateway)) {
      RawHttp http = new RawHttp(socket);
      socket.startHandshake();
      http.send("GET /id HTTP/1.1\r\nHost: x\r\n\r\n");
      return String.valueOf(http.read().status());
    } catch (IOException e) {
      return e.toString();
    }
  }
}
