package dev.layerkit.core.hash;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A validated, immutable node set: nodes, their unique ids and positive weights, index-aligned. */
final class NodeSet<N> {

  final List<N> nodes;
  final String[] ids;
  final int[] weights;
  private final Map<N, Integer> weightByNode;

  NodeSet(List<N> nodes, String[] ids, int[] weights) {
    this.nodes = nodes;
    this.ids = ids;
    this.weights = weights;
    this.weightByNode = new HashMap<>(nodes.size() * 2);
    for (int i = 0; i < weights.length; i++) {
      weightByNode.put(nodes.get(i), weights[i]);
    }
  }

  int size() {
    return weights.length;
  }

  int weight(N node) {
    Integer weight = weightByNode.get(node);
    if (weight == null) {
      throw new IllegalArgumentException("node " + node + " is not in this snapshot");
    }
    return weight;
  }

  int maxWeight() {
    int max = 0;
    for (int w : weights) {
      max = Math.max(max, w);
    }
    return max;
  }
}
