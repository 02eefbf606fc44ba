package dev.layerkit.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Scopes, roles and API-key groups through a started gateway: 403 is not 401. */
class GatewayAuthorizationIT extends GatewayTestSupport {

  private static final byte[] SECRET =
      "0123456789abcdef0123456789abcdef-hs256".getBytes(StandardCharsets.UTF_8);

  @Test
  void aCallerWithoutTheScopeGets403InsufficientScopeAndTheUpstreamSeesNothing() throws Exception {
    TestUpstream a = upstream("a");
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    Gateway gateway = start(Gateway.builder().meterRegistry(meters).route(
        Route.builder("orders").pathPrefix("/")
            .auth(Auth.anyOf(
                Auth.jwt().hmacSecret(SECRET).issuer("me").audience("orders").build(),
                Auth.apiKeys().addKey("partner", "partner-key-1").addKey("web", "web-key-1")
                    .groups("partner", "partners").build()))
            .authorization(Authorization.builder().scopes("orders:write").roles("clerk")
                .rolesClaim("realm_access.roles").apiKeyGroups("partners").build())
            .upstream(upstreamOf("svc", a)).build()));

    HttpResponse<String> none = get(gateway, "/");
    assertThat(none.statusCode()).isEqualTo(401);

    HttpResponse<String> readOnly = get(gateway, "/", "Authorization",
        "Bearer " + token(Map.of("scope", "orders:read", "realm_access", Map.of("roles", List.of("clerk")))));
    assertThat(readOnly.statusCode()).isEqualTo(403);
    assertThat(readOnly.headers().firstValue("www-authenticate"))
        .hasValue("Bearer error=\"insufficient_scope\", scope=\"orders:write\"");
    assertThat(readOnly.body()).contains("insufficient scope");

    HttpResponse<String> noRole = get(gateway, "/", "Authorization",
        "Bearer " + token(Map.of("scp", List.of("orders:write"))));
    assertThat(noRole.statusCode()).isEqualTo(403);

    HttpResponse<String> web = get(gateway, "/", "X-API-Key", "web-key-1");
    assertThat(web.statusCode()).isEqualTo(403);
    assertThat(web.headers().firstValue("www-authenticate").orElseThrow())
        .contains("error=\"insufficient_scope\"");
    assertThat(a.requests.get()).isZero();

    assertThat(get(gateway, "/", "Authorization", "Bearer " + token(Map.of(
        "scope", "orders:write orders:read", "realm_access", Map.of("roles", List.of("clerk"))))).statusCode())
        .isEqualTo(200);
    assertThat(get(gateway, "/", "X-API-Key", "partner-key-1").statusCode()).isEqualTo(200);
    assertThat(a.requests.get()).isEqualTo(2);
    assertThat(meters.get("layerkit.gateway.authorization.denied").tag("route", "orders")
        .counter().count()).isEqualTo(3);
  }

  private static String token(Map<String, Object> claims) throws Exception {
    JWTClaimsSet.Builder set = new JWTClaimsSet.Builder().subject("alice").issuer("me")
        .audience("orders").expirationTime(Date.from(Instant.now().plusSeconds(300)));
    claims.forEach(set::claim);
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256)
        .type(JOSEObjectType.JWT).build(), set.build());
    jwt.sign(new MACSigner(SECRET));
    return jwt.serialize();
  }
}
