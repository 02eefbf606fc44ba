package dev.layerkit.core.internal.redis;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import io.lettuce.core.api.sync.RedisScriptingCommands;
import io.lettuce.core.codec.Base16;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;
import org.jspecify.annotations.Nullable;

/**
 * A Lua script run the one way every Layerkit Redis backend runs scripts: {@code EVALSHA} by its
 * SHA-1, and on {@code NOSCRIPT} (a server that is new, restarted, failed over or flushed) one
 * {@code EVAL} of the source, which makes the server cache it, so the next call is an
 * {@code EVALSHA} again.
 *
 * <p>The SHA-1 is computed once, when the script is made (Lettuce's {@link Base16#digest}); a
 * script is meant to be a constant. {@link #run} is for Lettuce's synchronous commands, where the
 * connection's command timeout applies; {@link #runAsync} for the asynchronous ones, whose future
 * a caller bounds with its own timeout and cancels, which cancels the command in flight (so a
 * command Lettuce queued while disconnected is not sent later). {@link #load} sends
 * {@code SCRIPT LOAD} ahead of the first call, so that a latency-bound first call is not the one
 * that pays for the fallback (on a cluster connection Lettuce sends it to every node).
 *
 * <p>Immutable and thread-safe; works on standalone and cluster connections of any codec.
 *
 * @param <T> what the script returns, as {@link ScriptOutputType} maps it
 */
public final class RedisScript<T> {

  private final String source;
  private final byte[] sourceBytes;
  private final String sha;
  private final ScriptOutputType outputType;

  private RedisScript(String source, ScriptOutputType outputType) {
    this.source = source;
    this.sourceBytes = source.getBytes(StandardCharsets.UTF_8);
    this.sha = Base16.digest(sourceBytes);
    this.outputType = outputType;
  }

  /**
   * Returns a script.
   *
   * @param source the Lua source
   * @param outputType how Lettuce maps the reply
   * @param <T> the reply type
   * @return the script
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code source} is blank
   */
  public static <T> RedisScript<T> of(String source, ScriptOutputType outputType) {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(outputType, "outputType");
    if (source.isBlank()) {
      throw new IllegalArgumentException("source must not be blank");
    }
    return new RedisScript<>(source, outputType);
  }

  /**
   * Returns a script read from a class-path resource next to {@code owner}.
   *
   * @param owner the class whose package holds the resource
   * @param resource the resource name, for example {@code "token-buckets.lua"}
   * @param outputType how Lettuce maps the reply
   * @param <T> the reply type
   * @return the script
   * @throws IllegalStateException if the resource is missing
   * @throws UncheckedIOException if it cannot be read
   */
  public static <T> RedisScript<T> fromResource(Class<?> owner, String resource, ScriptOutputType outputType) {
    try (InputStream in = owner.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException(resource + " is missing from the class path next to " + owner.getName());
      }
      return of(new String(in.readAllBytes(), StandardCharsets.UTF_8), outputType);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Returns the script's SHA-1, in lower-case hex, as {@code EVALSHA} takes it.
   *
   * @return the SHA-1
   */
  public String sha() {
    return sha;
  }

  /**
   * Runs the script on synchronous commands, loading it if the server does not know it.
   *
   * @param commands the commands of a standalone or cluster connection
   * @param keys the keys the script touches
   * @param args the arguments
   * @param <K> the key type
   * @param <V> the value type
   * @return the reply
   * @throws io.lettuce.core.RedisException if Redis fails, times out or the script raises an error
   */
  @SafeVarargs
  @SuppressWarnings("varargs") // args only passes on to Lettuce's varargs, which reads its values
  public final <K, V> T run(RedisScriptingCommands<K, V> commands, K[] keys, V... args) {
    try {
      return commands.evalsha(sha, outputType, keys, args);
    } catch (RedisNoScriptException e) {
      return commands.eval(source, outputType, keys, args);
    }
  }

  /**
   * Runs the script on asynchronous commands, loading it if the server does not know it. Nothing
   * blocks: the fallback {@code EVAL} is sent from the reply's callback.
   *
   * @param commands the commands of a standalone or cluster connection
   * @param keys the keys the script touches
   * @param args the arguments
   * @param <K> the key type
   * @param <V> the value type
   * @return the reply's future; cancelling it cancels the command in flight
   */
  @SafeVarargs
  @SuppressWarnings("varargs") // args only passes on to Lettuce's varargs, which reads its values
  public final <K, V> CompletableFuture<T> runAsync(RedisScriptingAsyncCommands<K, V> commands, K[] keys, V... args) {
    Call<T> call = new Call<>();
    RedisFuture<T> first = commands.evalsha(sha, outputType, keys, args);
    call.follow(first);
    first.whenComplete((reply, error) -> {
      if (error == null) {
        call.complete(reply);
      } else if (unwrap(error) instanceof RedisNoScriptException && !call.isDone()) {
        RedisFuture<T> second = commands.eval(source, outputType, keys, args);
        call.follow(second);
        second.whenComplete((again, failure) -> call.settle(again, failure));
      } else {
        call.settle(reply, error);
      }
    });
    return call;
  }

  /**
   * Sends {@code SCRIPT LOAD}, so that the next {@link #runAsync} finds the script.
   *
   * @param commands the commands of a standalone or cluster connection
   * @return the future of the SHA-1 the server reports
   */
  public CompletionStage<String> load(RedisScriptingAsyncCommands<?, ?> commands) {
    // The byte[] form: Lettuce's cluster commands send it to every node.
    return commands.scriptLoad(sourceBytes.clone());
  }

  private static Throwable unwrap(Throwable error) {
    return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
  }

  @Override
  public String toString() {
    return "RedisScript{sha=" + sha + ", output=" + outputType + '}';
  }

  /** The caller's future: cancelling it cancels whichever command runs now. */
  private static final class Call<T> extends CompletableFuture<T> {
    private volatile @Nullable Future<?> current;

    void follow(Future<?> command) {
      current = command;
      if (isCancelled()) {
        command.cancel(true);
      }
    }

    void settle(@Nullable T reply, @Nullable Throwable error) {
      if (error == null) {
        complete(reply);
      } else {
        completeExceptionally(unwrap(error));
      }
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      Future<?> command = current;
      if (command != null) {
        command.cancel(mayInterruptIfRunning);
      }
      return super.cancel(mayInterruptIfRunning);
    }
  }
}
