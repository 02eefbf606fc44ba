package dev.layerkit.test.servers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Drops a share of the loopback packets to and from some TCP ports of this test's own servers:
 * real packet loss, repaired by TCP, for servers a client reaches through addresses they announce
 * themselves (Kafka brokers advertise {@code localhost:<port>}, so a relay such as
 * {@link LossyLink} would be bypassed after the first metadata call).
 *
 * <p>An nftables table of its own ({@code inet layerkit_loss_<pid>_<n>}) with one rule on the
 * output hook that matches only {@code lo} packets whose source or destination port is one of the
 * given ports: every other connection on the machine, other tests' included, is untouched, as long
 * as the ports are servers this test started. ({@code tc netem} is not built into this machine
 * kind's kernel.) Needs root and {@code nft} (Debian: {@code apt-get install nftables}). Closing
 * deletes the table; a shutdown hook does too if the test does not.
 */
public final class LoopbackPortLoss implements AutoCloseable {

  private static final AtomicInteger COUNTER = new AtomicInteger();
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(20);

  private final String table;
  private final String ports;
  private final Thread cleanup;
  private volatile boolean closed;

  private LoopbackPortLoss(String table, String ports) {
    this.table = table;
    this.ports = ports;
    this.cleanup = new Thread(this::deleteQuietly, "loopback-port-loss-cleanup");
  }

  /**
   * Creates the table, lossless; {@link #loss(double)} sets the share.
   *
   * @param ports the servers' ports on loopback, at least one
   * @return the rule set
   * @throws IllegalArgumentException if no port is given or one is out of range
   * @throws IllegalStateException if {@code nft} is missing or fails (the message says why)
   */
  public static LoopbackPortLoss onPorts(List<Integer> ports) throws IOException, InterruptedException {
    if (ports.isEmpty()) {
      throw new IllegalArgumentException("ports must not be empty");
    }
    StringJoiner set = new StringJoiner(", ", "{ ", " }");
    for (int port : ports) {
      if (port < 1 || port > 65_535) {
        throw new IllegalArgumentException("port must be in 1..65535 but was " + port);
      }
      set.add(Integer.toString(port));
    }
    if (!Files.isExecutable(Path.of("/usr/sbin/nft"))) {
      throw new IllegalStateException("packet loss needs /usr/sbin/nft (Debian: apt-get install nftables) and root");
    }
    String table = "layerkit_loss_" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet();
    LoopbackPortLoss loss = new LoopbackPortLoss(table, set.toString());
    Runtime.getRuntime().addShutdownHook(loss.cleanup);
    nft("table inet " + table + " {\n chain out { type filter hook output priority 0; }\n}\n");
    return loss;
  }

  /**
   * Drops each matching packet with probability {@code share}; zero stops dropping.
   *
   * @param share the drop probability, from 0 to 1
   * @throws IllegalArgumentException if it is outside [0, 1]
   */
  public void loss(double share) throws IOException, InterruptedException {
    if (!(share >= 0 && share <= 1)) {
      throw new IllegalArgumentException("share must be in [0, 1] but was " + share);
    }
    StringBuilder script = new StringBuilder("flush chain inet " + table + " out\n");
    if (share > 0) {
      long threshold = Math.round(share * 10_000);
      script.append("add rule inet ").append(table).append(" out oifname \"lo\" tcp sport ").append(ports)
          .append(" numgen random mod 10000 < ").append(threshold).append(" counter drop\n");
      script.append("add rule inet ").append(table).append(" out oifname \"lo\" tcp dport ").append(ports)
          .append(" numgen random mod 10000 < ").append(threshold).append(" counter drop\n");
    }
    nft(script.toString());
  }

  /**
   * Returns how many packets were dropped since the share was last set.
   *
   * @return the count
   */
  public long dropped() throws IOException, InterruptedException {
    Process process = new ProcessBuilder("nft", "list", "table", "inet", table).redirectErrorStream(true).start();
    String rules = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    process.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    Matcher m = Pattern.compile("packets (\\d+)").matcher(rules);
    long dropped = 0;
    while (m.find()) {
      dropped += Long.parseLong(m.group(1));
    }
    return dropped;
  }

  private static void nft(String script) throws IOException, InterruptedException {
    Process process = new ProcessBuilder("nft", "-f", "-").redirectErrorStream(true).start();
    process.getOutputStream().write(script.getBytes(StandardCharsets.UTF_8));
    process.getOutputStream().close();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IllegalStateException("nft failed on:\n" + script + output.strip());
    }
  }

  private synchronized void deleteQuietly() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      nft("delete table inet " + table + "\n");
    } catch (IOException | RuntimeException e) {
      // nothing more to do
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Deletes the table. */
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
    return "LoopbackPortLoss{" + table + ", ports " + ports + '}';
  }
}
