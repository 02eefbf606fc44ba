package dev.layerkit.examples.orders;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * The Java client of the order API (layer 1 for Java callers), with an HTTP cache on Caffeine:
 * responses that carry an {@code ETag} are kept, and the next GET of the same resource sends
 * {@code If-None-Match}; a 304 answers from the kept copy, so unchanged catalog and profile
 * reads cost a header round trip and no body.
 *
 * <pre>{@code
 * OrderClient client = new OrderClient(URI.create("http://127.0.0.1:8080/"), apiKey);
 * JsonNode catalog = client.catalog();
 * Order order = client.placeOrder("c-1", List.of(new OrderClient.Line("sku-mouse", 2)), "key-1");
 * }</pre>
 *
 * <p>Thread-safe. Failures: {@link OrderApiException} with the status and the server's message.
 */
public final class OrderClient {

  /** A line of a new order. */
  public record Line(String sku, int quantity) {}

  /** The server answered with an error status. */
  public static final class OrderApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;

    OrderApiException(int status, String body) {
      super("order API answered " + status + ": " + body);
      this.status = status;
    }

    /**
     * Returns the HTTP status.
     *
     * @return the status
     */
    public int status() {
      return status;
    }
  }

  private record Cached(String etag, String body) {}

  private final URI base;
  private final String apiKey;
  private final HttpClient http;
  private final ObjectMapper json = new ObjectMapper();
  private final Cache<URI, Cached> cache;
  private final LongAdder notModified = new LongAdder();

  /**
   * Creates a client.
   *
   * @param base the gateway's base URI
   * @param apiKey the API key
   */
  public OrderClient(URI base, String apiKey) {
    this.base = Objects.requireNonNull(base, "base");
    this.apiKey = Objects.requireNonNull(apiKey, "apiKey");
    this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    this.cache = Caffeine.newBuilder().maximumSize(10_000).build();
  }

  /**
   * Returns the product catalog (revalidated by ETag).
   *
   * @return {@code {"products":[...]}}
   */
  public JsonNode catalog() {
    return tree(getCached("/api/catalog"));
  }

  /**
   * Returns a customer's profile (revalidated by ETag).
   *
   * @param customerId the customer
   * @return the profile, or empty if there is no such customer
   */
  public Optional<JsonNode> customer(String customerId) {
    try {
      return Optional.of(tree(getCached("/api/customers/" + encode(customerId))));
    } catch (OrderApiException e) {
      if (e.status() == 404) {
        return Optional.empty();
      }
      throw e;
    }
  }

  /**
   * Places an order. A retry with the same idempotency key and lines returns the order the first
   * request placed (the server replays its stored response); the key with other lines fails with
   * {@link OrderApiException} 422, and while the first request still runs with 409.
   *
   * @param customerId the customer
   * @param lines what to order
   * @param idempotencyKey the key, or null for none
   * @return the order
   */
  public Order placeOrder(String customerId, List<Line> lines, @Nullable String idempotencyKey) {
    String body = write(Map.of("customerId", customerId, "items", lines));
    HttpRequest.Builder request = request("/api/orders").header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (idempotencyKey != null) {
      request.header("Idempotency-Key", idempotencyKey);
    }
    return read(send(request.build(), 200, 201).body(), Order.class);
  }

  /**
   * Reads an order.
   *
   * @param id the order id
   * @return the order, or empty if there is none
   */
  public Optional<Order> order(String id) {
    HttpResponse<String> response = send(request("/api/orders/" + encode(id)).GET().build(), 200, 404);
    return response.statusCode() == 404 ? Optional.empty()
        : Optional.of(read(response.body(), Order.class));
  }

  /**
   * Returns a page of a customer's orders, newest first.
   *
   * @param customerId the customer
   * @param limit at most this many
   * @param before the {@code next} cursor of the previous page (an order id), or null for the
   *     newest
   * @return the orders
   */
  public List<Order> customerOrders(String customerId, int limit, @Nullable String before) {
    String path = "/api/customers/" + encode(customerId) + "/orders?limit=" + limit
        + (before == null ? "" : "&before=" + encode(before));
    JsonNode page = tree(send(request(path).GET().build(), 200).body());
    return json.convertValue(page.get("orders"), new TypeReference<List<Order>>() {});
  }

  /**
   * Changes an order's status.
   *
   * @param id the order
   * @param status the new status
   * @return the updated order
   */
  public Order updateStatus(String id, OrderStatus status) {
    String body = write(Map.of("status", status.name()));
    return read(send(request("/api/orders/" + encode(id)).header("Content-Type", "application/json")
        .method("PATCH", HttpRequest.BodyPublishers.ofString(body)).build(), 200).body(), Order.class);
  }

  /**
   * Returns the live dashboard.
   *
   * @return the dashboard's JSON
   */
  public JsonNode dashboard() {
    return tree(send(request("/api/dashboard").GET().build(), 200).body());
  }

  /**
   * Returns how many GETs the server answered 304, served from this client's cache.
   *
   * @return the count
   */
  public long notModifiedCount() {
    return notModified.sum();
  }

  private String getCached(String path) {
    URI uri = base.resolve(path);
    Cached cached = cache.getIfPresent(uri);
    HttpRequest.Builder request = request(path).GET();
    if (cached != null) {
      request.header("If-None-Match", cached.etag());
    }
    HttpResponse<String> response = send(request.build(), 200, 304);
    if (response.statusCode() == 304 && cached != null) {
      notModified.increment();
      return cached.body();
    }
    response.headers().firstValue("ETag").ifPresent(etag -> cache.put(uri, new Cached(etag, response.body())));
    return response.body();
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(base.resolve(path)).header("X-API-Key", apiKey)
        .timeout(Duration.ofSeconds(10));
  }

  private HttpResponse<String> send(HttpRequest request, int... accepted) {
    HttpResponse<String> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException("order API unreachable at " + base + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
    for (int status : accepted) {
      if (response.statusCode() == status) {
        return response;
      }
    }
    throw new OrderApiException(response.statusCode(), response.body());
  }

  private JsonNode tree(String body) {
    try {
      return json.readTree(body);
    } catch (IOException e) {
      throw new UncheckedIOException("order API sent invalid JSON", e);
    }
  }

  private <T> T read(String body, Class<T> type) {
    try {
      return json.readValue(body, type);
    } catch (IOException e) {
      throw new UncheckedIOException("order API sent invalid JSON for " + type.getSimpleName(), e);
    }
  }

  private String write(Object value) {
    try {
      return json.writeValueAsString(value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String encode(String segment) {
    return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
