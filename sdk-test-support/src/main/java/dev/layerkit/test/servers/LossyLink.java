package dev.layerkit.test.servers;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A network path to one TCP server that drops a chosen share of its packets: real IP packet loss,
 * which TCP repairs with retransmissions, as on a lossy link. For this test only: the machine's
 * loopback and every other connection are untouched.
 *
 * <h2>How</h2>
 *
 * <p>A network namespace of the test's own, joined to the host by a veth pair on a private /30
 * subnet; {@code socat} relays in the namespace ({@code <ns address>:<port>}) and on the host's
 * end of the pair ({@code <host address>:<port>}, to the server on loopback), so a client's
 * connection crosses the pair twice, once each way on each leg. {@code nftables} in the namespace
 * drops packets at random as they come in from the pair, with the probability set by
 * {@link #loss(double)}: so a request and a response each meet one drop point. ({@code tc netem}
 * would do the same and also delay, but it is not built into this machine kind's kernel; latency
 * is {@link LatencyProxy}'s.)
 *
 * <p>Needs root, {@code ip} (iproute2), {@code nft} (nftables) and {@code socat}; CI installs
 * them ({@code apt-get install nftables socat iproute2}). Closing kills the relays and deletes the
 * namespace, and with it the pair and the rules; a shutdown hook does the same if the test does
 * not.
 */
public final class LossyLink implements AutoCloseable {

  private static final AtomicInteger COUNTER = new AtomicInteger();
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(20);

  private final String namespace;
  private final String hostAddress;
  private final String namespaceAddress;
  private final int port;
  private final List<Process> relays = new ArrayList<>();
  private final Thread cleanup;
  private volatile boolean closed;

  private LossyLink(String namespace, String hostAddress, String namespaceAddress, int port) {
    this.namespace = namespace;
    this.hostAddress = hostAddress;
    this.namespaceAddress = namespaceAddress;
    this.port = port;
    this.cleanup = new Thread(this::deleteQuietly, "lossy-link-cleanup-" + namespace);
  }

  /**
   * Sets up a lossless path to {@code 127.0.0.1:serverPort}; {@link #loss(double)} makes it
   * lossy.
   *
   * @param serverPort the server's port on 127.0.0.1
   * @return the path; connect to {@link #host()}:{@link #port()}
   * @throws IllegalStateException if a tool is missing or a step fails (the message says which)
   */
  public static LossyLink to(int serverPort) throws IOException, InterruptedException {
    for (String tool : List.of("/usr/sbin/ip", "/usr/sbin/nft", "/usr/bin/socat")) {
      if (!Files.isExecutable(Path.of(tool))) {
        throw new IllegalStateException("a lossy link needs " + tool
            + " (Debian: apt-get install iproute2 nftables socat) and root");
      }
    }
    int id = (int) (ProcessHandle.current().pid() % 10_000) * 10 + COUNTER.incrementAndGet() % 10;
    String namespace = "lk-loss-" + id;
    String hostSide = "lkh" + id;
    String namespaceSide = "lkn" + id;
    // A /30 in 10.213.0.0/16 picked at random: two links at once do not collide in practice.
    int block = ThreadLocalRandom.current().nextInt(1, 16_383);
    String base = "10.213." + (block >> 6) + ".";
    int low = (block & 63) * 4;
    String hostAddress = base + (low + 1);
    String namespaceAddress = base + (low + 2);
    int port = 20_000 + ThreadLocalRandom.current().nextInt(20_000);
    LossyLink link = new LossyLink(namespace, hostAddress, namespaceAddress, port);
    Runtime.getRuntime().addShutdownHook(link.cleanup);
    try {
      run("ip", "netns", "add", namespace);
      run("ip", "link", "add", hostSide, "type", "veth", "peer", "name", namespaceSide, "netns", namespace);
      run("ip", "addr", "add", hostAddress + "/30", "dev", hostSide);
      run("ip", "link", "set", hostSide, "up");
      run("ip", "-n", namespace, "addr", "add", namespaceAddress + "/30", "dev", namespaceSide);
      run("ip", "-n", namespace, "link", "set", namespaceSide, "up");
      run("ip", "-n", namespace, "link", "set", "lo", "up");
      runWithInput("table inet lossy {\n chain in { type filter hook input priority 0; }\n}\n",
          "ip", "netns", "exec", namespace, "nft", "-f", "-");
      link.relays.add(relay(List.of("socat", "TCP-LISTEN:" + port + ",bind=" + hostAddress + ",fork,reuseaddr",
          "TCP:127.0.0.1:" + serverPort)));
      link.relays.add(relay(List.of("ip", "netns", "exec", namespace, "socat",
          "TCP-LISTEN:" + port + ",bind=" + namespaceAddress + ",fork,reuseaddr",
          "TCP:" + hostAddress + ":" + port)));
      link.awaitListening();
      return link;
    } catch (IOException | InterruptedException | RuntimeException e) {
      link.close();
      throw e;
    }
  }

  /** Returns the address to connect to (the relay in the namespace). */
  public String host() {
    return namespaceAddress;
  }

  /** Returns the port to connect to. */
  public int port() {
    return port;
  }

  /**
   * Drops each packet that enters the namespace from the pair with probability {@code share};
   * zero makes the path lossless again. Takes effect for packets from now on.
   *
   * @param share the drop probability, from 0 to 1
   * @throws IllegalArgumentException if it is outside [0, 1]
   */
  public void loss(double share) throws IOException, InterruptedException {
    if (!(share >= 0 && share <= 1)) {
      throw new IllegalArgumentException("share must be in [0, 1] but was " + share);
    }
    run("ip", "netns", "exec", namespace, "nft", "flush", "chain", "inet", "lossy", "in");
    if (share > 0) {
      String threshold = Integer.toString((int) Math.round(share * 10_000));
      run("ip", "netns", "exec", namespace, "nft", "add", "rule", "inet", "lossy", "in", "iifname", "!=", "lo",
          "numgen", "random", "mod", "10000", "<", threshold, "counter", "drop");
    }
  }

  /**
   * Returns how many packets the loss rule dropped since it was last set.
   *
   * @return the count
   */
  public long dropped() throws IOException, InterruptedException {
    String rules = run("ip", "netns", "exec", namespace, "nft", "list", "chain", "inet", "lossy", "in");
    Matcher m = Pattern.compile("packets (\\d+)").matcher(rules);
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }

  private void awaitListening() throws InterruptedException {
    long deadline = System.nanoTime() + COMMAND_TIMEOUT.toNanos();
    while (true) {
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress(namespaceAddress, port), 1_000);
        return;
      } catch (IOException notYet) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("the relays of " + namespace + " did not listen within " + COMMAND_TIMEOUT);
        }
        Thread.sleep(20); // polling the relays' start-up
      }
    }
  }

  private static Process relay(List<String> command) throws IOException {
    return new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
  }

  private static String run(String... command) throws IOException, InterruptedException {
    return runWithInput(null, command);
  }

  private static String runWithInput(@Nullable String input, String... command)
      throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    if (input != null) {
      process.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
    }
    process.getOutputStream().close();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed: " + output.strip());
    }
    return output;
  }

  private synchronized void deleteQuietly() {
    if (closed) {
      return;
    }
    closed = true;
    for (Process relay : relays) {
      relay.descendants().forEach(ProcessHandle::destroyForcibly);
      relay.destroyForcibly();
    }
    try {
      // Deleting the namespace deletes its end of the pair, and so the pair.
      new ProcessBuilder("ip", "netns", "delete", namespace).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    } catch (IOException e) {
      // nothing more to do
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Kills the relays and deletes the namespace. */
  @Override
  public void close() {
    deleteQuietly();
    try {
      Runtime.getRuntime().removeShutdownHook(cleanup);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs anyway
    }
  }

  @Override
  public String toString() {
    return "LossyLink{" + namespace + ", " + namespaceAddress + ":" + port + '}';
  }
}
