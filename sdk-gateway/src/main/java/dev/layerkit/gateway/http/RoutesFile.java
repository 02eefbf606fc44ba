package dev.layerkit.gateway.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.layerkit.core.hash.HashRing;
import dev.layerkit.core.time.Durations;
import dev.layerkit.gateway.lb.Endpoint;
import dev.layerkit.gateway.lb.EndpointSource;
import dev.layerkit.gateway.lb.LoadBalancer;
import dev.layerkit.gateway.lb.LoadBalancerBuilder;
import dev.layerkit.gateway.lb.LoadBalancers;
import dev.layerkit.gateway.lb.OutlierDetection;
import dev.layerkit.gateway.ratelimit.Limit;
import dev.layerkit.gateway.ratelimit.RateLimitPolicy;
import dev.layerkit.gateway.ratelimit.RateLimiters;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Routes and upstreams read from a YAML or JSON file, validated whole: every problem is reported
 * at once in a {@link GatewayConfigException}. Give the routes to {@link Gateway.Builder#routes}
 * and, after an edit, to {@link Gateway#reload(List)}: connections stay open.
 *
 * <pre>{@code
 * upstreams:
 *   orders:
 *     strategy: least-request       # round-robin (default), weighted-round-robin, random,
 *                                   # least-request, peak-ewma, consistent-hash (Maglev),
 *                                   # ring-hash (a HashRing: only a leaving endpoint's keys move)
 *     endpoints: ["10.0.0.1:8081", "10.0.0.2:8081 weight=2"]
 *     outlierDetection: { consecutiveFailures: 5, baseEjectionTime: 30s }
 * routes:
 *   - id: orders
 *     pathPrefix: /api/orders       # or pathGlob: /api/*\/orders
 *     methods: [GET, POST]
 *     host: api.example.com
 *     headers: { X-Env: prod }
 *     stripPrefix: /api
 *     upstream: orders
 *     connectTimeout: 2s
 *     responseTimeout: 30s
 *     maxRetries: 2
 *     maxBodySize: 1048576          # bytes; the gateway's limit when absent
 *     auth:
 *       apiKeys:
 *         header: X-API-Key
 *         keys:
 *           web: "<sha256 hex of the key>"
 *           partner: { hash: "<sha256 hex>", groups: [partners] }
 *       # or jwt: { jwksUrl: https://id.example.com/jwks, issuer: ..., audience: [orders],
 *       #           jwksRefreshInterval: 30s, jwksCacheTtl: 5m }
 *     authorization:                # 403 insufficient_scope unless the caller holds these
 *       scopes: [orders:read]       # a JWT needs every scope (scope / scp claims)
 *       roles: [admin, ops]         # and one of these roles, at rolesClaim
 *       rolesClaim: realm_access.roles
 *       apiKeyGroups: [partners]    # an API key must be in one of these groups
 *     rateLimit: { permits: 100, period: 1m, key: principal }   # or key: client-ip
 *     trustedProxies: [10.0.0.0/8]   # believed by rateLimit's and hashOn's client-ip
 *     responseCache: true
 *     cors: { allowedOrigins: ["https://shop.example.com"], allowedMethods: [GET, POST] }
 *   - id: orders-v1
 *     pathPrefix: /v1/orders
 *     rewritePath: { from: "/v1/orders/{id}", to: "/orders/{id}" }
 *     requestHeaders: { remove: [Cookie], set: { X-Env: prod }, add: { X-Via: gateway } }
 *     responseHeaders: { remove: [Server] }
 *     split:                        # instead of upstream: a canary
 *       weights: { orders: 95, orders-canary: 5 }
 *       pins:
 *         - { header: X-Canary, value: "1", upstream: orders-canary }
 *         - { cookie: canary, value: "1", upstream: orders-canary }
 *     mirror: { upstream: orders-shadow, percent: 10, timeout: 5s, maxInFlight: 100 }
 *   - id: carts
 *     pathPrefix: /carts
 *     upstream: carts               # with strategy consistent-hash or ring-hash
 *     hashOn: [header:X-User-Id, cookie:SESSION, client-ip]   # tried in order; or one string
 *     # also query:<name>, jwt-subject, principal, and sticky-cookie:<name> (set by the
 *     # gateway when a request has no key); no key at all: spread at random
 *   - id: web
 *     pathPrefix: /
 *     staticFiles: { classpath: web }  # or directory: /srv/web
 * }</pre>
 *
 * <p>Durations are in {@link Durations}' grammar: {@code 500ms}, {@code 2s}, {@code 1m},
 * {@code 1h}, {@code 1d} or ISO-8601 ({@code PT2S}). API keys are given as SHA-256 hashes only,
 * so the file holds no secret. JWT keys come from a JWKS URL ({@code auth.jwt}); fixed JWT keys
 * are configured by builder ({@link Auth#jwt()}). A route with both {@code apiKeys} and {@code
 * jwt} takes either ({@link Auth#anyOf}, the JWT's failure answered). Rate limiters and response caches are in memory and start
 * empty after a reload. {@code hashOn} is {@link Route.Builder#hashOn}, its entries {@link
 * RoutingKey}s chained with {@link RoutingKey#orElse}; a route to a {@code consistent-hash} or
 * {@code ring-hash} upstream (or split variant or mirror) must have one.
 *
 * <p>A {@code RoutesFile} owns the load balancers it made: {@link #close()} it once the gateway no
 * longer routes to it (after a reload, once requests routed before it have finished).
 */
public final class RoutesFile implements AutoCloseable {

  private static final Pattern ENDPOINT = Pattern.compile("([^\\s:]+|\\[[^\\]]+\\]):(\\d+)(?:\\s+weight=(\\d+))?");

  private final List<Route> routes;
  private final Map<String, Upstream> upstreams;

  private RoutesFile(List<Route> routes, Map<String, Upstream> upstreams) {
    this.routes = List.copyOf(routes);
    this.upstreams = Map.copyOf(upstreams);
  }

  /**
   * Reads a routes file: YAML if its name ends in {@code .yaml} or {@code .yml}, JSON otherwise.
   *
   * @param path the file
   * @return the routes and upstreams
   * @throws GatewayConfigException listing every problem, if the file is invalid or unreadable
   */
  public static RoutesFile load(Path path) {
    Objects.requireNonNull(path, "path");
    String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
    String text;
    try {
      text = Files.readString(path);
    } catch (IOException e) {
      throw new GatewayConfigException(path.toString(), List.of("cannot read: " + e));
    }
    return parse(text, name.endsWith(".yaml") || name.endsWith(".yml"), path.toString());
  }

  /**
   * Parses routes from text.
   *
   * @param text the routes, YAML or JSON
   * @param yaml true for YAML, false for JSON
   * @param source what the text is, for messages
   * @return the routes and upstreams
   * @throws GatewayConfigException listing every problem
   */
  public static RoutesFile parse(String text, boolean yaml, String source) {
    JsonNode root;
    ObjectMapper mapper;
    try {
      mapper = yaml ? Yaml.mapper() : new ObjectMapper();
      root = mapper.readTree(text);
    } catch (IOException | LinkageError e) {
      String reason;
      if (e instanceof LinkageError) {
        reason = "YAML needs com.fasterxml.jackson.dataformat:jackson-dataformat-yaml on the class"
            + " path";
      } else if (e instanceof JsonProcessingException parse && parse.getLocation() != null) {
        reason = "not valid " + (yaml ? "YAML" : "JSON") + ": "
            + parse.getOriginalMessage().split("\n")[0] + " (line "
            + parse.getLocation().getLineNr() + ")";
      } else {
        reason = "not valid " + (yaml ? "YAML" : "JSON") + ": " + e.getMessage().split("\n")[0];
      }
      throw new GatewayConfigException(source, List.of(reason));
    }
    Reader reader = new Reader();
    RoutesFile file = reader.read(root);
    if (!reader.problems.isEmpty()) {
      file.close();
      throw new GatewayConfigException(source, withLines(reader.problems, lines(mapper, text)));
    }
    return file;
  }

  /**
   * Maps the JSON pointer of every value in the text to the line it starts on, by a second pass
   * over the tokens (a tree keeps no locations).
   */
  private static Map<String, Integer> lines(ObjectMapper mapper, String text) {
    Map<String, Integer> lines = new HashMap<>();
    try (JsonParser parser = mapper.getFactory().createParser(text)) {
      while (parser.nextToken() != null) {
        lines.putIfAbsent(parser.getParsingContext().pathAsPointer().toString(),
            parser.currentTokenLocation().getLineNr());
      }
    } catch (IOException e) {
      // Parsed once already; a failure here only costs the line numbers.
    }
    return lines;
  }

  /**
   * Appends {@code (line N)} to each problem: the line of the deepest value its location ({@code
   * routes[0] (orders).rateLimit.permits}) names.
   */
  private static List<String> withLines(List<String> problems, Map<String, Integer> lines) {
    List<String> located = new ArrayList<>(problems.size());
    for (String problem : problems) {
      int colon = problem.indexOf(": ");
      String where = colon < 0 ? "" : problem.substring(0, colon).replaceAll(" \\([^)]*\\)", "");
      String pointer = "/" + where.replaceAll("\\[(\\d+)]", ".$1").replace('.', '/');
      Integer line = null;
      while (line == null && !pointer.isEmpty()) {
        line = lines.get(pointer);
        int slash = pointer.lastIndexOf('/');
        pointer = slash <= 0 ? "" : pointer.substring(0, slash);
      }
      located.add(line == null ? problem : problem + " (line " + line + ")");
    }
    return located;
  }

  /**
   * Returns the routes, in file order.
   *
   * @return the routes
   */
  public List<Route> routes() {
    return routes;
  }

  /**
   * Returns the upstreams by name.
   *
   * @return the upstreams
   */
  public Map<String, Upstream> upstreams() {
    return upstreams;
  }

  /** Closes the load balancers this file made (their health checks and DNS refresh). */
  @Override
  public void close() {
    for (Upstream upstream : upstreams.values()) {
      upstream.loadBalancer().close();
    }
  }

  /** Walks the tree, collecting problems instead of stopping at the first. */
  private static final class Reader {
    final List<String> problems = new ArrayList<>();
    final Map<String, Upstream> upstreams = new LinkedHashMap<>();
    /** Upstreams whose balancer picks by a routing key: a route to one needs hashOn. */
    final List<Upstream> hashed = new ArrayList<>();
    @Nullable ResponseCache sharedCache;

    RoutesFile read(@Nullable JsonNode root) {
      List<Route> routes = new ArrayList<>();
      if (root == null || !root.isObject()) {
        problems.add("the top level must be an object with 'upstreams' and 'routes'");
        return new RoutesFile(routes, upstreams);
      }
      unknownFields(root, "", "upstreams", "routes");
      JsonNode upstreamNodes = root.path("upstreams");
      if (!upstreamNodes.isObject() || upstreamNodes.isEmpty()) {
        if (!root.has("upstreams")) {
          // A file of static routes only needs no upstreams.
        } else {
          problems.add("upstreams: must be an object of named upstreams");
        }
      } else {
        for (Map.Entry<String, JsonNode> entry : upstreamNodes.properties()) {
          upstream("upstreams." + entry.getKey(), entry.getKey(), entry.getValue());
        }
      }
      JsonNode routeNodes = root.path("routes");
      if (!routeNodes.isArray() || routeNodes.isEmpty()) {
        problems.add("routes: must be a non-empty list");
      } else {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < routeNodes.size(); i++) {
          Route route = route("routes[" + i + "]", routeNodes.get(i));
          if (route != null) {
            if (ids.contains(route.id())) {
              problems.add("routes[" + i + "].id: '" + route.id() + "' is used by an earlier route");
            }
            ids.add(route.id());
            routes.add(route);
          }
        }
      }
      return new RoutesFile(routes, upstreams);
    }

    private void upstream(String where, String name, JsonNode node) {
      if (!node.isObject()) {
        problems.add(where + ": must be an object");
        return;
      }
      unknownFields(node, where, "strategy", "endpoints", "outlierDetection", "slowStart");
      String strategy = node.path("strategy").asText("round-robin");
      LoadBalancerBuilder builder = switch (strategy) {
        case "round-robin" -> LoadBalancers.roundRobin();
        case "weighted-round-robin" -> LoadBalancers.weightedRoundRobin();
        case "random" -> LoadBalancers.random();
        case "least-request" -> LoadBalancers.leastRequest();
        case "peak-ewma" -> LoadBalancers.peakEwma();
        case "consistent-hash" -> LoadBalancers.consistentHash();
        case "ring-hash" -> LoadBalancers.consistentHash(HashRing::builder);
        default -> {
          problems.add(where + ".strategy: '" + strategy + "' is not one of round-robin,"
              + " weighted-round-robin, random, least-request, peak-ewma, consistent-hash,"
              + " ring-hash");
          yield null;
        }
      };
      List<Endpoint> endpoints = new ArrayList<>();
      JsonNode endpointNodes = node.path("endpoints");
      if (!endpointNodes.isArray() || endpointNodes.isEmpty()) {
        problems.add(where + ".endpoints: must be a non-empty list of \"host:port\"");
      } else {
        for (int i = 0; i < endpointNodes.size(); i++) {
          String text = endpointNodes.get(i).asText("");
          Matcher matcher = ENDPOINT.matcher(text.trim());
          int port = matcher.matches() ? parseInt(matcher.group(2)) : -1;
          if (port < 1 || port > 65_535) {
            problems.add(where + ".endpoints[" + i + "]: '" + text
                + "' is not \"host:port\" or \"host:port weight=N\" with a port of 1 to 65535");
            continue;
          }
          int weight = matcher.group(3) == null ? 1 : parseInt(matcher.group(3));
          if (weight < 1) {
            problems.add(where + ".endpoints[" + i + "]: weight must be >= 1 in '" + text + "'");
            continue;
          }
          endpoints.add(Endpoint.of(matcher.group(1), port, weight));
        }
      }
      OutlierDetection outliers = null;
      JsonNode outlierNode = node.path("outlierDetection");
      if (!outlierNode.isMissingNode()) {
        outliers = outlierDetection(where + ".outlierDetection", outlierNode);
      }
      Duration slowStart = node.has("slowStart")
          ? duration(where + ".slowStart", node.get("slowStart")) : null;
      if (builder == null || endpoints.size() != endpointNodes.size() || endpoints.isEmpty()) {
        return;
      }
      try {
        builder.serviceName(name).endpointSource(EndpointSource.of(endpoints));
        if (outliers != null) {
          builder.outlierDetection(outliers);
        }
        if (slowStart != null) {
          builder.slowStart(slowStart);
        }
        Upstream upstream = Upstream.of(name, builder.build());
        upstreams.put(name, upstream);
        if (strategy.endsWith("-hash")) {
          hashed.add(upstream);
        }
      } catch (IllegalArgumentException e) {
        problems.add(where + ": " + e.getMessage());
      }
    }

    private @Nullable OutlierDetection outlierDetection(String where, JsonNode node) {
      unknownFields(node, where, "consecutiveFailures", "baseEjectionTime", "maxEjectionTime",
          "maxEjectionPercent");
      OutlierDetection.Builder builder = OutlierDetection.builder();
      int before = problems.size();
      try {
        if (node.has("consecutiveFailures")) {
          builder.consecutiveFailures(integer(where + ".consecutiveFailures", node.get("consecutiveFailures")));
        }
        if (node.has("baseEjectionTime")) {
          Duration time = duration(where + ".baseEjectionTime", node.get("baseEjectionTime"));
          if (time != null) {
            builder.baseEjectionTime(time);
          }
        }
        if (node.has("maxEjectionTime")) {
          Duration time = duration(where + ".maxEjectionTime", node.get("maxEjectionTime"));
          if (time != null) {
            builder.maxEjectionTime(time);
          }
        }
        if (node.has("maxEjectionPercent")) {
          builder.maxEjectionPercent(integer(where + ".maxEjectionPercent", node.get("maxEjectionPercent")));
        }
        return problems.size() == before ? builder.build() : null;
      } catch (IllegalArgumentException e) {
        problems.add(where + ": " + e.getMessage());
        return null;
      }
    }

    private @Nullable Route route(String where, JsonNode node) {
      if (!node.isObject()) {
        problems.add(where + ": must be an object");
        return null;
      }
      unknownFields(node, where, "id", "pathPrefix", "pathGlob", "methods", "host", "headers",
          "stripPrefix", "upstream", "staticFiles", "connectTimeout", "responseTimeout",
          "maxRetries", "maxBodySize", "auth", "authorization", "rateLimit", "trustedProxies",
          "responseCache", "cors", "split", "mirror", "rewritePath", "requestHeaders",
          "responseHeaders", "hashOn");
      String id = node.path("id").asText("");
      Route.Builder builder;
      try {
        builder = Route.builder(id);
      } catch (IllegalArgumentException e) {
        problems.add(where + ".id: " + e.getMessage());
        return null;
      }
      String at = where + " (" + id + ")";
      int before = problems.size();
      text(node, "pathPrefix", builder::pathPrefix);
      text(node, "pathGlob", builder::pathGlob);
      text(node, "host", builder::host);
      text(node, "stripPrefix", builder::stripPrefix);
      if (node.has("methods")) {
        List<String> methods = new ArrayList<>();
        node.get("methods").forEach(method -> methods.add(method.asText()));
        builder.methods(methods.toArray(String[]::new));
      }
      if (node.has("headers")) {
        for (Map.Entry<String, JsonNode> header : node.get("headers").properties()) {
          builder.header(header.getKey(), header.getValue().isNull() ? null : header.getValue().asText());
        }
      }
      if (node.has("upstream")) {
        Upstream upstream = upstreams.get(node.get("upstream").asText());
        if (upstream == null) {
          problems.add(at + ".upstream: unknown upstream '" + node.get("upstream").asText()
              + "'; defined: " + upstreams.keySet());
        } else {
          builder.upstream(upstream);
        }
      }
      if (node.has("split")) {
        TrafficSplit split = split(at + ".split", node.get("split"));
        if (split != null) {
          builder.split(split);
        }
      }
      if (node.has("mirror")) {
        Mirror mirror = mirror(at + ".mirror", node.get("mirror"));
        if (mirror != null) {
          builder.mirror(mirror);
        }
      }
      if (node.has("rewritePath")) {
        JsonNode rewrite = node.get("rewritePath");
        unknownFields(rewrite, at + ".rewritePath", "from", "to");
        if (!rewrite.path("from").isTextual() || !rewrite.path("to").isTextual()) {
          problems.add(at + ".rewritePath: needs 'from' and 'to' templates, like"
              + " { from: \"/v1/orders/{id}\", to: \"/orders/{id}\" }");
        } else {
          builder.rewritePath(rewrite.get("from").asText(), rewrite.get("to").asText());
        }
      }
      if (node.has("requestHeaders")) {
        HeaderRewrite rewrite = headerRewrite(at + ".requestHeaders", node.get("requestHeaders"));
        if (rewrite != null) {
          builder.requestHeaders(rewrite);
        }
      }
      if (node.has("responseHeaders")) {
        HeaderRewrite rewrite = headerRewrite(at + ".responseHeaders", node.get("responseHeaders"));
        if (rewrite != null) {
          builder.responseHeaders(rewrite);
        }
      }
      if (node.has("staticFiles")) {
        StaticFiles files = staticFiles(at + ".staticFiles", node.get("staticFiles"));
        if (files != null) {
          builder.staticFiles(files);
        }
      }
      if (node.has("connectTimeout")) {
        Duration timeout = duration(at + ".connectTimeout", node.get("connectTimeout"));
        if (timeout != null) {
          builder.connectTimeout(timeout);
        }
      }
      if (node.has("responseTimeout")) {
        Duration timeout = duration(at + ".responseTimeout", node.get("responseTimeout"));
        if (timeout != null) {
          builder.responseTimeout(timeout);
        }
      }
      if (node.has("maxRetries")) {
        builder.maxRetries(integer(at + ".maxRetries", node.get("maxRetries")));
      }
      if (node.has("maxBodySize")) {
        JsonNode size = node.get("maxBodySize");
        if (!size.isIntegralNumber() || !size.canConvertToLong()) {
          problems.add(at + ".maxBodySize: must be a number of bytes but was " + size);
        } else {
          try {
            builder.maxBodySize(size.longValue());
          } catch (IllegalArgumentException e) {
            problems.add(at + ".maxBodySize: " + e.getMessage());
          }
        }
      }
      TrustedProxies proxies = TrustedProxies.none();
      if (node.has("trustedProxies")) {
        List<String> cidrs = new ArrayList<>();
        node.get("trustedProxies").forEach(cidr -> cidrs.add(cidr.asText()));
        try {
          proxies = TrustedProxies.of(cidrs);
        } catch (IllegalArgumentException e) {
          problems.add(at + ".trustedProxies: " + e.getMessage());
        }
      }
      if (node.has("auth")) {
        Auth auth = auth(at + ".auth", node.get("auth"));
        if (auth != null) {
          builder.auth(auth);
        }
      }
      if (node.has("authorization")) {
        Authorization authorization = authorization(at + ".authorization", node.get("authorization"));
        if (authorization != null) {
          builder.authorization(authorization);
        }
      }
      if (node.has("rateLimit")) {
        rateLimit(at + ".rateLimit", node.get("rateLimit"), builder, proxies);
      }
      if (node.has("hashOn")) {
        RoutingKey key = hashOn(at + ".hashOn", node.get("hashOn"), proxies);
        if (key != null) {
          builder.hashOn(key);
        }
      }
      if (node.path("responseCache").asBoolean(false)) {
        if (sharedCache == null) {
          sharedCache = ResponseCache.builder().build();
        }
        builder.responseCache(sharedCache);
      }
      if (node.has("cors")) {
        CorsPolicy cors = cors(at + ".cors", node.get("cors"));
        if (cors != null) {
          builder.cors(cors);
        }
      }
      try {
        Route route = builder.build();
        if (route.hashOn() == null && !node.has("hashOn")) {
          for (Upstream target : route.upstreams()) {
            if (hashed.contains(target)) {
              problems.add(at + ".hashOn: missing; upstream '" + target.name() + "' picks by a"
                  + " routing key, so the route must say what to hash on (" + RoutingKeys.FORMS
                  + ")");
            }
          }
        }
        return problems.size() == before ? route : null;
      } catch (IllegalArgumentException e) {
        problems.add(at + ": " + e.getMessage());
        return null;
      }
    }

    private @Nullable StaticFiles staticFiles(String where, JsonNode node) {
      unknownFields(node, where, "directory", "classpath", "cacheControl");
      try {
        StaticFiles files;
        if (node.has("directory")) {
          files = StaticFiles.fromDirectory(Path.of(node.get("directory").asText()));
        } else if (node.has("classpath")) {
          files = StaticFiles.fromClasspath(node.get("classpath").asText(),
              Thread.currentThread().getContextClassLoader() != null
                  ? Thread.currentThread().getContextClassLoader()
                  : RoutesFile.class.getClassLoader());
        } else {
          problems.add(where + ": needs 'directory' or 'classpath'");
          return null;
        }
        return node.has("cacheControl") ? files.withCacheControl(node.get("cacheControl").asText())
            : files;
      } catch (IllegalArgumentException e) {
        problems.add(where + ": " + e.getMessage());
        return null;
      }
    }

    private @Nullable Auth auth(String where, JsonNode node) {
      unknownFields(node, where, "apiKeys", "jwt");
      JsonNode apiKeys = node.path("apiKeys");
      JsonNode jwtNode = node.path("jwt");
      if (apiKeys.isMissingNode() && jwtNode.isMissingNode()) {
        problems.add(where + ": needs 'apiKeys' or 'jwt'");
        return null;
      }
      Auth jwt = jwtNode.isMissingNode() ? null : jwt(where + ".jwt", jwtNode);
      if (apiKeys.isMissingNode()) {
        return jwt;
      }
      Auth keys = apiKeys(where, apiKeys);
      if (jwtNode.isMissingNode()) {
        return keys;
      }
      return jwt == null || keys == null ? null : Auth.anyOf(jwt, keys);
    }

    private @Nullable Auth jwt(String where, JsonNode node) {
      unknownFields(node, where, "jwksUrl", "issuer", "audience", "algorithms", "clockSkew",
          "jwksCacheTtl", "jwksRefreshInterval", "jwksOutageTolerance", "jwksTimeout",
          "jwksMaxBytes");
      if (!node.has("jwksUrl")) {
        problems.add(where + ".jwksUrl: missing; a routes file takes JWT keys from a JWKS URL"
            + " (fixed keys are configured with Auth.jwt() in code)");
        return null;
      }
      int before = problems.size();
      try {
        JwtAuth.Builder builder = Auth.jwt();
        try {
          builder.jwksUrl(java.net.URI.create(node.get("jwksUrl").asText()));
        } catch (IllegalArgumentException e) {
          problems.add(where + ".jwksUrl: " + e.getMessage());
        }
        if (node.has("issuer")) {
          builder.issuer(node.get("issuer").asText());
        } else {
          problems.add(where + ".issuer: missing");
        }
        if (node.has("audience")) {
          JsonNode audience = node.get("audience");
          builder.audience(audience.isArray() ? strings(audience) : new String[] {audience.asText()});
        } else {
          problems.add(where + ".audience: missing");
        }
        if (node.has("algorithms")) {
          builder.algorithms(strings(node.get("algorithms")));
        }
        jwtDuration(where, node, "clockSkew", builder::clockSkew);
        jwtDuration(where, node, "jwksCacheTtl", builder::jwksCacheTtl);
        jwtDuration(where, node, "jwksRefreshInterval", builder::jwksRefreshInterval);
        jwtDuration(where, node, "jwksOutageTolerance", builder::jwksOutageTolerance);
        jwtDuration(where, node, "jwksTimeout", builder::jwksTimeout);
        if (node.has("jwksMaxBytes")) {
          builder.jwksMaxBytes(integer(where + ".jwksMaxBytes", node.get("jwksMaxBytes")));
        }
        return problems.size() == before ? builder.build() : null;
      } catch (IllegalArgumentException | IllegalStateException e) {
        problems.add(where + ": " + e.getMessage());
        return null;
      }
    }

    private void jwtDuration(String where, JsonNode node, String field, Consumer<Duration> setter) {
      if (node.has(field)) {
        Duration value = duration(where + "." + field, node.get(field));
        if (value != null) {
          try {
            setter.accept(value);
          } catch (IllegalArgumentException e) {
            problems.add(where + "." + field + ": " + e.getMessage());
          }
        }
      }
    }

    private @Nullable Auth apiKeys(String where, JsonNode apiKeys) {
      unknownFields(apiKeys, where + ".apiKeys", "header", "realm", "keys");
      try {
        ApiKeyAuth.Builder builder = Auth.apiKeys();
        if (apiKeys.has("header")) {
          builder.header(apiKeys.get("header").asText());
        }
        if (apiKeys.has("realm")) {
          builder.realm(apiKeys.get("realm").asText());
        }
        JsonNode keys = apiKeys.path("keys");
        if (!keys.isObject() || keys.isEmpty()) {
          problems.add(where + ".apiKeys.keys: must map key ids to SHA-256 hashes (64 hex digits)");
          return null;
        }
        boolean allValid = true;
        for (Map.Entry<String, JsonNode> key : keys.properties()) {
          String keyWhere = where + ".apiKeys.keys." + key.getKey();
          try {
            JsonNode value = key.getValue();
            if (value.isObject()) {
              unknownFields(value, keyWhere, "hash", "groups");
              builder.addKeyHash(key.getKey(), value.path("hash").asText(""));
              if (value.has("groups")) {
                builder.groups(key.getKey(), strings(value.get("groups")));
              }
            } else {
              builder.addKeyHash(key.getKey(), value.asText());
            }
          } catch (IllegalArgumentException e) {
            allValid = false;
            problems.add(where + ".apiKeys.keys." + key.getKey() + ": " + e.getMessage());
          }
        }
        return allValid ? builder.build() : null;
      } catch (IllegalArgumentException | IllegalStateException e) {
        problems.add(where + ".apiKeys: " + e.getMessage());
        return null;
      }
    }

    private @Nullable Upstream namedUpstream(String where, JsonNode name) {
      Upstream upstream = upstreams.get(name.asText());
      if (upstream == null) {
        problems.add(where + ": unknown upstream '" + name.asText() + "'; defined: "
            + upstreams.keySet());
      }
      return upstream;
    }

    private @Nullable TrafficSplit split(String where, JsonNode node) {
      unknownFields(node, where, "weights", "pins");
      int before = problems.size();
      TrafficSplit.Builder builder = TrafficSplit.builder();
      JsonNode weights = node.path("weights");
      if (!weights.isObject() || weights.isEmpty()) {
        problems.add(where + ".weights: must map upstream names to weights, like"
            + " { stable: 95, canary: 5 }");
        return null;
      }
      for (Map.Entry<String, JsonNode> weight : weights.properties()) {
        String at = where + ".weights." + weight.getKey();
        Upstream upstream = namedUpstream(at, new com.fasterxml.jackson.databind.node.TextNode(weight.getKey()));
        int value = integer(at, weight.getValue());
        if (upstream != null && value >= 0) {
          try {
            builder.variant(upstream, value);
          } catch (IllegalArgumentException | IllegalStateException e) {
            problems.add(at + ": " + e.getMessage());
          }
        } else if (value < -1 || (value == -1 && weight.getValue().canConvertToInt())) {
          problems.add(at + ": must be >= 0 but was " + value);
        }
      }
      JsonNode pins = node.path("pins");
      for (int i = 0; i < pins.size(); i++) {
        String at = where + ".pins[" + i + "]";
        JsonNode pin = pins.get(i);
        unknownFields(pin, at, "header", "cookie", "value", "upstream");
        Upstream target = namedUpstream(at + ".upstream", pin.path("upstream"));
        String value = pin.path("value").asText(null);
        if (value == null || pin.has("header") == pin.has("cookie")) {
          problems.add(at + ": needs 'value' and one of 'header' or 'cookie'");
          continue;
        }
        if (target == null) {
          continue;
        }
        try {
          if (pin.has("header")) {
            builder.pinHeader(pin.get("header").asText(), value, target);
          } else {
            builder.pinCookie(pin.get("cookie").asText(), value, target);
          }
        } catch (IllegalArgumentException e) {
          problems.add(at + ": " + e.getMessage());
        }
      }
      if (problems.size() != before) {
        return null;
      }
      try {
        return builder.build();
      } catch (IllegalStateException e) {
        problems.add(where + ": " + e.getMessage());
        return null;
      }
    }

    private @Nullable Mirror mirror(String where, JsonNode node) {
      unknownFields(node, where, "upstream", "percent", "timeout", "maxInFlight");
      Upstream shadow = namedUpstream(where + ".upstream", node.path("upstream"));
      if (shadow == null) {
        return null;
      }
      int before = problems.size();
      try {
        Mirror.Builder builder = Mirror.builder(shadow);
        if (node.has("percent")) {
          JsonNode percent = node.get("percent");
          if (!percent.isNumber()) {
            problems.add(where + ".percent: must be a number from 0 to 100 but was " + percent);
          } else {
            builder.percent(percent.doubleValue());
          }
        }
        if (node.has("timeout")) {
          Duration timeout = duration(where + ".timeout", node.get("timeout"));
          if (timeout != null) {
            builder.timeout(timeout);
          }
        }
        if (node.has("maxInFlight")) {
          builder.maxInFlight(integer(where + ".maxInFlight", node.get("maxInFlight")));
        }
        return problems.size() == before ? builder.build() : null;
      } catch (IllegalArgumentException e) {
        problems.add(where + ": " + e.getMessage());
        return null;
      }
    }

    private @Nullable HeaderRewrite headerRewrite(String where, JsonNode node) {
      unknownFields(node, where, "remove", "set", "add");
      HeaderRewrite.Builder builder = HeaderRewrite.builder();
      int before = problems.size();
      for (String name : strings(node.path("remove"))) {
        try {
          builder.remove(name);
        } catch (IllegalArgumentException e) {
          problems.add(where + ".remove: " + e.getMessage());
        }
      }
      for (String kind : List.of("set", "add")) {
        for (Map.Entry<String, JsonNode> header : node.path(kind).properties()) {
          try {
            if (kind.equals("set")) {
              builder.set(header.getKey(), header.getValue().asText());
            } else {
              builder.add(header.getKey(), header.getValue().asText());
            }
          } catch (IllegalArgumentException e) {
            problems.add(where + "." + kind + "." + header.getKey() + ": " + e.getMessage());
          }
        }
      }
      return problems.size() == before ? builder.build() : null;
    }

    private @Nullable Authorization authorization(String where, JsonNode node) {
      if (!node.isObject()) {
        problems.add(where + ": must be an object with scopes, roles, rolesClaim or apiKeyGroups");
        return null;
      }
      unknownFields(node, where, "scopes", "roles", "rolesClaim", "apiKeyGroups");
      try {
        Authorization.Builder builder = Authorization.builder();
        if (node.has("scopes")) {
          builder.scopes(strings(node.get("scopes")));
        }
        if (node.has("roles")) {
          builder.roles(strings(node.get("roles")));
        }
        if (node.has("rolesClaim")) {
          builder.rolesClaim(node.get("rolesClaim").asText());
        }
        if (node.has("apiKeyGroups")) {
          builder.apiKeyGroups(strings(node.get("apiKeyGroups")));
        }
        return builder.build();
      } catch (IllegalArgumentException | IllegalStateException e) {
        problems.add(where + ": " + e.getMessage());
        return null;
      }
    }

    private void rateLimit(String where, JsonNode node, Route.Builder builder,
        TrustedProxies proxies) {
      unknownFields(node, where, "permits", "period", "key");
      int permits = integer(where + ".permits", node.path("permits"));
      Duration period = duration(where + ".period", node.path("period"));
      String key = node.path("key").asText("principal");
      KeyResolver resolver = switch (key) {
        case "principal" -> KeyResolver.principal(proxies);
        case "client-ip" -> KeyResolver.clientIp(proxies);
        case "api-key" -> KeyResolver.apiKey(proxies);
        case "jwt-subject" -> KeyResolver.jwtSubject(proxies);
        default -> {
          problems.add(where + ".key: '" + key
              + "' is not one of principal, client-ip, api-key, jwt-subject");
          yield null;
        }
      };
      if (permits < 1 || period == null || resolver == null) {
        if (permits < 1 && node.has("permits")) {
          problems.add(where + ".permits: must be >= 1 but was " + permits);
        }
        return;
      }
      try {
        builder.rateLimit(RateLimiters.inMemory(RateLimitPolicy.of(Limit.of(permits, period))).build(), resolver);
      } catch (IllegalArgumentException e) {
        problems.add(where + ": " + e.getMessage());
      }
    }

    /** Reads one routing key form or a list of them, chained in order. */
    private @Nullable RoutingKey hashOn(String where, JsonNode node, TrustedProxies proxies) {
      List<JsonNode> forms = new ArrayList<>();
      if (node.isArray()) {
        node.forEach(forms::add);
      } else {
        forms.add(node);
      }
      if (forms.isEmpty()) {
        problems.add(where + ": must be one of " + RoutingKeys.FORMS + ", or a list of them");
        return null;
      }
      RoutingKey chain = null;
      for (int i = 0; i < forms.size(); i++) {
        String at = node.isArray() ? where + "[" + i + "]" : where;
        JsonNode form = forms.get(i);
        if (!form.isTextual()) {
          problems.add(at + ": must be one of " + RoutingKeys.FORMS + " but was " + form);
          continue;
        }
        try {
          RoutingKey key = RoutingKeys.parse(form.asText(), proxies);
          chain = chain == null ? key : chain.orElse(key);
        } catch (IllegalArgumentException e) {
          problems.add(at + ": " + e.getMessage());
        }
      }
      return chain;
    }

    private @Nullable CorsPolicy cors(String where, JsonNode node) {
      unknownFields(node, where, "allowedOrigins", "allowedMethods", "allowedHeaders",
          "exposedHeaders", "allowCredentials", "maxAge");
      try {
        CorsPolicy.Builder builder = CorsPolicy.builder();
        if (node.has("allowedOrigins")) {
          builder.allowedOrigins(strings(node.get("allowedOrigins")));
        }
        if (node.has("allowedMethods")) {
          builder.allowedMethods(strings(node.get("allowedMethods")));
        }
        if (node.has("allowedHeaders")) {
          builder.allowedHeaders(strings(node.get("allowedHeaders")));
        }
        if (node.has("exposedHeaders")) {
          builder.exposedHeaders(strings(node.get("exposedHeaders")));
        }
        if (node.has("allowCredentials")) {
          builder.allowCredentials(node.get("allowCredentials").asBoolean());
        }
        if (node.has("maxAge")) {
          Duration maxAge = duration(where + ".maxAge", node.get("maxAge"));
          if (maxAge != null) {
            builder.maxAge(maxAge);
          }
        }
        return builder.build();
      } catch (IllegalArgumentException e) {
        problems.add(where + ": " + e.getMessage());
        return null;
      }
    }

    private static String[] strings(JsonNode node) {
      List<String> values = new ArrayList<>();
      node.forEach(value -> values.add(value.asText()));
      return values.toArray(String[]::new);
    }

    private void text(JsonNode node, String field, Consumer<String> setter) {
      if (node.has(field)) {
        setter.accept(node.get(field).asText());
      }
    }

    private int integer(String where, JsonNode node) {
      if (!node.canConvertToInt()) {
        problems.add(where + ": must be an integer but was " + (node.isMissingNode() ? "missing" : node));
        return -1;
      }
      return node.intValue();
    }

    private @Nullable Duration duration(String where, JsonNode node) {
      String text = node.asText("").trim();
      try {
        Duration duration = Durations.parse(text);
        if (!duration.isZero()) {
          return duration;
        }
      } catch (IllegalArgumentException e) {
        // reported below
      }
      problems.add(where + ": '" + (node.isMissingNode() ? "" : text) + "' is not a positive duration: expected "
          + Durations.GRAMMAR);
      return null;
    }

    private void unknownFields(JsonNode node, String where, String... known) {
      List<String> allowed = List.of(known);
      node.fieldNames().forEachRemaining(field -> {
        if (!allowed.contains(field)) {
          problems.add((where.isEmpty() ? "" : where + ".") + field + ": unknown field; known: "
              + allowed);
        }
      });
    }

    private static int parseInt(String digits) {
      try {
        return Integer.parseInt(digits);
      } catch (NumberFormatException e) {
        return -1;
      }
    }
  }

  /** Keeps the YAML classes out of the way of JSON-only users (the dependency is optional). */
  private static final class Yaml {
    private Yaml() {}

    static ObjectMapper mapper() {
      return new ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory());
    }
  }
}
