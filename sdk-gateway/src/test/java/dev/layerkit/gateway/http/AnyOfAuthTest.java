package dev.layerkit.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AnyOfAuthTest {

  private static final GatewayRequest REQUEST =
      GatewayRequest.of("GET", "/", new InetSocketAddress("192.0.2.1", 1000));

  private static final Auth FAIL_A = request -> AuthResult.unauthorized("A", "a failed");
  private static final Auth FAIL_B = request -> AuthResult.forbidden("B", "b failed");
  private static final Principal ALICE = new Principal("alice", "jwt", Map.of());
  private static final Auth ALICE_AUTH = request -> AuthResult.success(ALICE);

  @Test
  void theFirstThatAuthenticatesWinsAndLaterOnesAreNotAsked() {
    AtomicInteger asked = new AtomicInteger();
    Auth counting = request -> {
      asked.incrementAndGet();
      return AuthResult.success(Principal.ANONYMOUS);
    };

    AuthResult result = Auth.anyOf(FAIL_A, ALICE_AUTH, counting).authenticate(REQUEST);

    assertThat(result.principal()).isEqualTo(ALICE);
    assertThat(asked).hasValue(0);
  }

  @Test
  void answersWithTheFirstFailureWhenAllFail() {
    AuthResult result = Auth.anyOf(FAIL_A, FAIL_B).authenticate(REQUEST);

    assertThat(result.status()).isEqualTo(401);
    assertThat(result.challenge()).isEqualTo("A");
    assertThat(result.message()).isEqualTo("a failed");
    assertThat(Auth.anyOf(FAIL_B, FAIL_A).authenticate(REQUEST).status()).isEqualTo(403);
  }

  @Test
  void combinesApiKeysAndNone() {
    Auth auth = Auth.anyOf(Auth.apiKeys().addKey("k", "secret-key").build(), Auth.none());

    assertThat(auth.authenticate(REQUEST).principal()).isEqualTo(Principal.ANONYMOUS);
    GatewayRequest withKey = GatewayRequest.of(
        "GET", "/", new InetSocketAddress("192.0.2.1", 1000), "X-API-Key", "secret-key");
    assertThat(auth.authenticate(withKey).principal().subject()).isEqualTo("k");
  }

  @Test
  void rejectsNoAlternativesOrNullOnes() {
    assertThatThrownBy(Auth::anyOf)
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("auths");
    assertThatThrownBy(() -> Auth.anyOf(FAIL_A, null))
        .isInstanceOf(NullPointerException.class).hasMessage("auths[1]");
  }
}
