package dev.layerkit.examples.orders;

/**
 * A service said no for a business reason: out of stock, payment declined, an idempotency key
 * reused for another request. Carries the HTTP status it travels as ({@code 409}, {@code 402},
 * {@code 422}), so the inventory and payment services answer with it and their clients turn the
 * answer back into this exception; a saga step that throws it fails with its message, which
 * becomes the rejected order's reason. Never retried: the same request gets the same answer.
 */
final class ServiceRefusal extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final int status;

  ServiceRefusal(int status, String message) {
    super(message, null, false, false);
    if (status < 400 || status > 499) {
      throw new IllegalArgumentException("status must be 4xx but was " + status);
    }
    this.status = status;
  }

  static ServiceRefusal outOfStock(String message) {
    return new ServiceRefusal(409, message);
  }

  static ServiceRefusal declined(String message) {
    return new ServiceRefusal(402, message);
  }

  static ServiceRefusal keyReused(String key) {
    return new ServiceRefusal(422, "idempotency key '" + key + "' was used for another request");
  }

  int status() {
    return status;
  }

  /** The message alone: a saga records a failure as its {@code toString()}, and the order shows it. */
  @Override
  public String toString() {
    return getMessage();
  }
}
