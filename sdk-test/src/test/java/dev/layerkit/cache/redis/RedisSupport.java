package dev.layerkit.cache.redis;

import dev.layerkit.cache.Cache;
import dev.layerkit.cache.CacheBuilder;
import dev.layerkit.core.redis.RedisConnections;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Small helpers shared by the Redis cache tests. */
final class RedisSupport {

  private RedisSupport() {}

  static StatefulRedisConnection<String, byte[]> connect(RedisClient client) {
    return RedisConnections.connect(client);
  }

  /** Returns how often the server ran {@code command}, from INFO commandstats. */
  static long calls(StatefulRedisConnection<String, byte[]> connection, String command) {
    Matcher m = Pattern.compile("cmdstat_" + command + ":calls=(\\d+)").matcher(connection.sync().info("commandstats"));
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /** A builder that hands out a cache the test built, so that the test can look into it. */
  static <K, V> CacheBuilder<K, V> prebuilt(Cache<K, V> cache) {
    return new CacheBuilder<>() {
      @Override
      public Cache<K, V> build() {
        return cache;
      }

      @Override
      public <E> Cache<K, E> buildWrapped(Wrapping<V, E> wrapping) {
        throw new UnsupportedOperationException("a prebuilt cache holds only its own values");
      }
    };
  }
}
