package dev.layerkit.test.servers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ResolutionPlanTest {

  private static final Lookup NOTHING_SET = Lookup.of(Map.of());

  @Test
  void triesTestcontainersThenLoopbackThenEmbeddedForRedisAndPostgres() {
    assertThat(ResolutionPlan.plan(ServerKind.REDIS, NOTHING_SET, NOTHING_SET)).containsExactly(
        ServerSource.TESTCONTAINERS, ServerSource.LOOPBACK, ServerSource.EMBEDDED);
    assertThat(ResolutionPlan.plan(ServerKind.POSTGRES, NOTHING_SET, NOTHING_SET)).containsExactly(
        ServerSource.TESTCONTAINERS, ServerSource.LOOPBACK, ServerSource.EMBEDDED);
  }

  @Test
  void triesTestcontainersBeforeTheInProcessServerForMongo() {
    assertThat(ResolutionPlan.plan(ServerKind.MONGO, NOTHING_SET, NOTHING_SET))
        .containsExactly(ServerSource.TESTCONTAINERS, ServerSource.EMBEDDED);
  }

  @Test
  void triesTestcontainersThenStartsKafkaInTheJvmWhenNoUrlIsGiven() {
    assertThat(ResolutionPlan.plan(ServerKind.KAFKA, NOTHING_SET, NOTHING_SET))
        .containsExactly(ServerSource.TESTCONTAINERS, ServerSource.EMBEDDED);
  }

  @Test
  void startsAnEmbeddedRedisClusterWhenNoSeedsAreGiven() {
    assertThat(ResolutionPlan.plan(ServerKind.REDIS_CLUSTER, NOTHING_SET, NOTHING_SET))
        .containsExactly(ServerSource.EMBEDDED);
  }

  @ParameterizedTest
  @EnumSource(ServerKind.class)
  void usesTheEnvironmentUrlAloneWhenSet(ServerKind kind) {
    Lookup environment = Lookup.of(Map.of(kind.environmentVariable(), kind.exampleUrl()));

    assertThat(ResolutionPlan.plan(kind, environment, NOTHING_SET))
        .containsExactly(ServerSource.ENVIRONMENT);
  }

  @ParameterizedTest
  @EnumSource(ServerKind.class)
  void forcedEmbeddedWinsOverTheEnvironmentAndLoopback(ServerKind kind) {
    Lookup environment = Lookup.of(Map.of(kind.environmentVariable(), kind.exampleUrl()));
    Lookup properties = Lookup.of(Map.of(kind.systemProperty(), "embedded"));

    assertThat(ResolutionPlan.plan(kind, environment, properties))
        .containsExactly(ServerSource.EMBEDDED);
  }

  @Test
  void readsThePropertyNamedForTheServerCaseInsensitively() {
    assertThat(ServerKind.POSTGRES.systemProperty()).isEqualTo("layerkit.test.postgres");
    Lookup properties = Lookup.of(Map.of("layerkit.test.postgres", " Embedded "));

    assertThat(ResolutionPlan.plan(ServerKind.POSTGRES, NOTHING_SET, properties))
        .containsExactly(ServerSource.EMBEDDED);
    assertThat(ResolutionPlan.plan(ServerKind.REDIS, NOTHING_SET, properties))
        .as("a property for another server changes nothing")
        .containsExactly(ServerSource.TESTCONTAINERS, ServerSource.LOOPBACK, ServerSource.EMBEDDED);
  }

  @Test
  void treatsABlankEnvironmentVariableAsUnset() {
    Lookup environment = Lookup.of(Map.of("LAYERKIT_TEST_REDIS", "  "));

    assertThat(ResolutionPlan.plan(ServerKind.REDIS, environment, NOTHING_SET))
        .containsExactly(ServerSource.TESTCONTAINERS, ServerSource.LOOPBACK, ServerSource.EMBEDDED);
    assertThat(ResolutionPlan.environmentUrl(ServerKind.REDIS, environment)).isNull();
  }

  @Test
  void trimsTheEnvironmentUrl() {
    Lookup environment = Lookup.of(Map.of("LAYERKIT_TEST_KAFKA", " broker:9092\n"));

    assertThat(ResolutionPlan.environmentUrl(ServerKind.KAFKA, environment)).isEqualTo("broker:9092");
  }

  @Test
  void rejectsAPropertyValueOtherThanEmbeddedNamingPropertyAndValue() {
    Lookup properties = Lookup.of(Map.of("layerkit.test.redis", "loopback"));

    assertThatThrownBy(() -> ResolutionPlan.plan(ServerKind.REDIS, NOTHING_SET, properties))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("layerkit.test.redis must be 'embedded' but was 'loopback'");
  }

  @Test
  void namesTheVariablesDesignMdPromises() {
    assertThat(List.of(ServerKind.values()))
        .extracting(ServerKind::environmentVariable)
        .containsExactly(
            "LAYERKIT_TEST_REDIS", "LAYERKIT_TEST_POSTGRES", "LAYERKIT_TEST_KAFKA",
            "LAYERKIT_TEST_MONGO", "LAYERKIT_TEST_REDIS_CLUSTER");
  }
}
