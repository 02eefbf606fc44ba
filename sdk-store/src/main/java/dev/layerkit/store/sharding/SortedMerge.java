package dev.layerkit.store.sharding;

import dev.layerkit.store.EntityDescriptor;
import dev.layerkit.store.Filter;
import dev.layerkit.store.internal.JsonDocs;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Merges the answers of several shards into one answer in the filter's order, cut at its limit.
 *
 * <p><b>Algorithm.</b> Each shard answers sorted and limited, so the merge is a k-way merge: a
 * priority queue holds one cursor per non-empty answer, ordered by its current record's sort key
 * (the record's JSON compared as the backends compare it, {@link JsonDocs#comparator}), and the
 * smallest is taken until the limit. Cost O(limit log k) comparisons plus one JSON encoding per
 * record taken or queued. Unsorted filters concatenate the answers up to the limit.
 *
 * <p>Stateless and thread-safe.
 *
 * @param <ID> the id type
 * @param <T> the entity type
 */
final class SortedMerge<ID, T> {

  private final String name;
  private final EntityDescriptor<ID, T> descriptor;

  SortedMerge(String name, EntityDescriptor<ID, T> descriptor) {
    this.name = name;
    this.descriptor = descriptor;
  }

  @SuppressWarnings("unchecked")
  List<T> merge(List<List<T>> parts, Filter filter) {
    if (parts.size() == 1 && parts.get(0).size() <= filter.limit()) {
      return parts.get(0);
    }
    List<T> merged = new ArrayList<>();
    if (filter.sort().isEmpty()) {
      for (List<T> part : parts) {
        for (T entity : part) {
          if (merged.size() >= filter.limit()) {
            return merged;
          }
          merged.add(entity);
        }
      }
      return merged;
    }
    Comparator<JsonDocs.Keyed> order = JsonDocs.comparator(filter.sort());
    PriorityQueue<Cursor> cursors = new PriorityQueue<>(Math.max(1, parts.size()),
        (a, b) -> order.compare(a.current, b.current));
    for (List<T> part : parts) {
      if (!part.isEmpty()) {
        cursors.add(new Cursor(part.iterator()));
      }
    }
    while (!cursors.isEmpty() && merged.size() < filter.limit()) {
      Cursor cursor = cursors.poll();
      merged.add((T) cursor.current.payload());
      if (cursor.advance()) {
        cursors.add(cursor);
      }
    }
    return merged;
  }

  /** Parses an entity's JSON once, for comparisons by the filter's sort fields. */
  private JsonDocs.Keyed parseSortKey(T entity) {
    return new JsonDocs.Keyed(descriptor.idKey(descriptor.idOf(entity)),
        JsonDocs.parseObject(name, descriptor.codec().encode(entity)), entity);
  }

  /** A cursor over one shard's sorted answer. */
  private final class Cursor {
    final Iterator<T> rest;
    JsonDocs.Keyed current;

    Cursor(Iterator<T> rest) {
      this.rest = rest;
      this.current = parseSortKey(rest.next());
    }

    boolean advance() {
      if (!rest.hasNext()) {
        return false;
      }
      current = parseSortKey(rest.next());
      return true;
    }
  }
}
