package dev.layerkit.benchmarks;

import dev.layerkit.core.hash.ConsistentHash;
import dev.layerkit.core.hash.HashRing;
import dev.layerkit.core.hash.Hashing;
import dev.layerkit.core.hash.JumpHash;
import dev.layerkit.core.hash.MaglevHash;
import dev.layerkit.core.hash.RendezvousHash;
import java.io.PrintStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.function.Function;
import java.util.stream.IntStream;

/**
 * Prints how evenly each consistent hash spreads 1,000,000 keys over 100 nodes (peak-to-mean
 * load; 1.00 is perfect) and what share of keys moves when a 101st node joins (the ideal is
 * 1/101 = 0.99%, all of it to the new node). Not a timing: the numbers are exact for these keys.
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar
 * dev.layerkit.benchmarks.ConsistentHashQualityReport [keys] [nodes]}.
 */
public final class ConsistentHashQualityReport {

  private ConsistentHashQualityReport() {}

  /**
   * Prints the report as a Markdown table.
   *
   * @param args optional key count (default 1,000,000) and node count (default 100)
   */
  public static void main(String[] args) {
    int keys = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    int nodes = args.length > 1 ? Integer.parseInt(args[1]) : 100;
    long[] keyHashes = new long[keys];
    for (int k = 0; k < keys; k++) {
      keyHashes[k] = Hashing.hash("user:" + k);
    }
    PrintStream out = System.out;
    out.printf(Locale.ROOT, "%d keys, %d nodes -> %d nodes%n%n", keys, nodes, nodes + 1);
    out.println("| algorithm | peak-to-mean load | min-to-mean load | keys moved on join | moved to the new node |");
    out.println("|---|---|---|---|---|");
    row(out, "HashRing (160 vnodes)", keyHashes, nodes, HashRing::of);
    row(out, "RendezvousHash", keyHashes, nodes, RendezvousHash::of);
    row(out, "MaglevHash (M=65537)", keyHashes, nodes, MaglevHash::of);
    row(out, "JumpHash", keyHashes, nodes, JumpAsConsistentHash::new);
    out.printf(Locale.ROOT, "%nideal share moved: %.2f%%%n", 100.0 / (nodes + 1));
  }

  private static List<String> names(int n) {
    return IntStream.range(0, n).mapToObj(i -> "node-" + i).toList();
  }

  private static void row(PrintStream out, String name, long[] keyHashes, int nodes,
      Function<List<String>, ConsistentHash<String>> factory) {
    ConsistentHash<String> before = factory.apply(names(nodes));
    ConsistentHash<String> after = factory.apply(names(nodes + 1));
    Map<String, Integer> load = new HashMap<>();
    int moved = 0;
    int movedToNew = 0;
    String newNode = "node-" + nodes;
    for (long h : keyHashes) {
      String was = before.nodeFor(h);
      load.merge(was, 1, Integer::sum);
      String is = after.nodeFor(h);
      if (!was.equals(is)) {
        moved++;
        if (is.equals(newNode)) {
          movedToNew++;
        }
      }
    }
    double mean = (double) keyHashes.length / nodes;
    int max = load.values().stream().mapToInt(Integer::intValue).max().orElse(0);
    int min = names(nodes).stream().mapToInt(n -> load.getOrDefault(n, 0)).min().orElse(0);
    out.printf(Locale.ROOT, "| %s | %.3f | %.3f | %.2f%% | %.2f%% |%n", name, max / mean, min / mean,
        100.0 * moved / keyHashes.length, 100.0 * movedToNew / keyHashes.length);
  }

  /** Jump hash over a list of nodes, for the report only: nodes may only join at the end. */
  private record JumpAsConsistentHash(List<String> nodes) implements ConsistentHash<String> {
    @Override
    public String nodeFor(long keyHash) {
      return nodes.get(JumpHash.bucket(keyHash, nodes.size()));
    }

    @Override
    public int weight(String node) {
      return 1;
    }
  }
}
