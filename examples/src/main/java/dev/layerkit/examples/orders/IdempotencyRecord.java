package dev.layerkit.examples.orders;

/**
 * Which order an {@code Idempotency-Key} created: inserted with {@code insertIfAbsent} before the
 * order, so a repeated or concurrent request with the same key finds it and returns that order.
 *
 * @param key the client's idempotency key, scoped by customer
 * @param orderId the order it created
 * @param version the repository's version
 */
public record IdempotencyRecord(String key, String orderId, long version) {}
