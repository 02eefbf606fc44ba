package dev.layerkit.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.core.time.ManualTimeSource;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ServerDeadlineTest {

  private final ManualTimeSource time = new ManualTimeSource();

  @Test
  void remainingTimeRunsDownOnTheInjectedClock() {
    ServerDeadline deadline = ServerDeadline.parse("250ms", time);
    assertThat(deadline.remaining()).isEqualTo(Duration.ofMillis(250));
    time.advance(Duration.ofMillis(100));
    assertThat(deadline.remaining()).isEqualTo(Duration.ofMillis(150));
    assertThat(deadline.isExpired()).isFalse();
    time.advance(Duration.ofMillis(150));
    assertThat(deadline.isExpired()).isTrue();
    assertThat(deadline.remaining()).isZero();
  }

  @Test
  void clientWritesWholeMillisecondsTheServerReadsBack() {
    assertThat(ServerDeadline.headerValue(1_234_999_999L)).isEqualTo("1234ms");
    assertThat(ServerDeadline.headerValue(-5)).isEqualTo("0ms");
    assertThat(ServerDeadline.parse(ServerDeadline.headerValue(1_234_000_000L), time).remaining())
        .isEqualTo(Duration.ofMillis(1234));
  }

  @Test
  void malformedHeaderIsRejectedNamingTheValue() {
    assertThatThrownBy(() -> ServerDeadline.parse("soon", time))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("soon");
  }
}
