package dev.layerkit.examples.orders;

import dev.layerkit.cache.CacheAside;
import dev.layerkit.core.codec.Codecs;
import dev.layerkit.service.saga.Saga;
import dev.layerkit.service.saga.SagaException;
import dev.layerkit.service.saga.SagaRecord;
import dev.layerkit.service.saga.SagaResult;
import dev.layerkit.service.saga.SagaStatus;
import dev.layerkit.store.OptimisticLockException;
import dev.layerkit.store.Repository;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Placing an order, as a {@link Saga} whose state is kept in a repository (in memory embedded,
 * PostgreSQL or MongoDB in production):
 *
 * <ol>
 *   <li>{@value #CREATE}: the order is stored {@link OrderStatus#PENDING}, with no event;
 *       undone by marking it {@link OrderStatus#REJECTED} with the saga's failure as the reason;
 *   <li>{@value #RESERVE}: the inventory service reserves its lines; undone by releasing them;
 *   <li>{@value #CHARGE}: the payment service charges its total; undone by a refund;
 *   <li>{@value #CONFIRM}: the order becomes {@link OrderStatus#PLACED} and its {@code
 *       OrderPlaced} event is written with it (the transactional outbox on PostgreSQL), so an
 *       event is published only for an order the saga confirmed.
 * </ol>
 *
 * <p>Every write is idempotent by a key derived from the saga's id and the step ({@link
 * dev.layerkit.service.saga.StepContext#stepKey()}): the inventory and payment services take it as
 * their {@code Idempotency-Key}, the order writes are keyed by the order id and check its status.
 * A saga's id is {@code po-<Idempotency-Key>} for a keyed request, so a client's retry after a
 * crash finds the same saga (and its order) instead of starting a second one; an order without
 * a key has a saga of its own id.
 *
 * <p>A process that dies inside a step leaves the saga's lease to lapse; every order-service
 * process runs {@link Saga#resumeStale()} every half lease, so another instance (or this one,
 * restarted) finishes the saga forward or compensates it, each step once. Thread-safe.
 */
final class PlaceOrderSaga implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(PlaceOrderSaga.class);

  /** The saga's name, stored with each record. */
  static final String NAME = "place-order";
  static final String CREATE = "create-order";
  static final String RESERVE = "reserve-stock";
  static final String CHARGE = "charge";
  static final String CONFIRM = "confirm";
  /** The default lease: a saga whose process died is resumed this long after its last save. */
  static final Duration DEFAULT_LEASE = Duration.ofSeconds(30);

  /**
   * The saga's input, stored with its record.
   *
   * @param order the new order, {@link OrderStatus#PENDING}
   */
  record PlaceOrder(Order order) {}

  private final Repository<String, Order> orders;
  private final CacheAside<String, Order> cache;
  private final OrderWriter writer;
  private final Repository<String, SagaRecord> records;
  private final Saga<PlaceOrder> saga;
  private final ScheduledExecutorService resumer;
  private final ExecutorService stepExecutor;
  private final Inventory inventory;

  /**
   * Defines the saga and starts resuming stale ones every half lease.
   *
   * @param orders the orders
   * @param cache the orders' cache, invalidated by every order write
   * @param writer writes orders with their events
   * @param inventory the inventory service
   * @param payments the payment service
   * @param records where saga state is kept, shared by every order-service instance
   * @param lease how long a saga may go without a save before another instance takes it over; a
   *     step times out after a third of it
   * @param meters the saga's meters
   * @param observations the tracer's registry: a step runs under the observation current where
   *     the saga was run (the order-service request), so its calls hang below the request's span
   */
  PlaceOrderSaga(Repository<String, Order> orders, CacheAside<String, Order> cache, OrderWriter writer,
      Inventory inventory, Payments payments, Repository<String, SagaRecord> records, Duration lease,
      @Nullable MeterRegistry meters, ObservationRegistry observations) {
    this.orders = orders;
    this.cache = cache;
    this.writer = writer;
    this.records = records;
    this.inventory = inventory;
    this.stepExecutor = new ObservedExecutor(Executors.newCachedThreadPool(runnable -> {
      Thread thread = new Thread(runnable, "place-order-step");
      thread.setDaemon(true);
      return thread;
    }), observations);
    Saga.Builder<PlaceOrder> builder = Saga.builder(NAME, records, Codecs.json(PlaceOrder.class))
        .step(CREATE, c -> {
          Order order = c.input().order();
          writer.insert(order);
          return order.id();
        }, c -> reject(c.input().order().id(), c.sagaId()))
        .step(RESERVE, c -> {
          inventory.reserve(c.stepKey(), lines(c.input().order()));
          return null;
        }, c -> inventory.release(c.stepKey()))
        .step(CHARGE, c -> {
          Order order = c.input().order();
          return payments.charge(c.stepKey(), order.id(), order.totalCents()).key();
        }, c -> payments.refund(c.stepKey()))
        .step(CONFIRM, c -> {
          confirm(c.input().order().id());
          return null;
        })
        .lease(lease)
        .stepTimeout(stepTimeout(lease))
        .executor(stepExecutor);
    if (meters != null) {
      builder.meterRegistry(meters);
    }
    this.saga = builder.build();
    this.resumer = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, "place-order-resumer");
      thread.setDaemon(true);
      return thread;
    });
    long every = Math.max(500, lease.toMillis() / 2);
    resumer.scheduleWithFixedDelay(this::resumeStale, every, every, TimeUnit.MILLISECONDS);
  }

  /** A step's timeout: a third of the lease, so a step that hangs is given up well before another instance may take the saga. */
  static Duration stepTimeout(Duration lease) {
    return lease.dividedBy(3);
  }

  private static List<Inventory.Line> lines(Order order) {
    return order.items().stream().map(item -> new Inventory.Line(item.sku(), item.quantity())).toList();
  }

  /**
   * Runs the saga of a new order, or, if one with this id exists, its outcome (resuming it if
   * its process died), and returns the order as it ended: {@link OrderStatus#PLACED} or {@link
   * OrderStatus#REJECTED}.
   *
   * @param sagaId the saga's id: {@code po-<Idempotency-Key>}, or the order's id
   * @param order the new order, used only if no saga has this id
   * @return the order
   * @throws OrderService.ConflictException if another live instance is running the saga
   * @throws IllegalStateException if the order could not be stored (nothing else was done, and the
   *     saga is forgotten, so a retry starts afresh), or the saga failed to compensate
   */
  Order place(String sagaId, Order order) {
    boolean existed = records.findById(sagaId).isPresent();
    SagaResult result;
    try {
      result = saga.run(sagaId, new PlaceOrder(order));
    } catch (SagaException e) {
      throw new OrderService.ConflictException("order " + sagaId + " is still being placed; try again");
    }
    String orderId = result.outputs().get(CREATE);
    if (orderId == null) {
      // The order was never stored, so nothing happened: forget the saga so the key may be used again.
      records.deleteById(sagaId);
      if (existed) {
        return place(sagaId, order);
      }
      throw new IllegalStateException("order of saga " + sagaId + " could not be stored: " + result.failure());
    }
    if (result.status() == SagaStatus.FAILED) {
      throw new IllegalStateException("placing order " + orderId + " failed and could not be undone: "
          + result.failure());
    }
    return orders.findById(orderId).orElseThrow(() -> new IllegalStateException("order " + orderId + " is gone"));
  }

  /**
   * Releases the stock an order's saga reserved, as the saga's own compensation would: by the
   * reserve step's key, so the inventory gives it back once however often this is called, and a
   * reservation never made is recorded as released.
   *
   * @param order the order, cancelled
   * @throws ServiceRefusal or the service client's failure if the inventory refuses or cannot be reached
   */
  void releaseStock(Order order) {
    inventory.release(order.placedBySaga() + ":" + RESERVE);
  }

  /** Resumes this saga's stale sagas, logging rather than throwing: the next run tries again. */
  void resumeStale() {
    try {
      for (SagaResult result : saga.resumeStale()) {
        LOG.info("place-order saga {} resumed and ended {}", result.id(), result.status());
      }
    } catch (RuntimeException e) {
      LOG.warn("resuming stale place-order sagas failed; the next run tries again", e);
    }
  }

  /**
   * Returns a saga's stored state.
   *
   * @param sagaId the saga's id
   * @return its record, or empty
   */
  Optional<SagaRecord> find(String sagaId) {
    return saga.find(sagaId);
  }

  private void confirm(String orderId) {
    update(orderId, order -> order.withStatus(OrderStatus.PLACED), true);
  }

  private void reject(String orderId, String sagaId) {
    String reason = saga.find(sagaId).map(SagaRecord::failure).orElse(null);
    update(orderId, order -> order.rejected(reason == null ? "not placed" : reason), false);
  }

  /** Moves a pending order on, with its event when confirmed; nothing if it moved already. */
  private void update(String orderId, java.util.function.UnaryOperator<Order> change, boolean withEvent) {
    for (int attempt = 0; attempt < 10; attempt++) {
      Optional<Order> stored = orders.findById(orderId);
      if (stored.isEmpty() || stored.get().status() != OrderStatus.PENDING) {
        return; // never created, or this step ran already
      }
      Order changed = change.apply(stored.get());
      OrderEvent event = withEvent ? new OrderEvent(OrderEvent.PLACED, orderId, changed.customerId(),
          changed.status(), changed.totalCents(), changed.createdAt()) : null;
      try {
        cache.write(orderId, () -> writer.save(changed, event));
        return;
      } catch (OptimisticLockException e) {
        LOG.debug("order {} changed concurrently; reading it again", orderId);
      }
    }
    throw new IllegalStateException("order " + orderId + " is being changed concurrently");
  }

  /** Stops resuming and the saga's executor; sagas in flight are resumed elsewhere after their lease. */
  @Override
  public void close() {
    resumer.shutdownNow();
    saga.close();
    stepExecutor.shutdownNow();
  }

  /**
   * Runs each task under the observation current where it was submitted. The saga runs its steps
   * on this executor (so that it can time them out); without this a step's calls would start new
   * traces instead of continuing the request's. Micrometer's {@link Observation#scoped(Runnable)}
   * does the scoping; this only carries the observation across the thread hand-off.
   */
  private static final class ObservedExecutor extends AbstractExecutorService {
    private final ExecutorService delegate;
    private final ObservationRegistry observations;

    ObservedExecutor(ExecutorService delegate, ObservationRegistry observations) {
      this.delegate = delegate;
      this.observations = observations;
    }

    @Override
    public void execute(Runnable task) {
      Observation current = observations.getCurrentObservation();
      delegate.execute(current == null ? task : () -> current.scoped(task));
    }

    @Override
    public void shutdown() {
      delegate.shutdown();
    }

    @Override
    public List<Runnable> shutdownNow() {
      return delegate.shutdownNow();
    }

    @Override
    public boolean isShutdown() {
      return delegate.isShutdown();
    }

    @Override
    public boolean isTerminated() {
      return delegate.isTerminated();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
      return delegate.awaitTermination(timeout, unit);
    }
  }
}
