package dev.layerkit.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import dev.layerkit.core.time.ManualTimeSource;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * JWT keys from a real JWKS endpoint (a JDK {@code HttpServer} in the test serving rotating keys)
 * through a started gateway; the fetches are counted at the server.
 */
class GatewayJwksIT extends GatewayTestSupport {

  private static final Duration INTERVAL = Duration.ofSeconds(10);

  private final ManualTimeSource time = new ManualTimeSource();
  private final AtomicReference<String> document = new AtomicReference<>("{\"keys\":[]}");
  private final AtomicInteger fetches = new AtomicInteger();
  private Gateway gateway;
  private TestUpstream upstream;

  @BeforeEach
  void startJwksServerAndGateway() throws Exception {
    HttpServer jwks = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    ExecutorService executor = Executors.newFixedThreadPool(2);
    jwks.setExecutor(executor);
    jwks.createContext("/jwks", exchange -> {
      fetches.incrementAndGet();
      byte[] body = document.get().getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    jwks.start();
    closing(() -> {
      jwks.stop(0);
      executor.shutdownNow();
    });
    upstream = upstream("a");
    JwtAuth auth = Auth.jwt()
        .jwksUrl(URI.create("http://127.0.0.1:" + jwks.getAddress().getPort() + "/jwks"))
        .jwksRefreshInterval(INTERVAL).jwksMaxBytes(16 * 1024)
        .issuer("https://id.example.com").audience("orders").timeSource(time).build();
    gateway = start(Route.builder("orders").pathPrefix("/").auth(auth)
        .upstream(upstreamOf("svc", upstream)).build());
  }

  private void serve(ECKey... keys) {
    List<com.nimbusds.jose.jwk.JWK> publicKeys = new ArrayList<>();
    for (ECKey key : keys) {
      publicKeys.add(key.toPublicJWK());
    }
    document.set(new JWKSet(publicKeys).toString());
  }

  private static ECKey key(String kid) throws Exception {
    return new ECKeyGenerator(Curve.P_256).keyID(kid).generate();
  }

  private String token(ECKey key) throws Exception {
    JWTClaimsSet claims = new JWTClaimsSet.Builder().subject("alice")
        .issuer("https://id.example.com").audience("orders")
        .expirationTime(Date.from(time.instant().plusSeconds(600))).build();
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256)
        .type(JOSEObjectType.JWT).keyID(key.getKeyID()).build(), claims);
    jwt.sign(new ECDSASigner(key));
    return jwt.serialize();
  }

  private int call(String token) throws Exception {
    return get(gateway, "/", "Authorization", "Bearer " + token).statusCode();
  }

  @Test
  void aTokenSignedWithARotatedKeyIsAcceptedWithoutRestart() throws Exception {
    ECKey first = key("k1");
    ECKey second = key("k2");
    serve(first);
    assertThat(call(token(first))).isEqualTo(200);
    assertThat(fetches).hasValue(1);

    serve(second); // the issuer rotates: k1 retired, k2 signs from now on
    // Within the refresh interval of the first fetch, the unknown kid may not fetch again.
    assertThat(call(token(second))).isEqualTo(401);
    assertThat(fetches).hasValue(1);

    time.advance(INTERVAL.plusSeconds(1));
    assertThat(call(token(second))).isEqualTo(200);
    assertThat(fetches).hasValue(2);
    // Later tokens of the new key are verified from the set held, without fetching.
    for (int i = 0; i < 5; i++) {
      assertThat(call(token(second))).isEqualTo(200);
    }
    assertThat(fetches).hasValue(2);
    assertThat(upstream.requests.get()).isBetween(7, 8);
  }

  @Test
  void aFloodOfUnknownKidsFetchesAtMostOncePerInterval() throws Exception {
    ECKey good = key("good");
    serve(good);
    assertThat(call(token(good))).isEqualTo(200);
    assertThat(fetches).hasValue(1);

    assertThat(flood(200)).allMatch(status -> status == 401);
    assertThat(fetches).hasValue(1);

    time.advance(INTERVAL);
    assertThat(flood(200)).allMatch(status -> status == 401);
    assertThat(fetches).hasValue(2);

    time.advance(INTERVAL);
    assertThat(flood(200)).allMatch(status -> status == 401);
    assertThat(fetches).hasValue(3);
    // The good key kept working throughout.
    assertThat(call(token(good))).isEqualTo(200);
    assertThat(upstream.requests.get()).isBetween(2, 3);
  }

  private List<Integer> flood(int tokens) throws Exception {
    List<String> signed = new ArrayList<>(tokens);
    for (int i = 0; i < tokens; i++) {
      signed.add(token(key("random-" + i)));
    }
    return onThreads(tokens, 8, i -> call(signed.get(i)));
  }

  @Test
  void anInvalidOrTooLargeDocumentIsRejectedAndTheOldKeysStay() throws Exception {
    ECKey old = key("old");
    ECKey next = key("next");
    serve(old);
    assertThat(call(token(old))).isEqualTo(200);

    document.set("{\"keys\": [ this is not json");
    time.advance(INTERVAL);
    assertThat(call(token(next))).isEqualTo(401);
    assertThat(fetches).hasValue(2);
    assertThat(call(token(old))).isEqualTo(200);

    document.set(new JWKSet(List.of(old.toPublicJWK(), next.toPublicJWK())).toString()
        .replace("{\"keys\"", "{\"padding\":\"" + "x".repeat(20_000) + "\",\"keys\""));
    time.advance(INTERVAL);
    assertThat(call(token(next))).isEqualTo(401);
    assertThat(fetches).hasValue(3);
    assertThat(call(token(old))).isEqualTo(200);

    document.set("{\"keys\":[]}");
    time.advance(INTERVAL);
    assertThat(call(token(next))).isEqualTo(401);
    assertThat(fetches).hasValue(4);
    assertThat(call(token(old))).isEqualTo(200);

    serve(old, next);
    time.advance(INTERVAL);
    assertThat(call(token(next))).isEqualTo(200);
    assertThat(fetches).hasValue(5);
  }

  @Test
  void theFirstTokenWaitsForTheFirstFetchOffTheEventLoop() throws Exception {
    ECKey key = key("k");
    serve(key);
    HttpResponse<String> answer = get(gateway, "/", "Authorization", "Bearer " + token(key));
    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(answer.body()).isEqualTo("a");
  }
}
