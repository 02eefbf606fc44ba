package dev.layerkit.examples.orders;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.layerkit.core.observation.ObservationTags;
import dev.layerkit.service.idempotency.IdempotencyOutcome;
import dev.layerkit.service.idempotency.IdempotentResponse;
import dev.layerkit.service.idempotency.RequestFingerprint;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.transport.Kind;
import io.micrometer.observation.transport.ReceiverContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One order-service instance: the REST API of {@link OrderService} on the JDK's HTTP server.
 *
 * <pre>
 * GET   /catalog                          products (ETag, public max-age=60)
 * GET   /customers/{id}                   profile (ETag, no-cache: revalidate)
 * GET   /customers/{id}/orders?limit=&before=   newest first; "next" is the cursor (an order id)
 * POST  /orders        Idempotency-Key    201 created; with a key seen before: the stored 201 and
 *                                         Idempotent-Replayed: true, 422 for another body, 409
 *                                         with Retry-After while the first is still running
 * GET   /orders/{id}
 * PATCH /orders/{id}   {"status":"PAID"}
 * GET   /dashboard                        orders per minute, health, cache hit ratio, denials, revenue report
 * POST  /dashboard/revenue                runs the revenue report now, returns it
 * GET   /health                           200 while the instance serves
 * </pre>
 *
 * <p>Bad input is a 400 with a message per field; no answer ever carries a stack trace.
 */
final class OrderHttpServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(OrderHttpServer.class);
  private static final Pattern ORDER = Pattern.compile("/orders/([A-Za-z0-9-]{1,64})");
  private static final Pattern CUSTOMER = Pattern.compile("/customers/([A-Za-z0-9-]{1,64})");
  private static final Pattern CUSTOMER_ORDERS =
      Pattern.compile("/customers/([A-Za-z0-9-]{1,64})/orders");
  private static final int MAX_BODY = 64 * 1024;
  /** The observation of one request an instance handles. */
  static final String REQUEST_OBSERVATION = "orders.service.request";

  private final String name;
  private final OrderService service;
  private final Dashboard dashboard;
  private final Catalog catalog;
  private final Customers customers;
  private final ObjectMapper json;
  private final HttpServer server;
  private final ExecutorService executor;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final Timer[] byStatusClass = new Timer[6];
  private final byte[] catalogBody;
  private final String catalogEtag;
  private final ObservationRegistry observations;

  OrderHttpServer(String name, int port, OrderService service, Dashboard dashboard, Catalog catalog,
      Customers customers, ObjectMapper json, MeterRegistry meters) throws IOException {
    this(name, port, service, dashboard, catalog, customers, json, meters, ObservationRegistry.NOOP);
  }

  OrderHttpServer(String name, int port, OrderService service, Dashboard dashboard, Catalog catalog,
      Customers customers, ObjectMapper json, MeterRegistry meters, ObservationRegistry observations)
      throws IOException {
    this(name, InetAddress.getLoopbackAddress().getHostAddress(), port, service, dashboard, catalog, customers,
        json, meters, observations);
  }

  /** Listens on {@code host} ({@code 0.0.0.0} in a container, where the gateway is another pod). */
  OrderHttpServer(String name, String host, int port, OrderService service, Dashboard dashboard, Catalog catalog,
      Customers customers, ObjectMapper json, MeterRegistry meters, ObservationRegistry observations)
      throws IOException {
    this.name = name;
    this.observations = observations;
    this.service = service;
    this.dashboard = dashboard;
    this.catalog = catalog;
    this.customers = customers;
    this.json = json;
    this.catalogBody = json.writeValueAsBytes(Map.of("products", catalog.products()));
    this.catalogEtag = etag(catalogBody);
    for (int i = 0; i < byStatusClass.length; i++) {
      byStatusClass[i] = Timer.builder("layerkit.http.server.requests")
          .description("Requests answered by the order service, by status class")
          .tag("name", name).tag("status", i == 0 ? "other" : i + "xx")
          .publishPercentileHistogram().register(meters);
    }
    this.executor = Executors.newFixedThreadPool(16, runnable -> {
      Thread thread = new Thread(runnable, name + "-http");
      thread.setDaemon(true);
      return thread;
    });
    this.server = JdkHttpServers.create(host, port);
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  String name() {
    return name;
  }

  int port() {
    return server.getAddress().getPort();
  }

  int inFlight() {
    return inFlight.get();
  }

  private void handle(HttpExchange exchange) throws IOException {
    inFlight.incrementAndGet();
    long start = System.nanoTime();
    // The request's server span continues the gateway's traceparent; it is current while the
    // request is handled, so the cache, store and publish spans are its children.
    Observation observation = observe(exchange);
    Observation.Scope scope = observation.isNoop() ? null : observation.openScope();
    // Not try-with-resources: that would close the exchange before a catch clause could send
    // the error answer, and the client would see the connection closed instead of a 400.
    try {
      route(exchange);
    } catch (MethodNotAllowedException e) {
      methodNotAllowed(exchange, e.allowed);
    } catch (OrderService.ValidationException e) {
      Map<String, Object> body = new LinkedHashMap<>(error(400, "invalid request"));
      body.put("fields", e.fields);
      send(exchange, 400, body, null);
    } catch (OrderService.ConflictException e) {
      send(exchange, 409, error(409, e.getMessage()), null);
    } catch (JsonProcessingException e) {
      send(exchange, 400, error(400, "body is not valid JSON for this request: "
          + e.getOriginalMessage()), null);
    } catch (BodyTooLargeException e) {
      send(exchange, 413, error(413, "body larger than " + MAX_BODY + " bytes"), null);
    } catch (RuntimeException e) {
      LOG.warn("{}: {} {} failed", name, exchange.getRequestMethod(), exchange.getRequestURI(), e);
      send(exchange, 503, error(503, "the order service could not complete the request"), null);
    } finally {
      if (scope != null) {
        scope.close();
      }
      exchange.close();
      inFlight.decrementAndGet();
      if (!observation.isNoop()) {
        int status = exchange.getResponseCode();
        observation.lowCardinalityKeyValue(ObservationTags.STATUS, ObservationTags.statusClass(status))
            .lowCardinalityKeyValue(ObservationTags.OUTCOME, ObservationTags.outcome(status)).stop();
      }
      int statusClass = exchange.getResponseCode() / 100;
      byStatusClass[statusClass >= 1 && statusClass <= 5 ? statusClass : 0]
          .record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    }
  }

  /** Starts the server observation of one request ({@value #REQUEST_OBSERVATION}). */
  private Observation observe(HttpExchange exchange) {
    if (observations.isNoop()) {
      return Observation.NOOP;
    }
    ReceiverContext<HttpExchange> context = new ReceiverContext<>(
        (carrier, key) -> carrier.getRequestHeaders().getFirst(key), Kind.SERVER);
    context.setCarrier(exchange);
    return Observation.createNotStarted(REQUEST_OBSERVATION, () -> context, observations)
        .lowCardinalityKeyValue(ObservationTags.METHOD, exchange.getRequestMethod())
        .lowCardinalityKeyValue("instance", name)
        .start();
  }

  private void route(HttpExchange exchange) throws IOException {
    String method = exchange.getRequestMethod();
    URI uri = exchange.getRequestURI();
    String path = uri.getPath();
    Matcher matcher;
    if (path.equals("/health")) {
      send(exchange, 200, Map.of("status", "UP", "instance", name), null);
    } else if (path.equals("/catalog")) {
      requireMethod(exchange, "GET");
      exchange.getResponseHeaders().set("Cache-Control", "public, max-age=60");
      sendCached(exchange, catalogBody, catalogEtag);
    } else if ((matcher = CUSTOMER_ORDERS.matcher(path)).matches()) {
      requireMethod(exchange, "GET");
      Map<String, String> query = query(uri);
      int limit = parseInt(query.getOrDefault("limit", "20"), "limit");
      String before = query.get("before");
      List<Order> page = service.listByCustomer(matcher.group(1), limit, before);
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("orders", page);
      body.put("next", page.size() == limit ? page.get(page.size() - 1).id() : null);
      send(exchange, 200, body, null);
    } else if ((matcher = CUSTOMER.matcher(path)).matches()) {
      requireMethod(exchange, "GET");
      Optional<Customers.Profile> profile = customers.find(matcher.group(1));
      if (profile.isEmpty()) {
        send(exchange, 404, error(404, "no customer " + matcher.group(1)), null);
        return;
      }
      byte[] body = json.writeValueAsBytes(profile.get());
      exchange.getResponseHeaders().set("Cache-Control", "private, no-cache");
      sendCached(exchange, body, etag(body));
    } else if (path.equals("/orders")) {
      requireMethod(exchange, "POST");
      byte[] body = readBody(exchange);
      OrderService.PlaceRequest request = json.readValue(body, OrderService.PlaceRequest.class);
      if (request == null) {
        throw new OrderService.ValidationException(Map.of("body", "is required"));
      }
      String key = exchange.getRequestHeaders().getFirst("Idempotency-Key");
      if (key == null) {
        Order order = service.place(request);
        exchange.getResponseHeaders().set("Location", "/orders/" + order.id());
        send(exchange, 201, order, null);
      } else {
        // Fingerprinted as parsed and encoded again, not as sent: a client retrying after a restart
        // may encode the same order with its fields in another order or other spacing (a Map.of
        // body does), and that is the same request.
        IdempotencyOutcome outcome = service.placeOnce(request, key,
            RequestFingerprint.of("POST", path, json.writeValueAsBytes(request)), this::created);
        send(exchange, outcome.response());
      }
    } else if ((matcher = ORDER.matcher(path)).matches()) {
      String id = matcher.group(1);
      if (method.equals("GET")) {
        Optional<Order> order = service.get(id);
        if (order.isPresent()) {
          send(exchange, 200, order.get(), null);
        } else {
          send(exchange, 404, error(404, "no order " + id), null);
        }
      } else if (method.equals("PATCH")) {
        StatusChange change = json.readValue(readBody(exchange), StatusChange.class);
        Optional<Order> updated = service.updateStatus(id, change == null ? null : change.status());
        if (updated.isPresent()) {
          send(exchange, 200, updated.get(), null);
        } else {
          send(exchange, 404, error(404, "no order " + id), null);
        }
      } else {
        methodNotAllowed(exchange, "GET, PATCH");
      }
    } else if (path.equals("/dashboard/revenue")) {
      requireMethod(exchange, "POST");
      exchange.getResponseHeaders().set("Cache-Control", "no-store");
      send(exchange, 200, dashboard.runRevenueJob(), null);
    } else if (path.equals("/dashboard")) {
      requireMethod(exchange, "GET");
      exchange.getResponseHeaders().set("Cache-Control", "no-store");
      send(exchange, 200, dashboard.snapshot(), null);
    } else {
      send(exchange, 404, error(404, "no resource " + path), null);
    }
  }

  /** The body of a PATCH. */
  record StatusChange(@Nullable String status) {}

  private static final class MethodNotAllowedException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final String allowed;

    MethodNotAllowedException(String allowed) {
      super(null, null, false, false);
      this.allowed = allowed;
    }
  }

  private static final class BodyTooLargeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BodyTooLargeException() {
      super(null, null, false, false);
    }
  }

  private static void requireMethod(HttpExchange exchange, String method) {
    if (!exchange.getRequestMethod().equals(method)) {
      throw new MethodNotAllowedException(method);
    }
  }

  private void methodNotAllowed(HttpExchange exchange, String allowed) throws IOException {
    exchange.getResponseHeaders().set("Allow", allowed);
    send(exchange, 405, error(405, exchange.getRequestMethod() + " not allowed; use " + allowed), null);
  }

  private static byte[] readBody(HttpExchange exchange) throws IOException {
    try (InputStream in = exchange.getRequestBody()) {
      byte[] body = in.readNBytes(MAX_BODY + 1);
      if (body.length > MAX_BODY) {
        throw new BodyTooLargeException();
      }
      return body;
    }
  }

  private void sendCached(HttpExchange exchange, byte[] body, String etag) throws IOException {
    exchange.getResponseHeaders().set("ETag", etag);
    String ifNoneMatch = exchange.getRequestHeaders().getFirst("If-None-Match");
    if (ifNoneMatch != null && (ifNoneMatch.equals(etag) || ifNoneMatch.equals("*"))) {
      exchange.sendResponseHeaders(304, -1);
      return;
    }
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(200, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  /** The answer to a new order, as it is stored for an idempotency key and replayed. */
  private IdempotentResponse created(Order order) {
    try {
      return IdempotentResponse.of(201, json.writeValueAsBytes(order))
          .withHeader("Content-Type", "application/json")
          .withHeader("Location", "/orders/" + order.id());
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode order " + order.id(), e);
    }
  }

  /** Sends a response made by {@link dev.layerkit.service.idempotency.Idempotency}, headers and all. */
  private void send(HttpExchange exchange, IdempotentResponse response) throws IOException {
    response.headers().forEach((header, values) -> exchange.getResponseHeaders().put(header, new ArrayList<>(values)));
    exchange.getResponseHeaders().set("X-Served-By", name);
    byte[] bytes = response.body();
    try {
      exchange.sendResponseHeaders(response.status(), bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    } catch (IOException e) {
      LOG.debug("{}: client went away", name, e);
    }
  }

  private void send(HttpExchange exchange, int status, Object body, @Nullable String etag)
      throws IOException {
    byte[] bytes;
    try {
      bytes = json.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      bytes = "{\"status\":500,\"error\":\"cannot encode the answer\"}".getBytes(StandardCharsets.UTF_8);
      status = 500;
    }
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.getResponseHeaders().set("X-Served-By", name);
    if (etag != null) {
      exchange.getResponseHeaders().set("ETag", etag);
    }
    try {
      exchange.sendResponseHeaders(status, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    } catch (IOException e) {
      LOG.debug("{}: client went away", name, e);
    }
  }

  private static Map<String, Object> error(int status, String message) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("status", status);
    body.put("message", message);
    return body;
  }

  private static Map<String, String> query(URI uri) {
    Map<String, String> values = new LinkedHashMap<>();
    String raw = uri.getRawQuery();
    if (raw == null || raw.isEmpty()) {
      return values;
    }
    for (String pair : raw.split("&")) {
      int equals = pair.indexOf('=');
      String key = java.net.URLDecoder.decode(equals < 0 ? pair : pair.substring(0, equals), StandardCharsets.UTF_8);
      String value = equals < 0 ? "" : java.net.URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8);
      values.put(key, value);
    }
    return values;
  }

  private static int parseInt(String text, String field) {
    try {
      return Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw new OrderService.ValidationException(Map.of(field, "must be a number but was '" + text + "'"));
    }
  }

  static String etag(byte[] body) {
    try {
      return "\"" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body), 0, 12) + "\"";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Stops taking requests, waits for in-flight ones up to the deadline, then stops. */
  @Override
  public void close() {
    server.stop(1);
    executor.shutdown();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
