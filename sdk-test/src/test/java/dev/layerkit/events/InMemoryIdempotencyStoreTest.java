package dev.layerkit.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.core.time.ManualTimeSource;
import dev.layerkit.test.events.IdempotencyStoreContract;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The {@link IdempotencyStoreContract} on the in-memory store, whose TTLs run on a manual clock. */
class InMemoryIdempotencyStoreTest extends IdempotencyStoreContract {

  private final ManualTimeSource time = new ManualTimeSource();

  @Override
  protected IdempotencyStore newStore() {
    return IdempotencyStore.inMemory(time);
  }

  @Override
  protected void passTime(Duration duration) {
    time.advance(duration);
  }

  @Test
  void expiredClaimsAreSweptSoMemoryIsBoundedByOneTtlOfClaims() {
    InMemoryIdempotencyStore store = new InMemoryIdempotencyStore(time);
    for (int i = 0; i < InMemoryIdempotencyStore.SWEEP_EVERY - 1; i++) {
      store.tryClaim("old-" + i, Duration.ofSeconds(1));
    }
    time.advance(Duration.ofSeconds(2));
    store.tryClaim("new", Duration.ofSeconds(1));
    assertThat(store.size()).isEqualTo(1);
  }
}
