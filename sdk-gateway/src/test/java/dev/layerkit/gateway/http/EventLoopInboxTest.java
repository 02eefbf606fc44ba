package dev.layerkit.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.SingleThreadEventExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link EventLoopInbox} on a real single-threaded executor that counts the tasks it is given:
 * work finished on other threads comes back to the loop in one task per run, in posting order,
 * work posted on the loop runs at once, and nothing posted around a run is left behind.
 */
class EventLoopInboxTest {

  /** An event loop (Netty's DefaultEventExecutor, which is final) that counts inbox runs asked for. */
  private static final class CountingLoop extends SingleThreadEventExecutor {
    final AtomicInteger inboxRuns = new AtomicInteger();

    CountingLoop() {
      super(null, new DefaultThreadFactory("inbox-test-loop"), true);
    }

    @Override
    protected void run() {
      for (;;) {
        Runnable task = takeTask();
        if (task != null) {
          runTask(task);
          updateLastExecutionTime();
        }
        if (confirmShutdown()) {
          break;
        }
      }
    }

    @Override
    public void execute(Runnable task) {
      if (task instanceof EventLoopInbox) {
        inboxRuns.incrementAndGet();
      }
      super.execute(task);
    }
  }

  private final CountingLoop loop = new CountingLoop();
  private final EventLoopInbox inbox = new EventLoopInbox(loop);
  /** Written on the loop only; read after a task on the loop that follows the writes. */
  private final List<String> ran = new ArrayList<>();

  @AfterEach
  void stop() {
    loop.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).syncUninterruptibly();
  }

  /** Occupies the loop until the returned latch is counted down. */
  private CountDownLatch blockLoop() throws InterruptedException {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    loop.execute(() -> {
      started.countDown();
      awaitQuietly(release);
    });
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
    return release;
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      if (!latch.await(10, TimeUnit.SECONDS)) {
        throw new AssertionError("latch not released");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Waits until every task submitted so far has run on the loop. */
  private void drainLoop() throws Exception {
    loop.submit(() -> { }).get(10, TimeUnit.SECONDS);
  }

  private Runnable records(String name) {
    return () -> ran.add(name + (loop.inEventLoop() ? " on the loop" : " OFF the loop"));
  }

  @Test
  void aHundredPiecesPostedFromAnotherThreadWhileTheLoopIsBusyRunInOneTaskInPostingOrderOnTheLoop()
      throws Exception {
    CountDownLatch release = blockLoop();
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      inbox.post(records("piece " + i));
      expected.add("piece " + i + " on the loop");
    }
    release.countDown();
    drainLoop();

    assertThat(ran).containsExactlyElementsOf(expected);
    assertThat(loop.inboxRuns).as("tasks the loop was given for the hundred pieces").hasValue(1);
  }

  @Test
  void aPiecePostedOnTheLoopItselfRunsAtOnceWithoutATask() throws Exception {
    boolean ranBeforePostReturned = loop.submit(() -> {
      inbox.post(records("inline"));
      return ran.contains("inline on the loop");
    }).get(10, TimeUnit.SECONDS);

    assertThat(ranBeforePostReturned).isTrue();
    assertThat(loop.inboxRuns).hasValue(0);
  }

  @Test
  void aPiecePostedWhileARunIsUnderWayIsRunByTheNextRunNotLeftBehind() throws Exception {
    CountDownLatch inRun = new CountDownLatch(1);
    CountDownLatch releaseRun = new CountDownLatch(1);
    inbox.post(() -> {
      ran.add("first");
      inRun.countDown();
      awaitQuietly(releaseRun); // the run has taken its pieces; the next post must start another
    });
    assertThat(inRun.await(10, TimeUnit.SECONDS)).isTrue();
    inbox.post(records("second"));
    releaseRun.countDown();
    drainLoop();
    drainLoop(); // the second run was submitted behind the first

    assertThat(ran).containsExactly("first", "second on the loop");
    assertThat(loop.inboxRuns).hasValue(2);
  }

  @Test
  void aPieceThatThrowsDoesNotKeepTheOthersOfItsRunFromRunning() throws Exception {
    CountDownLatch release = blockLoop();
    inbox.post(records("before"));
    inbox.post(() -> {
      throw new IllegalStateException("a broken piece");
    });
    inbox.post(records("after"));
    release.countDown();
    drainLoop();

    assertThat(ran).containsExactly("before on the loop", "after on the loop");
  }

  @Test
  void piecesPostedToAStoppedLoopAreDroppedWithoutThrowing() {
    loop.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).syncUninterruptibly();

    inbox.post(records("too late"));
    inbox.post(records("later still"));

    assertThat(ran).isEmpty();
    assertThat(loop.inboxRuns).as("each post after a refusal asks again").hasValue(2);
  }
}
