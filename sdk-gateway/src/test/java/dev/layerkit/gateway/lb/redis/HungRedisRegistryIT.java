package dev.layerkit.gateway.lb.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.layerkit.core.internal.DaemonSchedulers;
import dev.layerkit.gateway.lb.Endpoint;
import dev.layerkit.gateway.lb.EndpointSource;
import dev.layerkit.test.servers.PausableRedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisException;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAccumulator;
import org.junit.jupiter.api.Test;

/**
 * The registry on a Redis that hangs ({@code SIGSTOP} on a {@link PausableRedis}): heartbeats and
 * re-reads on a scheduler of two threads, three registered instances, a watcher.
 *
 * <p>Command timeout 500 ms, heartbeats every second, re-reads every 300 ms, on two threads.
 *
 * <p>Asserted: a call on the caller's thread fails with a timeout within the command timeout (not
 * Lettuce's default minute); the watcher keeps its last known endpoints; the scheduler's threads
 * are never held longer than one command timeout, so other tasks on it still run (measured by a
 * probe task every 50 ms); failures are counted; once Redis continues, registering works again,
 * the registrations are still there and the watcher sees a join.
 */
class HungRedisRegistryIT {

  private static final Duration COMMAND_TIMEOUT = Duration.ofMillis(500);
  /** Room for a loaded CI machine above one command timeout. */
  private static final Duration SLACK = Duration.ofSeconds(2);

  @Test
  void aHungRedisCostsEachCallAtMostTheCommandTimeoutAndTheWatcherKeepsItsEndpoints() throws Exception {
    ScheduledThreadPoolExecutor scheduler = DaemonSchedulers.create("hung-registry", 2);
    try (PausableRedis redis = PausableRedis.start()) {
      RedisClient client = RedisClient.create(redis.uri());
      SimpleMeterRegistry meters = new SimpleMeterRegistry();
      try (RedisServiceRegistry registry = RedisServiceRegistry.builder(client).keyPrefix("hung:")
               .ttl(Duration.ofSeconds(30)).heartbeatInterval(Duration.ofSeconds(1))
               .refreshInterval(Duration.ofMillis(300)).commandTimeout(COMMAND_TIMEOUT)
               .scheduler(scheduler).meterRegistry(meters).build();
           RedisServiceRegistry gateway = RedisServiceRegistry.builder(client).keyPrefix("hung:")
               .refreshInterval(Duration.ofMillis(300)).commandTimeout(COMMAND_TIMEOUT)
               .scheduler(scheduler).build()) {
        // Set-up, not under test: retried, since a loaded machine may take longer than the timeout.
        for (int i = 1; i <= 3; i++) {
          Endpoint endpoint = Endpoint.of("10.0.0." + i, 8080);
          await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
            registry.register("orders", endpoint);
            return true;
          });
        }
        AtomicReference<EndpointSource> watched = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
          watched.set(gateway.watch("orders"));
          return true;
        });
        EndpointSource orders = watched.get();
        await().atMost(Duration.ofSeconds(30)).until(() -> orders.endpoints().size() == 3);

        redis.pause();

        long before = System.nanoTime();
        assertThatThrownBy(() -> registry.register("orders", Endpoint.of("10.0.0.9", 8080)))
            .isInstanceOf(RedisCommandTimeoutException.class);
        Duration registerTook = Duration.ofNanos(System.nanoTime() - before);

        // While heartbeats and re-reads time out on the scheduler, a probe task on it still runs.
        LongAccumulator probeDelayNanos = new LongAccumulator(Math::max, 0);
        long hangEnds = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        int probes = 0;
        while (System.nanoTime() < hangEnds) {
          long submitted = System.nanoTime();
          scheduler.submit(() -> probeDelayNanos.accumulate(System.nanoTime() - submitted))
              .get(30, TimeUnit.SECONDS);
          probes++;
          assertThat(orders.endpoints()).as("the last known endpoints").hasSize(3);
          Thread.sleep(50); // spacing the probes over the hang, not waiting for time-based logic
        }
        long errors = registry.errorCount() + gateway.errorCount();
        System.out.printf("[hung-redis] registry: register failed after %d ms (timeout %d ms); %d probes on the"
                + " scheduler, slowest started after %d ms; %d failed calls counted%n",
            registerTook.toMillis(), COMMAND_TIMEOUT.toMillis(), probes, probeDelayNanos.get() / 1_000_000, errors);
        assertThat(registerTook).as("register on a hung Redis").isLessThan(COMMAND_TIMEOUT.plus(SLACK));
        assertThat(Duration.ofNanos(probeDelayNanos.get())).as("a scheduler thread is free within one timeout")
            .isLessThan(COMMAND_TIMEOUT.plus(SLACK));
        assertThat(errors).as("heartbeats and re-reads timed out and were counted").isGreaterThanOrEqualTo(3);
        assertThat(meters.get("layerkit.lb.registry.errors").tag("operation", "heartbeat").functionCounter().count())
            .isPositive();

        redis.resume();

        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
            .until(() -> {
              registry.register("orders", Endpoint.of("10.0.0.4", 8080));
              return true;
            });
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
            .untilAsserted(() -> assertThat(orders.endpoints()).extracting(Endpoint::host)
                .containsExactlyInAnyOrder("10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"));
        List<Endpoint> stored = registry.instances("orders");
        assertThat(stored).as("the registrations outlived the hang").hasSize(4);
      } finally {
        client.shutdown();
      }
    } finally {
      scheduler.shutdownNow();
    }
  }

  /**
   * The command timeout a caller sees in the failure: by default half a short heartbeat (TTL 3 s,
   * so a heartbeat every second and 500 ms per call), a set one whole even when it is longer than
   * that half; each kind of failed call is counted once under its own operation. (Set-up is
   * retried and counts are compared with those before the pause: on a loaded machine a set-up call
   * may time out too.)
   */
  @Test
  void theDefaultCommandTimeoutIsHalfAShortHeartbeatAndEachFailedCallIsCountedUnderItsOperation()
      throws Exception {
    try (PausableRedis redis = PausableRedis.start()) {
      RedisClient client = RedisClient.create(redis.uri());
      SimpleMeterRegistry meters = new SimpleMeterRegistry();
      try (RedisServiceRegistry byDefault = RedisServiceRegistry.builder(client).keyPrefix("hung-default:")
               .ttl(Duration.ofSeconds(3)).build();
           RedisServiceRegistry set = RedisServiceRegistry.builder(client).keyPrefix("hung-set:")
               .ttl(Duration.ofSeconds(60)).heartbeatInterval(Duration.ofSeconds(50))
               .commandTimeout(Duration.ofMillis(800)).meterRegistry(meters).build()) {
        AtomicReference<RedisServiceRegistry.Registration> registered = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
          registered.set(set.register("orders", Endpoint.of("10.0.0.1", 8080)));
          return true;
        });
        List<String> operations = List.of("read", "heartbeat", "deregister");
        double[] before = new double[operations.size()];
        for (int i = 0; i < before.length; i++) {
          before[i] = errors(meters, operations.get(i));
        }
        long setErrorsBefore = set.errorCount();
        long defaultErrorsBefore = byDefault.errorCount();

        redis.pause();

        assertThatThrownBy(() -> byDefault.instances("orders")).isInstanceOf(RedisCommandTimeoutException.class)
            .hasMessage("Redis did not answer within 500 ms");
        assertThat(byDefault.errorCount() - defaultErrorsBefore).isEqualTo(1);
        // A caller interrupted while it waits gets an error at once, its interrupt flag kept.
        Thread.currentThread().interrupt();
        assertThatThrownBy(() -> byDefault.instances("orders")).isInstanceOf(RedisException.class)
            .hasMessage("interrupted while waiting for Redis");
        assertThat(Thread.interrupted()).as("the interrupt flag is restored").isTrue();
        assertThat(byDefault.errorCount() - defaultErrorsBefore).isEqualTo(2);
        assertThatThrownBy(() -> set.instances("orders")).isInstanceOf(RedisCommandTimeoutException.class)
            .hasMessage("Redis did not answer within 800 ms");
        assertThatThrownBy(() -> set.register("orders", Endpoint.of("10.0.0.2", 8080)))
            .isInstanceOf(RedisCommandTimeoutException.class);
        registered.get().close(); // logged, not thrown: the entry would expire after the TTL
        for (int i = 0; i < before.length; i++) {
          assertThat(errors(meters, operations.get(i)) - before[i]).as(operations.get(i)).isEqualTo(1);
        }
        assertThat(set.errorCount() - setErrorsBefore).isEqualTo(3);

        redis.resume();
      } finally {
        client.shutdown();
      }
    }
  }

  /**
   * A watch whose subscription times out leaves nothing behind: once Redis continues, the service's
   * channel has no subscriber from it, while a later watch on the same connection works.
   */
  @Test
  void aWatchThatFailsOnAHungRedisLeavesNoSubscriptionBehind() throws Exception {
    try (PausableRedis redis = PausableRedis.start()) {
      RedisClient client = RedisClient.create(redis.uri());
      try (RedisServiceRegistry registry = RedisServiceRegistry.builder(client).keyPrefix("hung-watch:")
               .refreshInterval(Duration.ofHours(1)).commandTimeout(Duration.ofMillis(500)).build();
           StatefulRedisConnection<String, String> inspect = client.connect()) {
        // Opens the pub/sub connection while Redis answers (set-up, retried on a loaded machine).
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
          registry.watch("warm-up");
          return true;
        });
        String channel = registry.keysOf("orders").get(2);

        redis.pause();
        assertThatThrownBy(() -> registry.watch("orders")).isInstanceOf(RedisCommandTimeoutException.class);
        redis.resume();

        // The same pub/sub connection, so its earlier SUBSCRIBE and UNSUBSCRIBE have run by then.
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
          registry.watch("other");
          return true;
        });
        assertThat(inspect.sync().pubsubNumsub(channel).get(channel)).isZero();
        assertThat(inspect.sync().pubsubNumsub(registry.keysOf("other").get(2)).values()).containsExactly(1L);
      } finally {
        client.shutdown();
      }
    }
  }

  private static double errors(SimpleMeterRegistry meters, String operation) {
    return meters.get("layerkit.lb.registry.errors").tag("operation", operation).functionCounter().count();
  }

  @Test
  void aCommandTimeoutNotShorterThanTheHeartbeatIsRefused() {
    RedisClient client = RedisClient.create("redis://127.0.0.1:1");
    try {
      assertThatThrownBy(() -> RedisServiceRegistry.builder(client).heartbeatInterval(Duration.ofSeconds(1))
              .commandTimeout(Duration.ofSeconds(1)).build())
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("commandTimeout must be < heartbeatInterval PT1S but was PT1S");
      assertThatThrownBy(() -> RedisServiceRegistry.builder(client).commandTimeout(Duration.ZERO))
          .isInstanceOf(IllegalArgumentException.class).hasMessage("commandTimeout must be > 0 but was PT0S");
    } finally {
      client.shutdown();
    }
  }
}
