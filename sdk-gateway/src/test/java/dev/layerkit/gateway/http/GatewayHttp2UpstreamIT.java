package dev.layerkit.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.layerkit.gateway.lb.Endpoint;
import dev.layerkit.gateway.lb.EndpointSource;
import dev.layerkit.gateway.lb.LoadBalancer;
import dev.layerkit.gateway.lb.LoadBalancers;
import io.grpc.TlsServerCredentials;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTP/2 and TLS towards upstreams, driven by an HTTP/1.1 client: a real grpc-java server behind
 * an {@link Upstream.Protocol#HTTP_2} upstream, with gRPC messages framed by hand and the status
 * read from the chunked response's trailers; trailers of an HTTP/1.1 upstream; upstream TLS with
 * a CA made at test time. {@link GatewayGrpcIT} does the same with a grpc-java client.
 */
class GatewayHttp2UpstreamIT extends GatewayTestSupport {

  @TempDir
  Path dir;

  private Upstream http2(String name, Endpoint... endpoints) {
    return http2(name, null, endpoints);
  }

  private Upstream http2(String name, @org.jspecify.annotations.Nullable UpstreamTls tls,
      Endpoint... endpoints) {
    LoadBalancer balancer = closing(LoadBalancers.roundRobin().serviceName(name)
        .endpointSource(EndpointSource.of(List.of(endpoints))).build());
    Upstream.Builder builder = Upstream.builder(name, balancer).protocol(Upstream.Protocol.HTTP_2);
    if (tls != null) {
      builder.tls(tls);
    }
    return builder.build();
  }

  private Gateway grpcGateway(Upstream upstream) {
    return start(Route.builder("grpc").pathPrefix("/test.Echo").grpc().upstream(upstream).build());
  }

  static byte[] frame(String message) {
    byte[] payload = message.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(5 + payload.length).put((byte) 0).putInt(payload.length).put(payload)
        .array();
  }

  static List<String> frames(byte[] body) {
    List<String> messages = new ArrayList<>();
    ByteBuffer buffer = ByteBuffer.wrap(body);
    while (buffer.remaining() >= 5) {
      buffer.get();
      byte[] payload = new byte[buffer.getInt()];
      buffer.get(payload);
      messages.add(new String(payload, StandardCharsets.UTF_8));
    }
    return messages;
  }

  /** One gRPC call over HTTP/1.1 with a chunked body; extra header lines may be given. */
  static RawHttp.ChunkedResponse call(Gateway gateway, String method, String message,
      String... headerLines) throws Exception {
    try (RawHttp http = new RawHttp(gateway.port())) {
      byte[] body = frame(message);
      StringBuilder head = new StringBuilder("POST /test.Echo/" + method + " HTTP/1.1\r\n"
          + "Host: 127.0.0.1\r\nContent-Type: application/grpc\r\nTE: trailers\r\n"
          + "Connection: TE\r\nTransfer-Encoding: chunked\r\n");
      for (String line : headerLines) {
        head.append(line).append("\r\n");
      }
      head.append("\r\n").append(Integer.toHexString(body.length)).append("\r\n");
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      bytes.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
      bytes.write(body);
      bytes.write("\r\n0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      http.send(bytes.toByteArray());
      return http.readWithTrailers();
    }
  }

  @Test
  void unaryGrpcCallReachesAnH2cUpstreamAndItsStatusComesBackAsChunkedTrailers() throws Exception {
    GrpcTestServer server = closing(new GrpcTestServer());
    Gateway gateway = grpcGateway(http2("echo", server.endpoint()));

    RawHttp.ChunkedResponse response = call(gateway, "Unary", "hi");

    assertThat(response.status()).isEqualTo(200);
    assertThat(response.header("content-type")).startsWith("application/grpc");
    assertThat(response.header("x-http2-stream-id")).as("HTTP/2 conversion detail").isNull();
    assertThat(frames(response.body())).containsExactly("echo:hi");
    assertThat(response.trailers()).containsEntry("grpc-status", "0");
    assertThat(server.lastHeaders.keys()).noneMatch(name -> name.startsWith("x-http2-"));
  }

  @Test
  void teTrailersReachesTheGrpcServer() throws Exception {
    // grpc-java keeps TE out of the call's metadata but warns, once per connection, when a
    // request lacks "TE: trailers": the warning is what shows whether it arrived.
    java.util.logging.Logger log = java.util.logging.Logger.getLogger(
        "io.grpc.netty.shaded.io.grpc.netty.NettyServerHandler");
    List<String> warnings = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.logging.Handler capture = new java.util.logging.Handler() {
      @Override
      public void publish(java.util.logging.LogRecord record) {
        warnings.add(String.valueOf(record.getMessage()));
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    log.addHandler(capture);
    try {
      GrpcTestServer withTe = closing(new GrpcTestServer());
      GrpcTestServer withoutTe = closing(new GrpcTestServer());
      Gateway kept = grpcGateway(http2("with-te", withTe.endpoint()));
      Gateway control = grpcGateway(http2("without-te", withoutTe.endpoint()));

      assertThat(frames(call(kept, "Unary", "a").body())).containsExactly("echo:a");
      assertThat(warnings).noneMatch(message -> message.contains("TE"));

      try (RawHttp http = new RawHttp(control.port())) {
        byte[] body = frame("b");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.write(("POST /test.Echo/Unary HTTP/1.1\r\nHost: x\r\n"
            + "Content-Type: application/grpc\r\nContent-Length: " + body.length + "\r\n\r\n")
            .getBytes(StandardCharsets.ISO_8859_1));
        bytes.write(body);
        http.send(bytes.toByteArray());
        assertThat(frames(http.readWithTrailers().body())).containsExactly("echo:b");
      }
      assertThat(warnings).as("the control request without TE is noticed")
          .anyMatch(message -> message.contains("TE"));
    } finally {
      log.removeHandler(capture);
    }
  }

  @Test
  void serverStreamingResponseStreamsEveryMessage() throws Exception {
    GrpcTestServer server = closing(new GrpcTestServer());
    Gateway gateway = grpcGateway(http2("echo", server.endpoint()));

    RawHttp.ChunkedResponse response = call(gateway, "Count", "5");

    assertThat(frames(response.body())).containsExactly("1", "2", "3", "4", "5");
    assertThat(response.trailers()).containsEntry("grpc-status", "0");
  }

  @Test
  void statusMessageAndCustomTrailersOfTheServerPassThrough() throws Exception {
    GrpcTestServer server = closing(new GrpcTestServer());
    Gateway gateway = grpcGateway(http2("echo", server.endpoint()));

    RawHttp.ChunkedResponse response = call(gateway, "Fail", "x");

    // grpc-java answers a failure before any message as trailers-only: one HEADERS frame.
    String status = response.trailers().getOrDefault("grpc-status", response.header("grpc-status"));
    String message = response.trailers().getOrDefault("grpc-message",
        response.header("grpc-message"));
    String detail = response.trailers().getOrDefault("x-detail", response.header("x-detail"));
    assertThat(status).isEqualTo("5");
    assertThat(message).isEqualTo("no such thing: x");
    assertThat(detail).isEqualTo("d-x");
  }

  @Test
  void grpcTimeoutIsTheCallsDeadlineInTheGatewayAndTheUpstreamGetsTheTimeLeft() throws Exception {
    GrpcTestServer server = closing(new GrpcTestServer());
    Gateway gateway = grpcGateway(http2("echo", server.endpoint()));

    // The HTTP/1.1 client has no deadline of its own: only the gateway can end this call.
    RawHttp.ChunkedResponse response = call(gateway, "Hold", "x", "grpc-timeout: 700m");

    assertThat(response.status()).isEqualTo(200);
    assertThat(response.header("grpc-status")).isEqualTo("4"); // DEADLINE_EXCEEDED, trailers-only
    assertThat(response.header("grpc-message")).contains("deadline");
    long seen = server.deadlinesMillis.poll(10, TimeUnit.SECONDS);
    assertThat(seen).as("deadline the server saw, ms").isBetween(0L, 700L);
    await().atMost(Duration.ofSeconds(10)).until(() -> server.cancelled.get() == 1);
  }

  @Test
  void gatewayErrorsOnAGrpcRouteAreGrpcStatusesNotPages() throws Exception {
    int deadPort;
    try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      deadPort = free.getLocalPort();
    }
    Gateway gateway = grpcGateway(http2("down",
        Endpoint.builder("127.0.0.1", deadPort).id("down").build()));

    RawHttp.ChunkedResponse response = call(gateway, "Unary", "hi");

    assertThat(response.status()).isEqualTo(200);
    assertThat(response.header("content-type")).isEqualTo("application/grpc");
    assertThat(response.header("grpc-status")).isEqualTo("14"); // UNAVAILABLE
    assertThat(response.header("grpc-message")).isEqualTo("cannot connect to upstream 'down'");
    assertThat(response.body()).isEmpty();
  }

  @Test
  void aSecondConnectionOpensWhenTheEndpointsMaxConcurrentStreamsIsReached() throws Exception {
    GrpcTestServer server = closing(new GrpcTestServer(
        io.grpc.InsecureServerCredentials.create(), b -> b.maxConcurrentCallsPerConnection(2)));
    Gateway gateway = start(Gateway.builder().workerThreads(1).route(Route.builder("grpc")
        .pathPrefix("/test.Echo").grpc().upstream(http2("echo", server.endpoint())).build()));

    List<java.util.concurrent.CompletableFuture<RawHttp.ChunkedResponse>> calls = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      calls.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> {
        try {
          return call(gateway, "Hold", "x");
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }));
    }
    // All six are held by the server at once: over two streams per connection, three connections.
    await().atMost(Duration.ofSeconds(20)).until(() -> server.held.get() == 6);
    assertThat(server.connections.get()).isGreaterThanOrEqualTo(3);
    server.releaseHeld();
    for (var call : calls) {
      RawHttp.ChunkedResponse response = call.get(20, TimeUnit.SECONDS);
      assertThat(frames(response.body())).containsExactly("released");
      assertThat(response.trailers()).containsEntry("grpc-status", "0");
    }
  }

  @Test
  void callsGoOnAcrossTheServersGoAwayOnANewConnection() throws Exception {
    GrpcTestServer server = closing(new GrpcTestServer(io.grpc.InsecureServerCredentials.create(),
        b -> b.maxConnectionAge(300, TimeUnit.MILLISECONDS)
            .maxConnectionAgeGrace(5, TimeUnit.SECONDS)));
    Gateway gateway = grpcGateway(http2("echo", server.endpoint()));

    // Keep calling until the server has retired a connection by GOAWAY and a new one served.
    int calls = 0;
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (server.connections.get() < 2 && System.nanoTime() < end) {
      RawHttp.ChunkedResponse response = call(gateway, "Unary", "n" + calls);
      assertThat(frames(response.body())).containsExactly("echo:n" + calls);
      assertThat(response.trailers()).containsEntry("grpc-status", "0");
      calls++;
    }
    assertThat(server.connections.get()).isGreaterThanOrEqualTo(2);
    RawHttp.ChunkedResponse after = call(gateway, "Unary", "after");
    assertThat(frames(after.body())).containsExactly("echo:after");
  }

  @Test
  void trailersOfAChunkedHttp11ResponseReachTheClient() throws Exception {
    try (ServerSocket upstreamSocket = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
      Thread server = new Thread(() -> {
        try (Socket socket = upstreamSocket.accept()) {
          InputStream in = socket.getInputStream();
          ByteArrayOutputStream head = new ByteArrayOutputStream();
          while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            head.write(in.read());
          }
          OutputStream out = socket.getOutputStream();
          out.write(("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: x-checksum\r\n\r\n"
              + "5\r\nhello\r\n0\r\nx-checksum: abc123\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
          out.flush();
          in.read(); // wait for the gateway to close or reuse
        } catch (Exception e) {
          // the test's assertions report what went wrong
        }
      });
      server.setDaemon(true);
      server.start();
      Upstream plain = Upstream.of("plain", closing(LoadBalancers.roundRobin().serviceName("plain")
          .endpointSource(EndpointSource.of(List.of(Endpoint.builder("127.0.0.1",
              upstreamSocket.getLocalPort()).id("plain").build()))).build()));
      Gateway gateway = start(Route.builder("all").pathPrefix("/").upstream(plain).build());

      try (RawHttp http = new RawHttp(gateway.port())) {
        http.send("GET /t HTTP/1.1\r\nHost: x\r\nTE: trailers\r\nConnection: TE\r\n\r\n");
        RawHttp.ChunkedResponse response = http.readWithTrailers();
        assertThat(new String(response.body(), StandardCharsets.UTF_8)).isEqualTo("hello");
        assertThat(response.trailers()).containsEntry("x-checksum", "abc123");
      }
    }
  }

  @Test
  void h2OverTlsWithAPrivateCaAndHostnameVerification() throws Exception {
    UpstreamPki pki = new UpstreamPki(dir, "upstream-ca");
    UpstreamPki.Issued cert = pki.server("localhost");
    GrpcTestServer server = closing(new GrpcTestServer(
        TlsServerCredentials.create(cert.certificate().toFile(), cert.key().toFile()), b -> b));
    UpstreamTls tls = UpstreamTls.builder().trustedCertificates(pki.caPem).build();
    Gateway gateway = grpcGateway(http2("tls", tls, server.endpoint("localhost")));

    RawHttp.ChunkedResponse response = call(gateway, "Unary", "secure");

    assertThat(frames(response.body())).containsExactly("echo:secure");
    assertThat(response.trailers()).containsEntry("grpc-status", "0");
  }

  @Test
  void tlsToAnUntrustedOrMisnamedEndpointFailsAsUnavailable() throws Exception {
    UpstreamPki pki = new UpstreamPki(dir, "upstream-ca");
    UpstreamPki other = new UpstreamPki(dir, "other-ca");
    UpstreamPki.Issued misnamed = pki.server("not-this-host.example");
    UpstreamPki.Issued localhost = pki.server("localhost");
    GrpcTestServer wrongName = closing(new GrpcTestServer(
        TlsServerCredentials.create(misnamed.certificate().toFile(), misnamed.key().toFile()),
        b -> b));
    GrpcTestServer rightName = closing(new GrpcTestServer(
        TlsServerCredentials.create(localhost.certificate().toFile(), localhost.key().toFile()),
        b -> b));
    Gateway misnamedGateway = grpcGateway(http2("misnamed",
        UpstreamTls.builder().trustedCertificates(pki.caPem).build(),
        wrongName.endpoint("localhost")));
    Gateway untrustedGateway = grpcGateway(http2("untrusted",
        UpstreamTls.builder().trustedCertificates(other.caPem).build(),
        rightName.endpoint("localhost")));

    RawHttp.ChunkedResponse misnamedAnswer = call(misnamedGateway, "Unary", "x");
    RawHttp.ChunkedResponse untrustedAnswer = call(untrustedGateway, "Unary", "x");

    assertThat(misnamedAnswer.header("grpc-status")).isEqualTo("14");
    assertThat(untrustedAnswer.header("grpc-status")).isEqualTo("14");
    assertThat(rightName.held.get() + wrongName.held.get()).isZero();
  }

  @Test
  void mutualTlsPresentsTheClientCertificate() throws Exception {
    UpstreamPki pki = new UpstreamPki(dir, "upstream-ca");
    UpstreamPki.Issued cert = pki.server("localhost");
    UpstreamPki.Issued gatewayCert = pki.client("gateway");
    GrpcTestServer server = closing(new GrpcTestServer(TlsServerCredentials.newBuilder()
        .keyManager(cert.certificate().toFile(), cert.key().toFile())
        .trustManager(pki.caPem.toFile())
        .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE).build(), b -> b));
    Gateway withCert = grpcGateway(http2("mtls", UpstreamTls.builder()
        .trustedCertificates(pki.caPem)
        .clientCertificate(gatewayCert.certificate(), gatewayCert.key()).build(),
        server.endpoint("localhost")));
    Gateway withoutCert = grpcGateway(http2("no-client-cert", UpstreamTls.builder()
        .trustedCertificates(pki.caPem).build(), server.endpoint("localhost")));

    assertThat(frames(call(withCert, "Unary", "m").body())).containsExactly("echo:m");
    assertThat(call(withoutCert, "Unary", "m").header("grpc-status")).isEqualTo("14");
  }

  @Test
  void http11OverTlsToAnHttpsUpstream() throws Exception {
    UpstreamPki pki = new UpstreamPki(dir, "upstream-ca");
    UpstreamPki.Issued cert = pki.server("localhost");
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(cert.bundle().toKeyManagerFactory().getKeyManagers(), null, null);
    HttpsServer https = HttpsServer.create(
        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    https.setHttpsConfigurator(new HttpsConfigurator(context));
    https.createContext("/", exchange -> {
      byte[] body = ("secure " + exchange.getRequestURI().getPath()).getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    https.start();
    closing(() -> https.stop(0));
    Upstream upstream = Upstream.builder("https", closing(LoadBalancers.roundRobin()
            .serviceName("https").endpointSource(EndpointSource.of(List.of(Endpoint.builder(
                "localhost", https.getAddress().getPort()).id("https").build()))).build()))
        .tls(UpstreamTls.builder().trustedCertificates(pki.caPem).build()).build();
    Gateway gateway = start(Route.builder("all").pathPrefix("/").upstream(upstream).build());

    assertThat(get(gateway, "/a").body()).isEqualTo("secure /a");
    assertThat(get(gateway, "/b").body()).as("over a pooled TLS connection").isEqualTo("secure /b");
  }

  @Test
  void aMirrorToAnHttp2ShadowSendsItsCopyAsAStream() throws Exception {
    TestUpstream primary = upstream("primary");
    GrpcTestServer shadow = closing(new GrpcTestServer());
    Gateway gateway = start(Route.builder("all").pathPrefix("/").upstream(upstreamOf("svc", primary))
        .mirror(Mirror.builder(http2("shadow", shadow.endpoint())).build()).build());

    assertThat(get(gateway, "/id").body()).isEqualTo("primary");

    // The copy reached the h2c-only server: an HTTP/1.1 request would never get it to ready.
    await().atMost(Duration.ofSeconds(10)).until(() -> shadow.connections.get() == 1);
  }
}
