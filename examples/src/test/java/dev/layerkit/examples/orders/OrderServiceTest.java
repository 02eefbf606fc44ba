package dev.layerkit.examples.orders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.cache.CacheAside;
import dev.layerkit.cache.Caches;
import dev.layerkit.core.codec.Codecs;
import dev.layerkit.core.resilience.ResiliencePolicy;
import dev.layerkit.core.time.ManualTimeSource;
import dev.layerkit.events.EventBuses;
import dev.layerkit.events.InMemoryEventBus;
import dev.layerkit.service.Sagas;
import dev.layerkit.service.idempotency.Idempotency;
import dev.layerkit.service.idempotency.IdempotencyKeyStores;
import dev.layerkit.service.idempotency.IdempotentResponse;
import dev.layerkit.service.idempotency.RequestFingerprint;
import dev.layerkit.store.EntityDescriptor;
import dev.layerkit.store.Repositories;
import dev.layerkit.store.Repository;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The order service's rules, on in-memory parts and a manual clock. */
class OrderServiceTest {

  private final ManualTimeSource time = new ManualTimeSource();
  private final InMemoryEventBus bus = EventBuses.inMemory().partitions(2).build();
  private final OrderService service;

  OrderServiceTest() {
    bus.createTopic(OrderService.TOPIC, 2);
    Repository<String, Order> orders = Repositories.inMemory(
        EntityDescriptor.builder(Order.class, Order::id).version(Order::version, Order::withVersion)
            .codec(Codecs.json(Order.class)).index("customerId").build()).name("orders").build();
    CacheAside<String, Order> cache = CacheAside.<String, Order>builder(
        Caches.<String, Order>inMemory().timeSource(time)).build();
    Idempotency idempotency = Idempotency.builder(IdempotencyKeyStores.inMemory().build()).timeSource(time).build();
    DirectOrderWriter writer = new DirectOrderWriter(orders, bus.publisher(Codecs.json(OrderEvent.class)),
        OrderService.TOPIC);
    saga = new PlaceOrderSaga(orders, cache, writer, inventory, payments, Sagas.inMemoryRepository(),
        PlaceOrderSaga.DEFAULT_LEASE, null, io.micrometer.observation.ObservationRegistry.NOOP);
    service = new OrderService(orders, cache, writer,
        ResiliencePolicy.builder("reads").build(), ResiliencePolicy.builder("writes").build(),
        new Catalog(), new Customers(), time, idempotency, saga);
    bus.subscriber(Codecs.json(OrderEvent.class)).subscribe(OrderService.TOPIC, "test", event -> events.add(event.payload()));
  }

  @AfterEach
  void close() {
    saga.close();
    bus.close();
  }

  private final MemoryInventory inventory = new MemoryInventory(new Catalog(), 10);
  /** Declines the charges of sagas whose key has "declined" in it. */
  private final Payments payments = new Payments() {
    private final PaymentService approving = new PaymentService(Repositories.inMemory(PaymentService.CHARGES).build(), 0);
    private final PaymentService declining = new PaymentService(Repositories.inMemory(PaymentService.CHARGES).build(), 1);

    @Override
    public Charge charge(String key, String orderId, long amountCents) {
      return (key.contains("declined") ? declining : approving).charge(key, orderId, amountCents);
    }

    @Override
    public Charge refund(String key) {
      return (key.contains("declined") ? declining : approving).refund(key);
    }

    @Override
    public java.util.Optional<Charge> find(String key) {
      return (key.contains("declined") ? declining : approving).find(key);
    }
  };
  private final PlaceOrderSaga saga;
  private final java.util.Queue<OrderEvent> events = new java.util.concurrent.ConcurrentLinkedQueue<>();

  private dev.layerkit.service.idempotency.IdempotencyOutcome placeWithKey(String key, String sku, int quantity) {
    return service.placeOnce(new OrderService.PlaceRequest("c-7", List.of(new OrderService.ItemRequest(sku, quantity))),
        key, RequestFingerprint.of("POST", "/orders", (sku + quantity).getBytes(java.nio.charset.StandardCharsets.UTF_8)),
        order -> IdempotentResponse.of(201, order.id() + " " + order.status() + " " + order.statusReason()));
  }

  @Test
  void aPlacedOrderTakesItsStockAndChargeOnceAndPublishesOneEvent() {
    String answer = placeWithKey("ok-1", "sku-dock", 3).response().bodyAsString();
    String again = placeWithKey("ok-1", "sku-dock", 3).response().bodyAsString();

    assertThat(answer).isEqualTo(again).contains(" PLACED ");
    String orderId = answer.substring(0, answer.indexOf(' '));
    assertThat(inventory.available("sku-dock")).isEqualTo(7);
    assertThat(payments.find(OrderService.sagaId("ok-1") + ":" + PlaceOrderSaga.CHARGE))
        .hasValueSatisfying(charge -> assertThat(charge.status()).isEqualTo(Payments.Charge.CHARGED));
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> !events.isEmpty());
    assertThat(events).singleElement().satisfies(event -> {
      assertThat(event.orderId()).isEqualTo(orderId);
      assertThat(event.type()).isEqualTo(OrderEvent.PLACED);
    });
  }

  @Test
  void aDeclinedPaymentReleasesTheStockAndRejectsTheOrderSayingWhy() {
    String answer = placeWithKey("declined-1", "sku-dock", 4).response().bodyAsString();

    assertThat(answer).contains(" REJECTED ").contains("step charge failed").contains("payment declined");
    assertThat(inventory.available("sku-dock")).isEqualTo(10);
    String orderId = answer.substring(0, answer.indexOf(' '));
    assertThat(service.get(orderId)).hasValueSatisfying(order -> {
      assertThat(order.status()).isEqualTo(OrderStatus.REJECTED);
      assertThat(order.statusReason()).contains("payment declined");
    });
    assertThat(saga.find(OrderService.sagaId("declined-1"))).hasValueSatisfying(record ->
        assertThat(record.status()).isEqualTo(dev.layerkit.service.saga.SagaStatus.COMPENSATED));
    assertThat(placeWithKey("ok-2", "sku-dock", 1).response().bodyAsString()).contains(" PLACED ");
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> !events.isEmpty());
    assertThat(events).extracting(OrderEvent::orderId).doesNotContain(orderId).hasSize(1);
  }

  @Test
  void anOrderBeyondTheStockIsRejectedAndTakesNothing() {
    String answer = placeWithKey("big-1", "sku-monitor", 11).response().bodyAsString();

    assertThat(answer).contains(" REJECTED ").contains("out of stock: sku-monitor has 10, 11 requested");
    assertThat(inventory.available("sku-monitor")).isEqualTo(10);
    assertThat(payments.find(OrderService.sagaId("big-1") + ":" + PlaceOrderSaga.CHARGE)).isEmpty();
  }

  @Test
  void clientsCannotSetTheSagasStatuses() {
    Order order = place("c-9");
    assertThatThrownBy(() -> service.updateStatus(order.id(), "REJECTED"))
        .isInstanceOf(OrderService.ValidationException.class).hasMessageContaining("place-order saga");
  }

  private Order place(String customer) {
    return service.place(new OrderService.PlaceRequest(customer,
        List.of(new OrderService.ItemRequest("sku-mouse", 1))));
  }

  @Test
  void pagingLosesNoOrderWhenManyShareAMillisecond() {
    Set<String> placed = new HashSet<>();
    for (int i = 0; i < 25; i++) {
      placed.add(place("c-5").id());
      if (i % 10 == 9) {
        time.advance(java.time.Duration.ofMillis(1));
      }
    }
    List<String> seen = new ArrayList<>();
    String cursor = null;
    do {
      List<Order> page = service.listByCustomer("c-5", 4, cursor);
      page.forEach(order -> seen.add(order.id()));
      cursor = page.size() == 4 ? page.get(3).id() : null;
    } while (cursor != null);

    assertThat(seen).hasSize(25).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(placed);
    List<String> newestFirst = new ArrayList<>(seen);
    newestFirst.sort(java.util.Comparator.reverseOrder());
    assertThat(seen).isEqualTo(newestFirst);
  }

  @Test
  void orderIdsSortByCreationTime() {
    String earlier = OrderService.newOrderId(1_000);
    String later = OrderService.newOrderId(1_001);
    assertThat(earlier).matches("o-[0-9a-z]{9}-[0-9a-f]{12}");
    assertThat(earlier.compareTo(later)).isNegative();
  }

  @Test
  void validationNamesEveryBadField() {
    assertThatThrownBy(() -> service.placeOnce(new OrderService.PlaceRequest("c-0",
        List.of(new OrderService.ItemRequest(null, 101))), "bad key with spaces",
        RequestFingerprint.of("POST", "/orders", new byte[0]), order -> IdempotentResponse.of(201, order.id())))
        .isInstanceOfSatisfying(OrderService.ValidationException.class, e -> assertThat(e.fields)
            .containsOnlyKeys("customerId", "items[0].sku", "items[0].quantity", "Idempotency-Key"));
    assertThatThrownBy(() -> service.listByCustomer("c-5", 5, "'; drop table orders"))
        .isInstanceOf(OrderService.ValidationException.class).hasMessageContaining("before");
    assertThatThrownBy(() -> service.updateStatus("o-x", "SOLD"))
        .isInstanceOf(OrderService.ValidationException.class).hasMessageContaining("status");
  }

  @Test
  void aDeliveredOrderCannotChange() {
    Order order = place("c-9");
    assertThat(service.updateStatus(order.id(), "DELIVERED")).isPresent();
    assertThatThrownBy(() -> service.updateStatus(order.id(), "CANCELLED"))
        .isInstanceOf(OrderService.ConflictException.class);
    assertThat(service.get(order.id())).hasValueSatisfying(
        current -> assertThat(current.status()).isEqualTo(OrderStatus.DELIVERED));
  }

  @Test
  void cancellingAKeyedOrderReleasesItsStockOnceHoweverOftenItIsCancelled() {
    String answer = placeWithKey("cancel-1", "sku-dock", 3).response().bodyAsString();
    String orderId = answer.substring(0, answer.indexOf(' '));
    placeWithKey("cancel-other", "sku-dock", 2);
    assertThat(inventory.available("sku-dock")).isEqualTo(5);

    assertThat(service.updateStatus(orderId, "CANCELLED")).hasValueSatisfying(
        order -> assertThat(order.status()).isEqualTo(OrderStatus.CANCELLED));

    assertThat(inventory.available("sku-dock")).as("the cancelled order's 3 are back").isEqualTo(8);
    assertThat(service.updateStatus(orderId, "CANCELLED")).as("cancelling again answers with the order")
        .hasValueSatisfying(order -> assertThat(order.status()).isEqualTo(OrderStatus.CANCELLED));
    assertThat(inventory.available("sku-dock")).as("released once").isEqualTo(8);
    assertThat(inventory.release(OrderService.sagaId("cancel-1") + ":" + PlaceOrderSaga.RESERVE).status())
        .isEqualTo(Inventory.Reservation.RELEASED);
    assertThat(inventory.available("sku-dock")).isEqualTo(8);
  }

  @Test
  void cancellingAnUnkeyedOrderReleasesTheReservationOfItsOwnSaga() {
    Order order = service.place(new OrderService.PlaceRequest("c-7",
        List.of(new OrderService.ItemRequest("sku-dock", 4))));
    assertThat(order.sagaId()).isEqualTo(order.id());
    assertThat(inventory.available("sku-dock")).isEqualTo(6);

    service.updateStatus(order.id(), "SHIPPED");
    service.updateStatus(order.id(), "CANCELLED");

    assertThat(inventory.available("sku-dock")).isEqualTo(10);
  }

  @Test
  void anOrderMovedOnWithoutCancellingKeepsItsStock() {
    String answer = placeWithKey("paid-1", "sku-dock", 2).response().bodyAsString();
    String orderId = answer.substring(0, answer.indexOf(' '));

    service.updateStatus(orderId, "PAID");
    service.updateStatus(orderId, "DELIVERED");

    assertThat(inventory.available("sku-dock")).isEqualTo(8);
    assertThatThrownBy(() -> service.updateStatus(orderId, "CANCELLED"))
        .isInstanceOf(OrderService.ConflictException.class);
    assertThat(inventory.available("sku-dock")).isEqualTo(8);
  }
}
