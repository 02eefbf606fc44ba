package dev.layerkit.store;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A repository that forwards to another and can be made to fail like a server that is gone: for
 * tests of shard failures and of rebalances killed halfway.
 *
 * @param <ID> the id type
 * @param <T> the entity type
 */
public class FailingRepository<ID, T> implements Repository<ID, T> {

  private final Repository<ID, T> delegate;
  private final AtomicBoolean down = new AtomicBoolean();
  private final AtomicInteger calls = new AtomicInteger();
  private final AtomicInteger deletesLeft = new AtomicInteger(Integer.MAX_VALUE);
  private volatile Runnable beforeCall = () -> { };

  /**
   * Wraps a repository.
   *
   * @param delegate the repository that answers while this one is up
   */
  public FailingRepository(Repository<ID, T> delegate) {
    this.delegate = delegate;
  }

  /**
   * Makes every call fail (true) or forward (false).
   *
   * @param isDown whether the server is gone
   */
  public void down(boolean isDown) {
    down.set(isDown);
  }

  /**
   * Lets {@code n} more deletes through, then fails every call, as a process killed between a
   * copy and the delete of its source would leave things.
   *
   * @param n the deletes still allowed
   */
  public void failAfterDeletes(int n) {
    deletesLeft.set(n);
  }

  /**
   * Returns how many calls reached this repository.
   *
   * @return the count
   */
  public int calls() {
    return calls.get();
  }

  /**
   * Runs {@code action} at the start of every later call, before it is forwarded (a test's clock
   * advance, to make calls take time).
   *
   * @param action what to run
   */
  public void beforeEachCall(Runnable action) {
    beforeCall = action;
  }

  private void enter() {
    beforeCall.run();
    calls.incrementAndGet();
    if (down.get()) {
      throw new ServerGoneException("connection refused: " + delegate.name() + " is down");
    }
  }

  /** Not a caller error: what a driver throws when its server is gone. */
  static final class ServerGoneException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ServerGoneException(String message) {
      super(message);
    }
  }

  @Override
  public String name() {
    return delegate.name();
  }

  @Override
  public EntityDescriptor<ID, T> descriptor() {
    return delegate.descriptor();
  }

  @Override
  public Optional<T> findById(ID id) {
    enter();
    return delegate.findById(id);
  }

  @Override
  public List<T> findAll(Filter filter) {
    enter();
    return delegate.findAll(filter);
  }

  @Override
  public T save(T entity) {
    enter();
    return delegate.save(entity);
  }

  @Override
  public boolean insertIfAbsent(T entity) {
    enter();
    return delegate.insertIfAbsent(entity);
  }

  @Override
  public boolean deleteById(ID id) {
    enter();
    if (deletesLeft.getAndDecrement() <= 0) {
      down.set(true);
      throw new ServerGoneException("killed before deleting " + id);
    }
    return delegate.deleteById(id);
  }

  @Override
  public long count(Filter filter) {
    enter();
    return delegate.count(filter);
  }

  @Override
  public Stream<T> scan() {
    enter();
    return delegate.scan().peek(ignored -> {
      if (down.get()) {
        throw new ServerGoneException("connection lost during scan of " + delegate.name());
      }
    });
  }
}
