package dev.layerkit.test.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.layerkit.events.Event;
import dev.layerkit.events.EventHandler;
import dev.layerkit.events.IdempotencyStore;
import dev.layerkit.test.Concurrently;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link IdempotencyStore} must have. A store whose TTLs run on a server's
 * clock overrides {@link #passTime(Duration)} to do nothing; the expiry test then waits, bounded,
 * for the server.
 *
 * <p>Third-party stores run the same suite: add {@code dev.layerkit:layerkit-test} (test scope)
 * and extend this class.
 */
public abstract class IdempotencyStoreContract {

  /**
   * Returns a new, empty store.
   *
   * @return the store
   */
  protected abstract IdempotencyStore newStore();

  /**
   * Lets {@code duration} pass for the store's TTLs.
   *
   * @param duration how much time passes
   */
  protected abstract void passTime(Duration duration);

  private static String id() {
    return UUID.randomUUID().toString();
  }

  @Test
  void theFirstClaimOfAnIdWinsAndLaterOnesLose() {
    IdempotencyStore store = newStore();
    String id = id();
    assertThat(store.tryClaim(id, Duration.ofHours(1))).isTrue();
    assertThat(store.tryClaim(id, Duration.ofHours(1))).isFalse();
    assertThat(store.tryClaim(id(), Duration.ofHours(1))).as("another id").isTrue();
  }

  @Test
  void aReleasedClaimCanBeMadeAgain() {
    IdempotencyStore store = newStore();
    String id = id();
    store.tryClaim(id, Duration.ofHours(1));
    store.release(id);
    assertThat(store.tryClaim(id, Duration.ofHours(1))).isTrue();
  }

  @Test
  void aClaimExpiresAfterItsTtl() {
    IdempotencyStore store = newStore();
    String id = id();
    store.tryClaim(id, Duration.ofMillis(300));
    passTime(Duration.ofMillis(301));
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
        .until(() -> store.tryClaim(id, Duration.ofHours(1)));
  }

  @Test
  void ofManyConcurrentClaimsOfOneIdExactlyOneWins() throws Exception {
    IdempotencyStore store = newStore();
    int threads = 8;
    int ids = 200;
    List<String> all = new ArrayList<>();
    for (int i = 0; i < ids; i++) {
      all.add(id());
    }
    AtomicInteger wins = new AtomicInteger();
    Concurrently.run(threads, () -> {
      for (String id : all) {
        if (store.tryClaim(id, Duration.ofHours(1))) {
          wins.incrementAndGet();
        }
      }
    });
    assertThat(wins.get()).isEqualTo(ids);
  }

  @Test
  void anIdempotentHandlerRunsTheEffectOncePerEventAndAgainAfterAFailedEffect() throws Exception {
    IdempotencyStore store = newStore();
    AtomicInteger effects = new AtomicInteger();
    AtomicInteger failuresLeft = new AtomicInteger(1);
    EventHandler<String> handler = store.idempotent(event -> {
      if (failuresLeft.getAndDecrement() > 0) {
        throw new IllegalStateException("effect failed");
      }
      effects.incrementAndGet();
    }, Duration.ofHours(1));
    Event<String> event = new Event<>(id(), "t", "k", Instant.EPOCH, Map.of(), "v", 0, 0);

    assertThatThrownBy(() -> handler.handle(event)).hasMessage("effect failed");
    handler.handle(event);
    handler.handle(event);

    assertThat(effects.get()).isEqualTo(1);
    assertThatThrownBy(() -> store.idempotent(handler, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("ttl must be > 0 but was PT0S");
  }
}
