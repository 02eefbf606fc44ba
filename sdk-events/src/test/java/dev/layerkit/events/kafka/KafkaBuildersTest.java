package dev.layerkit.events.kafka;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.core.codec.Codecs;
import dev.layerkit.core.time.ManualTimeSource;
import dev.layerkit.events.RetryPolicy;
import dev.layerkit.events.stream.WindowFixture;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The Kafka builders' one rule for a setting given twice; no broker is needed to build them. */
class KafkaBuildersTest {

  @Test
  void aPublisherSettingOrPropertyGivenTwiceThrows() {
    assertThatThrownBy(() -> KafkaEventPublisher.builder("h:1", Codecs.utf8())
        .property("linger.ms", 1).property("linger.ms", 2))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("property linger.ms was already set to 1");
    assertThatThrownBy(() -> KafkaEventPublisher.builder("h:1", Codecs.utf8())
        .createTopics(3, (short) 1).createTopics(6, (short) 1))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("createTopics was already set to 3 partitions, replication 1");
    ManualTimeSource time = new ManualTimeSource();
    assertThatThrownBy(() -> KafkaEventPublisher.builder("h:1", Codecs.utf8())
        .timeSource(time).timeSource(time))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("timeSource was already set");
    assertThatThrownBy(() -> KafkaEventPublisher.builder("h:1", Codecs.utf8())
        .deliveryTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("deliveryTimeout must be >= 1ms but was PT0S");
  }

  @Test
  void aPublisherRefusesAcksZeroBecauseItsReceiptsNeedTheOffset() {
    // With acks=0 Kafka acknowledges with offset -1: a receipt could not be made, and the future
    // would never complete. Every spelling of 0 is refused; the other values are accepted.
    for (Object zero : new Object[] {"0", 0, " 0 "}) {
      assertThatThrownBy(() -> KafkaEventPublisher.builder("h:1", Codecs.utf8())
          .property("acks", zero))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("acks must not be 0 but was " + zero + ":");
    }
    for (Object accepted : new Object[] {"1", "all", -1}) {
      assertThatCode(() -> KafkaEventPublisher.builder("h:1", Codecs.utf8())
          .property("acks", accepted)).doesNotThrowAnyException();
    }
  }

  @Test
  void aSubscriberSettingGivenTwiceThrows() {
    assertThatThrownBy(() -> KafkaEventSubscriber.builder("h:1", Codecs.utf8())
        .retryPolicy(RetryPolicy.noRetries()).retryPolicy(RetryPolicy.ofDefaults()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("retryPolicy was already set to RetryPolicy{maxAttempts=1");
    assertThatThrownBy(() -> KafkaEventSubscriber.builder("h:1", Codecs.utf8())
        .pollTimeout(Duration.ofMillis(50)).pollTimeout(Duration.ofMillis(60)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("pollTimeout was already set to PT0.05S");
    assertThatThrownBy(() -> KafkaEventSubscriber.builder("h:1", Codecs.utf8())
        .property("auto.offset.reset", "latest").property("auto.offset.reset", "earliest"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("property auto.offset.reset was already set to latest");
  }

  @Test
  void anAggregatorSettingGivenTwiceThrows() {
    assertThatThrownBy(() -> KafkaStreamsAggregator
        .builder("in", Codecs.utf8(), WindowFixture.AGGREGATION, r -> { })
        .storeName("a").storeName("b"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("storeName was already set to a");
  }
}
