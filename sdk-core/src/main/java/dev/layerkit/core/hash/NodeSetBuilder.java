package dev.layerkit.core.hash;

import dev.layerkit.core.internal.BuilderSettings;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * The part of a {@link ConsistentHash} builder that collects weighted nodes; shared by
 * {@link HashRing.Builder}, {@link RendezvousHash.Builder} and {@link MaglevHash.Builder}.
 *
 * <p>A node's place depends only on its id (by default {@code String.valueOf(node)}), so two
 * processes that build from the same ids agree on every key, whatever order they add nodes in.
 * Nodes accumulate; each other setting may be given once (a repeated one is an
 * {@link IllegalStateException}). Builders are not thread-safe; the snapshots they build are.
 *
 * @param <N> the node type
 * @param <B> the concrete builder type, returned by each setter for chaining
 */
public abstract class NodeSetBuilder<N, B extends NodeSetBuilder<N, B>> {

  /** The weight of a node added without one. */
  public static final int DEFAULT_WEIGHT = 1;

  private final List<N> nodes = new ArrayList<>();
  private final List<Integer> weights = new ArrayList<>();
  private Function<? super N, String> nodeId = String::valueOf;
  /** The settings given on this builder, for the concrete builders' setters too. */
  final BuilderSettings settings = new BuilderSettings();

  /** Creates an empty builder. */
  protected NodeSetBuilder() {}

  /**
   * Adds a node with weight {@value #DEFAULT_WEIGHT}.
   *
   * @param node the node
   * @return this builder
   * @throws NullPointerException if {@code node} is null
   */
  public B node(N node) {
    return node(node, DEFAULT_WEIGHT);
  }

  /**
   * Adds a node with a weight: a node of weight 2 owns about twice the keys of a node of weight 1.
   *
   * @param node the node
   * @param weight its relative weight
   * @return this builder
   * @throws NullPointerException if {@code node} is null
   * @throws IllegalArgumentException if {@code weight} is not positive
   */
  public B node(N node, int weight) {
    Objects.requireNonNull(node, "node");
    if (weight <= 0) {
      throw new IllegalArgumentException("weight must be > 0 but was " + weight + " for node " + node);
    }
    nodes.add(node);
    weights.add(weight);
    return self();
  }

  /**
   * Adds nodes of weight {@value #DEFAULT_WEIGHT}, in iteration order.
   *
   * @param nodes the nodes
   * @return this builder
   * @throws NullPointerException if {@code nodes} or one of its elements is null
   */
  public B nodes(Collection<? extends N> nodes) {
    Objects.requireNonNull(nodes, "nodes");
    for (N node : nodes) {
      node(node);
    }
    return self();
  }

  /**
   * Adds nodes with their weights, in the map's iteration order.
   *
   * @param weightedNodes each node mapped to its weight
   * @return this builder
   * @throws NullPointerException if the map, a node or a weight is null
   * @throws IllegalArgumentException if a weight is not positive
   */
  public B nodes(Map<? extends N, Integer> weightedNodes) {
    Objects.requireNonNull(weightedNodes, "weightedNodes");
    weightedNodes.forEach((node, weight) -> node(node, Objects.requireNonNull(weight, "weight")));
    return self();
  }

  /**
   * Sets how a node's stable id is derived; by default {@code String.valueOf(node)}. Ids must be
   * unique within a snapshot and should not change when a node's other state does.
   *
   * @param nodeId the id function
   * @return this builder
   * @throws NullPointerException if {@code nodeId} is null
   * @throws IllegalStateException if the id function was already set
   */
  public B nodeId(Function<? super N, String> nodeId) {
    Objects.requireNonNull(nodeId, "nodeId");
    settings.requireUnset("nodeId", this.nodeId);
    this.nodeId = nodeId;
    return self();
  }

  /**
   * Builds an immutable snapshot of the nodes added so far. The builder may be reused: further
   * nodes go into later snapshots only.
   *
   * @return the consistent hash
   * @throws IllegalArgumentException if no node was added or two nodes share an id
   */
  public abstract ConsistentHash<N> build();

  /**
   * Returns the validated node set: at least one node, unique ids.
   *
   * @return the nodes
   * @throws IllegalArgumentException if no node was added or two nodes share an id
   */
  NodeSet<N> nodeSet() {
    if (nodes.isEmpty()) {
      throw new IllegalArgumentException("nodes must not be empty but no node was added");
    }
    int n = nodes.size();
    String[] ids = new String[n];
    int[] weightArray = new int[n];
    Map<String, N> seen = new HashMap<>(n * 2);
    for (int i = 0; i < n; i++) {
      N node = nodes.get(i);
      String id = Objects.requireNonNull(nodeId.apply(node), () -> "nodeId returned null for node " + node);
      N previous = seen.putIfAbsent(id, node);
      if (previous != null) {
        throw new IllegalArgumentException(
            "duplicate node id '" + id + "' for nodes " + previous + " and " + node);
      }
      ids[i] = id;
      weightArray[i] = weights.get(i);
    }
    return new NodeSet<>(List.copyOf(nodes), ids, weightArray);
  }

  @SuppressWarnings("unchecked")
  private B self() {
    return (B) this;
  }
}
