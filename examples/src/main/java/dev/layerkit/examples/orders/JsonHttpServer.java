package dev.layerkit.examples.orders;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.layerkit.core.observation.ObservationTags;
import dev.layerkit.service.ServerDeadline;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.transport.Kind;
import io.micrometer.observation.transport.ReceiverContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small JSON service on the JDK's HTTP server, for the inventory and payment services: it
 * honours the caller's deadline ({@link ServerDeadline#filter()}, 504 once it passed), answers
 * {@code GET /health}, and turns what a route throws into an answer: a {@link ServiceRefusal}
 * into its 4xx, bad input into a 400, anything else into a 503 (logged), never a stack trace.
 * Each request is a server observation ({@code orders.<service>.request}) that continues the
 * caller's W3C {@code traceparent}, as the order service's requests do, so one trace crosses the
 * gateway, the order service and the services it calls.
 * Thread-safe; requests run on a pool of 16 daemon threads.
 */
final class JsonHttpServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(JsonHttpServer.class);
  private static final int MAX_BODY = 64 * 1024;

  /** Answers one request. */
  @FunctionalInterface
  interface Routes {
    /**
     * Answers a request other than {@code GET /health}.
     *
     * @param method the HTTP method
     * @param path the decoded path
     * @param exchange for headers and the body ({@link JsonHttpServer#body})
     * @return the answer
     * @throws IOException if the body cannot be read or parsed
     */
    Reply route(String method, String path, HttpExchange exchange) throws IOException;
  }

  /**
   * An answer.
   *
   * @param status the HTTP status
   * @param body encoded as JSON
   */
  record Reply(int status, Object body) {}

  private final String name;
  private final ObjectMapper json;
  private final Routes routes;
  private final HttpServer server;
  private final ExecutorService executor;
  private final String observationName;
  private final ObservationRegistry observations;

  /**
   * Starts serving, unobserved.
   *
   * @param name the service instance, for logs and the {@code X-Served-By} header
   * @param host the address to listen on
   * @param port the port, 0 for a free one
   * @param json the JSON mapper
   * @param routes the service's routes
   * @throws IOException if the port cannot be bound
   */
  JsonHttpServer(String name, String host, int port, ObjectMapper json, Routes routes) throws IOException {
    this(name, host, port, json, routes, "orders.service.request", ObservationRegistry.NOOP);
  }

  /**
   * Starts serving, each request observed as {@code observationName}.
   *
   * @param name the service instance, for logs and the {@code X-Served-By} header
   * @param host the address to listen on
   * @param port the port, 0 for a free one
   * @param json the JSON mapper
   * @param routes the service's routes
   * @param observationName the name of a request's server observation
   * @param observations where requests are observed, {@link ObservationRegistry#NOOP} for nowhere
   * @throws IOException if the port cannot be bound
   */
  JsonHttpServer(String name, String host, int port, ObjectMapper json, Routes routes, String observationName,
      ObservationRegistry observations) throws IOException {
    this.name = name;
    this.observationName = observationName;
    this.observations = observations;
    this.json = json;
    this.routes = routes;
    this.executor = Executors.newFixedThreadPool(16, runnable -> {
      Thread thread = new Thread(runnable, name + "-http");
      thread.setDaemon(true);
      return thread;
    });
    this.server = JdkHttpServers.create(host, port);
    server.setExecutor(executor);
    server.createContext("/", this::handle).getFilters().add(ServerDeadline.filter());
    server.start();
  }

  String name() {
    return name;
  }

  int port() {
    return server.getAddress().getPort();
  }

  private void handle(HttpExchange exchange) throws IOException {
    // Current while the route runs, so the store's spans hang below the request's.
    Observation observation = observe(exchange);
    Observation.Scope scope = observation.isNoop() ? null : observation.openScope();
    try {
      String path = exchange.getRequestURI().getPath();
      Reply reply = path.equals("/health") ? new Reply(200, Map.of("status", "UP", "instance", name))
          : routes.route(exchange.getRequestMethod(), path, exchange);
      send(exchange, reply.status(), reply.body());
    } catch (ServiceRefusal e) {
      send(exchange, e.status(), error(e.status(), e.getMessage()));
    } catch (JsonProcessingException e) {
      send(exchange, 400, error(400, "body is not valid JSON for this request: " + e.getOriginalMessage()));
    } catch (IllegalArgumentException | NullPointerException e) {
      send(exchange, 400, error(400, String.valueOf(e.getMessage())));
    } catch (RuntimeException e) {
      LOG.warn("{}: {} {} failed", name, exchange.getRequestMethod(), exchange.getRequestURI(), e);
      send(exchange, 503, error(503, name + " could not complete the request"));
    } finally {
      if (scope != null) {
        scope.close();
      }
      exchange.close();
      if (!observation.isNoop()) {
        int status = exchange.getResponseCode();
        observation.lowCardinalityKeyValue(ObservationTags.STATUS, ObservationTags.statusClass(status))
            .lowCardinalityKeyValue(ObservationTags.OUTCOME, ObservationTags.outcome(status)).stop();
      }
    }
  }

  /** Starts the server observation of one request, continuing the caller's trace from its headers. */
  private Observation observe(HttpExchange exchange) {
    if (observations.isNoop()) {
      return Observation.NOOP;
    }
    ReceiverContext<HttpExchange> context = new ReceiverContext<>(
        (carrier, key) -> carrier.getRequestHeaders().getFirst(key), Kind.SERVER);
    context.setCarrier(exchange);
    return Observation.createNotStarted(observationName, () -> context, observations)
        .lowCardinalityKeyValue(ObservationTags.METHOD, exchange.getRequestMethod())
        .lowCardinalityKeyValue("instance", name)
        .start();
  }

  /**
   * Reads and parses a request's JSON body.
   *
   * @param exchange the request
   * @param json the JSON mapper
   * @param type what the body is
   * @param <T> the type
   * @return the body
   * @throws IOException if it cannot be read or parsed
   * @throws IllegalArgumentException if it is empty or larger than 64 KiB
   */
  static <T> T body(HttpExchange exchange, ObjectMapper json, Class<T> type) throws IOException {
    byte[] body;
    try (InputStream in = exchange.getRequestBody()) {
      body = in.readNBytes(MAX_BODY + 1);
    }
    if (body.length > MAX_BODY) {
      throw new IllegalArgumentException("body larger than " + MAX_BODY + " bytes");
    }
    T value = body.length == 0 ? null : json.readValue(body, type);
    if (value == null) {
      throw new IllegalArgumentException("body is required");
    }
    return value;
  }

  /**
   * Returns a request's {@code Idempotency-Key}.
   *
   * @param exchange the request
   * @return the key
   * @throws IllegalArgumentException if it has none
   */
  static String idempotencyKey(HttpExchange exchange) {
    String key = exchange.getRequestHeaders().getFirst("Idempotency-Key");
    if (key == null || key.isBlank()) {
      throw new IllegalArgumentException("the Idempotency-Key header is required");
    }
    return key;
  }

  static Reply notFound(String what) {
    return new Reply(404, error(404, "no " + what));
  }

  static Reply methodNotAllowed(String method, String path) {
    return new Reply(405, error(405, method + " " + path + " is not allowed"));
  }

  private void send(HttpExchange exchange, int status, @Nullable Object body) throws IOException {
    byte[] bytes = json.writeValueAsBytes(body);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.getResponseHeaders().set("X-Served-By", name);
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

  /** Stops taking requests, lets those in flight finish for up to a second, then stops. */
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
