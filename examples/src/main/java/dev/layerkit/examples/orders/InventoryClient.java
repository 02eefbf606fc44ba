package dev.layerkit.examples.orders;

import dev.layerkit.core.codec.Codec;
import dev.layerkit.core.codec.Codecs;
import dev.layerkit.service.ClientErrorException;
import dev.layerkit.service.ServiceClient;
import dev.layerkit.service.ServiceRequest;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The inventory service as the order service calls it: {@link InventoryApi} through a {@link
 * ServiceClient} (balancing, retries within a budget, deadlines). Every write carries its key as
 * {@code Idempotency-Key}, so the client may retry it; a refusal comes back as the {@link
 * ServiceRefusal} the service threw, any other failure as the client's {@code ServiceCallException}.
 * Thread-safe.
 */
final class InventoryClient implements Inventory {

  private static final Codec<Reservation> RESERVATION = Codecs.json(Reservation.class);
  @SuppressWarnings("rawtypes")
  private static final Codec<Map> MAP = Codecs.json(Map.class);

  private final ServiceClient client;

  InventoryClient(ServiceClient client) {
    this.client = client;
  }

  @Override
  public Reservation reserve(String key, List<Line> lines) {
    try {
      return client.call(ServiceRequest.post(InventoryApi.RESERVATIONS, new InventoryApi.ReserveRequest(lines),
          Codecs.json(InventoryApi.ReserveRequest.class)).idempotencyKey(key).build(), RESERVATION);
    } catch (ClientErrorException e) {
      throw refusal(e);
    }
  }

  @Override
  public Reservation release(String key) {
    try {
      return client.call(ServiceRequest.delete(InventoryApi.RESERVATIONS + "/" + encode(key)).build(), RESERVATION);
    } catch (ClientErrorException e) {
      throw refusal(e);
    }
  }

  @Override
  public long available(String sku) {
    Map<?, ?> stock = client.get(InventoryApi.STOCK + encode(sku), MAP);
    return ((Number) stock.get("available")).longValue();
  }

  static String encode(String pathSegment) {
    return URLEncoder.encode(pathSegment, StandardCharsets.UTF_8);
  }

  /** The service's 4xx as the refusal it threw, its message taken from the error body. */
  static ServiceRefusal refusal(ClientErrorException e) {
    String message = e.bodyAsString();
    try {
      Object text = MAP.decode(e.body()).get("message");
      if (text != null) {
        message = text.toString();
      }
    } catch (RuntimeException notJson) {
      // Keep the raw body.
    }
    return new ServiceRefusal(e.status(), e.serviceName() + ": " + message);
  }
}
