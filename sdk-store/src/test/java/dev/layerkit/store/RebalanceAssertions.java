package dev.layerkit.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.core.hash.Hashing;
import dev.layerkit.core.hash.JumpHash;
import dev.layerkit.store.sharding.RebalanceProgress;
import dev.layerkit.store.sharding.ShardedRepository;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/** What the rebalance tests of every backend do and check alike. */
public final class RebalanceAssertions {

  private RebalanceAssertions() {}

  /**
   * Asserts that the shards hold {@code records} orders in all, each once, each on the shard jump
   * hash gives its id for this many shards.
   *
   * @param shards the shards after the rebalance, in order
   * @param records how many orders there must be
   */
  public static void assertEachStoredOnceWhereItBelongs(List<? extends Repository<String, TestOrder>> shards, int records) {
    Map<String, Integer> where = new HashMap<>();
    for (int s = 0; s < shards.size(); s++) {
      try (Stream<TestOrder> all = shards.get(s).scan()) {
        int shard = s;
        all.forEach(o -> assertThat(where.put(o.id(), shard)).as("%s stored twice", o.id()).isNull());
      }
    }
    assertThat(where).hasSize(records);
    where.forEach((id, shard) -> assertThat(shard).as(id).isEqualTo(JumpHash.bucket(Hashing.hash(id), shards.size())));
  }

  /**
   * Starts a rebalance of {@code sharded} onto {@code target} and stops it as a killed process
   * would, from its progress callback, once it has moved {@code killAfter} records or more.
   *
   * @return how many records it had moved when it was stopped
   */
  public static long rebalanceKilledAfter(ShardedRepository<String, TestOrder> sharded,
      List<? extends Repository<String, TestOrder>> target, long killAfter) {
    AtomicLong movedWhenKilled = new AtomicLong();
    assertThatThrownBy(() -> sharded.rebalance(target, (moved, examined, total) -> {
      if (moved >= killAfter) {
        movedWhenKilled.set(moved);
        throw new IllegalStateException("killed");
      }
    })).hasMessage("killed");
    return movedWhenKilled.get();
  }

  /**
   * Checks that a repository restarted with {@code rebalancingTo(target)} after
   * {@link #rebalanceKilledAfter} answers whole during the move (orders numbered {@code o-i} with
   * customer {@code c-(i % 40)}), finishes it with a fifth of the records moved from 4 shards to
   * 5, and leaves every record once where it belongs.
   *
   * @return how many records moved in all
   */
  public static long assertResumesToTheEnd(ShardedRepository<String, TestOrder> restarted,
      List<? extends Repository<String, TestOrder>> target, int records, long movedWhenKilled) {
    assertThat(restarted.count(Filter.all())).isEqualTo(records);
    assertThat(restarted.findAll(Filter.eq("customerId", "c-3"))).hasSize(records / 40);
    long moved = movedWhenKilled + restarted.rebalance(target, RebalanceProgress.none()).moved();
    // 1/5 of 4,000 expected; binomial standard deviation about 25.
    assertThat(moved).isBetween(650L, 950L);
    assertEachStoredOnceWhereItBelongs(target, records);
    for (int i = 0; i < records; i += 37) {
      assertThat(restarted.findById("o-" + i)).isPresent();
    }
    return moved;
  }
}
