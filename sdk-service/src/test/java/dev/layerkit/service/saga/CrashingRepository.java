package dev.layerkit.service.saga;

import dev.layerkit.store.EntityDescriptor;
import dev.layerkit.store.Filter;
import dev.layerkit.store.Repository;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * A repository that "kills the process" right after a chosen save has reached the store: it
 * throws {@link Crash}, an {@link Error}, which a saga passes on without another save, as if the
 * JVM had died between two steps.
 */
final class CrashingRepository implements Repository<String, SagaRecord> {

  /** The stand-in for a dead process. */
  static final class Crash extends Error {
    private static final long serialVersionUID = 1L;

    Crash(String message) {
      super(message);
    }
  }

  private final Repository<String, SagaRecord> delegate;
  private final Predicate<SagaRecord> crashAfter;

  CrashingRepository(Repository<String, SagaRecord> delegate, Predicate<SagaRecord> crashAfter) {
    this.delegate = delegate;
    this.crashAfter = crashAfter;
  }

  /** Crashes after the save that records {@code type} for {@code step}. */
  static Predicate<SagaRecord> after(SagaEvent.Type type, String step) {
    return record -> {
      SagaEvent last = record.events().get(record.events().size() - 1);
      return last.type() == type && step.equals(last.step());
    };
  }

  @Override
  public String name() {
    return delegate.name();
  }

  @Override
  public EntityDescriptor<String, SagaRecord> descriptor() {
    return delegate.descriptor();
  }

  @Override
  public Optional<SagaRecord> findById(String id) {
    return delegate.findById(id);
  }

  @Override
  public List<SagaRecord> findAll(Filter filter) {
    return delegate.findAll(filter);
  }

  @Override
  public SagaRecord save(SagaRecord entity) {
    SagaRecord saved = delegate.save(entity);
    if (crashAfter.test(saved)) {
      throw new Crash("process died after saving " + saved.events().get(saved.events().size() - 1));
    }
    return saved;
  }

  @Override
  public boolean insertIfAbsent(SagaRecord entity) {
    return delegate.insertIfAbsent(entity);
  }

  @Override
  public boolean deleteById(String id) {
    return delegate.deleteById(id);
  }

  @Override
  public long count(Filter filter) {
    return delegate.count(filter);
  }

  @Override
  public Stream<SagaRecord> scan() {
    return delegate.scan();
  }
}
