package dev.layerkit.cache.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.layerkit.cache.LoadLock;
import dev.layerkit.test.servers.PausableRedis;
import dev.layerkit.test.servers.TestRedis;
import dev.layerkit.test.servers.TestServers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The {@link RedisLeaseLock} on its own, against a real Redis: a lease's key and lease time as
 * Redis holds them, what a caller gets when Redis is gone or hangs (a lease that holds nothing, at
 * once beyond the bound on commands in flight), what is counted, and a lock a late command took
 * being released. The hang is a {@link PausableRedis} of the test's own ({@code SIGSTOP}).
 */
class RedisLeaseLockIT {

  private static final TestRedis REDIS = TestServers.redis();
  private static final Duration HOUR = Duration.ofHours(1);

  private RedisClient client;
  private StatefulRedisConnection<String, byte[]> connection;
  private String keyPrefix;

  @BeforeEach
  void connect(TestInfo test) {
    keyPrefix = REDIS.newKeyPrefix(test.getTestMethod().orElseThrow().getName());
    client = RedisClient.create(REDIS.uri());
    connection = RedisSupport.connect(client);
  }

  @AfterEach
  void close() {
    client.shutdown();
  }

  private static double errors(SimpleMeterRegistry registry, String name, String kind) {
    return registry.get("layerkit.cache.lock.errors").tag("name", name).tag("kind", kind).functionCounter().count();
  }

  @Test
  void aLeaseHoldsItsKeyForTheLeaseTimeUntilReleased() {
    RedisLeaseLock lock = RedisLeaseLock.builder(connection, keyPrefix).timeout(Duration.ofSeconds(5)).build();
    LoadLock.Lease lease = lock.tryAcquire("k", Duration.ofSeconds(30));
    assertThat(lease).isNotNull();
    assertThat(connection.sync().pttl(keyPrefix + "{k}")).isBetween(20_000L, 30_000L);
    assertThat(lock.tryAcquire("k", HOUR)).as("held").isNull();
    LoadLock.Lease other = lock.tryAcquire("other", HOUR);
    assertThat(other).as("another key is free").isNotNull();
    other.close();
    assertThat(lock.inFlight()).isZero();
    lease.close();
    assertThat(connection.sync().exists(keyPrefix + "{k}")).isZero();
    assertThat(lock.errorCount()).isZero();
    assertThatThrownBy(() -> lock.tryAcquire(null, HOUR)).isInstanceOf(NullPointerException.class).hasMessage("key");
    assertThatThrownBy(() -> lock.tryAcquire("k", Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("leaseTime must be > 0 but was PT0S");
  }

  @Test
  void withRedisGoneTheLockAnswersWithALeaseThatHoldsNothingAndCountsAFailure() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    StatefulRedisConnection<String, byte[]> doomed = RedisSupport.connect(client);
    RedisLeaseLock lock = RedisLeaseLock.builder(doomed, keyPrefix).name("gone").meterRegistry(registry).build();
    doomed.close();

    LoadLock.Lease lease = lock.tryAcquire("k", HOUR);
    assertThat(lease).as("the caller loads for itself").isNotNull();
    lease.close();
    assertThat(lock.tryAcquire("k", HOUR)).as("not 'held elsewhere' either").isNotNull();
    assertThat(lock.errorCount()).isEqualTo(2);
    assertThat(errors(registry, "gone", "failure")).isEqualTo(2);
    assertThat(errors(registry, "gone", "timeout")).isZero();
    assertThat(errors(registry, "gone", "overload")).isZero();
    assertThat(registry.get("layerkit.cache.lock.in.flight").tag("name", "gone").gauge().value()).isZero();
  }

  @Test
  void aReleaseThatFailsIsCountedAndLeavesTheLeaseToExpire() {
    StatefulRedisConnection<String, byte[]> own = RedisSupport.connect(client);
    RedisLeaseLock lock = RedisLeaseLock.builder(own, keyPrefix).build();
    LoadLock.Lease lease = lock.tryAcquire("k", Duration.ofSeconds(30));
    assertThat(lease).isNotNull();
    own.close();
    lease.close();
    assertThat(lock.errorCount()).isEqualTo(1);
    assertThat(connection.sync().exists(keyPrefix + "{k}")).as("it expires with its lease time").isEqualTo(1);
    connection.sync().del(keyPrefix + "{k}");
  }

  @Test
  void aHungRedisCostsOneTimeoutThenCallsOverTheBoundAnswerAtOnceAndALockTakenLateIsReleased() throws Exception {
    try (PausableRedis redis = PausableRedis.start()) {
      RedisClient own = RedisClient.create(redis.uri());
      try {
        StatefulRedisConnection<String, byte[]> data = RedisSupport.connect(own);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        data.sync().ping();
        RedisLeaseLock lock = RedisLeaseLock.builder(data, "lock:").name("hung").timeout(Duration.ofSeconds(1))
            .maxInFlight(1).meterRegistry(registry).build();
        LoadLock.Lease held = lock.tryAcquire("held", HOUR);
        assertThat(held).isNotNull();

        redis.pause();
        assertThat(lock.tryAcquire("k", HOUR)).as("timed out: a lease that holds nothing").isNotNull();
        assertThat(lock.inFlight()).as("the SET still waits for Redis").isEqualTo(1);
        assertThat(lock.tryAcquire("k2", HOUR)).as("over the bound").isNotNull();
        held.close(); // over the bound too: left to its lease time
        assertThat(lock.inFlight()).isEqualTo(1);
        assertThat(errors(registry, "hung", "timeout")).isEqualTo(1);
        assertThat(errors(registry, "hung", "overload")).isEqualTo(2);
        assertThat(lock.errorCount()).isEqualTo(3);
        assertThat(registry.get("layerkit.cache.lock.in.flight").gauge().value()).isEqualTo(1);

        redis.resume();
        await().atMost(Duration.ofSeconds(10)).until(() -> lock.inFlight() == 0);
        // The SET that timed out ran when Redis continued and took the lock nobody holds:
        // it is deleted at once, not left for its hour.
        await().atMost(Duration.ofSeconds(10)).until(() -> data.sync().exists("lock:{k}") == 0);
        assertThat(data.sync().exists("lock:{k2}")).as("never sent").isZero();
        assertThat(data.sync().exists("lock:{held}")).as("its release was never sent").isEqualTo(1);
        LoadLock.Lease again = lock.tryAcquire("k", HOUR);
        assertThat(again).isNotNull();
        assertThat(data.sync().exists("lock:{k}")).isEqualTo(1);
        again.close();
        await().atMost(Duration.ofSeconds(10)).until(() -> data.sync().exists("lock:{k}") == 0);
      } finally {
        redis.resume();
        own.shutdown();
      }
    }
  }

  @Test
  void everyBuilderSettingGivenTwiceIsRefusedNamingIt() {
    Map<String, UnaryOperator<RedisLeaseLock.Builder>> settings = new LinkedHashMap<>();
    settings.put("name", b -> b.name("a"));
    settings.put("timeout", b -> b.timeout(Duration.ofSeconds(1)));
    settings.put("maxInFlight", b -> b.maxInFlight(1));
    settings.put("meterRegistry", b -> b.meterRegistry(new SimpleMeterRegistry()));
    settings.forEach((name, setting) -> {
      RedisLeaseLock.Builder fresh = RedisLeaseLock.builder(connection, keyPrefix);
      assertThat(setting.apply(fresh)).isSameAs(fresh);
      assertThatThrownBy(() -> setting.apply(fresh)).as(name).isInstanceOf(IllegalStateException.class)
          .hasMessageStartingWith(name + " was already set to ");
    });
    assertThatThrownBy(() -> RedisLeaseLock.builder(connection, keyPrefix).maxInFlight(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maxInFlight must be > 0 but was 0");
    assertThatThrownBy(() -> RedisLeaseLock.builder(connection, ""))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("keyPrefix must not be empty");
    assertThatThrownBy(() -> RedisLeaseLock.builder(connection, "a{"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RedisLeaseLock.create(connection, keyPrefix, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("timeout must be > 0 but was PT0S");
  }
}
