package dev.layerkit.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ApiKeyAuthTest {

  private static final InetSocketAddress PEER = new InetSocketAddress("192.0.2.10", 40000);
  private static final String KEY = "k-3f9a1c7e5b2d4f60a8c1e3b5d7f9a1c3";
  private static final String OTHER_KEY = "k-0000000000000000000000000000ffff";

  private final ApiKeyAuth auth = Auth.apiKeys()
      .addKey("billing", KEY)
      .addKeyHash("ops", ApiKeyAuth.sha256Hex(OTHER_KEY))
      .realm("orders")
      .build();

  private static GatewayRequest request(String... headers) {
    return GatewayRequest.of("GET", "/api/orders", PEER, headers);
  }

  @Test
  void acceptsTheRightKeyAsItsIdNeverTheKey() {
    AuthResult result = auth.authenticate(request("X-API-Key", KEY));

    assertThat(result.authenticated()).isTrue();
    assertThat(result.principal()).isEqualTo(new Principal("billing", "api-key", Map.of()));
    assertThat(result.toString()).doesNotContain(KEY);
  }

  @Test
  void acceptsAKeyAddedByItsHash() {
    assertThat(auth.authenticate(request("X-API-Key", OTHER_KEY)).principal().subject())
        .isEqualTo("ops");
  }

  @ParameterizedTest
  @ValueSource(strings = {"X-API-Key", "x-api-key", "X-Api-Key", "X-API-KEY"})
  void readsTheHeaderInAnyCase(String name) {
    assertThat(auth.authenticate(request(name, KEY)).authenticated()).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"ApiKey ", "apikey ", "APIKEY  "})
  void readsAuthorizationApiKeyWithTheSchemeInAnyCase(String prefix) {
    assertThat(auth.authenticate(request("Authorization", prefix + KEY)).principal().subject())
        .isEqualTo("billing");
  }

  @Test
  void rejectsAWrongKeyWithInvalidKeyChallengeAndNoEcho() {
    String wrong = KEY.substring(0, KEY.length() - 1) + "0";

    AuthResult result = auth.authenticate(request("X-API-Key", wrong));

    assertThat(result.authenticated()).isFalse();
    assertThat(result.status()).isEqualTo(401);
    assertThat(result.challenge()).isEqualTo("ApiKey realm=\"orders\", error=\"invalid_key\"");
    assertThat(result.message()).isEqualTo("invalid API key").doesNotContain(wrong);
    assertThat(result.toString()).doesNotContain(wrong);
  }

  @Test
  void rejectsTheKeyInADifferentCase() {
    assertThat(auth.authenticate(request("X-API-Key", KEY.toUpperCase())).status())
        .isEqualTo(401);
  }

  @Test
  void answersAMissingKeyWithAChallengeWithoutError() {
    AuthResult result = auth.authenticate(request("Host", "example.com"));

    assertThat(result.status()).isEqualTo(401);
    assertThat(result.challenge()).isEqualTo("ApiKey realm=\"orders\"");
    assertThat(result.message()).isEqualTo("missing API key");
  }

  @Test
  void treatsAnEmptyHeaderOrAnotherAuthorizationSchemeAsMissing() {
    assertThat(auth.authenticate(request("X-API-Key", "  ")).message())
        .isEqualTo("missing API key");
    assertThat(auth.authenticate(request("Authorization", "Bearer " + KEY)).message())
        .isEqualTo("missing API key");
    assertThat(auth.authenticate(request("Authorization", "ApiKeyX " + KEY)).message())
        .isEqualTo("missing API key");
  }

  @Test
  void prefersTheConfiguredHeaderOverAuthorization() {
    AuthResult result =
        auth.authenticate(request("Authorization", "ApiKey " + KEY, "X-API-Key", "wrong"));

    assertThat(result.message()).isEqualTo("invalid API key");
  }

  @Test
  void readsACustomHeaderOnly() {
    ApiKeyAuth custom = Auth.apiKeys().header("X-Token").addKey("a", KEY).build();

    assertThat(custom.authenticate(request("x-token", KEY)).authenticated()).isTrue();
    assertThat(custom.authenticate(request("X-API-Key", KEY)).message())
        .isEqualTo("missing API key");
    assertThat(custom.authenticate(request("X-API-Key", KEY)).challenge())
        .isEqualTo("ApiKey realm=\"layerkit\"");
  }

  @Test
  void hashesTheUtf8BytesAsDocumented() {
    assertThat(ApiKeyAuth.sha256Hex("test"))
        .isEqualTo("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
    ApiKeyAuth byHex = Auth.apiKeys()
        .addKeyHash("t", "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08")
        .build();
    assertThat(byHex.authenticate(request("X-API-Key", "test")).authenticated()).isTrue();
  }

  @ParameterizedTest
  @ValueSource(ints = {255, 256, 257, 300})
  void hashesKeysOfEveryLengthAndAlphabetAsTheirUtf8Bytes(int length) throws Exception {
    String ascii = "a".repeat(length - 1) + "z";
    String nonAscii = "clé-ключ-" + "é".repeat(length - 9);
    ApiKeyAuth byHash = Auth.apiKeys()
        .addKeyHash("ascii", sha256Hex(ascii))
        .addKeyHash("non-ascii", sha256Hex(nonAscii))
        .build();

    // Alternating on one thread: a key never sees the bytes or digest state of the one before.
    for (int i = 0; i < 3; i++) {
      assertThat(byHash.authenticate(request("X-API-Key", nonAscii)).principal().subject())
          .isEqualTo("non-ascii");
      assertThat(byHash.authenticate(request("X-API-Key", ascii)).principal().subject())
          .isEqualTo("ascii");
      assertThat(byHash.authenticate(request("X-API-Key", ascii.substring(1))).authenticated())
          .isFalse();
    }
    assertThat(ApiKeyAuth.sha256Hex(nonAscii)).isEqualTo(sha256Hex(nonAscii));
  }

  @Test
  void authenticatingAnAsciiKeyAllocatesNothing() {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    GatewayRequest request = new KeyOnlyRequest(KEY);
    int calls = 20_000;
    for (int i = 0; i < calls; i++) {
      auth.authenticate(request);
    }
    long thread = Thread.currentThread().getId();
    long before = threads.getThreadAllocatedBytes(thread);
    int authenticated = 0;
    for (int i = 0; i < calls; i++) {
      authenticated += auth.authenticate(request).authenticated() ? 1 : 0;
    }
    long allocated = threads.getThreadAllocatedBytes(thread) - before;

    assertThat(authenticated).isEqualTo(calls);
    // Hashing into new arrays costs about 100 bytes a call; a few stray bytes are the probe's.
    assertThat(allocated).isLessThan(calls);
  }

  /**
   * A request whose {@code X-API-Key} lookup allocates nothing (a gateway's header lookup makes the
   * value's string, which is not the auth's cost).
   */
  private record KeyOnlyRequest(String key) implements GatewayRequest {
    @Override
    public String method() {
      return "GET";
    }

    @Override
    public String uri() {
      return "/";
    }

    @Override
    public String path() {
      return "/";
    }

    @Override
    public String host() {
      return "example.com";
    }

    @Override
    public @Nullable String header(String name) {
      return name.equalsIgnoreCase(ApiKeyAuth.DEFAULT_HEADER) ? key : null;
    }

    @Override
    public List<String> headers(String name) {
      return List.of();
    }

    @Override
    public InetSocketAddress remoteAddress() {
      return PEER;
    }

    @Override
    public String requestId() {
      return "r-1";
    }
  }

  /** SHA-256 of the key's UTF-8 bytes by the JDK directly, as 64 hex digits. */
  private static String sha256Hex(String key) throws Exception {
    return HexFormat.of().formatHex(
        MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void toStringShowsNoKeyOrHash() {
    assertThat(auth.toString())
        .isEqualTo("ApiKeyAuth[header=X-API-Key, realm=orders, keys=2]")
        .doesNotContain(ApiKeyAuth.sha256Hex(KEY));
  }

  @Test
  void builderRejectsBadValuesNamingTheParameter() {
    ApiKeyAuth.Builder builder = Auth.apiKeys();
    assertThatThrownBy(() -> builder.addKey("a", ""))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("plaintextKey");
    assertThatThrownBy(() -> builder.addKey("a", "has space"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("plaintextKey")
        .hasMessageNotContaining("has space");
    assertThatThrownBy(() -> builder.addKey(" ", "secret"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("keyId");
    assertThatThrownBy(() -> builder.addKeyHash("a", new byte[31]))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("31");
    assertThatThrownBy(() -> builder.addKeyHash("a", "abc"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'abc'");
    assertThatThrownBy(() -> builder.addKeyHash("a", "zz".repeat(32)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sha256Hex");
    assertThatThrownBy(() -> builder.header("Bad Header"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'Bad Header'");
    assertThatThrownBy(() -> builder.header("authorization"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("header");
    assertThatThrownBy(() -> builder.realm("a\"b"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("realm");
    assertThatThrownBy(() -> builder.addKey("a", null))
        .isInstanceOf(NullPointerException.class).hasMessage("plaintextKey");
    assertThatThrownBy(builder::build)
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("no API key");
  }

  @Test
  void builderRejectsARepeatedIdOrKey() {
    ApiKeyAuth.Builder builder = Auth.apiKeys().addKey("a", KEY);

    assertThatThrownBy(() -> builder.addKey("a", OTHER_KEY))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("'a'");
    assertThatThrownBy(() -> builder.addKeyHash("b", ApiKeyAuth.sha256Hex(KEY)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("'b'").hasMessageContaining("'a'")
        .hasMessageNotContaining(KEY);
  }

  @Test
  void builtAuthDoesNotChangeWithTheBuilder() {
    ApiKeyAuth.Builder builder = Auth.apiKeys().addKey("a", KEY);
    ApiKeyAuth built = builder.build();
    builder.addKey("b", OTHER_KEY);

    assertThat(built.authenticate(request("X-API-Key", OTHER_KEY)).authenticated()).isFalse();
  }
}
