package dev.layerkit.examples.orders;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Every arm of the comparison answers through its gateway, and answers as the order system does. */
class OrderLoadShareIT {

  @Test
  void everyArmAnswersEveryRequestWithTheOrderSystemsStatuses() throws Exception {
    try (OrderLoadShare share = new OrderLoadShare()) {
      for (String arm : OrderLoadShare.ARMS) {
        OrderLoad.Summary summary = share.run(arm, Duration.ofMillis(500), 2);

        assertThat(summary.requests()).as(arm).isPositive();
        assertThat(summary.failures()).as(arm + ": " + summary.format()).isZero();
        assertThat(summary.statuses()).as(arm).containsOnlyKeys(arm.endsWith("POST") ? 201 : 200);
      }
    }
  }
}
