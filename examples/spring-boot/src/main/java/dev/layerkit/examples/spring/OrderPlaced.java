package dev.layerkit.examples.spring;

/**
 * The event published when an order is placed.
 *
 * @param orderId the order's id
 * @param productId the product ordered
 * @param cents the price paid
 */
public record OrderPlaced(String orderId, String productId, long cents) {}
