package dev.layerkit.examples.orders;

import dev.layerkit.cache.CacheAside;
import dev.layerkit.core.resilience.ResiliencePolicy;
import dev.layerkit.core.time.TimeSource;
import dev.layerkit.service.idempotency.Idempotency;
import dev.layerkit.service.idempotency.IdempotencyOutcome;
import dev.layerkit.service.idempotency.IdempotentResponse;
import dev.layerkit.service.idempotency.RequestFingerprint;
import dev.layerkit.store.Filter;
import dev.layerkit.store.OptimisticLockException;
import dev.layerkit.store.Repository;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The application layer: places, reads, lists and updates orders. Placing an order is a saga
 * ({@link PlaceOrderSaga}: store it pending, reserve the stock, charge the payment, confirm),
 * reads go through the cache ({@link CacheAside}, single-flight), the store is a sharded
 * repository, every state change is written with its event by an {@link OrderWriter} (a
 * transactional outbox on PostgreSQL), each call to the cache, store or writer runs under a
 * {@link ResiliencePolicy}, and a new order with an {@code Idempotency-Key} is placed at most
 * once per key ({@link #placeOnce}).
 * Transport-free: {@link OrderHttpServer} puts it on HTTP. Thread-safe.
 */
final class OrderService {

  private static final Logger LOG = LoggerFactory.getLogger(OrderService.class);
  private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");
  static final String TOPIC = "orders";
  static final int MAX_ITEMS = 50;
  static final int MAX_QUANTITY = 100;
  static final int MAX_PAGE = 100;

  private final Repository<String, Order> orders;
  private final CacheAside<String, Order> cache;
  private final OrderWriter writer;
  private final ResiliencePolicy reads;
  private final ResiliencePolicy writes;
  private final Catalog catalog;
  private final Customers customers;
  private final TimeSource time;
  private final Idempotency idempotency;
  private final PlaceOrderSaga placeOrder;

  OrderService(Repository<String, Order> orders, CacheAside<String, Order> cache, OrderWriter writer, ResiliencePolicy reads,
      ResiliencePolicy writes, Catalog catalog, Customers customers, TimeSource time, Idempotency idempotency,
      PlaceOrderSaga placeOrder) {
    this.idempotency = idempotency;
    this.placeOrder = placeOrder;
    this.orders = orders;
    this.cache = cache;
    this.writer = writer;
    this.reads = reads;
    this.writes = writes;
    this.catalog = catalog;
    this.customers = customers;
    this.time = time;
  }

  /** A line of a new order as the client sends it. */
  record ItemRequest(@Nullable String sku, int quantity) {}

  /** A new order as the client sends it. */
  record PlaceRequest(@Nullable String customerId, @Nullable List<ItemRequest> items) {}

  /** Bad input, with a message per field. */
  static final class ValidationException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final Map<String, String> fields;

    ValidationException(Map<String, String> fields) {
      super("invalid request: " + fields);
      this.fields = Map.copyOf(fields);
    }
  }

  /** The order cannot move to the requested status. */
  static final class ConflictException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ConflictException(String message) {
      super(message);
    }
  }

  /**
   * Places an order without an idempotency key: each call runs a saga of its own.
   *
   * @return the order as its saga left it: {@link OrderStatus#PLACED}, or {@link
   *     OrderStatus#REJECTED} saying why
   * @throws ValidationException naming every bad field
   */
  Order place(PlaceRequest request) {
    Order order = validate(request, null);
    return placeOrder.place(order.id(), order);
  }

  /**
   * Places an order at most once per {@code Idempotency-Key}: the first request with the key runs
   * the place-order saga (its id derived from the key, {@code po-<key>}) and stores the response
   * {@code respond} makes of the order it ended with; a retry with the same body gets that response
   * again, the key with another body is a 422, a retry while the first is still running a 409
   * (see {@link Idempotency}). If the first request's process died, a retry after the key's
   * in-flight timeout finds the saga by its id and answers with its order, never placing a second.
   * Keys are not scoped by customer: the fingerprint covers the body, customer included, so a key
   * reused for another customer is a 422 rather than a second order.
   *
   * @throws ValidationException naming every bad field, the key's format included; nothing is
   *     claimed then, so the client may fix the body and retry with the key
   */
  IdempotencyOutcome placeOnce(PlaceRequest request, String idempotencyKey, RequestFingerprint fingerprint,
      Function<Order, IdempotentResponse> respond) {
    Order order = validate(request, idempotencyKey);
    return idempotency.execute(idempotencyKey, fingerprint,
        () -> respond.apply(placeOrder.place(sagaId(idempotencyKey), order)));
  }

  /** The id of the place-order saga of a keyed request. */
  static String sagaId(String idempotencyKey) {
    return "po-" + idempotencyKey;
  }

  private Order validate(PlaceRequest request, @Nullable String idempotencyKey) {
    Map<String, String> problems = new LinkedHashMap<>();
    String customerId = request.customerId();
    if (customerId == null || customerId.isBlank()) {
      problems.put("customerId", "is required");
    } else if (customers.find(customerId).isEmpty()) {
      problems.put("customerId", "no customer '" + customerId + "'");
    }
    List<ItemRequest> requested = request.items();
    List<OrderItem> items = new ArrayList<>();
    if (requested == null || requested.isEmpty()) {
      problems.put("items", "must have 1 to " + MAX_ITEMS + " items");
    } else if (requested.size() > MAX_ITEMS) {
      problems.put("items", "must have at most " + MAX_ITEMS + " items but had " + requested.size());
    } else {
      for (int i = 0; i < requested.size(); i++) {
        ItemRequest item = requested.get(i);
        if (item == null) {
          problems.put("items[" + i + "]", "is required");
          continue;
        }
        Optional<Catalog.Product> product =
            item.sku() == null ? Optional.empty() : catalog.find(item.sku());
        if (product.isEmpty()) {
          problems.put("items[" + i + "].sku", "no product '" + item.sku() + "'");
        }
        if (item.quantity() < 1 || item.quantity() > MAX_QUANTITY) {
          problems.put("items[" + i + "].quantity",
              "must be 1 to " + MAX_QUANTITY + " but was " + item.quantity());
        }
        product.ifPresent(p -> items.add(new OrderItem(p.sku(), item.quantity(), p.priceCents())));
      }
    }
    if (idempotencyKey != null && !IDEMPOTENCY_KEY.matcher(idempotencyKey).matches()) {
      problems.put("Idempotency-Key", "must be 1 to 64 of [A-Za-z0-9_.:-]");
    }
    if (!problems.isEmpty()) {
      throw new ValidationException(problems);
    }
    long now = time.instant().toEpochMilli();
    String orderId = newOrderId(now);
    long total = items.stream().mapToLong(item -> item.priceCents() * item.quantity()).sum();
    return new Order(orderId, customerId, items, total, OrderStatus.PENDING, now, 0, null,
        idempotencyKey == null ? orderId : sagaId(idempotencyKey));
  }

  Optional<Order> get(String id) {
    return Optional.ofNullable(reads.execute(
        () -> cache.get(id, key -> orders.findById(key).orElse(null))));
  }

  /**
   * A customer's orders, newest first, older than the cursor (an order id: ids sort by creation
   * time, then by a random suffix, so the cursor is exact even when orders share a millisecond),
   * at most {@code limit}.
   */
  List<Order> listByCustomer(String customerId, int limit, @Nullable String before) {
    if (customers.find(customerId).isEmpty()) {
      throw new ValidationException(Map.of("customerId", "no customer '" + customerId + "'"));
    }
    if (limit < 1 || limit > MAX_PAGE) {
      throw new ValidationException(Map.of("limit", "must be 1 to " + MAX_PAGE + " but was " + limit));
    }
    if (before != null && !ORDER_ID.matcher(before).matches()) {
      throw new ValidationException(Map.of("before", "must be an order id from 'next' but was '" + before + "'"));
    }
    Filter filter = Filter.eq("customerId", customerId);
    if (before != null) {
      filter = filter.and(Filter.lt("id", before));
    }
    Filter page = filter.sortByDescending("id").limit(limit);
    return reads.execute(() -> orders.findAll(page));
  }

  private static final Pattern ORDER_ID = Pattern.compile("o-[0-9a-z]{9}-[0-9a-f]{12}");



  /**
   * Moves an order to a status a client may set. Cancelling releases the order's stock
   * reservation (the place-order saga's, by its step key), after the order is stored cancelled;
   * cancelling an order that is cancelled already releases again and answers with it, so a client
   * that retries a cancellation whose release failed gets its stock back, and the inventory
   * releases each reservation once however often it is asked.
   *
   * @return the order as changed, or empty if there is none
   * @throws ValidationException if the status is unknown or one only the saga sets
   * @throws ConflictException if the order cannot move to the status
   * @throws RuntimeException if the inventory cannot be reached to release the stock (the order
   *     is cancelled; a retry releases it)
   */
  Optional<Order> updateStatus(String id, @Nullable String statusName) {
    OrderStatus status;
    try {
      status = OrderStatus.valueOf(String.valueOf(statusName));
    } catch (IllegalArgumentException e) {
      throw new ValidationException(Map.of("status", "must be one of "
          + java.util.Arrays.toString(OrderStatus.values()) + " but was '" + statusName + "'"));
    }
    if (status == OrderStatus.PENDING || status == OrderStatus.REJECTED) {
      throw new ValidationException(Map.of("status", "is set by the place-order saga, not by a client, but was '"
          + statusName + "'"));
    }
    for (int attempt = 0; attempt < 10; attempt++) {
      Optional<Order> current = reads.execute(() -> orders.findById(id));
      if (current.isEmpty()) {
        return Optional.empty();
      }
      Order order = current.get();
      if (order.status() == OrderStatus.CANCELLED && status == OrderStatus.CANCELLED) {
        placeOrder.releaseStock(order);
        return Optional.of(order);
      }
      if (order.status() == OrderStatus.DELIVERED || order.status() == OrderStatus.CANCELLED
          || order.status() == OrderStatus.REJECTED || order.status() == OrderStatus.PENDING) {
        throw new ConflictException("order " + id + " is " + order.status() + " and cannot change");
      }
      Order saved;
      try {
        OrderEvent changed = new OrderEvent(OrderEvent.STATUS_CHANGED, id, order.customerId(), status,
            order.totalCents(), time.instant().toEpochMilli());
        saved = cache.write(id, () -> writes.execute(() -> writer.save(order.withStatus(status), changed)));
      } catch (OptimisticLockException e) {
        LOG.debug("concurrent update of order {}; retrying", id);
        continue;
      }
      if (status == OrderStatus.CANCELLED) {
        placeOrder.releaseStock(saved);
      }
      return Optional.of(saved);
    }
    throw new ConflictException("order " + id + " is being changed concurrently; try again");
  }

  /**
   * A new order id that sorts by creation time: {@code o-}, the epoch milliseconds in base 36
   * padded to 9 digits (good until the year 5188), and 48 random bits in 12 hex digits.
   */
  static String newOrderId(long now) {
    String time = Long.toString(now, 36);
    String random = Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16);
    return "o-" + "0".repeat(9 - time.length()) + time + "-" + "0".repeat(12 - random.length()) + random;
  }
}
