package dev.layerkit.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.layerkit.core.hash.HashRing;
import dev.layerkit.gateway.lb.Endpoint;
import dev.layerkit.gateway.lb.EndpointSource;
import dev.layerkit.gateway.lb.LoadBalancers;
import dev.layerkit.gateway.lb.MutableEndpointSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import com.sun.net.httpserver.HttpServer;
import java.net.CookieManager;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Routing by request key through a real gateway to five real upstream servers on a consistent-hash
 * ({@link HashRing}) upstream whose endpoints come from a {@link MutableEndpointSource}.
 */
class GatewayHashRoutingIT extends GatewayTestSupport {

  private static final byte[] SECRET =
      "a-test-secret-of-at-least-thirty-two-bytes!".getBytes(StandardCharsets.UTF_8);
  private static final int THREADS = 8;

  private final List<TestUpstream> servers = new ArrayList<>();
  private MutableEndpointSource source;
  private Upstream ring;

  @BeforeEach
  void fiveUpstreamsOnARing() throws Exception {
    List<Endpoint> endpoints = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      TestUpstream server = upstream("u" + i);
      servers.add(server);
      endpoints.add(server.endpoint());
    }
    source = EndpointSource.mutable(endpoints);
    ring = Upstream.of("sessions", closing(LoadBalancers.consistentHash(HashRing::builder)
        .serviceName("sessions").endpointSource(source).build()));
  }

  private Route.Builder route(String id, RoutingKey key) {
    return Route.builder(id).pathPrefix("/" + id).upstream(ring).hashOn(key);
  }

  /** Sends one request and returns the name of the upstream that answered it; 200 required. */
  private String answeredBy(HttpRequest.Builder request) throws Exception {
    HttpResponse<String> response = client.send(request.timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as("%s", response.body()).isEqualTo(200);
    return response.body();
  }

  private HttpRequest.Builder request(Gateway gateway, String path) {
    return HttpRequest.newBuilder(uri(gateway, path + "/id"));
  }

  /** Groups (key, upstream) answers by key. */
  private static Map<String, Set<String>> byKey(List<String[]> answers) {
    Map<String, Set<String>> upstreams = new TreeMap<>();
    for (String[] answer : answers) {
      upstreams.computeIfAbsent(answer[0], k -> new HashSet<>()).add(answer[1]);
    }
    return upstreams;
  }

  /** The one upstream of each key, after checking that every key had exactly one. */
  private static Map<String, String> onePerKey(List<String[]> answers) {
    Map<String, String> owners = new TreeMap<>();
    byKey(answers).forEach((key, upstreams) -> {
      assertThat(upstreams).as("upstreams of key %s", key).hasSize(1);
      owners.put(key, upstreams.iterator().next());
    });
    return owners;
  }

  @Test
  void tenThousandRequestsOverAThousandKeysLandOnOneUpstreamPerKeyAndARemovalMovesOnlyItsKeys()
      throws Exception {
    Gateway gateway = start(route("users", RoutingKey.header("X-User-Id")).build());

    List<String[]> answers = onThreads(10_000, THREADS, i -> {
      String key = "user-" + (i % 1_000);
      return new String[] {key,
          answeredBy(request(gateway, "/users").header("X-User-Id", key))};
    });
    Map<String, String> before = onePerKey(answers);

    assertThat(before).hasSize(1_000);
    assertThat(new HashSet<>(before.values())).containsExactlyInAnyOrder("u0", "u1", "u2", "u3",
        "u4");

    List<Endpoint> remaining = new ArrayList<>(source.endpoints());
    remaining.removeIf(endpoint -> endpoint.id().equals("u2"));
    source.update(remaining);
    Map<String, String> after = onePerKey(onThreads(2_000, THREADS, i -> {
      String key = "user-" + (i % 1_000);
      return new String[] {key,
          answeredBy(request(gateway, "/users").header("X-User-Id", key))};
    }));

    Set<String> moved = new HashSet<>();
    before.forEach((key, owner) -> {
      if (!owner.equals(after.get(key))) {
        moved.add(key);
      }
    });
    Set<String> heldByRemoved = new HashSet<>();
    before.forEach((key, owner) -> {
      if (owner.equals("u2")) {
        heldByRemoved.add(key);
      }
    });
    assertThat(heldByRemoved).isNotEmpty();
    assertThat(moved).isEqualTo(heldByRemoved);
    assertThat(after.values()).doesNotContain("u2");
  }

  /**
   * Sends each of {@code keys} twice through {@code path} carrying the key by {@code carry} and
   * checks that it lands where the same value sent as {@code X-User-Id} lands: each kind of key
   * is read from where it is and hashed as the raw value.
   */
  private void routesLikeTheHeader(Gateway gateway, String path, List<String> keys,
      Function<String, HttpRequest.Builder> carry) {
    Map<String, String> byHeader = onePerKey(onThreads(keys.size(), THREADS, i -> new String[] {
        keys.get(i), answeredBy(request(gateway, "/users").header("X-User-Id", keys.get(i)))}));
    Map<String, String> byKind = onePerKey(onThreads(keys.size() * 2, THREADS, i -> {
      String key = keys.get(i % keys.size());
      return new String[] {key, answeredBy(carry.apply(key))};
    }));

    assertThat(byKind).as(path).isEqualTo(byHeader);
    assertThat(new HashSet<>(byKind.values())).as(path).hasSizeGreaterThan(2);
  }

  private static List<String> keys(String prefix, int count) {
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      keys.add(prefix + i);
    }
    return keys;
  }

  @Test
  void cookieKeyRoutesByTheCookieValue() {
    Gateway gateway = start(route("users", RoutingKey.header("X-User-Id")).build(),
        route("carts", RoutingKey.cookie("SESSION")).build());

    routesLikeTheHeader(gateway, "/carts", keys("session-", 200), key ->
        request(gateway, "/carts").header("Cookie", "theme=dark; SESSION=" + key + "; lang=en"));
  }

  @Test
  void queryKeyRoutesByTheDecodedParameter() {
    Gateway gateway = start(route("users", RoutingKey.header("X-User-Id")).build(),
        route("search", RoutingKey.queryParameter("user")).build());

    routesLikeTheHeader(gateway, "/search", keys("a+b@example.com/x&y=z %41 ", 200), key ->
        HttpRequest.newBuilder(uri(gateway, "/search/id?q=shoes&user="
            + URLEncoder.encode(key, StandardCharsets.UTF_8))));
  }

  @Test
  void jwtSubjectKeyRoutesByTheTokensSubject() {
    Auth jwt = Auth.jwt().hmacSecret(SECRET).issuer("me").audience("orders").build();
    Gateway gateway = start(route("users", RoutingKey.header("X-User-Id")).build(),
        route("orders", RoutingKey.jwtSubject()).auth(jwt).build());
    Map<String, String> tokens = new HashMap<>();
    List<String> subjects = keys("subject-", 100);
    for (String subject : subjects) {
      tokens.put(subject, token(subject));
    }

    routesLikeTheHeader(gateway, "/orders", subjects, subject ->
        request(gateway, "/orders").header("Authorization", "Bearer " + tokens.get(subject)));
  }

  private static String token(String subject) {
    try {
      JWTClaimsSet claims = new JWTClaimsSet.Builder().subject(subject).issuer("me")
          .audience("orders").expirationTime(new Date(System.currentTimeMillis() + 600_000))
          .build();
      SignedJWT jwt = new SignedJWT(
          new JWSHeader.Builder(JWSAlgorithm.HS256).type(JOSEObjectType.JWT).build(), claims);
      jwt.sign(new MACSigner(SECRET));
      return jwt.serialize();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void clientIpKeyRoutesByTheForwardedClientBehindATrustedProxy() {
    Gateway gateway = start(route("users", RoutingKey.header("X-User-Id")).build(),
        route("web", RoutingKey.clientIp(TrustedProxies.of("127.0.0.1"))).build());
    List<String> clients = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      clients.add("203.0." + (i / 250) + "." + (i % 250 + 1));
    }

    // The client's own forged entry on the left is not believed: the proxy appended the client.
    routesLikeTheHeader(gateway, "/web", clients, ip -> request(gateway, "/web")
        .header("X-Forwarded-For", "6.6.6.6, " + ip));
  }

  @Test
  void requestsWithoutTheKeyAreSpreadOverEveryUpstreamAndCounted() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Gateway gateway = start(Gateway.builder().meterRegistry(registry).routes(List.of(
        route("users", RoutingKey.header("X-User-Id").orElse(RoutingKey.cookie("SESSION")))
            .build())));

    List<String> answers = onThreads(1_000, THREADS,
        i -> answeredBy(request(gateway, "/users").header("X-Other", "x")));

    Map<String, Integer> counts = new TreeMap<>();
    answers.forEach(name -> counts.merge(name, 1, Integer::sum));
    assertThat(counts).containsOnlyKeys("u0", "u1", "u2", "u3", "u4");
    // A fifth each on average; any upstream under a twentieth would mean no spread at all.
    assertThat(counts.values()).allSatisfy(count -> assertThat(count).isGreaterThan(50));
    assertThat(registry.get("layerkit.gateway.hash.fallback").tag("route", "users").counter()
        .count()).isEqualTo(1_000.0);
  }

  @Test
  void cookieKeyedSessionsStayOnTheirUpstreamWhileAnotherLeaves() throws Exception {
    Gateway gateway = start(route("app", RoutingKey.cookie("JSESSIONID")).build());
    List<String> sessions = keys("jsession-", 40);

    Map<String, String> first = onePerKey(onThreads(sessions.size() * 10, THREADS, i -> {
      String session = sessions.get(i % sessions.size());
      return new String[] {session, answeredBy(
          request(gateway, "/app").header("Cookie", "JSESSIONID=" + session))};
    }));
    String leaving = servers.stream().map(s -> s.endpoint().id())
        .filter(id -> !first.containsValue(id)).findFirst()
        .orElseGet(() -> first.values().iterator().next());
    List<Endpoint> remaining = new ArrayList<>(source.endpoints());
    remaining.removeIf(endpoint -> endpoint.id().equals(leaving));
    source.update(remaining);
    Map<String, String> later = onePerKey(onThreads(sessions.size() * 10, THREADS, i -> {
      String session = sessions.get(i % sessions.size());
      return new String[] {session, answeredBy(
          request(gateway, "/app").header("Cookie", "JSESSIONID=" + session))};
    }));

    first.forEach((session, owner) -> {
      if (!owner.equals(leaving)) {
        assertThat(later.get(session)).as(session).isEqualTo(owner);
      }
    });
  }

  @Test
  void aKeyWhoseEndpointIsDownFailsOverToTheSameOtherEndpointEveryTime() throws Exception {
    Gateway gateway = start(route("users", RoutingKey.header("X-User-Id")).maxRetries(2).build());
    Map<String, String> before = onePerKey(onThreads(300, THREADS, i -> new String[] {
        "k" + i, answeredBy(request(gateway, "/users").header("X-User-Id", "k" + i))}));
    servers.get(3).close(); // u3 stays in the endpoint set, but refuses connections

    // Two threads: within the retry budget's floor of concurrent retries, so none is refused.
    List<String[]> answers = onThreads(900, 2, i -> new String[] {"k" + (i % 300),
        answeredBy(request(gateway, "/users").header("X-User-Id", "k" + (i % 300)))});

    Map<String, String> after = onePerKey(answers);
    before.forEach((key, owner) -> {
      if (owner.equals("u3")) {
        assertThat(after.get(key)).as(key).isNotEqualTo("u3");
      } else {
        assertThat(after.get(key)).as(key).isEqualTo(owner);
      }
    });
  }

  @Test
  void aRouteWithoutHashOnToAConsistentHashUpstreamIsAnsweredWithAClearErrorNotABrokenConnection()
      throws Exception {
    Gateway gateway = start(Route.builder("nokey").pathPrefix("/nokey").upstream(ring).build());

    for (int i = 0; i < 3; i++) { // the connection stays usable
      HttpResponse<String> response = get(gateway, "/nokey/id");
      assertThat(response.statusCode()).isEqualTo(500);
      assertThat(response.body()).contains("route 'nokey'").contains("hashOn")
          .doesNotContain("Exception");
    }
  }

  @Test
  void routesFileHashOnRoutesByItsKeysInOrder(@TempDir Path dir) throws Exception {
    StringBuilder endpoints = new StringBuilder();
    for (TestUpstream server : servers) {
      endpoints.append(endpoints.length() == 0 ? "" : ", ").append("\"127.0.0.1:")
          .append(server.port()).append('"');
    }
    Path file = dir.resolve("routes.yaml");
    Files.writeString(file, """
        upstreams:
          carts:
            strategy: ring-hash
            endpoints: [%s]
        routes:
          - id: carts
            pathPrefix: /carts
            upstream: carts
            hashOn: [header:X-User-Id, query:user]
        """.formatted(endpoints));
    Gateway gateway = start(Gateway.builder().routesFile(file));
    List<String> users = keys("file-user-", 200);

    Map<String, String> byHeader = onePerKey(onThreads(400, THREADS, i -> {
      String user = users.get(i % users.size());
      return new String[] {user, answeredBy(request(gateway, "/carts").header("X-User-Id", user))};
    }));
    Map<String, String> byQuery = onePerKey(onThreads(200, THREADS, i -> new String[] {
        users.get(i), answeredBy(HttpRequest.newBuilder(
            uri(gateway, "/carts/id?user=" + users.get(i))))}));

    assertThat(byQuery).isEqualTo(byHeader);
    assertThat(new HashSet<>(byHeader.values())).hasSizeGreaterThan(2);
  }

  @Test
  void routesFileWithAnUnknownKeyKindIsRefusedNamingIt(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("routes.yaml");
    Files.writeString(file, """
        upstreams:
          carts: { strategy: ring-hash, endpoints: ["127.0.0.1:%d"] }
        routes:
          - { id: carts, pathPrefix: /carts, upstream: carts, hashOn: [header:X-User-Id, user-id] }
        """.formatted(servers.get(0).port()));

    assertThatThrownBy(() -> Gateway.builder().routesFile(file).build())
        .isInstanceOf(GatewayConfigException.class)
        .hasMessageContaining("routes[0] (carts).hashOn[1]: 'user-id' is not one of header:<name>");
  }

  @Test
  void aStickyCookieKeepsASessionOnTheUpstreamItsFirstRequestReached() {
    Gateway gateway = start(route("shop", RoutingKey.stickyCookie("lk-affinity")).build());

    // Forty browsers, each with its own cookie jar, ten requests each; the first has no cookie.
    List<String[]> answers = onThreads(40, THREADS, browser -> {
      HttpClient jar = HttpClient.newBuilder().cookieHandler(new CookieManager())
          .connectTimeout(Duration.ofSeconds(5)).build();
      List<String> seen = new ArrayList<>();
      List<String> setCookies = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        HttpResponse<String> response = jar.send(request(gateway, "/shop")
            .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        seen.add(response.body());
        setCookies.addAll(response.headers().allValues("Set-Cookie"));
      }
      assertThat(setCookies).as("only the first answer sets the cookie").singleElement()
          .satisfies(c -> assertThat(c).matches(
              "lk-affinity=[0-9a-f]{32}; Path=/; HttpOnly; SameSite=Lax"));
      assertThat(new HashSet<>(seen)).as("browser %s", browser).hasSize(1);
      return new String[] {"browser-" + browser, seen.get(0)};
    });

    assertThat(new HashSet<>(onePerKey(answers).values())).hasSizeGreaterThan(2);
  }

  @Test
  void theStickyCookieGoesBesideTheUpstreamsOwnCookies() throws Exception {
    HttpServer app = HttpServer.create(
        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    app.createContext("/", exchange -> {
      exchange.getResponseHeaders().add("Set-Cookie", "JSESSIONID=from-app; Path=/");
      exchange.getResponseHeaders().add("Set-Cookie", "theme=dark");
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    app.start();
    closing(() -> app.stop(0));
    Upstream appUpstream = Upstream.of("app", closing(LoadBalancers.consistentHash()
        .serviceName("app").endpoints(List.of(
            Endpoint.of("127.0.0.1", app.getAddress().getPort()))).build()));
    Gateway gateway = start(Route.builder("app").pathPrefix("/").upstream(appUpstream)
        .hashOn(RoutingKey.header("X-User-Id").orElse(RoutingKey.stickyCookie("lk"))).build());

    List<String> first = get(gateway, "/").headers().allValues("Set-Cookie");
    List<String> withHeader = get(gateway, "/", "X-User-Id", "7").headers().allValues("Set-Cookie");
    List<String> withCookie = get(gateway, "/", "Cookie", "lk=abc").headers().allValues("Set-Cookie");

    assertThat(first).hasSize(3).contains("JSESSIONID=from-app; Path=/", "theme=dark")
        .anySatisfy(c -> assertThat(c).startsWith("lk="));
    assertThat(withHeader).containsExactly("JSESSIONID=from-app; Path=/", "theme=dark");
    assertThat(withCookie).containsExactly("JSESSIONID=from-app; Path=/", "theme=dark");
  }
}
