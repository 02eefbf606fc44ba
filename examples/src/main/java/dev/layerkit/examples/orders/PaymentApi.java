package dev.layerkit.examples.orders;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.observation.ObservationRegistry;
import java.io.IOException;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The payment service's HTTP API over {@link Payments}, which {@link PaymentClient} calls.
 *
 * <pre>
 * POST   /charges   Idempotency-Key: K   {"orderId":"o-...","amountCents":2900}
 *                   201 the charge; 402 declined (again for every retry of K); 422 K used for another charge
 * DELETE /charges/{K}                    200 the refunded charge (also for a K never charged)
 * GET    /charges/{K}                    200 the charge, 404 if none
 * GET    /health
 * </pre>
 */
final class PaymentApi {

  static final String CHARGES = "/charges";

  /**
   * The body of a charge.
   *
   * @param orderId what is paid for
   * @param amountCents how much
   */
  record ChargeRequest(@Nullable String orderId, long amountCents) {}

  /** The server observation of one request. */
  static final String REQUEST_OBSERVATION = "orders.payment.request";

  private PaymentApi() {}

  /**
   * Serves payments.
   *
   * @param name the instance's name
   * @param host the address to listen on
   * @param port the port, 0 for a free one
   * @param payments the charges
   * @return the running server
   * @throws IOException if the port cannot be bound
   */
  static JsonHttpServer serve(String name, String host, int port, Payments payments) throws IOException {
    return serve(name, host, port, payments, ObservationRegistry.NOOP);
  }

  /**
   * Serves payments, each request a server observation ({@value #REQUEST_OBSERVATION}) continuing the
   * caller's trace.
   *
   * @param name the instance's name
   * @param host the address to listen on
   * @param port the port, 0 for a free one
   * @param payments the charges
   * @param observations where requests are observed
   * @return the running server
   * @throws IOException if the port cannot be bound
   */
  static JsonHttpServer serve(String name, String host, int port, Payments payments, ObservationRegistry observations)
      throws IOException {
    ObjectMapper json = new ObjectMapper();
    return new JsonHttpServer(name, host, port, json, (method, path, exchange) -> {
      if (path.equals(CHARGES)) {
        if (!method.equals("POST")) {
          return JsonHttpServer.methodNotAllowed(method, path);
        }
        String key = JsonHttpServer.idempotencyKey(exchange);
        ChargeRequest request = JsonHttpServer.body(exchange, json, ChargeRequest.class);
        if (request.orderId() == null || request.orderId().isBlank()) {
          throw new IllegalArgumentException("orderId is required");
        }
        return new JsonHttpServer.Reply(201, payments.charge(key, request.orderId(), request.amountCents()));
      }
      if (path.startsWith(CHARGES + "/") && path.length() > CHARGES.length() + 1) {
        String key = path.substring(CHARGES.length() + 1);
        if (method.equals("DELETE")) {
          return new JsonHttpServer.Reply(200, payments.refund(key));
        }
        if (method.equals("GET")) {
          Optional<Payments.Charge> charge = payments.find(key);
          return charge.isPresent() ? new JsonHttpServer.Reply(200, charge.get())
              : JsonHttpServer.notFound("charge " + key);
        }
        return JsonHttpServer.methodNotAllowed(method, path);
      }
      return JsonHttpServer.notFound("resource " + path);
    }, REQUEST_OBSERVATION, observations);
  }
}
