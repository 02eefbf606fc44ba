package dev.layerkit.gateway.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.core.redis.RedisConnections;
import dev.layerkit.gateway.ratelimit.Limit;
import dev.layerkit.gateway.ratelimit.RateLimitDecision;
import dev.layerkit.gateway.ratelimit.RateLimitPolicy;
import dev.layerkit.test.servers.PausableRedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.event.command.CommandListener;
import io.lettuce.core.event.command.CommandStartedEvent;
import io.lettuce.core.protocol.CommandType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * How a key's calls follow one another: when a call's reply arrives on an event loop (Lettuce's
 * here), the answered decisions complete first, and the call of the decisions that waited goes out
 * at the end of that loop's turn, with every decision the same turn made for the key: requests
 * that arrive with a reply join the next call instead of waiting for the one after. On a Redis of
 * this test ({@link PausableRedis}), held still while the decisions queue, and Lettuce's command
 * events, which count each command as the limiter hands it to the connection.
 */
class RedisRateLimiterNextCallIT {

  @Test
  void theNextCallOfAKeyGoesAtTheEndOfTheReplysTurnWithTheDecisionsThatTurnMade() throws Exception {
    try (PausableRedis redis = PausableRedis.start()) {
      RedisClient client = RedisClient.create(redis.uri());
      AtomicInteger evalshaSent = new AtomicInteger();
      client.addListener(new CommandListener() {
        @Override
        public void commandStarted(CommandStartedEvent event) {
          if (event.getCommand().getType() == CommandType.EVALSHA) {
            evalshaSent.incrementAndGet();
          }
        }
      });
      try (StatefulRedisConnection<String, byte[]> connection = RedisConnections.connect(client)) {
        RedisRateLimiter limiter = RedisRateLimiter.builder(
                RateLimitPolicy.of(Limit.interval(100, 100, Duration.ofHours(1))), connection)
            .name("next-call").timeout(Duration.ofSeconds(30)).build();
        redis.pause();
        CompletableFuture<RateLimitDecision> first = limiter.tryAcquireAsync("hot").toCompletableFuture();
        List<CompletableFuture<RateLimitDecision>> waiting = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
          waiting.add(limiter.tryAcquireAsync("hot").toCompletableFuture());
        }
        assertThat(evalshaSent).as("the first decision's call alone; the others wait for it").hasValue(1);
        // Runs as the first decision completes, on the event loop that read the reply: a request
        // that arrived in the same turn.
        AtomicInteger sentWhenFirstCompleted = new AtomicInteger(-1);
        CompletableFuture<CompletableFuture<RateLimitDecision>> madeInTheTurn = first.thenApply(decision -> {
          sentWhenFirstCompleted.set(evalshaSent.get());
          return limiter.tryAcquireAsync("hot").toCompletableFuture();
        });
        redis.resume();

        waiting.add(madeInTheTurn.get(30, TimeUnit.SECONDS));
        assertThat(sentWhenFirstCompleted)
            .as("the first call's decisions complete before the next call goes out").hasValue(1);
        assertThat(first.get(30, TimeUnit.SECONDS).remaining()).isEqualTo(99);
        for (int i = 0; i < waiting.size(); i++) {
          RateLimitDecision decision = waiting.get(i).get(30, TimeUnit.SECONDS);
          assertThat(decision.allowed()).isTrue();
          assertThat(decision.remaining()).as("in arrival order").isEqualTo(98 - i);
        }
        assertThat(evalshaSent)
            .as("the five that waited and the one made in the reply's turn went in one call").hasValue(2);
      } finally {
        client.shutdown();
      }
    }
  }
}
