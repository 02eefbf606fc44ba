package dev.layerkit.cache.redis;

import dev.layerkit.cache.redis.RedisGuard.RemoteFailure;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The deletions a Redis cache owes Redis: invalidations that failed, and writes that failed or
 * timed out (a timed-out {@code SET} may still land later). Until one is replayed, reads of its key
 * are misses, so an entry written before a failed invalidation is never served once Redis is back.
 *
 * <p>Keys are remembered one by one up to {@link RedisCache#MAX_PENDING_INVALIDATIONS}; beyond
 * that, and for a failed {@code invalidateAll}, the whole namespace is owed. The replay runs on
 * the caller's thread after its operation, one thread at a time: {@code UNLINK}s in batches, or a
 * {@code SCAN} and {@code UNLINK} of the namespace. An {@code UNLINK} sent after a timed-out write
 * on the same connection runs after it, so it removes whatever that write left.
 *
 * <p>Thread-safe.
 */
final class PendingInvalidations {

  /** Keys per SCAN page and per replayed UNLINK. */
  static final int BATCH = 1_000;

  private final RedisClusterAsyncCommands<String, byte[]> commands;
  private final RedisGuard guard;
  private final String keyPrefix;
  private final Set<String> keys = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean all = new AtomicBoolean();
  private final AtomicBoolean replaying = new AtomicBoolean();

  PendingInvalidations(RedisClusterAsyncCommands<String, byte[]> commands, RedisGuard guard, String keyPrefix) {
    this.commands = commands;
    this.guard = guard;
    this.keyPrefix = keyPrefix;
  }

  /** Whether any deletion is owed. */
  boolean owes() {
    return all.get() || !keys.isEmpty();
  }

  /** Whether reads of {@code redisKey} must miss until a deletion is replayed. */
  boolean covers(String redisKey) {
    return all.get() || (!keys.isEmpty() && keys.contains(redisKey));
  }

  /** A successful write of these keys supersedes what was owed for them. */
  void superseded(Collection<String> redisKeys) {
    if (!keys.isEmpty()) {
      keys.removeAll(redisKeys);
    }
  }

  /** Remembers keys whose state in Redis is uncertain, to be deleted by the replay. */
  void remember(Collection<String> redisKeys) {
    if (keys.size() + redisKeys.size() > RedisCache.MAX_PENDING_INVALIDATIONS) {
      all.set(true);
    } else {
      keys.addAll(redisKeys);
    }
  }

  /** Deletes keys now, or remembers them if Redis cannot be told. */
  void delete(List<String> redisKeys) {
    if (guard.permitted()) {
      try {
        guard.await(commands.unlink(redisKeys.toArray(new String[0])), guard.start());
        superseded(redisKeys);
        return;
      } catch (RemoteFailure e) {
        // Remembered below.
      }
    }
    remember(redisKeys);
  }

  /** Deletes the whole namespace now, or owes it if Redis cannot be told. */
  void deleteAll() {
    if (!guard.permitted() || !deleteNamespace()) {
      all.set(true);
    }
  }

  /** Deletes every key under the prefix with SCAN and UNLINK; false if Redis failed. */
  private boolean deleteNamespace() {
    ScanArgs args = ScanArgs.Builder.matches(globEscape(keyPrefix) + '*').limit(BATCH);
    try {
      KeyScanCursor<String> cursor = guard.await(commands.scan(args), guard.start());
      while (true) {
        if (!cursor.getKeys().isEmpty()) {
          guard.await(commands.unlink(cursor.getKeys().toArray(new String[0])), guard.start());
        }
        if (cursor.isFinished()) {
          break;
        }
        cursor = guard.await(commands.scan(cursor, args), guard.start());
      }
    } catch (RemoteFailure e) {
      return false;
    }
    keys.clear();
    all.set(false);
    return true;
  }

  /** Sends what is owed; one thread at a time, after an operation. */
  void replay() {
    // Not gated on a recent success: when every read hits a pending key, the replay is the only
    // call that can show Redis is back. The breaker keeps it cheap during an outage, and a refusal
    // is not an error of its own: the operation that led here was counted.
    if ((keys.isEmpty() && !all.get()) || !replaying.compareAndSet(false, true)) {
      return;
    }
    try {
      if (all.get()) {
        if (guard.permittedQuietly()) {
          deleteNamespace();
        }
        return;
      }
      List<String> batch = new ArrayList<>(keys);
      for (int from = 0; from < batch.size(); from += BATCH) {
        List<String> part = batch.subList(from, Math.min(batch.size(), from + BATCH));
        if (!guard.permittedQuietly()) {
          return;
        }
        guard.await(commands.unlink(part.toArray(new String[0])), guard.start());
        part.forEach(keys::remove);
      }
    } catch (RemoteFailure e) {
      // Stays owed; the next operation tries again.
    } finally {
      replaying.set(false);
    }
  }

  private static String globEscape(String text) {
    StringBuilder out = new StringBuilder(text.length() + 8);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') {
        out.append('\\');
      }
      out.append(c);
    }
    return out.toString();
  }
}
