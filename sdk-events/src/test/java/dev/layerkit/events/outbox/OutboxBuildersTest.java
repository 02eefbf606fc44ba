package dev.layerkit.events.outbox;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.core.codec.Codecs;
import dev.layerkit.events.EventBuses;
import dev.layerkit.events.InMemoryEventBus;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/** The outbox builders' one rule for a setting given twice; nothing connects to a database. */
class OutboxBuildersTest {

  @Test
  void anOutboxOrRelaySettingGivenTwiceThrows() {
    assertThatThrownBy(() -> Outbox.builder(Codecs.utf8()).table("a").table("b"))
        .isInstanceOf(IllegalStateException.class).hasMessage("table was already set to a");
    try (InMemoryEventBus bus = EventBuses.inMemory().build()) {
      OutboxRelay.Builder relay = Outbox.builder(Codecs.utf8()).build()
          .relay(new PGSimpleDataSource(), bus.publisher(Codecs.bytes()));
      relay.batchSize(10);
      assertThatThrownBy(() -> relay.batchSize(20))
          .isInstanceOf(IllegalStateException.class).hasMessage("batchSize was already set to 10");
      relay.pollInterval(Duration.ofSeconds(1));
      assertThatThrownBy(() -> relay.pollInterval(Duration.ofSeconds(2)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("pollInterval was already set to PT1S");
    }
  }
}
