package dev.layerkit.store;

import dev.layerkit.core.health.Health;
import dev.layerkit.core.health.HealthCheck;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A store of entities of one type, keyed by id, with optimistic versions.
 *
 * <pre>{@code
 * Repository<String, Order> orders = InMemoryRepository.create("orders", descriptor);
 * Order saved = orders.save(new Order("o-1", "c-7", 1250, 0));       // stored at version 1
 * Order paid = orders.save(saved.withStatus("PAID"));               // version 2
 * orders.save(saved.withStatus("CANCELLED"));                       // OptimisticLockException: 1 vs 2
 * List<Order> big = orders.findAll(Filter.gte("amountCents", 1000).sortBy("amountCents").limit(10));
 * }</pre>
 *
 * <p><b>Thread safety.</b> Implementations are thread-safe. Each single-entity operation is
 * atomic; {@link #save} is a compare-and-set on the version, so concurrent read-modify-write
 * cycles never lose an update: one of two savers of the same version wins, the other gets
 * {@link OptimisticLockException}.
 *
 * <p><b>Failure.</b> Bad input (a null id, an entity the codec cannot encode) fails before
 * anything is written, with {@link NullPointerException}, {@link IllegalArgumentException} or
 * {@code CodecException}. A backend failure is a {@link StoreException}; a failed write may or
 * may not have happened, as with any remote store, but is never half-written.
 *
 * <p>Implementations: in memory ({@link Repositories#inMemory}), {@code jdbc.JdbcRepository}
 * (PostgreSQL), {@code mongo.MongoRepository}, and
 * {@link dev.layerkit.store.sharding.ShardedRepository} over any of them. The abstract
 * {@code dev.layerkit.test.store.RepositoryContract} in {@code layerkit-test} checks a third-party
 * implementation.
 *
 * @param <ID> the id type
 * @param <T> the entity type
 */
public interface Repository<ID, T> {

  /**
   * Returns the repository's name, used in messages, metrics and health checks.
   *
   * @return the name
   */
  String name();

  /**
   * Returns how this repository reads ids, versions and bytes of its entities.
   *
   * @return the descriptor
   */
  EntityDescriptor<ID, T> descriptor();

  /**
   * Returns the entity with the id, if stored.
   *
   * @param id the id
   * @return the entity, a fresh copy the caller may keep, or empty
   * @throws NullPointerException if {@code id} is null
   * @throws StoreException if the backend fails
   */
  Optional<T> findById(ID id);

  /**
   * Returns the entities that match the filter, in the filter's sort order (unspecified when it
   * has none), at most its limit.
   *
   * @param filter the filter
   * @return the matching entities
   * @throws NullPointerException if {@code filter} is null
   * @throws StoreException if the backend fails
   */
  List<T> findAll(Filter filter);

  /**
   * Inserts or updates an entity if its version is the stored one, and returns it at its new
   * version.
   *
   * <p>An entity at version {@code v} is stored at {@code v + 1} if the stored version is
   * {@code v}; version 0 also matches an absent entity (an insert). Otherwise nothing is written.
   *
   * @param entity the entity, at the version it was read at (0 when new)
   * @return the entity as stored, at version {@code v + 1}
   * @throws NullPointerException if {@code entity} or its id is null
   * @throws OptimisticLockException if the stored version is another, naming the id and both
   *     versions
   * @throws dev.layerkit.core.codec.CodecException if the entity cannot be encoded
   * @throws StoreException if the backend fails
   */
  T save(T entity);

  /**
   * Stores the entity exactly as given, version included, if no entity with its id is stored.
   * Used to create an entity once, and by rebalancing, backup and restore to copy an entity
   * without changing its version.
   *
   * @param entity the entity
   * @return true if it was inserted, false if an entity with its id was already stored
   * @throws NullPointerException if {@code entity} or its id is null
   * @throws dev.layerkit.core.codec.CodecException if the entity cannot be encoded
   * @throws StoreException if the backend fails
   */
  boolean insertIfAbsent(T entity);

  /**
   * Deletes the entity with the id, whatever its version.
   *
   * @param id the id
   * @return true if an entity was deleted
   * @throws NullPointerException if {@code id} is null
   * @throws StoreException if the backend fails
   */
  boolean deleteById(ID id);

  /**
   * Counts the entities that match the filter's conditions; its sort and limit are ignored.
   *
   * @param filter the filter
   * @return the count
   * @throws NullPointerException if {@code filter} is null
   * @throws StoreException if the backend fails
   */
  long count(Filter filter);

  /**
   * Returns the stored entities among the ids, in no particular order; ids not stored are left
   * out. Backends answer in one round trip; the default calls {@link #findById} for each.
   *
   * @param ids the ids
   * @return the entities found
   * @throws NullPointerException if {@code ids} or an id is null
   * @throws StoreException if the backend fails
   */
  default List<T> findAllById(Collection<? extends ID> ids) {
    Objects.requireNonNull(ids, "ids");
    List<T> found = new ArrayList<>();
    for (ID id : ids) {
      findById(id).ifPresent(found::add);
    }
    return found;
  }

  /**
   * Applies {@link #insertIfAbsent} to each entity, as one durable batch where the backend can
   * (one transaction in PostgreSQL, one unordered {@code insertMany} in MongoDB). Each entity is
   * inserted or skipped on its own; on a failure some may have been inserted.
   *
   * @param entities the entities
   * @return how many were inserted
   * @throws NullPointerException if {@code entities}, an entity or its id is null
   * @throws dev.layerkit.core.codec.CodecException if an entity cannot be encoded; nothing is
   *     written then
   * @throws StoreException if the backend fails
   */
  default int insertAllIfAbsent(List<? extends T> entities) {
    Objects.requireNonNull(entities, "entities");
    for (T entity : entities) {
      // Encode everything first, so that a bad entity fails the call before anything is written.
      descriptor().idOf(entity);
      descriptor().codec().encode(entity);
    }
    int inserted = 0;
    for (T entity : entities) {
      if (insertIfAbsent(entity)) {
        inserted++;
      }
    }
    return inserted;
  }

  /**
   * Deletes the entities with the ids, whatever their versions, in one round trip where the
   * backend can.
   *
   * @param ids the ids
   * @return how many were deleted
   * @throws NullPointerException if {@code ids} or an id is null
   * @throws StoreException if the backend fails
   */
  default int deleteAllById(Collection<? extends ID> ids) {
    Objects.requireNonNull(ids, "ids");
    int deleted = 0;
    for (ID id : ids) {
      if (deleteById(id)) {
        deleted++;
      }
    }
    return deleted;
  }

  /**
   * Streams every entity, in no particular order, in constant memory (a cursor or a weakly
   * consistent iterator: entities written during the scan may or may not be seen).
   *
   * <p>The stream holds backend resources (a connection, a cursor): close it, for example with
   * try-with-resources.
   *
   * @return the entities
   * @throws StoreException if the backend fails, when the stream is opened or read
   */
  Stream<T> scan();

  /**
   * Returns a health check of the backend, named after the repository. The default runs
   * {@code findAll(Filter.all().limit(1))} and reports {@code DOWN} with the error if it throws.
   *
   * @return the check
   */
  default HealthCheck healthCheck() {
    return HealthCheck.of(name(), () -> {
      try {
        findAll(Filter.all().limit(1));
        return Health.up().build();
      } catch (RuntimeException e) {
        return Health.down(e).build();
      }
    });
  }
}
