package dev.layerkit.examples.orders;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.observation.ObservationRegistry;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The inventory service's HTTP API over an {@link Inventory}, which {@link InventoryClient} calls.
 *
 * <pre>
 * POST   /reservations   Idempotency-Key: K   {"lines":[{"sku":"sku-mouse","quantity":2}]}
 *                        200 the reservation; 409 out of stock or released; 422 K used for other lines
 * DELETE /reservations/{K}                    200 the released reservation (also for a K never reserved)
 * GET    /stock/{sku}                         200 {"sku":..., "available":...}
 * GET    /health
 * </pre>
 */
final class InventoryApi {

  static final String RESERVATIONS = "/reservations";
  static final String STOCK = "/stock/";

  /**
   * The body of a reservation.
   *
   * @param lines what to reserve
   */
  record ReserveRequest(@Nullable List<Inventory.Line> lines) {}

  /** The server observation of one request. */
  static final String REQUEST_OBSERVATION = "orders.inventory.request";

  private InventoryApi() {}

  /**
   * Serves an inventory.
   *
   * @param name the instance's name
   * @param host the address to listen on
   * @param port the port, 0 for a free one
   * @param inventory the stock
   * @return the running server
   * @throws IOException if the port cannot be bound
   */
  static JsonHttpServer serve(String name, String host, int port, Inventory inventory) throws IOException {
    return serve(name, host, port, inventory, ObservationRegistry.NOOP);
  }

  /**
   * Serves an inventory, each request a server observation ({@value #REQUEST_OBSERVATION}) continuing the
   * caller's trace.
   *
   * @param name the instance's name
   * @param host the address to listen on
   * @param port the port, 0 for a free one
   * @param inventory the stock
   * @param observations where requests are observed
   * @return the running server
   * @throws IOException if the port cannot be bound
   */
  static JsonHttpServer serve(String name, String host, int port, Inventory inventory, ObservationRegistry observations)
      throws IOException {
    ObjectMapper json = new ObjectMapper();
    return new JsonHttpServer(name, host, port, json, (method, path, exchange) -> {
      if (path.equals(RESERVATIONS)) {
        if (!method.equals("POST")) {
          return JsonHttpServer.methodNotAllowed(method, path);
        }
        String key = JsonHttpServer.idempotencyKey(exchange);
        ReserveRequest request = JsonHttpServer.body(exchange, json, ReserveRequest.class);
        if (request.lines() == null || request.lines().isEmpty()) {
          throw new IllegalArgumentException("lines must have at least one line");
        }
        return new JsonHttpServer.Reply(200, inventory.reserve(key, request.lines()));
      }
      if (path.startsWith(RESERVATIONS + "/") && path.length() > RESERVATIONS.length() + 1) {
        if (!method.equals("DELETE")) {
          return JsonHttpServer.methodNotAllowed(method, path);
        }
        return new JsonHttpServer.Reply(200, inventory.release(path.substring(RESERVATIONS.length() + 1)));
      }
      if (path.startsWith(STOCK) && method.equals("GET")) {
        String sku = path.substring(STOCK.length());
        return new JsonHttpServer.Reply(200, Map.of("sku", sku, "available", inventory.available(sku)));
      }
      return JsonHttpServer.notFound("resource " + path);
    }, REQUEST_OBSERVATION, observations);
  }
}
