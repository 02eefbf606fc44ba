package dev.layerkit.test.servers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DockerProbeTest {

  private static final Lookup NOTHING_SET = Lookup.of(Map.of());

  @TempDir Path home;

  @Test
  void findsNoDockerWhenNothingPointsAtOne() {
    Path noSocket = home.resolve("docker.sock");

    assertThatThrownBy(() -> DockerProbe.requireDockerHint(NOTHING_SET, home, noSocket))
        .isInstanceOf(ServerUnavailableException.class)
        .hasMessageStartingWith("no Docker engine: DOCKER_HOST is unset and no socket answers at [")
        .hasMessageContaining(noSocket.toString());
  }

  @Test
  void aStaleSocketFileIsNoDocker() throws Exception {
    Path stale = Files.createFile(home.resolve("docker.sock"));

    assertThatThrownBy(() -> DockerProbe.requireDockerHint(NOTHING_SET, home, stale))
        .isInstanceOf(ServerUnavailableException.class);
  }

  @Test
  void aSocketThatAcceptsConnectionsIsAHint() throws Exception {
    Path socket = home.resolve("docker.sock");
    try (ServerSocketChannel engine = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      engine.bind(UnixDomainSocketAddress.of(socket));

      assertThat(DockerProbe.requireDockerHint(NOTHING_SET, home, socket))
          .isEqualTo("socket " + socket);
    }
  }

  @Test
  void dockerHostOrTestcontainersConfigurationIsAHint() throws Exception {
    Path noSocket = home.resolve("docker.sock");

    assertThat(DockerProbe.requireDockerHint(
            Lookup.of(Map.of("DOCKER_HOST", "tcp://127.0.0.1:2375")), home, noSocket))
        .isEqualTo("DOCKER_HOST=tcp://127.0.0.1:2375");

    Files.writeString(home.resolve(".testcontainers.properties"), "docker.host=unix:///x.sock\n");
    assertThat(DockerProbe.requireDockerHint(NOTHING_SET, home, noSocket))
        .startsWith("docker.host in ");
  }
}
