package dev.layerkit.test.servers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContainerSupportTest {

  @Test
  void startsNoContainerAndAsksNoTestcontainersWhenNothingPointsAtDocker(@TempDir Path home) {
    AtomicBoolean started = new AtomicBoolean();

    assertThatThrownBy(() -> ContainerSupport.start(Lookup.of(Map.of()), home,
        home.resolve("docker.sock"), "org.testcontainers:testcontainers", () -> {
          started.set(true);
          return "container";
        }))
        .isInstanceOf(ServerUnavailableException.class)
        .hasMessageContaining("no Docker engine");
    assertThat(started).isFalse();
  }

  @Test
  void redisPostgresKafkaAndMongoAllTryTestcontainersFirstWithoutAUrl() {
    Lookup nothing = Lookup.of(Map.of());
    for (ServerKind kind : new ServerKind[] {
        ServerKind.REDIS, ServerKind.POSTGRES, ServerKind.KAFKA, ServerKind.MONGO}) {
      assertThat(ResolutionPlan.plan(kind, nothing, nothing)).as(kind.displayName())
          .first().isEqualTo(ServerSource.TESTCONTAINERS);
    }
  }
}
