package dev.layerkit.cache.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.layerkit.cache.CacheAside;
import dev.layerkit.cache.Caches;
import dev.layerkit.cache.KeyCodec;
import dev.layerkit.cache.RemoteCache;
import dev.layerkit.core.codec.Codecs;
import dev.layerkit.core.health.Health;
import dev.layerkit.core.health.HealthStatus;
import dev.layerkit.core.redis.RedisConnections;
import dev.layerkit.core.resilience.ResiliencePolicy;
import dev.layerkit.core.time.ManualTimeSource;
import dev.layerkit.test.servers.TestRedis;
import dev.layerkit.test.servers.TestServers;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * What a {@link RedisCache} owes Redis when it cannot tell it something, against the real Redis:
 * the test holds the circuit breaker open (as after an outage) so that writes, invalidations and
 * messages are refused, then closes it and checks that the next operation replays what was owed,
 * and that nothing the refused call meant to replace is ever served in between. Also the failures
 * a healthy Redis can give (a command on a key of another type), the health check and the
 * builder's settings.
 */
class RedisCacheOwedWorkIT {

  private static final TestRedis REDIS = TestServers.redis();
  private static final Duration HOUR = Duration.ofHours(1);

  private RedisClient client;
  private StatefulRedisConnection<String, byte[]> connection;
  private String keyPrefix;
  private final ResiliencePolicy policy = ResiliencePolicy.builder("owed").withCircuitBreaker().build();
  private final CircuitBreaker breaker = policy.circuitBreaker().orElseThrow();
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @BeforeEach
  void connect(TestInfo test) {
    keyPrefix = REDIS.newKeyPrefix(test.getTestMethod().orElseThrow().getName());
    client = RedisClient.create(REDIS.uri());
    connection = RedisSupport.connect(client);
  }

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable closeable : closeables) {
      closeable.close();
    }
    client.shutdown();
  }

  private RedisCache<String, String> cache() {
    return RedisCache.<String, String>builder(connection, Codecs.utf8()).name("owed").keyPrefix(keyPrefix)
        .timeout(Duration.ofSeconds(10)).resiliencePolicy(policy).build();
  }

  private boolean inRedis(String key) {
    return connection.sync().exists(keyPrefix + "{" + key + "}") == 1;
  }

  /**
   * Waits, bounded, until {@code key} is gone from Redis: the replay after an operation deletes
   * it, or the cache's own retry a second later does, whichever runs first (on a loaded machine
   * the retry may be replaying already, and then the operation leaves it to the retry).
   */
  private void awaitGone(String key) {
    await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10)).until(() -> !inRedis(key));
  }

  @Test
  void aWriteTheOpenBreakerRefusedNeverLetsTheValueItReplacedBeServedAgain() {
    RedisCache<String, String> cache = cache();
    assertThat(cache.put("k", "old", HOUR)).isTrue();
    breaker.transitionToForcedOpenState();
    assertThat(cache.put("k", "new", HOUR)).isFalse();
    assertThat(cache.get("k")).as("the breaker is open: a miss").isNull();
    assertThat(cache.errorCount()).as("the refused write; a read of an owed key asks nobody").isEqualTo(1);
    assertThat(cache.get("other")).isNull();
    assertThat(cache.errorCount()).as("a read the breaker refused").isEqualTo(2);
    assertThat(inRedis("k")).as("Redis still holds the old value").isTrue();

    breaker.transitionToClosedState();
    assertThat(cache.get("k")).as("owed a deletion: a miss, not the old value").isNull();
    awaitGone("k");
    assertThat(cache.put("k", "newer", HOUR)).isTrue();
    assertThat(cache.get("k")).isEqualTo("newer");
    assertThat(cache.errorCount()).isEqualTo(2);
  }

  @Test
  void anInvalidationTheOpenBreakerRefusedKeepsItsKeyOutOfEveryReadUntilReplayed() {
    RedisCache<String, String> cache = cache();
    cache.putAll(Map.of("a", "1", "b", "2", "c", "3"), HOUR);
    breaker.transitionToForcedOpenState();
    cache.invalidate("a");
    cache.invalidate("c");
    assertThat(inRedis("a")).isTrue();
    breaker.transitionToClosedState();

    // A bulk read leaves the owed keys out before it asks Redis, then replays.
    assertThat(cache.getAll(List.of("a", "b"))).containsOnly(Map.entry("b", "2"));
    awaitGone("a");
    awaitGone("c");
    assertThat(cache.get("a")).isNull();
    assertThat(cache.get("b")).isEqualTo("2");
  }

  @Test
  void hitsLeaveOwedKeysOutToo() {
    RedisCache<String, String> cache = cache();
    cache.putAll(Map.of("a", "1", "b", "2"), HOUR);
    breaker.transitionToForcedOpenState();
    cache.invalidate("a");
    assertThat(cache.getAllHits(List.of("a", "b"))).as("the breaker is open").isEmpty();
    assertThat(cache.getHit("b")).isNull();
    breaker.transitionToClosedState();
    Map<String, RemoteCache.Hit<String>> hits = cache.getAllHits(List.of("a", "b"));
    assertThat(hits).containsOnlyKeys("b");
    assertThat(hits.get("b").value()).isEqualTo("2");
    assertThat(hits.get("b").remainingTtl()).isBetween(HOUR.minusSeconds(60), HOUR);
    awaitGone("a");

    cache.put("a", "again", Duration.ofSeconds(90));
    breaker.transitionToForcedOpenState();
    cache.invalidate("a");
    breaker.transitionToClosedState();
    assertThat(cache.getHit("a")).as("owed").isNull();
    awaitGone("a");
    cache.put("a", "third", Duration.ofSeconds(90));
    RemoteCache.Hit<String> hit = cache.getHit("a");
    assertThat(hit).isNotNull();
    assertThat(hit.value()).isEqualTo("third");
    assertThat(hit.remainingTtl()).isBetween(Duration.ofSeconds(30), Duration.ofSeconds(90));
  }

  @Test
  void anInvalidateAllTheOpenBreakerRefusedMissesEveryKeyUntilTheNamespaceIsDeleted() {
    RedisCache<String, String> cache = cache();
    Map<String, String> entries = new LinkedHashMap<>();
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < 1_500; i++) {
      entries.put("k" + i, "v" + i);
      keys.add("k" + i);
    }
    cache.putAll(entries, HOUR);
    String outside = keyPrefix.substring(0, keyPrefix.length() - 1) + "-other";
    connection.sync().set(outside, new byte[] {1});
    breaker.transitionToForcedOpenState();
    cache.invalidateAll();
    assertThat(inRedis("k0")).isTrue();
    breaker.transitionToClosedState();

    assertThat(cache.getAll(keys)).as("every key is owed").isEmpty();
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
        assertThat(connection.sync().keys(keyPrefix + "*")).as("the namespace, over two SCAN pages").isEmpty());
    assertThat(connection.sync().exists(outside)).isEqualTo(1);
    assertThat(cache.put("k0", "new", HOUR)).isTrue();
    assertThat(cache.get("k0")).isEqualTo("new");
  }

  @Test
  void invalidateAllDeletesExactlyItsNamespaceEvenWithGlobCharactersInThePrefix() {
    String prefix = keyPrefix + "a*b?c[d]e\\f:";
    RedisCache<String, String> cache = RedisCache.<String, String>builder(connection, Codecs.utf8())
        .keyPrefix(prefix).timeout(Duration.ofSeconds(10)).build();
    cache.put("k", "v", HOUR);
    List<String> neighbours = List.of(
        keyPrefix + "aZZb?c[d]e\\f:{k}", // what an unescaped * would match
        keyPrefix + "a*bZc[d]e\\f:{k}", // what an unescaped ? would match
        keyPrefix + "a*b?cde\\f:{k}", // a class [d] would match this
        keyPrefix + "a*b?c[d]ef:{k}"); // an unescaped backslash would match this
    for (String neighbour : neighbours) {
      connection.sync().set(neighbour, new byte[] {1});
    }
    cache.invalidateAll();
    assertThat(connection.sync().exists(prefix + "{k}")).as("its own key").isZero();
    assertThat(cache.get("k")).isNull();
    for (String neighbour : neighbours) {
      assertThat(connection.sync().exists(neighbour)).as(neighbour).isEqualTo(1);
    }
  }

  @Test
  void anInvalidateAllThatReachesRedisSettlesWhatWasOwedAndLaterWritesAreServed() {
    RedisCache<String, String> cache = cacheOwing("x");
    cache.invalidateAll();
    assertThat(inRedis("x")).isFalse();
    // Another instance writes x; this one owes nothing for it any more.
    connection.sync().set(keyPrefix + "{x}", "theirs".getBytes(StandardCharsets.UTF_8),
        io.lettuce.core.SetArgs.Builder.px(60_000));
    assertThat(cache.put("k", "v", HOUR)).isTrue();
    assertThat(cache.get("k")).as("not deleted by an owed namespace").isEqualTo("v");
    assertThat(cache.get("x")).isEqualTo("theirs");
  }

  @Test
  void aBatchOfWritesTheOpenBreakerRefusedIsOwedKeyByKeyAndReplayedInBatches() {
    RedisCache<String, String> cache = cache();
    Map<String, String> entries = new LinkedHashMap<>();
    for (int i = 0; i < 2_500; i++) {
      entries.put("k" + i, "old");
    }
    cache.putAll(entries, HOUR);
    cache.put("untouched", "u", HOUR);
    entries.replaceAll((key, value) -> "new");
    breaker.transitionToForcedOpenState();
    cache.putAll(entries, HOUR);
    breaker.transitionToClosedState();

    assertThat(cache.get("untouched")).as("not owed: read, and the replay runs").isEqualTo("u");
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
        assertThat(connection.sync().keys(keyPrefix + "{k*")).as("all 2,500, in three UNLINK batches").isEmpty());
    assertThat(cache.get("k2499")).isNull();
    cache.putAll(entries, HOUR);
    assertThat(cache.get("k2499")).isEqualTo("new");
  }

  @Test
  void whatIsOwedIsSentOnItsOwnWhenNoOperationFollows() {
    RedisCache<String, String> cache = cacheWithChannel();
    Heard heard = new Heard();
    closeables.add(cache.subscribeInvalidations(heard));
    cache.put("k", "old", HOUR);
    breaker.transitionToForcedOpenState();
    cache.invalidate("k");
    cache.publishInvalidation("me", "k");
    breaker.transitionToClosedState();
    // No operation on the cache from here: its retry, every second, sends both.
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> !inRedis("k"));
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(heard.messages).containsExactly("me:k"));
  }

  @Test
  void withRedisGoneEveryReadIsAMissAndEveryWriteIsDroppedEachCountedOnce() {
    StatefulRedisConnection<String, byte[]> doomed = RedisSupport.connect(client);
    RedisCache<String, String> cache = RedisCache.<String, String>builder(doomed, Codecs.utf8()).name("gone")
        .keyPrefix(keyPrefix).build();
    doomed.close();
    assertThat(cache.get("k")).isNull();
    assertThat(cache.errorCount()).isEqualTo(1);
    assertThat(cache.getHit("k")).isNull();
    assertThat(cache.errorCount()).isEqualTo(2);
    assertThat(cache.getAll(List.of("a", "b"))).isEmpty();
    assertThat(cache.errorCount()).isEqualTo(3);
    assertThat(cache.getAllHits(List.of("a", "b"))).isEmpty();
    assertThat(cache.errorCount()).isEqualTo(4);
    assertThat(cache.put("k", "v", HOUR)).isFalse();
    assertThat(cache.errorCount()).as("five failures in ten calls: the default breaker opens").isEqualTo(5);
    assertThat(cache.resiliencePolicy().circuitBreakerState()).isEqualTo(CircuitBreaker.State.OPEN);
    cache.putAll(Map.of("a", "1"), HOUR);
    assertThat(cache.errorCount()).isEqualTo(6);
    assertThat(cache.getAll(List.of("b"))).isEmpty();
    assertThat(cache.errorCount()).as("refused by the open breaker, counted once").isEqualTo(7);
    assertThat(cache.getAllHits(List.of("b"))).isEmpty();
    assertThat(cache.errorCount()).isEqualTo(8);
  }

  @Test
  void bytesThatDoNotDecodeAreAMissInEveryKindOfRead() {
    RedisCache<String, String> cache = cache();
    connection.sync().set(keyPrefix + "{bad}", new byte[] {(byte) 0xff, (byte) 0xfe},
        io.lettuce.core.SetArgs.Builder.px(60_000));
    cache.put("good", "g", HOUR);
    assertThat(cache.getHit("bad")).isNull();
    assertThat(cache.getAll(List.of("bad", "good"))).containsOnly(Map.entry("good", "g"));
    assertThat(cache.getAllHits(List.of("bad", "good"))).containsOnlyKeys("good");
    assertThat(cache.errorCount()).isEqualTo(3);
  }

  private RedisCache<String, String> cacheOwing(String key) {
    RedisCache<String, String> cache = cache();
    cache.put(key, "old", HOUR);
    breaker.transitionToForcedOpenState();
    cache.invalidate(key);
    breaker.transitionToClosedState();
    return cache;
  }

  @Test
  void aWriteOfAKeyOwedADeletionReplacesTheDeletion() {
    RedisCache<String, String> cache = cacheOwing("k");
    assertThat(cache.put("k", "new", HOUR)).isTrue();
    assertThat(cache.get("k")).as("the write is not undone by the owed deletion").isEqualTo("new");
    RedisCache<String, String> batch = cacheOwing("m");
    batch.putAll(Map.of("m", "new"), HOUR);
    assertThat(batch.get("m")).isEqualTo("new");
  }

  @Test
  void eachOperationThatLeavesSomethingOwedSchedulesItsOwnRetry() {
    Map<String, RedisCache<String, String>> caches = new LinkedHashMap<>();
    for (String scenario : List.of("invalidate", "invalidateAll", "put", "putAll", "publish", "publishAll")) {
      StatefulRedisPubSubConnection<String, byte[]> pubSub = RedisConnections.connectPubSub(client);
      closeables.add(pubSub);
      RedisCache<String, String> cache = RedisCache.<String, String>builder(connection, Codecs.utf8())
          .name(scenario).keyPrefix(keyPrefix + scenario + ":").timeout(Duration.ofSeconds(10))
          .resiliencePolicy(policy).invalidationChannel(pubSub).build();
      cache.put("k", "old", HOUR);
      caches.put(scenario, cache);
    }
    Heard publish = new Heard();
    Heard publishAll = new Heard();
    closeables.add(caches.get("publish").subscribeInvalidations(publish));
    closeables.add(caches.get("publishAll").subscribeInvalidations(publishAll));
    breaker.transitionToForcedOpenState();
    caches.get("invalidate").invalidate("k");
    caches.get("invalidateAll").invalidateAll();
    caches.get("put").put("k", "new", HOUR);
    caches.get("putAll").putAll(Map.of("k", "new"), HOUR);
    caches.get("publish").publishInvalidation("me", "k");
    caches.get("publishAll").publishInvalidations("me", List.of("k"));
    breaker.transitionToClosedState();
    // No operation from here: each cache's own retry sends what it owes.
    for (String scenario : List.of("invalidate", "invalidateAll", "put", "putAll")) {
      await(scenario).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
          .until(() -> connection.sync().exists(keyPrefix + scenario + ":{k}") == 0);
    }
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(publish.messages).contains("me:k"));
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(publishAll.messages).contains("me:k"));
  }

  @Test
  void whileTheBreakerStaysOpenTheRetryTriesAgainEverySecondUntilItCan() {
    RedisCache<String, String> cache = cache();
    cache.put("k", "old", HOUR);
    breaker.transitionToForcedOpenState();
    cache.invalidate("k");
    long refused = breaker.getMetrics().getNumberOfNotPermittedCalls();
    // The first retry finds the breaker open (a refusal the breaker counts) ...
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
        .until(() -> breaker.getMetrics().getNumberOfNotPermittedCalls() > refused);
    assertThat(inRedis("k")).isTrue();
    breaker.transitionToClosedState();
    // ... and a later one, with no operation on the cache, deletes the key.
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> !inRedis("k"));
  }

  @Test
  void theMapsOfBulkReadsAreTheCallersToChangeWhateverHappened() {
    RedisCache<String, String> cache = cacheOwing("owed");
    assertThat(cache.name()).isEqualTo("owed");
    cache.getAll(List.of()).put("x", "y");
    cache.getAllHits(List.of()).put("x", new RemoteCache.Hit<>("y", HOUR));
    cache.getAll(List.of("owed")).put("x", "y");
    cache.getAllHits(List.of("owed")).put("x", new RemoteCache.Hit<>("y", HOUR));
    breaker.transitionToForcedOpenState();
    cache.getAll(List.of("a")).put("x", "y");
    cache.getAllHits(List.of("a")).put("x", new RemoteCache.Hit<>("y", HOUR));
    StatefulRedisConnection<String, byte[]> doomed = RedisSupport.connect(client);
    RedisCache<String, String> gone = RedisCache.<String, String>builder(doomed, Codecs.utf8()).keyPrefix(keyPrefix)
        .build();
    doomed.close();
    gone.getAll(List.of("a")).put("x", "y");
    gone.getAllHits(List.of("a")).put("x", new RemoteCache.Hit<>("y", HOUR));
  }

  @Test
  void aBatchValueOfExactlyTheMaximumSizeIsStored() {
    RedisCache<String, String> cache = RedisCache.<String, String>builder(connection, Codecs.utf8())
        .keyPrefix(keyPrefix).maxValueBytes(8).build();
    cache.putAll(Map.of("exact", "12345678", "over", "123456789"), HOUR);
    assertThat(cache.getAll(List.of("exact", "over"))).containsOnly(Map.entry("exact", "12345678"));
    assertThat(cache.rejectedCount()).isEqualTo(1);
  }

  @Test
  void upToTheBoundOwedKeysAreRememberedOneByOneAndBeyondItTheWholeNamespace() {
    RedisCache<String, String> cache = cache();
    cache.put("other", "kept", HOUR);
    Map<String, String> batch = new LinkedHashMap<>();
    for (int i = 0; i < RedisCache.MAX_PENDING_INVALIDATIONS; i++) {
      batch.put("b" + i, "v");
    }
    breaker.transitionToForcedOpenState();
    cache.putAll(batch, HOUR);
    breaker.transitionToClosedState();
    assertThat(cache.get("other")).as("exactly the bound: key by key, so other keys are read").isEqualTo("kept");

    batch.put("one-more", "v");
    breaker.transitionToForcedOpenState();
    cache.putAll(batch, HOUR);
    breaker.transitionToClosedState();
    assertThat(cache.get("other")).as("beyond the bound: the whole namespace is owed").isNull();
    awaitGone("other");
  }

  @Test
  void aKeyOfAnotherTypeIsAFailedReadCountedAsAnErrorAndTheBreakerCountsSuccessesToo() {
    ResiliencePolicy halfAndHalf = ResiliencePolicy.builder("half").withCircuitBreaker().failureRateThreshold(60)
        .slidingWindowSize(2).minimumNumberOfCalls(2).waitDurationInOpenState(HOUR).build();
    RedisCache<String, String> cache = RedisCache.<String, String>builder(connection, Codecs.utf8())
        .keyPrefix(keyPrefix).timeout(Duration.ofSeconds(10)).resiliencePolicy(halfAndHalf).build();
    connection.sync().rpush(keyPrefix + "{list}", new byte[] {1});
    cache.put("k", "v", HOUR);

    assertThat(cache.get("list")).as("WRONGTYPE: a miss").isNull();
    assertThat(cache.get("k")).isEqualTo("v");
    assertThat(cache.getHit("list")).isNull();
    assertThat(cache.errorCount()).isEqualTo(2);
    assertThat(halfAndHalf.circuitBreakerState()).as("one failure in the last two calls: below 60%")
        .isEqualTo(CircuitBreaker.State.CLOSED);
    assertThat(cache.get("list")).isNull();
    assertThat(halfAndHalf.circuitBreakerState()).isEqualTo(CircuitBreaker.State.OPEN);
  }

  @Test
  void theHealthCheckIsUpWhenRedisAnswersAndDegradedWhenTheBreakerIsOpenOrRedisIsGone() {
    RedisCache<String, String> cache = cache();
    Health up = cache.healthCheck().check();
    assertThat(cache.healthCheck().name()).isEqualTo("cache-redis-owed");
    assertThat(up.status()).isEqualTo(HealthStatus.UP);
    assertThat(up.details()).containsEntry("ping", "PONG").containsEntry("breaker", "CLOSED")
        .containsKey("latencyMicros");
    assertThat((Long) up.details().get("latencyMicros")).isBetween(0L, 10_000_000L);

    breaker.transitionToForcedOpenState();
    Health open = cache.healthCheck().check();
    assertThat(open.status()).isEqualTo(HealthStatus.DEGRADED);
    assertThat(open.details()).containsEntry("reason", "Redis answers but the circuit breaker is FORCED_OPEN")
        .containsEntry("breaker", "FORCED_OPEN");

    StatefulRedisConnection<String, byte[]> doomed = RedisSupport.connect(client);
    RedisCache<String, String> gone = RedisCache.<String, String>builder(doomed, Codecs.utf8()).name("gone")
        .keyPrefix(keyPrefix).build();
    doomed.close();
    Health down = gone.healthCheck().check();
    assertThat(down.status()).isEqualTo(HealthStatus.DEGRADED);
    assertThat(String.valueOf(down.details().get("reason"))).startsWith("Redis unreachable (")
        .endsWith("); reads go to the loader");
    assertThat(down.details()).containsEntry("breaker", "CLOSED");
  }

  @Test
  void aCacheAsideReportsTheHealthOfItsRemoteOrTieredBackend() {
    CacheAside<String, String> remote = CacheAside.builder(Caches.<String, String>redis(connection, Codecs.utf8())
        .name("facade").keyPrefix(keyPrefix)).build();
    assertThat(remote.healthCheck().name()).isEqualTo("cache-redis-facade");
    assertThat(remote.healthCheck().check().details()).containsEntry("ping", "PONG");

    StatefulRedisPubSubConnection<String, byte[]> pubSub = RedisConnections.connectPubSub(client);
    closeables.add(pubSub);
    CacheAside<String, String> tiered = CacheAside.builder(Caches.tiered(Caches.<String, String>inMemory(),
        Caches.<String, String>redis(connection, Codecs.utf8()).name("near").keyPrefix(keyPrefix + "near:")
            .resiliencePolicy(policy).invalidationChannel(pubSub))).build();
    closeables.add(tiered);
    assertThat(tiered.healthCheck().name()).isEqualTo("cache-redis-near");
    assertThat(tiered.healthCheck().check().status()).isEqualTo(HealthStatus.UP);
    breaker.transitionToForcedOpenState();
    assertThat(tiered.healthCheck().check().status()).isEqualTo(HealthStatus.DEGRADED);
  }

  /** A listener that records what it hears as text: the origin and the key, or "*" for all. */
  private static final class Heard implements RemoteCache.InvalidationListener<String> {
    final List<String> messages = new CopyOnWriteArrayList<>();

    @Override
    public void invalidated(String origin, @Nullable String key) {
      messages.add(origin + ":" + (key == null ? "*" : key));
    }

    @Override
    public void resubscribed() {
      messages.add("resubscribed");
    }
  }

  private RedisCache<String, String> cacheWithChannel() {
    StatefulRedisPubSubConnection<String, byte[]> pubSub = RedisConnections.connectPubSub(client);
    closeables.add(pubSub);
    return RedisCache.<String, String>builder(connection, Codecs.utf8()).name("owed").keyPrefix(keyPrefix)
        .timeout(Duration.ofSeconds(10)).resiliencePolicy(policy).invalidationChannel(pubSub).build();
  }

  @Test
  void messagesTheOpenBreakerRefusedAreSentOnceItClosesAfterTheOwedDeletions() {
    RedisCache<String, String> cache = cacheWithChannel();
    Heard heard = new Heard();
    closeables.add(cache.subscribeInvalidations(heard));
    cache.publishInvalidation("me", "first");
    await().atMost(Duration.ofSeconds(5)).until(() -> heard.messages.size() == 1);

    breaker.transitionToForcedOpenState();
    cache.publishInvalidation("me", "k");
    cache.publishInvalidations("me", List.of("a", "b"));
    cache.publishInvalidation("me", null);
    cache.publishInvalidations("me", List.of());
    assertThat(heard.messages).containsExactly("me:first");
    breaker.transitionToClosedState();

    assertThat(cache.get("unrelated")).isNull(); // an operation: the replay follows it
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(heard.messages)
        .containsExactlyInAnyOrder("me:first", "me:k", "me:a", "me:b", "me:*"));
    assertThat(heard.messages).doesNotContain("resubscribed");
  }

  @Test
  void beyondTheBoundOwedMessagesBecomeOneMessageForEveryEntryPerOrigin() {
    RedisCache<String, String> cache = cacheWithChannel();
    Heard heard = new Heard();
    closeables.add(cache.subscribeInvalidations(heard));
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < RedisCache.MAX_PENDING_INVALIDATIONS; i++) {
      keys.add("k" + i);
    }
    breaker.transitionToForcedOpenState();
    cache.publishInvalidation("other", "x");
    cache.publishInvalidations("me", keys);
    breaker.transitionToClosedState();
    cache.get("unrelated");
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(heard.messages).containsExactlyInAnyOrder("other:*", "me:*"));
  }

  @Test
  void messagesAreOriginBarKeyOnTheNamespacesChannelAndMalformedOnesAreIgnored() {
    List<StatefulRedisPubSubConnection<String, byte[]>> pubSubs = new CopyOnWriteArrayList<>();
    RedisCache<Long, String> cache = RedisCache.<Long, String>builder(connection, Codecs.utf8())
        .keyPrefix(keyPrefix).keyCodec(KeyCodec.longs()).invalidationChannel(() -> {
          StatefulRedisPubSubConnection<String, byte[]> pubSub = RedisConnections.connectPubSub(client);
          closeables.add(pubSub);
          pubSubs.add(pubSub);
          return pubSub;
        }).build();
    List<String> heard = new CopyOnWriteArrayList<>();
    RemoteCache.Subscription subscription = cache.subscribeInvalidations(new RemoteCache.InvalidationListener<>() {
      @Override
      public void invalidated(String origin, @Nullable Long key) {
        if (key != null && key == 13L) {
          throw new IllegalStateException("a listener that fails");
        }
        heard.add(origin + ":" + key);
      }

      @Override
      public void resubscribed() {
        heard.add("resubscribed");
      }
    });
    // The same connection on another channel: its subscription and messages are not this cache's.
    String elsewhere = keyPrefix + "elsewhere";
    pubSubs.get(0).sync().subscribe(elsewhere);
    connection.sync().publish(elsewhere, "o|K1".getBytes(StandardCharsets.UTF_8));
    String channel = keyPrefix + "invalidations";
    for (String raw : List.of("no-bar", "origin|", "x|K13", "|K5", "o|K42", "o|A")) {
      connection.sync().publish(channel, raw.getBytes(StandardCharsets.UTF_8));
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> heard.size() >= 3);
    assertThat(heard).containsExactly(":5", "o:42", "o:null");

    // Closed: the listener hears nothing more, while a second subscription hears the message.
    subscription.close();
    List<String> second = new CopyOnWriteArrayList<>();
    closeables.add(cache.subscribeInvalidations(new RemoteCache.InvalidationListener<>() {
      @Override
      public void invalidated(String origin, @Nullable Long key) {
        second.add(origin + ":" + key);
      }

      @Override
      public void resubscribed() {
        second.add("resubscribed");
      }
    }));
    cache.publishInvalidation("late", 7L);
    await().atMost(Duration.ofSeconds(5)).until(() -> second.contains("late:7"));
    assertThat(heard).hasSize(3);
    assertThatThrownBy(() -> cache.publishInvalidation("a|b", 1L)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("origin must not contain '|' but was 'a|b'");
    assertThatThrownBy(() -> cache.publishInvalidations("a|b", List.of(1L)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aChannelThatCannotBeSubscribedNowThrowsLettucesExceptionNotAConfigurationError() {
    RedisCache<String, String> cache = RedisCache.<String, String>builder(connection, Codecs.utf8())
        .name("nothing").keyPrefix(keyPrefix).invalidationChannel(() -> null).build();
    assertThatThrownBy(() -> cache.subscribeInvalidations(new Heard()))
        .isInstanceOf(io.lettuce.core.RedisException.class)
        .hasMessage("Redis cache 'nothing': the invalidation channel's connection supplier returned null");

    StatefulRedisPubSubConnection<String, byte[]> closed = RedisConnections.connectPubSub(client);
    closed.close();
    RedisCache<String, String> unreachable = RedisCache.<String, String>builder(connection, Codecs.utf8())
        .keyPrefix(keyPrefix).invalidationChannel(closed).build();
    assertThatThrownBy(() -> unreachable.subscribeInvalidations(new Heard()))
        .isInstanceOf(io.lettuce.core.RedisException.class)
        .hasMessageStartingWith("cannot subscribe to " + keyPrefix + "invalidations: ");
    assertThatThrownBy(() -> unreachable.subscribeInvalidations(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("listener");
  }

  @Test
  void everyBuilderSettingGivenTwiceIsRefusedNamingIt() {
    StatefulRedisPubSubConnection<String, byte[]> pubSub = RedisConnections.connectPubSub(client);
    closeables.add(pubSub);
    Map<String, UnaryOperator<RedisCache.Builder<String, String>>> settings = new LinkedHashMap<>();
    settings.put("name", b -> b.name("a"));
    settings.put("keyCodec", b -> b.keyCodec(KeyCodec.strings()));
    settings.put("keyPrefix", b -> b.keyPrefix(keyPrefix));
    settings.put("timeout", b -> b.timeout(Duration.ofSeconds(1)));
    settings.put("maxValueBytes", b -> b.maxValueBytes(10));
    settings.put("timeSource", b -> b.timeSource(new ManualTimeSource()));
    settings.put("resiliencePolicy", b -> b.resiliencePolicy(policy));
    settings.put("invalidationChannel", b -> b.invalidationChannel(pubSub));
    settings.put("meterRegistry", b -> b.meterRegistry(new SimpleMeterRegistry()));
    settings.forEach((name, setting) -> {
      RedisCache.Builder<String, String> fresh = RedisCache.builder(connection, Codecs.utf8());
      assertThat(setting.apply(fresh)).isSameAs(fresh);
      assertThatThrownBy(() -> setting.apply(fresh)).as(name).isInstanceOf(IllegalStateException.class)
          .hasMessageStartingWith(name + " was already set to ");
    });
    assertThatThrownBy(() -> RedisCache.builder(connection, Codecs.utf8()).invalidationChannel(pubSub)
        .invalidationChannel(() -> pubSub)).isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("invalidationChannel was already set to ");
    assertThatThrownBy(() -> RedisCache.builder(connection, Codecs.utf8())
        .resiliencePolicy(ResiliencePolicy.builder("no-breaker").withRetry().build()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("policy must have a circuit breaker");
    assertThatThrownBy(() -> RedisCache.builder(connection, Codecs.utf8()).keyPrefix("a{b}"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(RedisCache.builder(connection, Codecs.utf8()).name("named").build().keyPrefix())
        .as("the default namespace").isEqualTo("layerkit:cache:named:");
  }
}
