package dev.layerkit.gateway.lb.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The registry's builder without a server: each setting's range (the smallest accepted value and
 * the largest refused one), a setting given twice, and {@code build()}'s checks across settings. A
 * builder that passes its checks connects in {@code build()}: here to a port nobody listens on, so
 * a {@link RedisConnectionException} (and not an {@link IllegalStateException}) shows that the
 * settings were accepted.
 */
class RedisServiceRegistryBuilderTest {

  private static RedisClient nowhere;

  @BeforeAll
  static void client() {
    nowhere = RedisClient.create("redis://127.0.0.1:1");
  }

  @AfterAll
  static void shutdown() {
    nowhere.shutdown(Duration.ZERO, Duration.ofSeconds(2));
  }

  private static RedisServiceRegistry.Builder builder() {
    return RedisServiceRegistry.builder(nowhere);
  }

  @Test
  void everySettingGivenTwiceIsRefusedNamingIt() {
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    try {
      Map<String, Consumer<RedisServiceRegistry.Builder>> settings = new LinkedHashMap<>();
      settings.put("keyPrefix", b -> b.keyPrefix("env:"));
      settings.put("ttl", b -> b.ttl(Duration.ofSeconds(30)));
      settings.put("heartbeatInterval", b -> b.heartbeatInterval(Duration.ofSeconds(1)));
      settings.put("refreshInterval", b -> b.refreshInterval(Duration.ofSeconds(1)));
      settings.put("scheduler", b -> b.scheduler(scheduler));
      settings.put("commandTimeout", b -> b.commandTimeout(Duration.ofMillis(100)));
      settings.put("meterRegistry", b -> b.meterRegistry(new SimpleMeterRegistry()));
      settings.forEach((name, setting) -> {
        RedisServiceRegistry.Builder b = builder();
        setting.accept(b);
        assertThatThrownBy(() -> setting.accept(b)).as(name)
            .isInstanceOf(IllegalStateException.class).hasMessageStartingWith(name + " was already set to ");
      });
    } finally {
      scheduler.shutdownNow();
    }
  }

  @Test
  void eachDurationHasASmallestValueAndTheOneBelowItIsRefusedNamingIt() {
    builder().ttl(Duration.ofMillis(100));
    assertThatThrownBy(() -> builder().ttl(Duration.ofMillis(99))).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("ttl must be >= 100ms but was PT0.099S");
    builder().heartbeatInterval(Duration.ofMillis(10));
    assertThatThrownBy(() -> builder().heartbeatInterval(Duration.ofMillis(9)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("heartbeatInterval must be >= 10ms but was PT0.009S");
    builder().refreshInterval(Duration.ofMillis(10));
    assertThatThrownBy(() -> builder().refreshInterval(Duration.ofMillis(9)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("refreshInterval must be >= 10ms but was PT0.009S");
    builder().commandTimeout(Duration.ofNanos(1));
    assertThatThrownBy(() -> builder().commandTimeout(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("commandTimeout must be > 0 but was PT-0.001S");
    assertThatThrownBy(() -> builder().scheduler(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("scheduler");
  }

  @Test
  void theCommandTimeoutMustBeShorterThanTheDefaultHeartbeatOfAThirdOfTheTtl() {
    assertThatThrownBy(() -> builder().ttl(Duration.ofSeconds(3)).commandTimeout(Duration.ofSeconds(1)).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("commandTimeout must be < heartbeatInterval PT1S but was PT1S");
  }

  @Test
  void settingsJustInsideTheCrossChecksAreAccepted() {
    // Heartbeat just under the TTL, timeout just under the heartbeat: build() gets as far as connecting.
    assertThatThrownBy(() -> builder().ttl(Duration.ofMillis(100)).heartbeatInterval(Duration.ofMillis(99))
            .commandTimeout(Duration.ofMillis(98)).build())
        .isInstanceOf(RedisConnectionException.class);
    assertThatThrownBy(() -> builder().ttl(Duration.ofSeconds(3)).commandTimeout(Duration.ofMillis(999)).build())
        .isInstanceOf(RedisConnectionException.class);
  }
}
