package dev.layerkit.store.sharding;

import dev.layerkit.store.EntityDescriptor;
import dev.layerkit.store.Filter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Routing: which shard holds a key, which shards a filter touches, and {@code explain}.
 *
 * <p><b>Algorithm.</b> The shard key is the id's text ({@link EntityDescriptor#idKey}) or the
 * text of one field's value; the {@link ShardingStrategy} maps it to an index. A filter routes when
 * one of its conditions is an equality or {@code in} on the shard key field: it touches the shards
 * of those values only. Any other filter is a scatter query.
 *
 * <p><b>Invariants.</b> A field value and the same value read back from JSON give the same text
 * (small integers are widened to {@code long} first), so that an entity and a filter on its
 * shard key agree on the shard. Immutable and thread-safe; routing one key allocates nothing
 * beyond what the strategy does (the built-in ones allocate nothing).
 *
 * @param <ID> the id type
 * @param <T> the entity type
 */
final class ShardRouter<ID, T> {

  private final EntityDescriptor<ID, T> descriptor;
  private final ShardingStrategy strategy;
  private final @Nullable String shardKeyField;
  private final @Nullable Function<? super T, ?> shardKey;
  private final ScatterPolicy scatterPolicy;

  ShardRouter(EntityDescriptor<ID, T> descriptor, ShardingStrategy strategy, @Nullable String shardKeyField,
      @Nullable Function<? super T, ?> shardKey, ScatterPolicy scatterPolicy) {
    this.descriptor = descriptor;
    this.strategy = strategy;
    this.shardKeyField = shardKeyField;
    this.shardKey = shardKey;
    this.scatterPolicy = scatterPolicy;
  }

  ShardingStrategy strategy() {
    return strategy;
  }

  /** Whether the id is the shard key, so that an id alone says where its entity lives. */
  boolean routesById() {
    return shardKey == null;
  }

  /** The field a filter must constrain to route: the shard key field, or the id field. */
  String keyField() {
    return shardKeyField != null ? shardKeyField : descriptor.idField();
  }

  /** The text of a shard key value, the same for a field's value and for that value in a filter. */
  String keyText(@Nullable Object value) {
    if (value == null) {
      throw new NullPointerException("shard key field '" + shardKeyField + "' is null");
    }
    if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
      return Long.toString(((Number) value).longValue());
    }
    return value instanceof String ? (String) value : String.valueOf(value);
  }

  String routingKeyOf(T entity) {
    Function<? super T, ?> key = shardKey;
    return key == null ? descriptor.idKey(descriptor.idOf(entity)) : keyText(key.apply(entity));
  }

  int indexFor(Topology<ID, T> topology, String key) {
    return strategy.shardFor(key, topology.size());
  }

  int indexOf(Topology<ID, T> topology, T entity) {
    return indexFor(topology, routingKeyOf(entity));
  }

  /** The shard indices a filter touches in a topology, or null when it must ask all of them. */
  @Nullable TreeSet<Integer> routedShards(Topology<ID, T> topology, Filter filter) {
    String field = keyField();
    for (Filter.Condition condition : filter.conditions()) {
      if (condition.field().equals(field)
          && (condition.operator() == Filter.Operator.EQ || condition.operator() == Filter.Operator.IN)) {
        TreeSet<Integer> shards = new TreeSet<>();
        for (Object value : condition.values()) {
          shards.add(indexFor(topology, keyText(value)));
        }
        return shards;
      }
    }
    return null;
  }

  /** The indices a filter touches in a topology: the routed ones, or all of them. */
  List<Integer> shardsToAsk(Topology<ID, T> topology, @Nullable TreeSet<Integer> routed) {
    return routed != null ? new ArrayList<>(routed) : allIndices(topology.size());
  }

  static List<Integer> allIndices(int count) {
    List<Integer> all = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      all.add(i);
    }
    return all;
  }

  /** Says which shards a filter would touch in a state, without querying. */
  QueryPlan explain(TopologyState<ID, T> state, Filter filter) {
    Topology<ID, T> topology = state.newest();
    TreeSet<Integer> routed = routedShards(topology, filter);
    if (routed != null) {
      return new QueryPlan(new ArrayList<>(routed), false, "equality or 'in' on shard key '" + keyField()
          + "' routes to " + routed.size() + " of " + topology.size() + " shards", state.isRebalancing());
    }
    return new QueryPlan(allIndices(topology.size()), true, "no equality or 'in' condition on shard key '"
        + keyField() + "': scatter to all " + topology.size() + " shards (policy " + scatterPolicy + ")",
        state.isRebalancing());
  }

  /** The shards that may hold an id: its new and old shard, or every shard with a field key. */
  Map<Shard<ID, T>, Integer> candidates(TopologyState<ID, T> state, String idKey) {
    if (!routesById()) {
      return state.distinctShards();
    }
    Map<Shard<ID, T>, Integer> result = new LinkedHashMap<>();
    Topology<ID, T> target = state.target;
    if (target != null) {
      int newIndex = indexFor(target, idKey);
      result.put(target.get(newIndex), newIndex);
    }
    int oldIndex = indexFor(state.current, idKey);
    result.putIfAbsent(state.current.get(oldIndex), oldIndex);
    return result;
  }
}
