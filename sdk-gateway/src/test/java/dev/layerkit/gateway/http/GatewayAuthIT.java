package dev.layerkit.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.layerkit.core.time.ManualTimeSource;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.Date;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Authentication, CORS and routes files through the gateway over real sockets. */
class GatewayAuthIT extends GatewayTestSupport {

  private static final byte[] SECRET =
      "0123456789abcdef0123456789abcdef-hs256".getBytes(StandardCharsets.UTF_8);

  @TempDir Path dir;

  @Test
  void apiKeysLetTheRightKeyInAndAnswer401Otherwise() throws Exception {
    TestUpstream a = upstream("a");
    Gateway gateway = start(Route.builder("api").pathPrefix("/")
        .auth(Auth.apiKeys().addKey("web", "key-for-the-web-page-1").build())
        .upstream(upstreamOf("svc", a)).build());

    HttpResponse<String> missing = get(gateway, "/");
    assertThat(missing.statusCode()).isEqualTo(401);
    assertThat(missing.headers().firstValue("www-authenticate")).hasValueSatisfying(
        challenge -> assertThat(challenge).startsWith("ApiKey realm="));
    HttpResponse<String> wrong = get(gateway, "/", "X-API-Key", "key-for-the-web-page-2");
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(wrong.body()).doesNotContain("key-for-the-web-page");
    assertThat(a.requests.get()).isZero();

    assertThat(get(gateway, "/", "X-API-Key", "key-for-the-web-page-1").statusCode()).isEqualTo(200);
  }

  @Test
  void jwtRejectsNoneWrongAlgorithmAndExpiredTokens() throws Exception {
    TestUpstream a = upstream("a");
    ManualTimeSource time = new ManualTimeSource();
    KeyPair rsa = KeyPairGenerator.getInstance("RSA").generateKeyPair();
    Gateway gateway = start(
        Route.builder("hs").pathPrefix("/hs").auth(Auth.jwt().hmacSecret(SECRET).issuer("me")
            .audience("orders").timeSource(time).build()).upstream(upstreamOf("svc", a)).build(),
        Route.builder("rs").pathPrefix("/rs").auth(Auth.jwt().publicKey(rsa.getPublic()).issuer("me")
            .audience("orders").timeSource(time).build()).upstream(upstreamOf("svc2", a)).build());
    JWTClaimsSet claims = new JWTClaimsSet.Builder().subject("alice").issuer("me").audience("orders")
        .expirationTime(Date.from(time.instant().plusSeconds(60))).build();

    String hs256 = sign(new MACSigner(SECRET), JWSAlgorithm.HS256, claims);
    assertThat(get(gateway, "/hs", "Authorization", "Bearer " + hs256).statusCode()).isEqualTo(200);
    String rs256 = sign(new RSASSASigner(rsa.getPrivate()), JWSAlgorithm.RS256, claims);
    assertThat(get(gateway, "/rs", "Authorization", "Bearer " + rs256).statusCode()).isEqualTo(200);

    String none = new PlainJWT(claims).serialize();
    assertRejected(get(gateway, "/hs", "Authorization", "Bearer " + none));
    assertRejected(get(gateway, "/rs", "Authorization", "Bearer " + none));
    // HS256 on the RS256 route, keyed with the RSA public key: the classic confusion attack.
    String confused = sign(new MACSigner(rsa.getPublic().getEncoded()), JWSAlgorithm.HS256, claims);
    assertRejected(get(gateway, "/rs", "Authorization", "Bearer " + confused));
    assertRejected(get(gateway, "/rs", "Authorization", "Bearer " + hs256));

    time.advance(Duration.ofMinutes(5));
    assertRejected(get(gateway, "/hs", "Authorization", "Bearer " + hs256));
    assertThat(a.requests.get()).isEqualTo(2);
  }

  private static void assertRejected(HttpResponse<String> response) {
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.headers().firstValue("www-authenticate")).hasValueSatisfying(
        challenge -> assertThat(challenge).contains("error=\"invalid_token\""));
  }

  private static String sign(com.nimbusds.jose.JWSSigner signer, JWSAlgorithm algorithm,
      JWTClaimsSet claims) throws Exception {
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(algorithm).type(JOSEObjectType.JWT).build(), claims);
    jwt.sign(signer);
    return jwt.serialize();
  }

  @Test
  void answersCorsPreflightsAndAddsCorsHeaders() throws Exception {
    TestUpstream a = upstream("a");
    Gateway gateway = start(Route.builder("api").pathPrefix("/")
        .auth(Auth.apiKeys().addKey("web", "key-for-the-web-page-1").build())
        .cors(CorsPolicy.builder().allowedOrigins("https://shop.example.com")
            .allowedMethods("GET", "POST").allowedHeaders("X-API-Key").build())
        .upstream(upstreamOf("svc", a)).build());

    HttpResponse<String> preflight = client.send(HttpRequest.newBuilder(uri(gateway, "/orders"))
        .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
        .header("Origin", "https://shop.example.com")
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "x-api-key").build(), HttpResponse.BodyHandlers.ofString());
    assertThat(preflight.statusCode()).isEqualTo(204);
    assertThat(preflight.headers().firstValue("access-control-allow-origin")).hasValue("https://shop.example.com");
    assertThat(preflight.headers().firstValue("access-control-allow-methods").orElseThrow()).contains("POST");

    HttpResponse<String> refused = client.send(HttpRequest.newBuilder(uri(gateway, "/orders"))
        .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
        .header("Origin", "https://evil.example.com")
        .header("Access-Control-Request-Method", "POST").build(), HttpResponse.BodyHandlers.ofString());
    assertThat(refused.statusCode()).isEqualTo(403);

    HttpResponse<String> actual = get(gateway, "/", "Origin", "https://shop.example.com",
        "X-API-Key", "key-for-the-web-page-1");
    assertThat(actual.statusCode()).isEqualTo(200);
    assertThat(actual.headers().firstValue("access-control-allow-origin")).hasValue("https://shop.example.com");
    assertThat(actual.headers().allValues("vary")).anySatisfy(v -> assertThat(v).contains("Origin"));
    assertThat(a.requests.get()).isEqualTo(1);
  }

  @Test
  void routesFromAFileAreReloadedWithoutDroppingConnections() throws Exception {
    TestUpstream a = upstream("a");
    TestUpstream b = upstream("b");
    Path file = dir.resolve("routes.yaml");
    Files.writeString(file, routes("/one", a));
    RoutesFile first = closing(RoutesFile.load(file));
    Gateway gateway = start(Gateway.builder().routes(first.routes()));

    try (RawHttp raw = new RawHttp(gateway.port())) {
      raw.send("GET /one HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(raw.read().body()).isEqualTo("a");

      Files.writeString(file, routes("/two", b));
      RoutesFile second = closing(RoutesFile.load(file));
      gateway.reload(second.routes());

      raw.send("GET /two HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(raw.read().body()).isEqualTo("b");
      raw.send("GET /one HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(raw.read().status()).isEqualTo(404);
    }
  }

  private static String routes(String path, TestUpstream server) {
    return """
        upstreams:
          svc:
            endpoints: ["127.0.0.1:%d"]
        routes:
          - id: r
            pathPrefix: %s
            upstream: svc
        """.formatted(server.port(), path);
  }
}
