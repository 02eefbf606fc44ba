package dev.layerkit.core.hash;

import java.util.List;

/**
 * Maps keys onto a set of nodes so that changing the set moves few keys.
 *
 * <p>An instance is an immutable snapshot of a node set: to add or remove a node, build a new one
 * (for example {@code HashRing.builder().nodes(newNodes).build()}) and swap the reference.
 * Lookups are lock-free, allocation-free and safe from any number of threads.
 *
 * <p>Implementations: {@link HashRing} (virtual nodes on a ring), {@link RendezvousHash}
 * (weighted highest random weight) and {@link MaglevHash} (lookup table). For numbered buckets,
 * see {@link JumpHash}.
 *
 * <pre>{@code
 * ConsistentHash<String> ring = HashRing.<String>builder()
 *     .node("cache-a").node("cache-b").node("cache-c", 2)   // cache-c takes twice the keys
 *     .build();
 * String owner = ring.nodeFor("user:42");
 * }</pre>
 *
 * @param <N> the node type; nodes are told apart by their id (see
 *     {@link NodeSetBuilder#nodeId(java.util.function.Function)})
 */
public interface ConsistentHash<N> {

  /**
   * Returns the node that owns a key given by its 64-bit hash.
   *
   * @param keyHash the key's hash, normally from {@link Hashing}
   * @return the owning node, never null
   */
  N nodeFor(long keyHash);

  /**
   * Returns the node that owns a string key, hashed with {@link Hashing#hash(String)}.
   *
   * @param key the key
   * @return the owning node, never null
   * @throws NullPointerException if {@code key} is null
   */
  default N nodeFor(String key) {
    return nodeFor(Hashing.hash(key));
  }

  /**
   * Returns the node that owns a binary key, hashed with {@link Hashing#hash(byte[])}.
   *
   * @param key the key
   * @return the owning node, never null
   * @throws NullPointerException if {@code key} is null
   */
  default N nodeFor(byte[] key) {
    return nodeFor(Hashing.hash(key));
  }

  /**
   * Returns the nodes of this snapshot, in the order they were added.
   *
   * @return an immutable list of at least one node
   */
  List<N> nodes();

  /**
   * Returns the weight a node was added with.
   *
   * @param node a node of this snapshot
   * @return its weight, at least 1
   * @throws IllegalArgumentException if {@code node} is not in this snapshot
   */
  int weight(N node);
}
