package dev.layerkit.benchmarks;

import dev.layerkit.benchmarks.state.KeyCursor;
import dev.layerkit.core.redis.RedisConnections;
import dev.layerkit.gateway.ratelimit.Limit;
import dev.layerkit.gateway.ratelimit.RateLimitPolicy;
import dev.layerkit.gateway.ratelimit.redis.RedisRateLimiter;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Distributed rate-limit decisions per second on one Redis: Layerkit's one-EVALSHA limiter beside
 * Bucket4j's Lettuce proxy manager (compare-and-swap), on one hot key and spread over 10,000
 * keys, with 8 threads so that the hot key is contended. Every decision is allowed (a burst of
 * 1,000 refilled at 10^6 a second), so every call writes.
 *
 * <p>Needs Redis at {@code -Dlayerkit.bench.redis=redis://host:port} (default
 * {@code redis://127.0.0.1:6379}); keys get a fresh prefix and expire by themselves. Run:
 * {@code java -jar benchmarks/target/benchmarks.jar RedisRateLimiterBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Threads(8)
@Fork(1)
public class RedisRateLimiterBenchmark {

  private static final long BURST = 1_000;
  private static final long PER_SECOND = 1_000_000;

  @Param({"1", "10000"})
  int keys;

  String[] keyNames;
  RedisClient client;
  StatefulRedisConnection<String, byte[]> layerkitConnection;
  StatefulRedisConnection<String, byte[]> bucket4jConnection;
  RedisRateLimiter layerkit;
  SimpleMeterRegistry layerkitMetrics;
  ProxyManager<String> bucket4j;
  Supplier<BucketConfiguration> bucket4jConfig;

  /** Connects both libraries, each on its own connection, with keys no earlier run used. */
  @Setup
  public void setUp() {
    String run = "bench:" + System.nanoTime() + ':';
    keyNames = new String[keys];
    for (int i = 0; i < keys; i++) {
      keyNames[i] = run + "user:" + i;
    }
    client = RedisClient.create(System.getProperty("layerkit.bench.redis", "redis://127.0.0.1:6379"));
    layerkitConnection = RedisConnections.connect(client);
    bucket4jConnection = client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
    layerkitMetrics = new SimpleMeterRegistry();
    layerkit = RedisRateLimiter.builder(
            RateLimitPolicy.of(Limit.greedy(BURST, PER_SECOND, Duration.ofSeconds(1))), layerkitConnection)
        .name("bench").keyPrefix(run + "layerkit:")
        // Long enough that the fail mode never answers in place of Redis; checked in tearDown.
        .timeout(Duration.ofSeconds(5))
        .meterRegistry(layerkitMetrics)
        .build();
    bucket4j = Bucket4jLettuce.casBasedBuilder(bucket4jConnection)
        .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ofMinutes(1)))
        .build();
    BucketConfiguration config = BucketConfiguration.builder()
        .addLimit(limit -> limit.capacity(BURST).refillGreedy(PER_SECOND, Duration.ofSeconds(1)))
        .build();
    bucket4jConfig = () -> config;
  }

  /** Fails the run if any Layerkit decision came from the fail mode instead of Redis. */
  @TearDown
  public void tearDown() {
    double errors = layerkitMetrics.find("layerkit.ratelimit.errors").counters().stream()
        .mapToDouble(c -> c.count()).sum();
    layerkitConnection.close();
    bucket4jConnection.close();
    client.shutdown();
    if (errors > 0) {
      throw new IllegalStateException(errors + " Layerkit decisions failed open: the result is invalid");
    }
  }

  /** Anchor: Bucket4j's Lettuce compare-and-swap proxy, {@code tryConsume(1)}. */
  @Benchmark
  public boolean bucket4j(KeyCursor cursor) {
    return bucket4j.getProxy(cursor.next(keyNames), bucket4jConfig).tryConsume(1);
  }

  @Benchmark
  public boolean layerkit(KeyCursor cursor) {
    return layerkit.tryAcquire(cursor.next(keyNames)).allowed();
  }
}
