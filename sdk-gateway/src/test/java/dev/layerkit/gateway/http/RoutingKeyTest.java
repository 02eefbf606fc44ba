package dev.layerkit.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.gateway.lb.RequestContext;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Key extraction edge cases of {@link RoutingKey}, without sockets. */
class RoutingKeyTest {

  private static final InetSocketAddress PEER = new InetSocketAddress("10.0.0.2", 40000);
  private static final Principal JWT = new Principal("alice", "jwt", Map.of());
  private static final Principal API_KEY = new Principal("billing", "api-key", Map.of());

  private static GatewayRequest request(String uri, String... headers) {
    return GatewayRequest.of("GET", uri, PEER, headers);
  }

  private static String key(RoutingKey key, GatewayRequest request) {
    return key.resolve(request, Principal.ANONYMOUS);
  }

  @Test
  void headerIsReadInAnyCaseAndTrimmed() {
    RoutingKey key = RoutingKey.header("X-User-Id");

    assertThat(key(key, request("/", "x-user-id", "  42 "))).isEqualTo("42");
    assertThat(key(key, request("/", "X-Other", "42"))).isNull();
  }

  @Test
  void duplicateHeaderLinesRouteLikeTheirCombinedValue() {
    RoutingKey key = RoutingKey.header("X-User-Id");

    String twoLines = key(key, request("/", "X-User-Id", "a", "X-User-Id", "b"));

    assertThat(twoLines).isEqualTo("a, b")
        .isEqualTo(key(key, request("/", "X-User-Id", "a, b")));
    assertThat(key(key, request("/", "X-User-Id", "b", "X-User-Id", "a"))).isNotEqualTo(twoLines);
  }

  @Test
  void emptyHeaderLinesAreSkippedAndAllEmptyIsAbsent() {
    RoutingKey key = RoutingKey.header("X-User-Id");

    assertThat(key(key, request("/", "X-User-Id", "", "X-User-Id", "7"))).isEqualTo("7");
    assertThat(key(key, request("/", "X-User-Id", ""))).isNull();
    assertThat(key(key, request("/", "X-User-Id", " ", "X-User-Id", ""))).isNull();
  }

  @Test
  void cookieIsFoundAmongOthersAndOverSeveralCookieLines() {
    RoutingKey key = RoutingKey.cookie("SESSION");

    assertThat(key(key, request("/", "Cookie", "theme=dark; SESSION=s-1; lang=en")))
        .isEqualTo("s-1");
    assertThat(key(key, request("/", "Cookie", "theme=dark", "Cookie", "SESSION=s-2")))
        .isEqualTo("s-2");
    assertThat(key(key, request("/", "Cookie", "XSESSION=nope; SESSIONX=nope"))).isNull();
    assertThat(key(key, request("/", "Cookie", "session=other-case"))).isNull();
  }

  @Test
  void firstCookieOfTheNameWinsAndQuotesAreDropped() {
    RoutingKey key = RoutingKey.cookie("SESSION");

    assertThat(key(key, request("/", "Cookie", "SESSION=first; SESSION=second")))
        .isEqualTo("first");
    assertThat(key(key, request("/", "Cookie", "SESSION=\"quoted\""))).isEqualTo("quoted");
  }

  @Test
  void malformedCookieHeaderSkipsTheBrokenPairsOnly() {
    RoutingKey key = RoutingKey.cookie("SESSION");

    assertThat(key(key, request("/", "Cookie", ";;; =x; bad pair ; SESSION=ok; ;")))
        .isEqualTo("ok");
    assertThat(key(key, request("/", "Cookie", "SESSION"))).isNull();
    assertThat(key(key, request("/", "Cookie", "SESSION="))).isNull();
    assertThat(key(key, request("/", "Cookie", "=====; ;"))).isNull();
  }

  @Test
  void queryValuesArePercentDecodedSoEncodedAndPlainFormsAreOneKey() {
    RoutingKey key = RoutingKey.queryParameter("user");

    assertThat(key(key, request("/cart?user=a%40b.example"))).isEqualTo("a@b.example");
    assertThat(key(key, request("/cart?user=a@b.example"))).isEqualTo("a@b.example");
    assertThat(key(key, request("/cart?user=J%C3%BCrgen+M"))).isEqualTo("Jürgen M");
    assertThat(key(key, request("/cart?user=1%2B1"))).isEqualTo("1+1");
    assertThat(key(key, request("/cart?%75ser=encoded-name"))).isEqualTo("encoded-name");
  }

  @Test
  void queryTakesTheFirstParameterOfTheNameAndSkipsOthers() {
    RoutingKey key = RoutingKey.queryParameter("user");

    assertThat(key(key, request("/?a=1&user=u1&user=u2"))).isEqualTo("u1");
    assertThat(key(key, request("/?username=no&xuser=no&user=yes"))).isEqualTo("yes");
    assertThat(key(key, request("/?user&user=second"))).isEqualTo("second");
    assertThat(key(key, request("/?user=u3#fragment"))).isEqualTo("u3");
  }

  @Test
  void queryWithoutTheParameterOrWithAnEmptyOrMalformedValueIsAbsent() {
    RoutingKey key = RoutingKey.queryParameter("user");

    assertThat(key(key, request("/cart"))).isNull();
    assertThat(key(key, request("/cart?"))).isNull();
    assertThat(key(key, request("/cart?user="))).isNull();
    assertThat(key(key, request("/cart?user=%zz"))).isNull();
    assertThat(key(key, request("/cart?user=%4"))).isNull();
  }

  @Test
  void aMalformedOtherParameterDoesNotHideTheKey() {
    assertThat(key(RoutingKey.queryParameter("user"), request("/?q=100%&user=u9&z=%G1")))
        .isEqualTo("u9");
  }

  @Test
  void jwtSubjectOnlyForJwtCallers() {
    RoutingKey key = RoutingKey.jwtSubject();
    GatewayRequest request = request("/");

    assertThat(key.resolve(request, JWT)).isEqualTo("alice");
    assertThat(key.resolve(request, API_KEY)).isNull();
    assertThat(key.resolve(request, Principal.ANONYMOUS)).isNull();
  }

  @Test
  void principalIsAnyAuthenticatedSubject() {
    RoutingKey key = RoutingKey.principal();
    GatewayRequest request = request("/");

    assertThat(key.resolve(request, JWT)).isEqualTo("alice");
    assertThat(key.resolve(request, API_KEY)).isEqualTo("billing");
    assertThat(key.resolve(request, Principal.ANONYMOUS)).isNull();
  }

  @Test
  void clientIpBelievesForwardedForOnlyFromTrustedProxies() {
    GatewayRequest viaProxy = request("/", "X-Forwarded-For", "6.6.6.6, 198.51.100.23");

    assertThat(key(RoutingKey.clientIp(), viaProxy)).isEqualTo("10.0.0.2");
    assertThat(key(RoutingKey.clientIp(TrustedProxies.of("10.0.0.0/8")), viaProxy))
        .isEqualTo("198.51.100.23")
        .isEqualTo(KeyResolver.clientIp(TrustedProxies.of("10.0.0.0/8"))
            .resolve(viaProxy, Principal.ANONYMOUS).substring("ip:".length()));
  }

  @Test
  void aChainTakesTheFirstKeyTheRequestCarries() {
    RoutingKey key = RoutingKey.header("X-User-Id")
        .orElse(RoutingKey.cookie("SESSION"))
        .orElse(RoutingKey.clientIp());

    assertThat(key(key, request("/", "X-User-Id", "u", "Cookie", "SESSION=s"))).isEqualTo("u");
    assertThat(key(key, request("/", "X-User-Id", "", "Cookie", "SESSION=s"))).isEqualTo("s");
    assertThat(key(key, request("/"))).isEqualTo("10.0.0.2");
    assertThat(key).hasToString("header:X-User-Id, cookie:SESSION, client-ip");
  }

  @Test
  void aRequestWithoutTheKeyGetsARandomKeyHashAndIsCounted() {
    Counter fallbacks = new SimpleMeterRegistry().counter("fallbacks");
    RoutingKey key = RoutingKey.header("X-User-Id");
    Set<Long> hashes = new HashSet<>();

    for (int i = 0; i < 100; i++) {
      RequestContext context = RoutingKeys.contextFor(key, request("/"), Principal.ANONYMOUS,
          fallbacks, cookie -> { throw new AssertionError("no sticky cookie here"); });
      assertThat(context.hasKey()).isTrue();
      hashes.add(context.keyHash());
    }
    RequestContext keyed = RoutingKeys.contextFor(key, request("/", "X-User-Id", "42"),
        Principal.ANONYMOUS, fallbacks, cookie -> { throw new AssertionError("no cookie"); });

    assertThat(hashes).hasSize(100);
    assertThat(fallbacks.count()).isEqualTo(100.0);
    assertThat(keyed.key()).isEqualTo("42");
    assertThat(keyed.keyHash()).isEqualTo(RequestContext.ofKey("42").keyHash());
  }

  @Test
  void aChainWithAStickyCookieGivesAKeylessRequestAFreshCookieInsteadOfARandomHash() {
    Counter fallbacks = new SimpleMeterRegistry().counter("fallbacks");
    RoutingKey key = RoutingKey.header("X-User-Id").orElse(RoutingKey.stickyCookie("lk"));
    java.util.List<String> setCookies = new java.util.ArrayList<>();

    RequestContext fresh =
        RoutingKeys.contextFor(key, request("/"), Principal.ANONYMOUS, fallbacks, setCookies::add);
    RequestContext returning = RoutingKeys.contextFor(key,
        request("/", "Cookie", "lk=" + fresh.key()), Principal.ANONYMOUS, fallbacks,
        setCookies::add);
    RequestContext byHeader = RoutingKeys.contextFor(key,
        request("/", "X-User-Id", "7", "Cookie", "lk=" + fresh.key()), Principal.ANONYMOUS,
        fallbacks, setCookies::add);

    assertThat(fresh.key()).matches("[0-9a-f]{32}");
    assertThat(setCookies).containsExactly(
        "lk=" + fresh.key() + "; Path=/; HttpOnly; SameSite=Lax");
    assertThat(returning.keyHash()).isEqualTo(fresh.keyHash());
    assertThat(byHeader.key()).isEqualTo("7");
    assertThat(fallbacks.count()).isZero();
    assertThat(key).hasToString("header:X-User-Id, sticky-cookie:lk");
  }

  @Test
  void badNamesAreRejectedNamingTheValue() {
    assertThatThrownBy(() -> RoutingKey.header("X User"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'X User'");
    assertThatThrownBy(() -> RoutingKey.cookie("a;b"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'a;b'");
    assertThatThrownBy(() -> RoutingKey.stickyCookie("a=b"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'a=b'");
    assertThatThrownBy(() -> RoutingKey.queryParameter(""))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("''");
    assertThatThrownBy(() -> RoutingKey.header(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("name");
    assertThatThrownBy(() -> RoutingKey.clientIp(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("trustedProxies");
    assertThatThrownBy(() -> RoutingKey.clientIp().orElse(null))
        .isInstanceOf(NullPointerException.class).hasMessage("next");
  }

  @Test
  void routesFileFormsParseToTheKeysTheyName() {
    TrustedProxies proxies = TrustedProxies.none();

    assertThat(RoutingKeys.parse("header:X-User-Id", proxies)).hasToString("header:X-User-Id");
    assertThat(RoutingKeys.parse("cookie:SESSION", proxies)).hasToString("cookie:SESSION");
    assertThat(RoutingKeys.parse("query:user", proxies)).hasToString("query:user");
    assertThat(RoutingKeys.parse("jwt-subject", proxies)).hasToString("jwt-subject");
    assertThat(RoutingKeys.parse("principal", proxies)).hasToString("principal");
    assertThat(RoutingKeys.parse("client-ip", proxies)).hasToString("client-ip");
    assertThatThrownBy(() -> RoutingKeys.parse("ip", proxies))
        .hasMessageContaining("'ip' is not one of header:<name>");
    assertThatThrownBy(() -> RoutingKeys.parse("header:", proxies))
        .hasMessageContaining("'header:' needs a name");
    assertThatThrownBy(() -> RoutingKeys.parse("client-ip:x", proxies))
        .hasMessageContaining("'client-ip:x' is not one of");
  }

  @Test
  void routeKeepsItsKeyAndRefusesASecond() {
    Route.Builder builder = Route.builder("r").pathPrefix("/")
        .staticFiles(StaticFiles.fromClasspath("web-test", getClass().getClassLoader()))
        .hashOn(RoutingKey.cookie("SESSION"));

    assertThat(builder.build().hashOn()).hasToString("cookie:SESSION");
    assertThatThrownBy(() -> builder.hashOn(RoutingKey.clientIp()))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("hashOn");
    assertThat(Route.builder("plain").pathPrefix("/")
        .staticFiles(StaticFiles.fromClasspath("web-test", getClass().getClassLoader()))
        .build().hashOn()).isNull();
  }
}
