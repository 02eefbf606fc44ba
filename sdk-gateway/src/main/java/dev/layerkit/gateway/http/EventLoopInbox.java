package dev.layerkit.gateway.http;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.ArrayList;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings work that other threads finish back to one event loop, many pieces in one task: what
 * {@link RateLimitFilter} resumes a request with when its limiter decides on another thread.
 *
 * <p>Why not one {@link EventExecutor#execute} per piece: a Redis limiter's reply decides a batch
 * of requests at once on Lettuce's I/O thread, and one task per request means one task queue
 * insertion each and, whenever the loop has gone back to waiting for I/O meanwhile, one more
 * wake-up of the loop (an {@code eventfd} write and a return from {@code epoll_wait}). An inbox
 * takes the pieces in a list, and only the first piece posted since its last run asks the loop
 * to run it; that run takes everything posted until then. A piece posted from the loop itself
 * runs at once, with no task at all.
 *
 * <p>Concurrency: any thread posts, the loop alone runs the pieces. Posting appends under the
 * inbox's lock and, if no run is pending, marks one pending and submits it after the lock is
 * released; a run swaps the list out and clears the mark under the lock, then runs the pieces
 * without it. A piece posted after that swap finds no run pending and submits a new one, so none
 * is left behind; a run may find nothing to do. The lock is held for a list append or swap, never
 * around a piece. Two lists alternate, so a steady flow allocates nothing.
 *
 * <p>A loop that is shutting down refuses the run: its pieces are dropped, as {@link
 * FilterContext}'s own hops are, since their connections are closing.
 */
final class EventLoopInbox implements Runnable {

  private static final Logger LOG = LoggerFactory.getLogger(EventLoopInbox.class);

  /** The inbox of the loop whose thread asks (the gateway's loops are Netty's threads). */
  private static final FastThreadLocal<EventLoopInbox> CURRENT = new FastThreadLocal<>();

  private final EventExecutor loop;
  /** Posted and not yet run; guarded by this. */
  private ArrayList<Runnable> posted = new ArrayList<>();
  /** Whether a run is submitted and has not yet swapped {@link #posted}; guarded by this. */
  private boolean pending;
  /** The list a run swaps in next; the loop's alone. */
  private ArrayList<Runnable> spare = new ArrayList<>();

  EventLoopInbox(EventExecutor loop) {
    this.loop = loop;
  }

  /**
   * Returns the inbox of {@code loop}, made on first use; must be called on that loop's thread.
   *
   * @param loop the event loop the calling thread runs
   * @return its inbox
   */
  static EventLoopInbox of(EventExecutor loop) {
    EventLoopInbox inbox = CURRENT.get();
    if (inbox == null || inbox.loop != loop) {
      inbox = new EventLoopInbox(loop);
      CURRENT.set(inbox);
    }
    return inbox;
  }

  /**
   * Runs {@code piece} on the loop: at once if the calling thread is the loop, else in the loop's
   * next run of this inbox, together with every piece posted until then.
   *
   * @param piece what to run; must not throw
   */
  void post(Runnable piece) {
    if (loop.inEventLoop()) {
      piece.run();
      return;
    }
    boolean submit;
    synchronized (this) {
      posted.add(piece);
      submit = !pending;
      pending = true;
    }
    if (submit) {
      try {
        loop.execute(this);
      } catch (RejectedExecutionException e) {
        int dropped;
        synchronized (this) {
          dropped = posted.size();
          posted.clear();
          pending = false;
        }
        LOG.debug("an event loop that stopped was sent {} pieces of work; dropped", dropped);
      }
    }
  }

  /** Runs what was posted, on the loop. */
  @Override
  public void run() {
    ArrayList<Runnable> batch;
    synchronized (this) {
      batch = posted;
      posted = spare; // spare is not read again before the finally below replaces it
      pending = false;
    }
    try {
      for (int i = 0; i < batch.size(); i++) {
        try {
          batch.get(i).run();
        } catch (RuntimeException e) {
          LOG.warn("work resumed on the event loop failed", e);
        }
      }
    } finally {
      batch.clear();
      spare = batch;
    }
  }
}
