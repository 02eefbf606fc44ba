package dev.layerkit.examples.orders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The Java client against the embedded system: ETag revalidation, idempotency, errors. */
class OrderClientIT {

  @Test
  void revalidatesCachedReadsAndPlacesOrdersIdempotently() {
    try (OrderSystem system = OrderSystem.start(OrderSystemOptions.embeddedOnFreePorts())) {
      OrderClient client = new OrderClient(system.gatewayUri(), system.apiKey());

      assertThat(client.catalog().get("products")).hasSizeGreaterThan(3);
      assertThat(client.customer("c-1")).isPresent();
      assertThat(client.notModifiedCount()).isZero();
      assertThat(client.catalog().get("products")).hasSizeGreaterThan(3);
      assertThat(client.customer("c-1").orElseThrow().get("id").asText()).isEqualTo("c-1");
      assertThat(client.notModifiedCount()).isEqualTo(2);
      assertThat(client.customer("c-99999")).isEmpty();

      Order first = client.placeOrder("c-1", List.of(new OrderClient.Line("sku-dock", 1)), "same");
      Order again = client.placeOrder("c-1", List.of(new OrderClient.Line("sku-dock", 1)), "same");
      assertThat(again.id()).isEqualTo(first.id());
      assertThat(client.order(first.id())).contains(first);
      assertThat(client.customerOrders("c-1", 10, null)).extracting(Order::id).containsExactly(first.id());
      assertThat(client.updateStatus(first.id(), OrderStatus.SHIPPED).status()).isEqualTo(OrderStatus.SHIPPED);

      assertThatThrownBy(() -> client.placeOrder("c-1", List.of(new OrderClient.Line("sku-dock", 0)), null))
          .isInstanceOfSatisfying(OrderClient.OrderApiException.class,
              e -> assertThat(e.status()).isEqualTo(400))
          .hasMessageContaining("items[0].quantity");
    }
  }
}
