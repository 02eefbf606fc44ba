package dev.layerkit.test.servers;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tries the ways of getting a server in the planned order and returns the first that works, or
 * fails with a message that lists every way tried and says how to provide a server.
 *
 * <p>A way that finds nothing throws {@link ServerUnavailableException}, and one whose optional
 * library is not on the class path a {@link NoClassDefFoundError}; any other exception counts as
 * a failed way too, since the next way may still work (an embedded PostgreSQL that cannot
 * start is no reason to ignore a Docker engine, say). A test never skips: when no way works the
 * caller gets an {@link IllegalStateException}. Stateless and thread-safe; an attempt runs on the
 * caller's thread.
 */
final class ServerResolver {

  private static final Logger LOG = LoggerFactory.getLogger(ServerResolver.class);

  private ServerResolver() {}

  /**
   * One way of getting a server.
   *
   * @param description what is tried, for the error message, e.g. "loopback Redis on
   *     127.0.0.1:6379"
   * @param action obtains the server; throws {@link ServerUnavailableException} when there is none
   * @param <T> the server handle
   */
  record Attempt<T>(String description, Callable<T> action) {

    /**
     * Creates an attempt.
     *
     * @throws NullPointerException if an argument is null
     */
    Attempt {
      Objects.requireNonNull(description, "description");
      Objects.requireNonNull(action, "action");
    }
  }

  /**
   * Runs the attempts of {@code plan} in order and returns the first server obtained.
   *
   * @param kind the server wanted, for messages
   * @param plan the sources to try, in order, from {@link ResolutionPlan#plan}
   * @param attempts how to try each source; every source in {@code plan} must have one
   * @param <T> the server handle
   * @return the first server obtained
   * @throws IllegalStateException if no attempt obtained a server; the message lists each attempt
   *     with the reason it failed and says how to provide a server; unexpected failures are the
   *     cause and suppressed exceptions
   * @throws IllegalArgumentException if a planned source has no attempt
   */
  static <T> T resolve(
      ServerKind kind, List<ServerSource> plan, Map<ServerSource, Attempt<T>> attempts) {
    List<String> tried = new ArrayList<>();
    List<Exception> failures = new ArrayList<>();
    for (ServerSource source : plan) {
      Attempt<T> attempt = attempts.get(source);
      if (attempt == null) {
        throw new IllegalArgumentException("no attempt given for planned source " + source);
      }
      try {
        T server = attempt.action().call();
        LOG.info("{} for tests: {}", kind.displayName(), server);
        return server;
      } catch (ServerUnavailableException e) {
        LOG.debug("{} not available: {}", attempt.description(), e.getMessage());
        tried.add(attempt.description() + ": " + e.getMessage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(
            "interrupted while getting a " + kind.displayName() + " server for tests", e);
      } catch (NoClassDefFoundError e) {
        // An optional library of layerkit-test-support that the user did not add; the attempt's
        // description names the artifact.
        LOG.debug("{} not on the class path", attempt.description(), e);
        tried.add(attempt.description() + ": its library is not on the test class path (missing "
            + e.getMessage() + "); add the artifact named here with <scope>test</scope>");
      } catch (Exception e) {
        LOG.debug("{} failed", attempt.description(), e);
        tried.add(attempt.description() + ": " + e);
        failures.add(e);
      }
    }
    IllegalStateException failure =
        new IllegalStateException(noServerMessage(kind, plan, tried));
    if (!failures.isEmpty()) {
      failure.initCause(failures.get(0));
      failures.subList(1, failures.size()).forEach(failure::addSuppressed);
    }
    throw failure;
  }

  private static String noServerMessage(
      ServerKind kind, List<ServerSource> plan, List<String> tried) {
    StringBuilder message = new StringBuilder()
        .append("No ").append(kind.displayName()).append(" server for tests. Tried, in order:");
    for (int i = 0; i < tried.size(); i++) {
      message.append(System.lineSeparator()).append("  ").append(i + 1).append(". ")
          .append(tried.get(i));
    }
    message.append(System.lineSeparator()).append(howToProvide(kind, plan));
    return message.toString();
  }

  private static String howToProvide(ServerKind kind, List<ServerSource> plan) {
    String variable = kind.environmentVariable();
    if (plan.equals(List.of(ServerSource.ENVIRONMENT))) {
      return variable + " is set, so nothing else was tried: point it at a running "
          + kind.displayName() + " (for example " + variable + "=" + kind.exampleUrl()
          + ") or unset it to let the tests find or start one.";
    }
    StringBuilder hint = new StringBuilder("To provide one, set ")
        .append(variable).append('=').append(kind.exampleUrl());
    if (kind.hasLoopbackService()) {
      hint.append(", or run ").append(kind.displayName()).append(" on 127.0.0.1:")
          .append(kind.loopbackPort());
    }
    if (plan.equals(List.of(ServerSource.EMBEDDED))) {
      hint.append(", and remove -D").append(kind.systemProperty()).append('=')
          .append(ServerKind.FORCE_EMBEDDED).append(" if it is set");
    }
    return hint.append('.').toString();
  }
}
