package dev.layerkit.service.idempotency.redis;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.sync.RedisScriptingCommands;
import io.lettuce.core.codec.Base16;
import java.nio.charset.StandardCharsets;

/**
 * A Lua script run by {@code EVALSHA}, with one {@code EVAL} on {@code NOSCRIPT} (a new,
 * restarted or flushed server), which caches the script for the next {@code EVALSHA}.
 *
 * <p>A private copy of the shared runner that branch {@code conv-redis} adds to sdk-core ({@code
 * dev.layerkit.core.internal.redis.RedisScript}), with the same behaviour; it is to be replaced by
 * that runner once the branch is merged. Immutable and thread-safe.
 */
final class LuaScript {

  private final String source;
  private final String sha;

  LuaScript(String source) {
    this.source = source;
    this.sha = Base16.digest(source.getBytes(StandardCharsets.UTF_8));
  }

  <T> T run(RedisScriptingCommands<String, byte[]> commands, ScriptOutputType type, String[] keys,
      byte[]... args) {
    try {
      return commands.evalsha(sha, type, keys, args);
    } catch (RedisNoScriptException e) {
      return commands.eval(source, type, keys, args);
    }
  }
}
