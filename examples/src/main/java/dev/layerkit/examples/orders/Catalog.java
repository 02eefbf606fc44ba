package dev.layerkit.examples.orders;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The product catalog: fixed, so it can be cached hard (the gateway's response cache, the page's localStorage). */
final class Catalog {

  /**
   * A product.
   *
   * @param sku the id
   * @param name the name
   * @param priceCents the unit price
   */
  record Product(String sku, String name, long priceCents) {}

  private final Map<String, Product> products = new LinkedHashMap<>();

  Catalog() {
    add("sku-keyboard", "Mechanical keyboard", 8900);
    add("sku-mouse", "Wireless mouse", 2900);
    add("sku-monitor", "27-inch monitor", 22900);
    add("sku-dock", "USB-C dock", 12900);
    add("sku-headset", "Noise-cancelling headset", 15900);
    add("sku-webcam", "1080p webcam", 5900);
  }

  private void add(String sku, String name, long priceCents) {
    products.put(sku, new Product(sku, name, priceCents));
  }

  List<Product> products() {
    return List.copyOf(products.values());
  }

  Optional<Product> find(String sku) {
    return Optional.ofNullable(products.get(sku));
  }
}
