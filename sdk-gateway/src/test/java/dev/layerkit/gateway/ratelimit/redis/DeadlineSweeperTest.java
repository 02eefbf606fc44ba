package dev.layerkit.gateway.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The sweeper is a timer: these tests run on the real clock and wait on latches or for the
 * sweeper to go idle, never for a fixed time.
 */
class DeadlineSweeperTest {

  private static final Duration WAIT = Duration.ofSeconds(10);

  /**
   * A decision as the sweeper sees it: decided once, by its caller ({@link #finish}) or by its
   * timeout ({@link #expire}), whichever comes first, as a rate-limit decision is settled.
   */
  private static class Entry implements DeadlineSweeper.Pending {
    private static final int PENDING = 0;
    private static final int FINISHED = 1;
    private static final int EXPIRED = 2;
    private volatile long deadline;
    private final AtomicInteger outcome = new AtomicInteger(PENDING);
    /** Calls of {@link #expire}, won or not. */
    final AtomicInteger expiries = new AtomicInteger();
    volatile long expiredAt;
    final CountDownLatch expiry = new CountDownLatch(1);

    @Override
    public long deadline() {
      return deadline;
    }

    @Override
    public void deadline(long nanoTime) {
      deadline = nanoTime;
    }

    @Override
    public boolean isDone() {
      return outcome.get() != PENDING;
    }

    /** The caller decides; returns whether it came before the timeout. */
    boolean finish() {
      return outcome.compareAndSet(PENDING, FINISHED);
    }

    boolean expired() {
      return outcome.get() == EXPIRED;
    }

    @Override
    public void expire() {
      expiredAt = System.nanoTime();
      expiries.incrementAndGet();
      if (outcome.compareAndSet(PENDING, EXPIRED)) {
        expiry.countDown();
      }
    }
  }

  @Test
  void expiresAnEntryOnceItsDeadlineHasPassedAndNotBefore() throws InterruptedException {
    DeadlineSweeper<Entry> sweeper = new DeadlineSweeper<>(TimeUnit.MILLISECONDS.toNanos(30));
    Entry entry = new Entry();

    sweeper.arm(entry);

    assertThat(entry.expiry.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    assertThat(entry.expiredAt).isGreaterThanOrEqualTo(entry.deadline());
    assertThat(entry.expiries).hasValue(1);
    await().atMost(WAIT).until(sweeper::idle);
    assertThat(sweeper.queued()).isZero();
  }

  @Test
  void forgetsEntriesThatAreDoneBeforeTheirDeadlineWithoutExpiringThem() {
    // Done long before the deadline: the first sweep drops them, and the sweeper goes idle.
    DeadlineSweeper<Entry> sweeper = new DeadlineSweeper<>(TimeUnit.SECONDS.toNanos(30));
    List<Entry> entries = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      Entry entry = new Entry();
      sweeper.arm(entry);
      entry.finish();
      entries.add(entry);
    }

    await().atMost(WAIT).until(sweeper::idle);

    assertThat(sweeper.queued()).isZero();
    assertThat(entries).allSatisfy(entry -> assertThat(entry.expiries).hasValue(0));
  }

  @Test
  void schedulesNothingOnceEveryEntryIsSweptAndStartsAgainOnTheNext() throws InterruptedException {
    DeadlineSweeper<Entry> sweeper = new DeadlineSweeper<>(TimeUnit.MILLISECONDS.toNanos(5));
    assertThat(sweeper.idle()).isTrue();
    Entry first = new Entry();

    sweeper.arm(first);
    assertThat(sweeper.idle()).isFalse();
    assertThat(first.expiry.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    await().atMost(WAIT).until(sweeper::idle);

    Entry second = new Entry();
    sweeper.arm(second);
    assertThat(second.expiry.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    await().atMost(WAIT).until(sweeper::idle);
    assertThat(first.expiries).hasValue(1);
    assertThat(second.expiries).hasValue(1);
  }

  @Test
  void expiresOnlyThePendingEntriesBetweenDoneOnes() throws InterruptedException {
    DeadlineSweeper<Entry> sweeper = new DeadlineSweeper<>(TimeUnit.MILLISECONDS.toNanos(200));
    Entry done = new Entry();
    Entry pending = new Entry();
    Entry alsoDone = new Entry();
    sweeper.arm(done);
    sweeper.arm(pending);
    sweeper.arm(alsoDone);
    assertThat(done.finish()).isTrue();
    assertThat(alsoDone.finish()).isTrue();

    assertThat(pending.expiry.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    await().atMost(WAIT).until(sweeper::idle);

    assertThat(done.expiries).hasValue(0);
    assertThat(alsoDone.expiries).hasValue(0);
    assertThat(pending.expiries).hasValue(1);
  }

  @Test
  void anExpiryThatThrowsDoesNotStopTheNextOnes() throws InterruptedException {
    DeadlineSweeper<Entry> sweeper = new DeadlineSweeper<>(TimeUnit.MILLISECONDS.toNanos(5));
    Entry throwing = new Entry() {
      @Override
      public void expire() {
        super.expire();
        throw new IllegalStateException("expiry failed on purpose");
      }
    };
    Entry next = new Entry();
    sweeper.arm(throwing);
    sweeper.arm(next);

    assertThat(next.expiry.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    Entry later = new Entry();
    sweeper.arm(later);
    assertThat(later.expiry.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    await().atMost(WAIT).until(sweeper::idle);
    assertThat(throwing.expiries).hasValue(1);
  }

  @Test
  void underConcurrentArmingEveryPendingEntryExpiresExactlyOnceAndNoDoneOneDoes() throws Exception {
    DeadlineSweeper<Entry> sweeper = new DeadlineSweeper<>(TimeUnit.MILLISECONDS.toNanos(2));
    int threads = 4;
    int perThread = 20_000;
    List<List<Entry>> armed = new ArrayList<>();
    List<Thread> workers = new ArrayList<>();
    CountDownLatch start = new CountDownLatch(1);
    for (int t = 0; t < threads; t++) {
      List<Entry> mine = new ArrayList<>();
      armed.add(mine);
      workers.add(new Thread(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        for (int i = 0; i < perThread; i++) {
          Entry entry = new Entry();
          sweeper.arm(entry);
          if (ThreadLocalRandom.current().nextBoolean()) {
            entry.finish(); // may come after the timeout: then the expiry decided it
          }
          mine.add(entry);
        }
      }));
    }
    workers.forEach(Thread::start);
    start.countDown();
    for (Thread worker : workers) {
      worker.join(WAIT.toMillis());
      assertThat(worker.isAlive()).isFalse();
    }

    await().atMost(WAIT).until(sweeper::idle);

    assertThat(sweeper.queued()).isZero();
    int expired = 0;
    for (List<Entry> mine : armed) {
      assertThat(mine).hasSize(perThread);
      for (Entry entry : mine) {
        assertThat(entry.isDone()).isTrue();
        assertThat(entry.expiries).hasValueLessThanOrEqualTo(1);
        if (entry.expired()) {
          expired++;
          assertThat(entry.expiries).hasValue(1);
          assertThat(entry.expiredAt).isGreaterThanOrEqualTo(entry.deadline());
        }
      }
    }
    // About half were never finished by their caller: each of those expired.
    assertThat(expired).isGreaterThanOrEqualTo(threads * perThread / 4);
  }

  @Test
  void rejectsATimeoutThatIsNotPositive() {
    assertThatThrownBy(() -> new DeadlineSweeper<Entry>(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("timeoutNanos must be positive but was 0");
  }
}
