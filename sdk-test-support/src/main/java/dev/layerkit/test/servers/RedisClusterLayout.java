package dev.layerkit.test.servers;

import java.util.ArrayList;
import java.util.List;

/**
 * The pure parts of getting a Redis Cluster for tests: reading the seeds of {@code
 * LAYERKIT_TEST_REDIS_CLUSTER} and splitting the hash slots among the masters of an embedded
 * cluster.
 *
 * <p>Kept apart from {@link RedisClusterSupport} so that they are unit-tested without servers.
 * Stateless and thread-safe.
 */
final class RedisClusterLayout {

  /** The number of hash slots in every Redis Cluster. */
  static final int SLOTS = 16384;

  private RedisClusterLayout() {}

  /**
   * Reads seeds given as comma-separated {@code host:port} pairs.
   *
   * @param seeds the variable's value, e.g. {@code host1:7000, host2:7001}
   * @return one {@code redis://host:port} URI per seed, in the given order
   * @throws IllegalArgumentException if there is no seed, or one is not {@code host:port} with a
   *     port from 1 to 65535; the message names the bad seed
   */
  static List<String> parseSeeds(String seeds) {
    List<String> uris = new ArrayList<>();
    for (String part : seeds.split(",", -1)) {
      String seed = part.strip();
      if (seed.isEmpty()) {
        continue;
      }
      int colon = seed.lastIndexOf(':');
      if (colon <= 0 || colon == seed.length() - 1) {
        throw new IllegalArgumentException("seed '" + seed + "' is not host:port");
      }
      String host = seed.substring(0, colon);
      int port;
      try {
        port = Integer.parseInt(seed.substring(colon + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("seed '" + seed + "' has no numeric port");
      }
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("seed '" + seed + "' has a port out of range");
      }
      uris.add("redis://" + host + ':' + port);
    }
    if (uris.isEmpty()) {
      throw new IllegalArgumentException("no seeds in '" + seeds + "'; expected host:port,...");
    }
    return uris;
  }

  /**
   * Splits slots 0 to 16383 into {@code masters} contiguous ranges whose sizes differ by at most
   * one, since {@code CLUSTER ADDSLOTS} must give every slot to exactly one master for the
   * cluster to reach {@code cluster_state:ok}.
   *
   * @param masters the number of masters, from 1 to 16384
   * @return per master, its first and last slot (inclusive)
   * @throws IllegalArgumentException if {@code masters} is out of range
   */
  static int[][] slotRanges(int masters) {
    if (masters < 1 || masters > SLOTS) {
      throw new IllegalArgumentException("masters must be in [1, " + SLOTS + "] but was " + masters);
    }
    int[][] ranges = new int[masters][];
    int first = 0;
    for (int i = 0; i < masters; i++) {
      int size = SLOTS / masters + (i < SLOTS % masters ? 1 : 0);
      ranges[i] = new int[] {first, first + size - 1};
      first += size;
    }
    return ranges;
  }
}
