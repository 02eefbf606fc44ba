package dev.layerkit.events.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.layerkit.core.redis.RedisConnections;
import dev.layerkit.events.Event;
import dev.layerkit.events.EventHandler;
import dev.layerkit.test.Concurrently;
import dev.layerkit.test.servers.PausableRedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisException;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAccumulator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link RedisIdempotencyStore} on a Redis that hangs ({@code SIGSTOP} on a
 * {@link PausableRedis}), with two stores on their own clients as two instances would be.
 *
 * <p>Asserted: under sixteen threads, each claim fails within the timeout or at once past
 * {@code maxInFlight}, never waiting for Lettuce's default minute, and the commands waiting for
 * Redis stay within the bound; an idempotent handler whose claim timed out runs its effect exactly
 * once when retried after Redis continues, although the timed-out claim landed late; a timed-out
 * claim nobody retried is deleted once Redis confirms it, so another instance can claim the id.
 */
class HungRedisIdempotencyStoreIT {

  private static final Duration TIMEOUT = Duration.ofMillis(200);
  private static final int MAX_IN_FLIGHT = 8;
  /** Room for a loaded CI machine above one timeout. */
  private static final Duration SLACK = Duration.ofSeconds(2);
  private static final Duration TTL = Duration.ofHours(1);

  private PausableRedis redis;
  private RedisClient clientA;
  private RedisClient clientB;
  private StatefulRedisConnection<String, byte[]> connectionA;
  private StatefulRedisConnection<String, byte[]> connectionB;

  @BeforeEach
  void start() throws Exception {
    redis = PausableRedis.start();
    clientA = RedisClient.create(redis.uri());
    clientB = RedisClient.create(redis.uri());
    connectionA = RedisConnections.connect(clientA);
    connectionB = RedisConnections.connect(clientB);
  }

  @AfterEach
  void stop() throws Exception {
    redis.resume();
    clientA.shutdown();
    clientB.shutdown();
    redis.close();
  }

  private static Event<String> event(String id) {
    return new Event<>(id, "orders", "k", Instant.EPOCH, Map.of(), "payload", 0, 0);
  }

  @Test
  void onAHungRedisClaimsFailWithinTheTimeoutAndARetriedEventRunsItsEffectExactlyOnce() throws Exception {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    RedisIdempotencyStore a = RedisIdempotencyStore.builder(connectionA, "seen:").name("a").timeout(TIMEOUT)
        .maxInFlight(MAX_IN_FLIGHT).meterRegistry(meters).build();
    RedisIdempotencyStore b = RedisIdempotencyStore.builder(connectionB, "seen:").name("b").timeout(TIMEOUT).build();
    AtomicInteger effects = new AtomicInteger();
    EventHandler<String> handler = a.idempotent(event -> effects.incrementAndGet(), TTL);
    assertThat(a.tryClaim("warm-up", TTL)).isTrue();

    redis.pause();

    assertThatThrownBy(() -> handler.handle(event("retried")))
        .as("the claim timed out; the handler fails and is retried").isInstanceOf(RedisCommandTimeoutException.class);
    assertThatThrownBy(() -> a.tryClaim("abandoned", TTL)).isInstanceOf(RedisCommandTimeoutException.class);

    LongAccumulator slowestNanos = new LongAccumulator(Math::max, 0);
    AtomicInteger maxInFlight = new AtomicInteger();
    AtomicLong timeouts = new AtomicLong();
    AtomicLong refused = new AtomicLong();
    AtomicInteger next = new AtomicInteger();
    Concurrently.run(16, () -> {
      for (int i = 0; i < 10; i++) {
        long begin = System.nanoTime();
        try {
          a.tryClaim("load-" + next.incrementAndGet(), TTL);
          throw new AssertionError("a claim on a hung Redis succeeded");
        } catch (RedisCommandTimeoutException e) {
          timeouts.incrementAndGet();
        } catch (RedisException e) {
          refused.incrementAndGet();
        }
        slowestNanos.accumulate(System.nanoTime() - begin);
        maxInFlight.accumulateAndGet(a.inFlight(), Math::max);
      }
    });
    System.out.printf("[hung-redis] idempotency: 160 claims in the hang: %d timed out, %d refused over maxInFlight;"
            + " slowest %d ms (timeout %d ms); in flight max %d (bound %d)%n",
        timeouts.get(), refused.get(), slowestNanos.get() / 1_000_000, TIMEOUT.toMillis(), maxInFlight.get(),
        MAX_IN_FLIGHT);
    assertThat(Duration.ofNanos(slowestNanos.get())).as("the slowest claim").isLessThan(TIMEOUT.plus(SLACK));
    assertThat(maxInFlight.get()).as("commands waiting for Redis").isLessThanOrEqualTo(MAX_IN_FLIGHT);
    assertThat(refused.get()).as("past maxInFlight, claims are refused at once").isPositive();
    assertThat(meters.get("layerkit.events.idempotency.errors").tag("kind", "overload").functionCounter().count())
        .isEqualTo(refused.get());

    redis.resume();

    // The retry (as the subscriber's retry policy makes it) runs the effect once.
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).ignoreExceptions()
        .untilAsserted(() -> {
          handler.handle(event("retried"));
          assertThat(effects.get()).isEqualTo(1);
        });
    handler.handle(event("retried"));
    assertThat(effects.get()).as("a redelivery is skipped").isEqualTo(1);
    assertThat(b.tryClaim("retried", TTL)).as("another instance sees it claimed").isFalse();

    // The claim nobody retried landed late and was deleted: another instance may claim the id.
    await().atMost(Duration.ofSeconds(30)).until(() -> a.inFlight() == 0);
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
        .until(() -> connectionB.sync().exists("seen:{abandoned}") == 0);
    assertThat(b.tryClaim("abandoned", TTL)).isTrue();
  }

  @Test
  void builderRejectsBadSettings() {
    assertThatThrownBy(() -> RedisIdempotencyStore.builder(connectionA, "seen:").maxInFlight(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maxInFlight must be > 0 but was 0");
    assertThatThrownBy(() -> RedisIdempotencyStore.builder(connectionA, "seen:").timeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeout");
  }
}
