package dev.layerkit.core.hash;

import java.util.List;

/** The node bookkeeping every {@link ConsistentHash} of this package shares. */
abstract class AbstractNodeSetHash<N> implements ConsistentHash<N> {

  final NodeSet<N> nodeSet;

  AbstractNodeSetHash(NodeSet<N> nodeSet) {
    this.nodeSet = nodeSet;
  }

  @Override
  public final List<N> nodes() {
    return nodeSet.nodes;
  }

  @Override
  public final int weight(N node) {
    return nodeSet.weight(node);
  }
}
