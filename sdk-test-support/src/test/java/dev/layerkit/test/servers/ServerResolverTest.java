package dev.layerkit.test.servers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The resolution order end to end, from settings through {@link ResolutionPlan} to {@link
 * ServerResolver}, with fake ways of getting a server that record whether they were asked.
 */
class ServerResolverTest {

  private static final Lookup NOTHING_SET = Lookup.of(Map.of());
  private static final Lookup REDIS_URL_SET =
      Lookup.of(Map.of("LAYERKIT_TEST_REDIS", "redis://cache.example:6379"));

  private final List<ServerSource> asked = new ArrayList<>();

  @AfterEach
  void clearInterruptFlag() {
    Thread.interrupted();
  }

  @Test
  void environmentWinsOverAnAnsweringLoopbackService() {
    String server = resolveRedis(REDIS_URL_SET, NOTHING_SET, available("from-env"),
        available("loopback"), available("embedded"));

    assertThat(server).isEqualTo("from-env");
    assertThat(asked).containsExactly(ServerSource.ENVIRONMENT);
  }

  @Test
  void loopbackWinsOverEmbedded() {
    String server = resolveRedis(NOTHING_SET, NOTHING_SET, available("from-env"),
        available("loopback"), available("embedded"));

    assertThat(server).isEqualTo("loopback");
    assertThat(asked).containsExactly(ServerSource.TESTCONTAINERS, ServerSource.LOOPBACK);
  }

  @Test
  void aContainerWinsOverLoopbackWhereDockerAnswers() {
    String server = resolveRedis(NOTHING_SET, NOTHING_SET, available("from-env"),
        available("container"), available("loopback"), available("embedded"));

    assertThat(server).isEqualTo("container");
    assertThat(asked).containsExactly(ServerSource.TESTCONTAINERS);
  }

  @Test
  void fallsBackToEmbeddedWhenNothingAnswersOnLoopback() {
    String server = resolveRedis(NOTHING_SET, NOTHING_SET, available("from-env"),
        unavailable("nothing accepts connections on 127.0.0.1:6379"), available("embedded"));

    assertThat(server).isEqualTo("embedded");
    assertThat(asked).containsExactly(
        ServerSource.TESTCONTAINERS, ServerSource.LOOPBACK, ServerSource.EMBEDDED);
  }

  @Test
  void forcedEmbeddedSkipsTheEnvironmentAndLoopback() {
    Lookup forced = Lookup.of(Map.of("layerkit.test.redis", "embedded"));

    String server = resolveRedis(REDIS_URL_SET, forced, available("from-env"),
        available("loopback"), available("embedded"));

    assertThat(server).isEqualTo("embedded");
    assertThat(asked).containsExactly(ServerSource.EMBEDDED);
  }

  @Test
  void failsSayingWhatWasTriedAndHowToProvideAServer() {
    IOException startFailure = new IOException("redis-server exited with code 1");

    assertThatThrownBy(() -> resolveRedis(NOTHING_SET, NOTHING_SET, available("from-env"),
            unavailable("nothing accepts connections on 127.0.0.1:6379"), failing(startFailure)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContainingAll(
            "No Redis server for tests. Tried, in order:",
            "1. testcontainers: no Docker engine",
            "2. loopback: nothing accepts connections on 127.0.0.1:6379",
            "3. embedded: java.io.IOException: redis-server exited with code 1",
            "set LAYERKIT_TEST_REDIS=redis://host:6379",
            "or run Redis on 127.0.0.1:6379")
        .hasCause(startFailure);
    assertThat(asked).containsExactly(
        ServerSource.TESTCONTAINERS, ServerSource.LOOPBACK, ServerSource.EMBEDDED);
  }

  @Test
  void anEmbeddedServerWhoseOptionalLibraryIsMissingIsNamedInTheFailure() {
    assertThatThrownBy(() -> resolveRedis(NOTHING_SET, NOTHING_SET, available("from-env"),
            unavailable("no Docker engine"), unavailable("nothing on 127.0.0.1:6379"),
            failing(new NoClassDefFoundError("io/zonky/test/db/postgres/embedded/EmbeddedPostgres"))))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("3. embedded: its library is not on the test class path (missing "
            + "io/zonky/test/db/postgres/embedded/EmbeddedPostgres)");
  }

  @Test
  void aBrokenEnvironmentUrlFailsInsteadOfFallingBack() {
    assertThatThrownBy(() -> resolveRedis(REDIS_URL_SET, NOTHING_SET,
            unavailable("redis://cache.example:6379 does not answer PING"),
            available("loopback"), available("embedded")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContainingAll(
            "1. environment: redis://cache.example:6379 does not answer PING",
            "LAYERKIT_TEST_REDIS is set, so nothing else was tried",
            "or unset it")
        .hasNoCause();
    assertThat(asked).containsExactly(ServerSource.ENVIRONMENT);
  }

  @Test
  void aFailedForcedEmbeddedStartSaysWhichPropertyForcedIt() {
    Lookup forced = Lookup.of(Map.of("layerkit.test.postgres", "embedded"));
    Map<ServerSource, ServerResolver.Attempt<String>> attempts = new EnumMap<>(ServerSource.class);
    attempts.put(ServerSource.EMBEDDED,
        failing(new IOException("initdb failed")).apply(ServerSource.EMBEDDED));

    assertThatThrownBy(() -> ServerResolver.resolve(ServerKind.POSTGRES,
            ResolutionPlan.plan(ServerKind.POSTGRES, NOTHING_SET, forced), attempts))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContainingAll("No PostgreSQL server for tests", "initdb failed",
            "LAYERKIT_TEST_POSTGRES=jdbc:postgresql://", "remove -Dlayerkit.test.postgres=embedded");
  }

  @Test
  void keepsEveryUnexpectedFailureAsCauseOrSuppressed() {
    IllegalStateException first = new IllegalStateException("first");
    IllegalStateException second = new IllegalStateException("second");
    Map<ServerSource, ServerResolver.Attempt<String>> attempts = new EnumMap<>(ServerSource.class);
    attempts.put(ServerSource.TESTCONTAINERS, failing(first).apply(ServerSource.TESTCONTAINERS));
    attempts.put(ServerSource.EMBEDDED, failing(second).apply(ServerSource.EMBEDDED));

    assertThatThrownBy(() -> ServerResolver.resolve(ServerKind.MONGO,
            List.of(ServerSource.TESTCONTAINERS, ServerSource.EMBEDDED), attempts))
        .hasCause(first)
        .satisfies(e -> assertThat(e.getSuppressed()).containsExactly(second));
  }

  @Test
  void stopsAndKeepsTheInterruptWhenAnAttemptIsInterrupted() {
    Map<ServerSource, ServerResolver.Attempt<String>> attempts = new EnumMap<>(ServerSource.class);
    attempts.put(ServerSource.LOOPBACK,
        failing(new InterruptedException()).apply(ServerSource.LOOPBACK));
    attempts.put(ServerSource.EMBEDDED, available("embedded").apply(ServerSource.EMBEDDED));

    assertThatThrownBy(() -> ServerResolver.resolve(ServerKind.REDIS,
            List.of(ServerSource.LOOPBACK, ServerSource.EMBEDDED), attempts))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("interrupted");
    assertThat(Thread.currentThread().isInterrupted()).isTrue();
    assertThat(asked).containsExactly(ServerSource.LOOPBACK);
  }

  @Test
  void rejectsAPlanWithoutAnAttemptForOneOfItsSources() {
    Map<ServerSource, ServerResolver.Attempt<String>> none = Map.of();

    assertThatThrownBy(
            () -> ServerResolver.resolve(ServerKind.KAFKA, List.of(ServerSource.EMBEDDED), none))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("no attempt given for planned source EMBEDDED");
  }

  /** Resolves on a machine where no Docker engine answers. */
  private String resolveRedis(Lookup environment, Lookup properties, FakeAttempt fromEnvironment,
      FakeAttempt loopback, FakeAttempt embedded) {
    return resolveRedis(environment, properties, fromEnvironment,
        unavailable("no Docker engine"), loopback, embedded);
  }

  private String resolveRedis(Lookup environment, Lookup properties, FakeAttempt fromEnvironment,
      FakeAttempt container, FakeAttempt loopback, FakeAttempt embedded) {
    Map<ServerSource, ServerResolver.Attempt<String>> attempts = new EnumMap<>(ServerSource.class);
    attempts.put(ServerSource.ENVIRONMENT, fromEnvironment.apply(ServerSource.ENVIRONMENT));
    attempts.put(ServerSource.TESTCONTAINERS, container.apply(ServerSource.TESTCONTAINERS));
    attempts.put(ServerSource.LOOPBACK, loopback.apply(ServerSource.LOOPBACK));
    attempts.put(ServerSource.EMBEDDED, embedded.apply(ServerSource.EMBEDDED));
    return ServerResolver.resolve(ServerKind.REDIS,
        ResolutionPlan.plan(ServerKind.REDIS, environment, properties), attempts);
  }

  /** Makes the attempt for one source; records the source when the attempt runs. */
  @FunctionalInterface
  private interface FakeAttempt {
    ServerResolver.Attempt<String> apply(ServerSource source);
  }

  private FakeAttempt available(String server) {
    return source -> new ServerResolver.Attempt<>(describe(source), () -> {
      asked.add(source);
      return server;
    });
  }

  private FakeAttempt unavailable(String reason) {
    return source -> new ServerResolver.Attempt<>(describe(source), () -> {
      asked.add(source);
      throw new ServerUnavailableException(reason);
    });
  }

  private FakeAttempt failing(Exception failure) {
    return source -> new ServerResolver.Attempt<>(describe(source), () -> {
      asked.add(source);
      throw failure;
    });
  }

  private FakeAttempt failing(Error failure) {
    return source -> new ServerResolver.Attempt<>(describe(source), () -> {
      asked.add(source);
      throw failure;
    });
  }

  private static String describe(ServerSource source) {
    return source.name().toLowerCase(java.util.Locale.ROOT);
  }
}
