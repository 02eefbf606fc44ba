package dev.layerkit.cache.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.cache.Cache;
import dev.layerkit.cache.CacheAside;
import dev.layerkit.cache.Caches;
import dev.layerkit.core.codec.Codec;
import dev.layerkit.core.codec.CodecException;
import dev.layerkit.core.codec.Codecs;
import dev.layerkit.core.health.Health;
import dev.layerkit.core.health.HealthStatus;
import dev.layerkit.core.resilience.ResiliencePolicy;
import dev.layerkit.test.cache.CacheContract;
import dev.layerkit.test.servers.TestRedis;
import dev.layerkit.test.servers.TestServers;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import redis.embedded.RedisServer;

/**
 * {@link RedisCache} against a real Redis ({@link TestServers#redis()}): the contract (expiry on
 * the server's clock), round trips counted with {@code INFO commandstats}, the namespace and TTLs
 * as Redis sees them, and bad values.
 */
class RedisCacheIT extends CacheContract {

  private static final TestRedis REDIS = TestServers.redis();
  private static RedisClient client;
  private static StatefulRedisConnection<String, byte[]> connection;

  private String keyPrefix;

  @BeforeAll
  static void connect() {
    client = RedisClient.create(REDIS.uri());
    connection = RedisSupport.connect(client);
  }

  @AfterAll
  static void disconnect() {
    connection.close();
    client.shutdown();
  }

  @BeforeEach
  void prefix(TestInfo test) {
    keyPrefix = REDIS.newKeyPrefix(test.getTestMethod().orElseThrow().getName());
  }

  @Override
  protected Cache<String, String> newCache(String name) {
    // Generous: a contract failure must not be a slow CI machine; timeouts have their own tests.
    return RedisCache.<String, String>builder(connection, Codecs.utf8()).name(name)
        .keyPrefix(keyPrefix + name + ':').timeout(Duration.ofSeconds(10)).build();
  }

  @Override
  protected void passTime(Duration duration) {
    // Redis expires on its own clock; the contract waits for it, bounded.
  }

  private RedisCache<String, String> cache() {
    return RedisCache.<String, String>builder(connection, Codecs.utf8()).name("it")
        .keyPrefix(keyPrefix).timeout(Duration.ofSeconds(10)).build();
  }

  /**
   * Counted on a dedicated embedded server: {@code INFO commandstats} is server-wide, and the
   * shared test server may be serving other builds at the same time.
   */
  @Test
  void getAllOfAHundredKeysIsOneMgetAndPutAllSendsNoMoreThanOneSetPerKey() throws Exception {
    int port = RedisSupport.freePort();
    RedisServer server = RedisServer.newRedisServer().port(port).bind("127.0.0.1").build();
    server.start();
    RedisClient ownClient = RedisClient.create("redis://127.0.0.1:" + port);
    try {
      StatefulRedisConnection<String, byte[]> own = RedisSupport.connect(ownClient);
      RedisCache<String, String> cache = RedisCache.<String, String>builder(own, Codecs.utf8())
          .timeout(Duration.ofSeconds(10)).build();
      Map<String, String> entries = new HashMap<>();
      List<String> keys = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        entries.put("k" + i, "v" + i);
        keys.add("k" + i);
      }
      long setsBefore = RedisSupport.calls(own, "set");
      cache.putAll(entries, Duration.ofMinutes(1));
      assertThat(RedisSupport.calls(own, "set") - setsBefore).isEqualTo(100);

      long mgetBefore = RedisSupport.calls(own, "mget");
      long getBefore = RedisSupport.calls(own, "get");
      assertThat(cache.getAll(keys)).isEqualTo(entries);
      assertThat(RedisSupport.calls(own, "mget") - mgetBefore).as("one MGET round trip").isEqualTo(1);
      assertThat(RedisSupport.calls(own, "get") - getBefore).isZero();
    } finally {
      ownClient.shutdown();
      server.stop();
    }
  }

  @Test
  void keysLiveUnderTheNamespaceWithTheirTtlInMilliseconds() {
    RedisCache<String, String> cache = cache();
    cache.put("user:42", "v", Duration.ofMillis(60_500));
    assertThat(connection.sync().pttl(keyPrefix + "{user:42}")).isBetween(59_000L, 60_500L);
    assertThat(new String(connection.sync().get(keyPrefix + "{user:42}"), StandardCharsets.UTF_8)).isEqualTo("v");
    assertThat(cache.keyPrefix()).isEqualTo(keyPrefix);
  }

  @Test
  void aValueTheCodecCannotEncodeThrowsItsErrorAndCachesNothing() {
    Codec<String> refusing = new Codec<>() {
      @Override
      public byte[] encode(String value) {
        throw CodecException.encodeFailed(typeName(), new IllegalArgumentException("no bytes for " + value));
      }

      @Override
      public String decode(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
      }

      @Override
      public String typeName() {
        return "Refused";
      }
    };
    RedisCache<String, String> cache = RedisCache.<String, String>builder(connection, refusing)
        .keyPrefix(keyPrefix).build();
    assertThatThrownBy(() -> cache.put("k", "v", Duration.ofMinutes(1)))
        .isInstanceOf(CodecException.class).hasMessage("cannot encode Refused: no bytes for v");
    assertThatThrownBy(() -> cache.putAll(Map.of("a", "1"), Duration.ofMinutes(1)))
        .isInstanceOf(CodecException.class);
    assertThat(connection.sync().exists(keyPrefix + "{k}", keyPrefix + "{a}")).isZero();
  }

  @Test
  void cacheAsideThrowsTheCodecErrorForAValueItCannotEncodeAndCachesNothing() {
    // Strict UTF-8 has no encoding for an unpaired surrogate.
    CacheAside<String, String> strictCache = CacheAside.builder(Caches.<String, String>redis(connection, Codecs.utf8())
        .name("strict").keyPrefix(keyPrefix + "strict:")).build();
    assertThatThrownBy(() -> strictCache.get("k", k -> "\ud800"))
        .isInstanceOf(CodecException.class).hasMessageStartingWith("cannot encode java.lang.String (UTF-8)");
    assertThat(connection.sync().exists(keyPrefix + "strict:{k}")).isZero();
    assertThat(strictCache.get("k", k -> "fine")).isEqualTo("fine");
    assertThat(strictCache.get("k", k -> "not loaded")).as("a good value is cached").isEqualTo("fine");
  }

  @Test
  void valuesOverTheMaximumSizeAreNotCachedAndAreCounted() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    RedisCache<String, String> cache = RedisCache.<String, String>builder(connection, Codecs.utf8())
        .name("small").keyPrefix(keyPrefix).maxValueBytes(8).meterRegistry(registry).build();
    assertThat(cache.put("k", "12345678", Duration.ofMinutes(1))).isTrue();
    assertThat(cache.put("k", "123456789", Duration.ofMinutes(1))).isFalse();
    assertThat(cache.get("k")).as("the older value is deleted, not left behind").isNull();
    cache.putAll(Map.of("a", "ok", "b", "much too long"), Duration.ofMinutes(1));
    assertThat(cache.getAll(List.of("a", "b"))).containsOnly(Map.entry("a", "ok"));
    assertThat(cache.rejectedCount()).isEqualTo(2);
    assertThat(registry.get("layerkit.cache.rejected").tag("name", "small").functionCounter().count())
        .isEqualTo(2);
  }

  /**
   * A cache and the facade over it given one registry: each failed Redis call is one count in one
   * meter, {@code layerkit.cache.errors}, not one in the cache's meter and one more in the
   * facade's.
   */
  @Test
  void aRedisErrorIsCountedOnceAcrossTheMetersOfACacheAndItsFacade() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    StatefulRedisConnection<String, byte[]> doomed = RedisSupport.connect(client);
    CacheAside<String, String> cache = CacheAside.builder(Caches.<String, String>redis(doomed, Codecs.utf8())
            .name("once").keyPrefix(keyPrefix).meterRegistry(registry))
        .meterRegistry(registry).build();
    doomed.close();

    assertThat(cache.get("k", k -> "loaded")).isEqualTo("loaded");

    assertThat(cache.stats().remoteErrors()).as("the GET, its re-read in the flight, the SET of the loaded value")
        .isEqualTo(3);
    double errorsInMeters = registry.getMeters().stream().filter(m -> m.getId().getName().contains("error"))
        .mapToDouble(m -> m.measure().iterator().next().getValue()).sum();
    assertThat(errorsInMeters).as("every error meter of the registry together").isEqualTo(3);
    assertThat(registry.get("layerkit.cache.errors").tag("name", "once").functionCounter().count()).isEqualTo(3);
  }

  @Test
  void aReadSkippedByTheOpenBreakerWithInvalidationsOwedCountsOneError() {
    StatefulRedisConnection<String, byte[]> doomed = RedisSupport.connect(client);
    ResiliencePolicy opensAfterTwo = ResiliencePolicy.builder("opens-after-two").failureRateThreshold(50)
        .slidingWindowSize(2).minimumNumberOfCalls(2).waitDurationInOpenState(Duration.ofHours(1)).build();
    RedisCache<String, String> cache = Caches.<String, String>redis(doomed, Codecs.utf8())
        .keyPrefix(keyPrefix).resiliencePolicy(opensAfterTwo).build();
    doomed.close();
    cache.invalidate("a");
    cache.invalidate("b");
    assertThat(opensAfterTwo.circuitBreakerState()).isEqualTo(CircuitBreaker.State.OPEN);
    long before = cache.errorCount();

    assertThat(cache.get("c")).isNull();

    assertThat(cache.errorCount()).as("the skipped read, not the skipped replay as well").isEqualTo(before + 1);
  }

  @Test
  void bytesThatDoNotDecodeAreAMissAndCountedAsAnError() {
    RedisCache<String, String> cache = cache();
    connection.sync().set(keyPrefix + "{bad}", new byte[] {(byte) 0xff, (byte) 0xfe});
    assertThat(cache.get("bad")).isNull();
    assertThat(cache.errorCount()).isEqualTo(1);
  }

  @Test
  void invalidateAllLeavesKeysOutsideTheNamespaceAlone() {
    RedisCache<String, String> cache = cache();
    for (int i = 0; i < 2_500; i++) {
      cache.put("k" + i, "v", Duration.ofMinutes(1));
    }
    connection.sync().set(keyPrefix.substring(0, keyPrefix.length() - 1) + "-other", new byte[] {1});
    cache.invalidateAll();
    assertThat(connection.sync().keys(keyPrefix + "*")).isEmpty();
    assertThat(connection.sync().exists(keyPrefix.substring(0, keyPrefix.length() - 1) + "-other")).isEqualTo(1);
  }

  /**
   * A caller interrupted before the health check is not held up and keeps its interrupt status,
   * and the answer does not depend on whether Redis's reply would have come first: {@code
   * DEGRADED}, every time.
   */
  @Test
  void anInterruptedCallerGetsDegradedAtOnceAndKeepsItsInterruptStatus() {
    RedisCache<String, String> cache = cache();
    assertThat(cache.healthCheck().check().status()).isEqualTo(HealthStatus.UP);

    for (int i = 0; i < 50; i++) {
      Thread.currentThread().interrupt();
      Health health = cache.healthCheck().check();
      assertThat(Thread.interrupted()).as("kept through the health check").isTrue();
      assertThat(health.status()).as("check %d", i).isEqualTo(HealthStatus.DEGRADED);
      assertThat(health.details()).containsEntry("reason", "interrupted before the ping");
    }
    assertThat(cache.healthCheck().check().status()).as("UP again without the interrupt")
        .isEqualTo(HealthStatus.UP);
  }

  @Test
  void builderRejectsBadSettingsWithTheValue() {
    assertThatThrownBy(() -> RedisCache.builder(connection, Codecs.utf8()).maxValueBytes(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maxValueBytes must be > 0 but was 0");
    assertThatThrownBy(() -> RedisCache.builder(connection, Codecs.utf8()).timeout(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("timeout must be > 0 but was PT-0.001S");
    assertThatThrownBy(() -> RedisCache.builder(connection, Codecs.utf8()).keyPrefix(""))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("keyPrefix must not be empty");
    assertThatThrownBy(() -> RedisCache.builder(connection, Codecs.utf8()).name("a").name("b"))
        .isInstanceOf(IllegalStateException.class).hasMessage("name was already set to a");
    assertThatThrownBy(() -> RedisCache.builder(connection, null))
        .isInstanceOf(NullPointerException.class).hasMessage("codec");
  }
}
