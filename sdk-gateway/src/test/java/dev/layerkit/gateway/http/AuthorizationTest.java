package dev.layerkit.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AuthorizationTest {

  private static Principal jwt(Map<String, Object> claims) {
    return new Principal("alice", "jwt", claims);
  }

  @Test
  void aJwtNeedsEveryScopeFromTheScopeOrScpClaim() {
    Authorization rule = Authorization.builder().scopes("orders:read", "orders:write").build();

    assertThat(rule.check(jwt(Map.of("scope", "orders:read  orders:write openid")))
        .authenticated()).isTrue();
    assertThat(rule.check(jwt(Map.of("scp", List.of("orders:write", "orders:read"))))
        .authenticated()).isTrue();
    assertThat(rule.check(jwt(Map.of("scope", "orders:read", "scp", "orders:write")))
        .authenticated()).isTrue();
    AuthResult denied = rule.check(jwt(Map.of("scope", "orders:read")));
    assertThat(denied.status()).isEqualTo(403);
    assertThat(denied.challenge())
        .isEqualTo("Bearer error=\"insufficient_scope\", scope=\"orders:read orders:write\"");
    assertThat(rule.check(jwt(Map.of())).status()).isEqualTo(403);
  }

  @Test
  void aJwtNeedsOneOfTheRolesAtTheConfiguredClaimPath() {
    Authorization rule = Authorization.builder().roles("admin", "ops")
        .rolesClaim("realm_access.roles").build();

    assertThat(rule.check(jwt(Map.of("realm_access", Map.of("roles", List.of("user", "ops")))))
        .authenticated()).isTrue();
    assertThat(rule.check(jwt(Map.of("realm_access", Map.of("roles", List.of("user")))))
        .status()).isEqualTo(403);
    assertThat(rule.check(jwt(Map.of("roles", List.of("admin")))).status()).isEqualTo(403);
    assertThat(rule.check(jwt(Map.of("realm_access", "admin"))).status()).isEqualTo(403);
  }

  @Test
  void anApiKeyNeedsOneOfTheGroupsAndAJwtRuleDeniesKeys() {
    ApiKeyAuth keys = Auth.apiKeys().addKey("partner", "partner-key-1").addKey("web", "web-key-1")
        .groups("partner", "partners", "billing").build();
    InetSocketAddress peer = new InetSocketAddress("127.0.0.1", 1);
    Principal partner = keys.authenticate(GatewayRequest.of("GET", "/", peer,
        "X-API-Key", "partner-key-1")).principal();
    Principal web = keys.authenticate(GatewayRequest.of("GET", "/", peer,
        "X-API-Key", "web-key-1")).principal();

    Authorization groups = Authorization.builder().apiKeyGroups("billing").build();
    assertThat(groups.check(partner).authenticated()).isTrue();
    AuthResult denied = groups.check(web);
    assertThat(denied.status()).isEqualTo(403);
    assertThat(denied.challenge()).contains("error=\"insufficient_scope\"");
    assertThat(Authorization.builder().scopes("x").build().check(partner).status())
        .isEqualTo(403);
    assertThat(groups.check(jwt(Map.of("scope", "billing"))).status()).isEqualTo(403);
    assertThat(groups.check(Principal.ANONYMOUS).status()).isEqualTo(403);
  }

  @Test
  void builderRejectsAnEmptyRuleBadValuesAndARolesClaimGivenTwice() {
    assertThatThrownBy(() -> Authorization.builder().build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("scopes, roles or apiKeyGroups");
    assertThatThrownBy(() -> Authorization.builder().scopes("a b"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'a b'");
    assertThatThrownBy(() -> Authorization.builder().rolesClaim("a..b"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'a..b'");
    assertThatThrownBy(() -> Authorization.builder().rolesClaim("a").rolesClaim("b"))
        .isInstanceOf(IllegalStateException.class).hasMessage("rolesClaim was already set to a");
    assertThatThrownBy(() -> Auth.apiKeys().addKey("a", "key-1").groups("b", "g"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no key 'b'");
  }

  @Test
  void aRouteWithAuthorizationButNoAuthIsRejected() {
    assertThatThrownBy(() -> Route.builder("r").pathPrefix("/")
        .upstream(Upstream.of("u", dev.layerkit.gateway.lb.LoadBalancers.roundRobin()
            .endpointSource(dev.layerkit.gateway.lb.EndpointSource.of(
                List.of(dev.layerkit.gateway.lb.Endpoint.of("127.0.0.1", 1, 1)))).build()))
        .authorization(Authorization.builder().scopes("x").build()).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("authorization needs an auth");
  }

  @Test
  void routesFileReadsAuthorizationAndKeyGroupsAndNamesBadOnes() {
    String yaml = """
        upstreams:
          svc: { endpoints: ["127.0.0.1:8081"] }
        routes:
          - id: r
            pathPrefix: /
            upstream: svc
            auth:
              apiKeys: { keys: { partner: { hash: "%s", groups: [partners] } } }
            authorization: { apiKeyGroups: [partners], scopes: [orders:read], rolesClaim: realm_access.roles }
        """.formatted(ApiKeyAuth.sha256Hex("partner-key-1"));
    try (RoutesFile file = RoutesFile.parse(yaml, true, "routes.yaml")) {
      Route route = file.routes().get(0);
      assertThat(route.authorization().apiKeyGroups()).containsExactly("partners");
      assertThat(route.authorization().rolesClaim()).isEqualTo("realm_access.roles");
      Principal partner = route.auth().authenticate(GatewayRequest.of("GET", "/",
          new InetSocketAddress("127.0.0.1", 1), "X-API-Key", "partner-key-1")).principal();
      assertThat(route.authorization().check(partner).authenticated()).isTrue();
    }
    String bad = yaml.replace("scopes: [orders:read]", "scopes: [\"a b\"], groupz: [x]");
    assertThatThrownBy(() -> RoutesFile.parse(bad, true, "routes.yaml"))
        .isInstanceOf(GatewayConfigException.class)
        .hasMessageContaining("routes[0] (r).authorization.groupz: unknown field")
        .hasMessageContaining("'a b'");
  }
}
