package dev.layerkit.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** {@link PublishReceipt#of}: checked values, the id from the position, value equality. */
class PublishReceiptTest {

  @Test
  void aReceiptWithoutAnIdOfItsOwnTakesItsPlaceInTheLogAsItsId() {
    PublishReceipt receipt = PublishReceipt.of(null, "orders", 2, 41, 1_000);

    assertThat(receipt.eventId()).isEqualTo("orders-2@41");
    assertThat(receipt.timestamp()).isEqualTo(Instant.ofEpochMilli(1_000));
    assertThat(receipt).hasToString("PublishReceipt[eventId=orders-2@41, topic=orders,"
        + " partition=2, offset=41, timestamp=1970-01-01T00:00:01Z]");
    assertThat(PublishReceipt.of("own", "orders", 2, 41, 1_000).eventId()).isEqualTo("own");
  }

  @Test
  void receiptsOfOfAreEqualWhenTheirFiveValuesAre() {
    PublishReceipt receipt = PublishReceipt.of(null, "orders", 2, 41, 1_000);

    assertThat(receipt).isEqualTo(PublishReceipt.of(null, "orders", 2, 41, 1_000))
        .hasSameHashCodeAs(PublishReceipt.of(null, "orders", 2, 41, 1_000))
        .isEqualTo(PublishReceipt.of("orders-2@41", "orders", 2, 41, 1_000))
        .isNotEqualTo(PublishReceipt.of(null, "orders", 2, 42, 1_000))
        .isNotEqualTo(PublishReceipt.of(null, "orders", 2, 41, 1_001));
  }

  @Test
  void badValuesAreRefusedNamingTheParameter() {
    assertThatThrownBy(() -> PublishReceipt.of(null, null, 0, 0, 0))
        .isInstanceOf(NullPointerException.class).hasMessage("topic");
    assertThatThrownBy(() -> PublishReceipt.of(null, "t", -1, 0, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("partition");
    assertThatThrownBy(() -> PublishReceipt.of(null, "t", 0, -1, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("offset");
  }
}
