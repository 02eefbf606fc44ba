package dev.layerkit.events.internal;

import dev.layerkit.events.PublishReceipt;

/** What every {@link PublishReceipt} implementation shares: its text form. */
public final class Receipts {

  private Receipts() {}

  /**
   * Returns {@code PublishReceipt[eventId=..., topic=..., partition=..., offset=..., timestamp=...]}.
   *
   * @param receipt the receipt
   * @return its text form
   */
  public static String toString(PublishReceipt receipt) {
    return "PublishReceipt[eventId=" + receipt.eventId() + ", topic=" + receipt.topic()
        + ", partition=" + receipt.partition() + ", offset=" + receipt.offset() + ", timestamp="
        + receipt.timestamp() + ']';
  }
}
