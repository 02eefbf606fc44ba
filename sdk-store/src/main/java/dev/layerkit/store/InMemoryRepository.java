package dev.layerkit.store;

import com.fasterxml.jackson.databind.JsonNode;
import dev.layerkit.core.internal.Arguments;
import dev.layerkit.store.internal.JsonDocs;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * A {@link Repository} in this JVM's heap, for development, tests and single-node use.
 *
 * <p>Entities are stored as their codec's bytes, never as the objects handed in: a caller that
 * mutates an entity after saving it, or one it read, cannot change what is stored, just as with a
 * database. Every read decodes a fresh copy.
 *
 * <p>Concurrency: a {@link ConcurrentHashMap} from id key to (version, bytes). {@link #save} is
 * one atomic {@code compute} that checks the version; reads are lock-free. Queries decode every
 * entity's JSON to evaluate the filter (O(n) per query; there are no indexes), so they are meant
 * for modest sizes; {@link #findById} is a hash lookup and a decode.
 *
 * <p>Package-private: users get one from {@link Repositories#inMemory(EntityDescriptor)}.
 *
 * @param <ID> the id type
 * @param <T> the entity type
 */
final class InMemoryRepository<ID, T> implements Repository<ID, T> {

  private record Stored(long version, byte[] bytes) {}

  private final String name;
  private final EntityDescriptor<ID, T> descriptor;
  private final ConcurrentHashMap<String, Stored> entries = new ConcurrentHashMap<>();

  private InMemoryRepository(String name, EntityDescriptor<ID, T> descriptor) {
    this.name = name;
    this.descriptor = descriptor;
  }

  /**
   * Creates an empty repository.
   *
   * @param name the repository's name, for messages and health checks
   * @param descriptor the entity descriptor
   * @param <ID> the id type
   * @param <T> the entity type
   * @return the repository
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code name} is blank
   */
  static <ID, T> InMemoryRepository<ID, T> create(String name, EntityDescriptor<ID, T> descriptor) {
    Arguments.notBlank(name, "name");
    Objects.requireNonNull(descriptor, "descriptor");
    return new InMemoryRepository<>(name, descriptor);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public EntityDescriptor<ID, T> descriptor() {
    return descriptor;
  }

  @Override
  public Optional<T> findById(ID id) {
    Stored stored = entries.get(descriptor.idKey(id));
    return stored == null ? Optional.empty() : Optional.of(descriptor.codec().decode(stored.bytes));
  }

  @Override
  public List<T> findAll(Filter filter) {
    Objects.requireNonNull(filter, "filter");
    List<T> result = new ArrayList<>();
    if (filter.conditions().isEmpty() && filter.sort().isEmpty()) {
      for (Stored stored : entries.values()) {
        if (result.size() >= filter.limit()) {
          break;
        }
        result.add(descriptor.codec().decode(stored.bytes));
      }
      return result;
    }
    List<JsonDocs.Keyed> matches = new ArrayList<>();
    for (Map.Entry<String, Stored> entry : entries.entrySet()) {
      byte[] bytes = entry.getValue().bytes;
      JsonNode doc = JsonDocs.parseObject(name, bytes);
      if (JsonDocs.matches(doc, filter)) {
        matches.add(new JsonDocs.Keyed(entry.getKey(), doc, bytes));
        if (filter.sort().isEmpty() && matches.size() >= filter.limit()) {
          break;
        }
      }
    }
    if (!filter.sort().isEmpty()) {
      matches.sort(JsonDocs.comparator(filter.sort()));
    }
    for (int i = 0; i < matches.size() && i < filter.limit(); i++) {
      result.add(descriptor.codec().decode((byte[]) matches.get(i).payload()));
    }
    return result;
  }

  @Override
  public T save(T entity) {
    String key = descriptor.idKey(descriptor.idOf(entity));
    long expected = descriptor.versionOf(entity);
    T next = descriptor.withVersion(entity, expected + 1);
    byte[] bytes = descriptor.codec().encode(next);
    entries.compute(key, (k, current) -> {
      long actual = current == null ? OptimisticLockException.ABSENT : current.version;
      if (current == null ? expected != 0 : actual != expected) {
        throw OptimisticLockException.of(name, key, expected, actual);
      }
      return new Stored(expected + 1, bytes);
    });
    return next;
  }

  @Override
  public boolean insertIfAbsent(T entity) {
    String key = descriptor.idKey(descriptor.idOf(entity));
    byte[] bytes = descriptor.codec().encode(entity);
    return entries.putIfAbsent(key, new Stored(descriptor.versionOf(entity), bytes)) == null;
  }

  /**
   * Encodes every entity first (so a bad one fails the call before anything is written), then
   * inserts each absent one atomically.
   *
   * @param entities the entities
   * @return how many were inserted
   */
  @Override
  public int insertAllIfAbsent(List<? extends T> entities) {
    Objects.requireNonNull(entities, "entities");
    List<String> keys = new ArrayList<>(entities.size());
    List<Stored> values = new ArrayList<>(entities.size());
    for (T entity : entities) {
      keys.add(descriptor.idKey(descriptor.idOf(entity)));
      values.add(new Stored(descriptor.versionOf(entity), descriptor.codec().encode(entity)));
    }
    int inserted = 0;
    for (int i = 0; i < keys.size(); i++) {
      if (entries.putIfAbsent(keys.get(i), values.get(i)) == null) {
        inserted++;
      }
    }
    return inserted;
  }

  @Override
  public boolean deleteById(ID id) {
    return entries.remove(descriptor.idKey(id)) != null;
  }

  @Override
  public long count(Filter filter) {
    Objects.requireNonNull(filter, "filter");
    if (filter.conditions().isEmpty()) {
      return entries.size();
    }
    long count = 0;
    for (Stored stored : entries.values()) {
      if (JsonDocs.matches(JsonDocs.parseObject(name, stored.bytes), filter)) {
        count++;
      }
    }
    return count;
  }

  @Override
  public Stream<T> scan() {
    return entries.values().stream().map(stored -> descriptor.codec().decode(stored.bytes));
  }

  /**
   * Returns the number of stored entities; O(1).
   *
   * @return the size
   */
  public int size() {
    return entries.size();
  }

  @Override
  public String toString() {
    return "InMemoryRepository[" + name + ", size=" + entries.size() + ']';
  }
}
