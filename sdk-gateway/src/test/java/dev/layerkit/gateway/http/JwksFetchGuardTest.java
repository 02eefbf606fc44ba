package dev.layerkit.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.source.JWKSetParseException;
import com.nimbusds.jose.jwk.source.JWKSetSource;
import com.nimbusds.jose.jwk.source.RateLimitReachedException;
import com.nimbusds.jose.proc.SecurityContext;
import dev.layerkit.core.time.ManualTimeSource;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class JwksFetchGuardTest {

  private final ManualTimeSource time = new ManualTimeSource();
  private final AtomicInteger retrievals = new AtomicInteger();
  private final AtomicReference<JWKSet> served = new AtomicReference<>();
  private final JWKSetSource<SecurityContext> source = new JWKSetSource<>() {
    @Override
    public JWKSet getJWKSet(com.nimbusds.jose.jwk.source.JWKSetCacheRefreshEvaluator evaluator,
        long currentTime, SecurityContext context) {
      retrievals.incrementAndGet();
      return served.get();
    }

    @Override
    public void close() {}
  };

  @Test
  void letsOneRetrievalThroughPerIntervalOnTheTimeSource() throws Exception {
    served.set(new JWKSet(new ECKeyGenerator(Curve.P_256).keyID("k").generate()));
    JwksFetchGuard guard = new JwksFetchGuard(source, time, Duration.ofSeconds(30).toNanos());

    assertThat(guard.getJWKSet(null, 0, null).getKeyByKeyId("k")).isNotNull();
    for (int i = 0; i < 100; i++) {
      assertThatThrownBy(() -> guard.getJWKSet(null, 0, null))
          .isInstanceOf(RateLimitReachedException.class);
      time.advance(Duration.ofMillis(290));
    }
    assertThat(retrievals).hasValue(1);
    time.advance(Duration.ofSeconds(1));
    guard.getJWKSet(null, 0, null);
    assertThat(retrievals).hasValue(2);
    assertThat(guard.fetches()).isEqualTo(2);
  }

  @Test
  void aSetWithoutAUsablePublicKeyIsRejectedAsUnparsableAndPrivatePartsAreDropped()
      throws Exception {
    JwksFetchGuard guard = new JwksFetchGuard(source, time, 1);
    served.set(new JWKSet(new OctetSequenceKey.Builder(new byte[32]).keyID("hmac").build()));
    assertThatThrownBy(() -> guard.getJWKSet(null, 0, null))
        .isInstanceOf(JWKSetParseException.class);

    time.advance(Duration.ofSeconds(1));
    served.set(new JWKSet(new ECKeyGenerator(Curve.P_256).keyID("ec").generate()));
    JWKSet usable = guard.getJWKSet(null, 0, null);
    assertThat(usable.getKeys()).singleElement().satisfies(key -> assertThat(key.isPrivate()).isFalse());
  }

  @Test
  void jwksSettingsAreValidatedAndGivenOnce() {
    assertThatThrownBy(() -> Auth.jwt().jwksUrl(URI.create("file:///etc/jwks.json")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("file:///etc/jwks.json");
    assertThatThrownBy(() -> Auth.jwt().jwksRefreshInterval(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Auth.jwt().jwksUrl(URI.create("http://a/jwks"))
        .jwksUrl(URI.create("http://b/jwks")))
        .isInstanceOf(IllegalStateException.class).hasMessage("jwksUrl was already set to http://a/jwks");
    JwtAuth auth = Auth.jwt().jwksUrl(URI.create("http://127.0.0.1:1/jwks")).issuer("me")
        .audience("orders").build();
    assertThat(auth.toString()).contains("ES256", "RS256").doesNotContain("HS256");
  }

  @Test
  void aDirectAuthenticateNeverWaitsForTheUrl() {
    JwtAuth auth = Auth.jwt().jwksUrl(URI.create("http://127.0.0.1:1/jwks")).issuer("me")
        .audience("orders").build();
    String header = "eyJhbGciOiJFUzI1NiIsImtpZCI6ImsifQ";
    String token = header + ".eyJzdWIiOiJhIn0.c2ln";
    AuthResult result = auth.authenticate(GatewayRequest.of("GET", "/",
        new InetSocketAddress("127.0.0.1", 1), "Authorization", "Bearer " + token));
    assertThat(result.status()).isEqualTo(401);
  }

  @Test
  void routesFileReadsAJwksJwtAndNamesItsProblems() {
    String yaml = """
        upstreams:
          svc: { endpoints: ["127.0.0.1:8081"] }
        routes:
          - id: r
            pathPrefix: /
            upstream: svc
            auth:
              jwt: { jwksUrl: "https://id.example.com/jwks", issuer: me, audience: [orders],
                     jwksRefreshInterval: 10s, jwksCacheTtl: 1m }
            authorization: { scopes: [orders:read] }
        """;
    try (RoutesFile file = RoutesFile.parse(yaml, true, "routes.yaml")) {
      assertThat(file.routes().get(0).auth()).isInstanceOf(JwtAuth.class);
    }
    String bad = yaml.replace("issuer: me, ", "").replace("10s", "soon");
    assertThatThrownBy(() -> RoutesFile.parse(bad, true, "routes.yaml"))
        .isInstanceOf(GatewayConfigException.class)
        .hasMessageContaining("routes[0] (r).auth.jwt.issuer: missing")
        .hasMessageContaining("routes[0] (r).auth.jwt.jwksRefreshInterval: 'soon'");
  }
}
