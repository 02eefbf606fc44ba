package dev.layerkit.examples.orders;

/**
 * One line of an order.
 *
 * @param sku the product
 * @param quantity how many
 * @param priceCents the unit price when ordered
 */
public record OrderItem(String sku, int quantity, long priceCents) {}
