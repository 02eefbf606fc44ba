package dev.layerkit.test.servers;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Says, quickly and without logging, whether a Docker engine might answer, before Testcontainers
 * is asked.
 *
 * <p>Testcontainers' own check takes a few hundred milliseconds and logs an error with a list of
 * failed strategies when there is no Docker, which is the normal case on many CI machines. So
 * Testcontainers is consulted only when something points at an engine: {@code DOCKER_HOST}, a
 * {@code docker.host} in {@code ~/.testcontainers.properties}, or a Docker socket at one of the usual
 * places that accepts a connection. Stateless and thread-safe.
 */
final class DockerProbe {

  /** Where a Docker engine on Linux listens by default. */
  static final Path SYSTEM_SOCKET = Path.of("/var/run/docker.sock");

  private DockerProbe() {}

  /**
   * Returns what points at a Docker engine.
   *
   * @param environment the process environment
   * @param home the user's home directory
   * @param systemSocket the system-wide socket, {@link #SYSTEM_SOCKET} but in tests
   * @return a short description of the hint, e.g. "socket /var/run/docker.sock"
   * @throws ServerUnavailableException if nothing does; the message lists where it looked
   */
  static String requireDockerHint(Lookup environment, Path home, Path systemSocket)
      throws ServerUnavailableException {
    String dockerHost = environment.get("DOCKER_HOST");
    if (dockerHost != null && !dockerHost.isBlank()) {
      return "DOCKER_HOST=" + dockerHost;
    }
    Path properties = home.resolve(".testcontainers.properties");
    if (mentionsDockerHost(properties)) {
      return "docker.host in " + properties;
    }
    List<Path> sockets = candidateSockets(environment, home, systemSocket);
    for (Path socket : sockets) {
      if (accepts(socket)) {
        return "socket " + socket;
      }
    }
    throw new ServerUnavailableException(
        "no Docker engine: DOCKER_HOST is unset and no socket answers at " + sockets);
  }

  private static List<Path> candidateSockets(Lookup environment, Path home, Path systemSocket) {
    List<Path> sockets = new ArrayList<>();
    sockets.add(systemSocket);
    String runtimeDirectory = environment.get("XDG_RUNTIME_DIR");
    if (runtimeDirectory != null && !runtimeDirectory.isBlank()) {
      sockets.add(Path.of(runtimeDirectory, "docker.sock"));
    }
    sockets.add(home.resolve(".docker/run/docker.sock"));
    sockets.add(home.resolve(".docker/desktop/docker.sock"));
    sockets.add(home.resolve(".rd/docker.sock"));
    return sockets;
  }

  private static boolean mentionsDockerHost(Path properties) {
    if (!Files.isRegularFile(properties)) {
      return false;
    }
    try {
      return Files.readAllLines(properties).stream()
          .map(String::strip)
          .anyMatch(line -> line.startsWith("docker.host"));
    } catch (IOException e) {
      return false;
    }
  }

  private static boolean accepts(Path socket) {
    if (!Files.exists(socket)) {
      return false;
    }
    try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      return channel.connect(UnixDomainSocketAddress.of(socket));
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }
}
