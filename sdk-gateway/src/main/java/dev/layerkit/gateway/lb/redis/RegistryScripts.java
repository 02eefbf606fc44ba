package dev.layerkit.gateway.lb.redis;

import dev.layerkit.core.internal.redis.RedisScript;
import io.lettuce.core.ScriptOutputType;
import java.util.List;

/**
 * The registry's Lua scripts, run by Layerkit's one script runner. Each touches the two keys of one service, passed as KEYS so that
 * both are declared (and, sharing a hash tag, live in one Redis Cluster slot). Time is the
 * server's ({@code TIME}), so clients with skewed clocks agree on who has expired; scripts that
 * call {@code TIME} before writing need effects replication, the default since Redis 5.
 */
final class RegistryScripts {

  private RegistryScripts() {}

  /** The server's clock in milliseconds, as a Lua local {@code now}. */
  private static final String NOW = """
      local t = redis.call('TIME')
      local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
      """;

  /**
   * Registers or refreshes an instance. KEYS: instances (zset), endpoints (hash). ARGV: id,
   * endpoint JSON, TTL in ms, channel. Publishes only when the instance is new or changed, so
   * heartbeats cost watchers nothing. Extends the keys' own expiry so that a service whose
   * instances all died without deregistering leaves nothing behind, but never shortens it (another
   * instance may use a longer TTL). Returns 1 if the instance was new.
   */
  static final RedisScript<Long> REGISTER = RedisScript.of(NOW + """
      local ttl = tonumber(ARGV[3])
      local added = redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
      local previous = redis.call('HGET', KEYS[2], ARGV[1])
      if previous ~= ARGV[2] then
        redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
      end
      for i = 1, 2 do
        if redis.call('PTTL', KEYS[i]) < ttl then
          redis.call('PEXPIRE', KEYS[i], ttl)
        end
      end
      if added == 1 or previous ~= ARGV[2] then
        redis.call('PUBLISH', ARGV[4], 'join ' .. ARGV[1])
      end
      return added
      """, ScriptOutputType.INTEGER);

  /**
   * Removes an instance. KEYS: instances, endpoints. ARGV: id, channel. Returns 1 if it was
   * registered.
   */
  static final RedisScript<Long> DEREGISTER = RedisScript.of("""
      local removed = redis.call('ZREM', KEYS[1], ARGV[1])
      redis.call('HDEL', KEYS[2], ARGV[1])
      if removed == 1 then
        redis.call('PUBLISH', ARGV[2], 'leave ' .. ARGV[1])
      end
      return removed
      """, ScriptOutputType.INTEGER);

  /**
   * Returns the endpoint JSON of every live instance, after removing the expired ones (and telling
   * other watchers if there were any). KEYS: instances, endpoints. ARGV: channel. Works in chunks
   * of 1,000 because {@code unpack} of a large table overflows Lua's stack.
   */
  static final RedisScript<List<Object>> READ = RedisScript.of(NOW + """
      local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
      if #expired > 0 then
        for i = 1, #expired, 1000 do
          redis.call('HDEL', KEYS[2], unpack(expired, i, math.min(i + 999, #expired)))
        end
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
        redis.call('PUBLISH', ARGV[1], 'expired ' .. #expired)
      end
      local live = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf')
      local out = {}
      for i = 1, #live, 1000 do
        local values = redis.call('HMGET', KEYS[2], unpack(live, i, math.min(i + 999, #live)))
        for _, v in ipairs(values) do
          if v then
            out[#out + 1] = v
          end
        end
      end
      return out
      """, ScriptOutputType.MULTI);
}
