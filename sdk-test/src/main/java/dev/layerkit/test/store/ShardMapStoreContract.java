package dev.layerkit.test.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.store.sharding.ShardMap;
import dev.layerkit.store.sharding.ShardMapStore;
import dev.layerkit.store.sharding.StaleShardMapException;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link ShardMapStore} must guarantee (its class comment lists it): versions,
 * compare-and-set, the fence, and key locks that exclude each other across instances. A backend's
 * test extends this class; third-party stores do the same with {@code dev.layerkit:layerkit-test}
 * on their test class path.
 *
 * <p>The waits of 300 ms check that a call does <em>not</em> complete while it must wait: a store
 * that does not wait completes it in far less, whatever the machine, and one that does wait passes
 * however slow the machine is.
 */
public abstract class ShardMapStoreContract {

  private static final long BLOCKED_MILLIS = 300;

  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final String repository = "orders_" + UUID.randomUUID().toString().substring(0, 8);

  /**
   * Returns the store under test.
   *
   * @return the store
   */
  protected abstract ShardMapStore store();

  /**
   * Returns another store on the same shared state, as another process would have (the same
   * store for an in-memory one).
   *
   * @return the store
   */
  protected abstract ShardMapStore sameStateFromAnotherInstance();

  @AfterEach
  void stopThreads() {
    threads.shutdownNow();
  }

  private ShardMap initial() {
    return new ShardMap(repository, 1, List.of("s0", "s1"), null);
  }

  @Test
  void loadOrCreateStoresTheFirstMapAndReturnsTheStoredOneAfterwards() {
    assertThat(store().load(repository)).isEmpty();
    assertThat(store().loadOrCreate(initial())).isEqualTo(initial());
    ShardMap other = new ShardMap(repository, 1, List.of("x"), null);
    assertThat(sameStateFromAnotherInstance().loadOrCreate(other)).isEqualTo(initial());
    assertThat(sameStateFromAnotherInstance().load(repository)).contains(initial());
  }

  @Test
  void compareAndSetReplacesOnlyTheExpectedVersionWithItsSuccessor() {
    ShardMap v1 = store().loadOrCreate(initial());
    ShardMap v2 = v1.startingRebalanceTo(List.of("s0", "s1", "s2"));
    assertThat(store().compareAndSet(v1, v2)).isTrue();
    assertThat(sameStateFromAnotherInstance().compareAndSet(v1, v2)).as("from a stale version").isFalse();
    assertThat(sameStateFromAnotherInstance().load(repository)).contains(v2);
    assertThatThrownBy(() -> store().compareAndSet(v2, v2))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at version 3");
    ShardMap v3 = v2.completingRebalance();
    assertThat(sameStateFromAnotherInstance().compareAndSet(v2, v3)).isTrue();
    assertThat(store().load(repository)).contains(new ShardMap(repository, 3, List.of("s0", "s1", "s2"), null));
  }

  @Test
  void aFencedWriteRunsAtTheStoredVersionAndIsRefusedBeforeRunningAtAnother() {
    ShardMap v1 = store().loadOrCreate(initial());
    assertThat(store().fenced(repository, 1, List.of("k"), () -> "written")).isEqualTo("written");
    ShardMap v2 = v1.startingRebalanceTo(List.of("s0", "s1", "s2"));
    assertThat(sameStateFromAnotherInstance().compareAndSet(v1, v2)).isTrue();
    AtomicBoolean ran = new AtomicBoolean();
    assertThatThrownBy(() -> store().fenced(repository, 1, List.of(), () -> ran.getAndSet(true)))
        .isInstanceOfSatisfying(StaleShardMapException.class, e -> assertThat(e.current()).isEqualTo(v2))
        .hasMessageContaining("version 2, not 1");
    assertThat(ran).isFalse();
  }

  @Test
  void aFailingWriteReleasesTheFenceAndItsKeys() {
    ShardMap v1 = store().loadOrCreate(initial());
    assertThatThrownBy(() -> store().fenced(repository, 1, List.of("k"), () -> {
      throw new IllegalStateException("boom");
    })).hasMessage("boom");
    assertThat(sameStateFromAnotherInstance().withKeysLocked(repository, List.of("k"), () -> "free")).isEqualTo("free");
    assertThat(sameStateFromAnotherInstance().compareAndSet(v1, v1.startingRebalanceTo(List.of("s0")))).isTrue();
  }

  @Test
  void compareAndSetWaitsForTheFencedWritesInFlight() throws Exception {
    ShardMap v1 = store().loadOrCreate(initial());
    CountDownLatch inWrite = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Future<String> write = threads.submit(() -> store().fenced(repository, 1, List.of(), () -> {
      inWrite.countDown();
      await(release);
      return "written";
    }));
    assertThat(inWrite.await(10, TimeUnit.SECONDS)).isTrue();
    Future<Boolean> change = threads.submit(() ->
        sameStateFromAnotherInstance().compareAndSet(v1, v1.startingRebalanceTo(List.of("s0", "s1", "s2"))));

    assertThatThrownBy(() -> change.get(BLOCKED_MILLIS, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
    release.countDown();
    assertThat(write.get(10, TimeUnit.SECONDS)).isEqualTo("written");
    assertThat(change.get(10, TimeUnit.SECONDS)).isTrue();
    assertThatThrownBy(() -> store().fenced(repository, 1, List.of(), () -> "late"))
        .isInstanceOf(StaleShardMapException.class);
  }

  @Test
  void keyLocksExcludeEachOtherAcrossInstancesAndLeaveOtherKeysFree() throws Exception {
    store().loadOrCreate(initial());
    CountDownLatch moving = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Future<String> move = threads.submit(() -> store().withKeysLocked(repository, List.of("o-1", "o-2"), () -> {
      moving.countDown();
      await(release);
      return "moved";
    }));
    assertThat(moving.await(10, TimeUnit.SECONDS)).isTrue();
    Future<String> sameKey = threads.submit(() ->
        sameStateFromAnotherInstance().fenced(repository, 1, List.of("o-2"), () -> "written"));

    assertThat(sameStateFromAnotherInstance().fenced(repository, 1, List.of("o-3"), () -> "other"))
        .as("another key is not held").isEqualTo("other");
    assertThatThrownBy(() -> sameKey.get(BLOCKED_MILLIS, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
    release.countDown();
    assertThat(move.get(10, TimeUnit.SECONDS)).isEqualTo("moved");
    assertThat(sameKey.get(10, TimeUnit.SECONDS)).isEqualTo("written");
  }

  private static void await(CountDownLatch latch) {
    try {
      if (!latch.await(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("never released");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
