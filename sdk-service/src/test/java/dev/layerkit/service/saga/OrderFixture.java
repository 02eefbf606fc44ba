package dev.layerkit.service.saga;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The services of the order saga, as fakes that deduplicate on the step key the way a real callee
 * does on its {@code Idempotency-Key}: {@link #effects} counts calls per step key, and
 * {@link #log} records each key's effect once (at its first call), in order.
 */
public final class OrderFixture {

  /** The saga's input. */
  public record PlaceOrder(String orderId, String sku, long amountCents) {}

  final Map<String, AtomicInteger> effects = new ConcurrentHashMap<>();
  final List<String> log = new CopyOnWriteArrayList<>();

  /** Has the effect of {@code what} once per step key; returns an output naming it. */
  String effect(StepContext<PlaceOrder> context, String what) {
    if (effects.computeIfAbsent(context.stepKey(), k -> new AtomicInteger()).incrementAndGet() == 1) {
      log.add(what);
    }
    return what + ":" + context.input().orderId();
  }

  /** Undoes {@code what} once per step key. */
  void undo(StepContext<PlaceOrder> context, String what) {
    if (effects.computeIfAbsent(context.stepKey() + "/undo", k -> new AtomicInteger()).incrementAndGet() == 1) {
      log.add(what);
    }
  }

  /** How many times the step's action was called for the saga. */
  int callsOf(String sagaId, String step) {
    AtomicInteger count = effects.get(sagaId + ":" + step);
    return count == null ? 0 : count.get();
  }
}
