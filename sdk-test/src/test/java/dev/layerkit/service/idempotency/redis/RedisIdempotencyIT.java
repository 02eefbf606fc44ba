package dev.layerkit.service.idempotency.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.core.health.HealthStatus;
import dev.layerkit.service.idempotency.Idempotency;
import dev.layerkit.service.idempotency.IdempotencyKeyStore;
import dev.layerkit.service.idempotency.IdempotencyKeyStores;
import dev.layerkit.service.idempotency.IdempotencyOutcome;
import dev.layerkit.service.idempotency.RequestFingerprint;
import dev.layerkit.test.servers.TestRedis;
import dev.layerkit.test.servers.TestServers;
import dev.layerkit.test.service.IdempotencyStoreContract;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The idempotency contract on a real Redis ({@link TestServers#redis()}), each test under a key
 * prefix of its own, plus what only Redis does: its own expiry of the records and the script
 * cache.
 */
@DisplayName("Idempotency on Redis")
class RedisIdempotencyIT extends IdempotencyStoreContract {

  private static final TestRedis REDIS = TestServers.redis();
  private static RedisClient client;
  private static StatefulRedisConnection<String, byte[]> connection;
  private RedisIdempotencyKeyStore redisStore;

  @BeforeAll
  static void connect() {
    client = RedisClient.create(REDIS.uri());
    connection = client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
  }

  @AfterAll
  static void disconnect() {
    connection.close();
    client.shutdown();
  }

  @Override
  protected IdempotencyKeyStore newStore() {
    redisStore = IdempotencyKeyStores.redis(connection).name("it").keyPrefix(REDIS.newKeyPrefix("idempotency")).build();
    return redisStore;
  }

  /**
   * Expiry is decided by the caller's clock (the contract's TTL tests run on a manual clock); the
   * server only frees memory: each record carries a real PEXPIRE of the lease, then of the TTL.
   * Reading PTTL checks that without waiting for it to run out.
   */
  @Test
  void redisDropsEachRecordAfterItsLeaseOrTtlInRealTime() {
    RequestFingerprint fingerprint = RequestFingerprint.of("POST", "/orders", utf8("x"));
    redisStore.claim("pttl", fingerprint, "t", time.epochMillis(), 30_000);
    long leaseLeft = connection.sync().pttl(redisStore.redisKey("pttl"));
    redisStore.complete("pttl", "t", created(1), time.epochMillis(), TTL.toMillis());
    long ttlLeft = connection.sync().pttl(redisStore.redisKey("pttl"));

    assertThat(leaseLeft).isBetween(1L, 30_000L);
    assertThat(ttlLeft).isBetween(TTL.toMillis() - 60_000, TTL.toMillis());
  }

  @Test
  void scriptsAreLoadedAgainAfterTheServerForgetsThem() {
    RequestFingerprint fingerprint = RequestFingerprint.of("POST", "/orders", utf8("x"));
    idempotency.execute("noscript-1", fingerprint, () -> created(1));

    // SCRIPT FLUSH drops only the script cache (not data), as a restart or failover would.
    connection.sync().scriptFlush();

    assertThat(idempotency.execute("noscript-1", fingerprint, () -> created(2)))
        .isEqualTo(new IdempotencyOutcome.Replayed(created(1)));
  }

  @Test
  void keyPrefixWithBracesIsRejected() {
    assertThatThrownBy(() -> RedisIdempotencyKeyStore.builder(connection).keyPrefix("a{b}:"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("keyPrefix must not contain braces ('{' or '}') but was 'a{b}:'");
    assertThat(RedisIdempotencyKeyStore.builder(connection).name("orders").build().redisKey("k"))
        .isEqualTo("layerkit:idempotency:orders:{k}");
  }

  @Test
  void aRedisThatIsGoneFailsTheRequestWithoutRunningTheAction() {
    StatefulRedisConnection<String, byte[]> lost = client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
    Idempotency onLost = Idempotency.builder(IdempotencyKeyStores.redis(lost).keyPrefix(REDIS.newKeyPrefix("lost")).build())
        .timeSource(time).build();
    RedisIdempotencyKeyStore lostStore = RedisIdempotencyKeyStore.builder(lost).build();
    assertThat(lostStore.healthCheck().check().status()).isEqualTo(HealthStatus.UP);
    lost.close();
    AtomicInteger effects = new AtomicInteger();

    assertThatThrownBy(() -> onLost.execute("k", RequestFingerprint.of("POST", "/", new byte[0]), () -> {
      effects.incrementAndGet();
      return created(1);
    })).isInstanceOf(RedisException.class);
    assertThat(effects).hasValue(0);
    assertThat(lostStore.healthCheck().check().status()).isEqualTo(HealthStatus.DOWN);
  }
}
