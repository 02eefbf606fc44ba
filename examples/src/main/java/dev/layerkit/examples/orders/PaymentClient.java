package dev.layerkit.examples.orders;

import dev.layerkit.core.codec.Codec;
import dev.layerkit.core.codec.Codecs;
import dev.layerkit.service.ClientErrorException;
import dev.layerkit.service.ServiceClient;
import dev.layerkit.service.ServiceRequest;
import java.util.Optional;

/**
 * The payment service as the order service calls it: {@link PaymentApi} through a {@link
 * ServiceClient}. Every write carries its key as {@code Idempotency-Key}; a decline comes back as
 * a {@link ServiceRefusal}. Thread-safe.
 */
final class PaymentClient implements Payments {

  private static final Codec<Charge> CHARGE = Codecs.json(Charge.class);

  private final ServiceClient client;

  PaymentClient(ServiceClient client) {
    this.client = client;
  }

  @Override
  public Charge charge(String key, String orderId, long amountCents) {
    try {
      return client.call(ServiceRequest.post(PaymentApi.CHARGES, new PaymentApi.ChargeRequest(orderId, amountCents),
          Codecs.json(PaymentApi.ChargeRequest.class)).idempotencyKey(key).build(), CHARGE);
    } catch (ClientErrorException e) {
      throw InventoryClient.refusal(e);
    }
  }

  @Override
  public Charge refund(String key) {
    try {
      return client.call(ServiceRequest.delete(PaymentApi.CHARGES + "/" + InventoryClient.encode(key)).build(), CHARGE);
    } catch (ClientErrorException e) {
      throw InventoryClient.refusal(e);
    }
  }

  @Override
  public Optional<Charge> find(String key) {
    try {
      return Optional.of(client.get(PaymentApi.CHARGES + "/" + InventoryClient.encode(key), CHARGE));
    } catch (ClientErrorException e) {
      if (e.status() == 404) {
        return Optional.empty();
      }
      throw InventoryClient.refusal(e);
    }
  }
}
