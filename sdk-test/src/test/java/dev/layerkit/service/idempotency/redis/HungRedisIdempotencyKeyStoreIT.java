package dev.layerkit.service.idempotency.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.layerkit.core.redis.RedisConnections;
import dev.layerkit.service.idempotency.ClaimResult;
import dev.layerkit.service.idempotency.RequestFingerprint;
import dev.layerkit.test.servers.PausableRedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.api.StatefulRedisConnection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * {@link RedisIdempotencyKeyStore} on a Redis that hangs ({@code SIGSTOP} on a
 * {@link PausableRedis}): a claim fails within the store's timeout, not the connection's minute;
 * once Redis continues, the claim that timed out (which Redis then ran) does not hold the key as
 * in flight for its lease, so the client's retry is served instead of answered 409.
 */
class HungRedisIdempotencyKeyStoreIT {

  private static final Duration TIMEOUT = Duration.ofMillis(200);
  private static final long LEASE_MILLIS = Duration.ofMinutes(10).toMillis();

  @Test
  void aClaimOnAHungRedisFailsWithinTheTimeoutAndDoesNotHoldTheKeyAfterward() throws Exception {
    try (PausableRedis redis = PausableRedis.start()) {
      RedisClient client = RedisClient.create(redis.uri());
      try (StatefulRedisConnection<String, byte[]> connection = RedisConnections.connect(client)) {
        RedisIdempotencyKeyStore store = RedisIdempotencyKeyStore.builder(connection).name("hung").keyPrefix("idem:")
            .timeout(TIMEOUT).build();
        RequestFingerprint fingerprint = RequestFingerprint.of("POST", "/orders", "{}".getBytes(StandardCharsets.UTF_8));
        assertThat(store.claim("warm-up", fingerprint, "t0", System.currentTimeMillis(), LEASE_MILLIS).state())
            .isEqualTo(ClaimResult.State.ACQUIRED);

        redis.pause();
        long before = System.nanoTime();
        assertThatThrownBy(() -> store.claim("order-1", fingerprint, "t1", System.currentTimeMillis(), LEASE_MILLIS))
            .isInstanceOf(RedisCommandTimeoutException.class);
        long tookMillis = (System.nanoTime() - before) / 1_000_000;
        assertThat(store.healthCheck().check().status().name()).isEqualTo("DOWN");
        redis.resume();

        AtomicReference<ClaimResult> retry = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).ignoreExceptions()
            .until(() -> {
              retry.set(store.claim("order-1", fingerprint, "t2", System.currentTimeMillis(), LEASE_MILLIS));
              return true;
            });
        System.out.printf("[hung-redis] idempotency key store: claim failed after %d ms (timeout %d ms);"
            + " the retry after SIGCONT was %s%n", tookMillis, TIMEOUT.toMillis(), retry.get().state());
        assertThat(tookMillis).as("failed by the store's timeout").isLessThan(TIMEOUT.toMillis() + 2_000);
        assertThat(retry.get().state()).as("the timed-out claim was undone, not left in flight for its lease")
            .isEqualTo(ClaimResult.State.ACQUIRED);
      } finally {
        client.shutdown();
      }
    }
  }
}
