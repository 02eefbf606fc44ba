package dev.layerkit.test.servers;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy on loopback that adds a fixed one-way delay to every byte in each direction, so a
 * round trip through it takes {@code 2 x delay} longer: a slow network between a client and one
 * server, for this test only (the machine's loopback is untouched).
 *
 * <p>Why by hand: Linux's {@code netem} is not built into this machine kind's kernel
 * ({@code CONFIG_NET_SCH_NETEM} is off, and it loads no modules), Toxiproxy is neither a Debian
 * package nor on Maven Central, and the Java proxies that delay (NetCrusher) are unmaintained.
 * Packet loss needs no proxy: {@link LossyLink} drops real packets with nftables.
 *
 * <p>Each accepted connection gets an upstream connection and, per direction, a reader that
 * stamps each chunk with its arrival time and a writer that sends chunks in order once
 * {@code delay} has passed since their arrival (bandwidth is not limited). Closing either side
 * closes both. Sleeping is how the writer emulates the wire; no test logic waits on it.
 */
public final class LatencyProxy implements AutoCloseable {

  private static final AtomicInteger THREADS = new AtomicInteger();

  private final ServerSocket server;
  private final InetSocketAddress upstream;
  private final long delayNanos;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private volatile boolean closed;

  private LatencyProxy(InetSocketAddress upstream, Duration delay) throws IOException {
    this.upstream = upstream;
    this.delayNanos = delay.toNanos();
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    daemon("latency-proxy-accept", this::acceptLoop).start();
  }

  /**
   * Starts a proxy to {@code host:port} that delays each direction by {@code oneWayDelay}.
   *
   * @param host the server's host
   * @param port the server's port
   * @param oneWayDelay the delay added in each direction; a round trip takes twice as long more
   * @return the running proxy
   * @throws IOException if it cannot listen
   * @throws IllegalArgumentException if the delay is negative
   */
  public static LatencyProxy start(String host, int port, Duration oneWayDelay) throws IOException {
    Objects.requireNonNull(host, "host");
    if (oneWayDelay.isNegative()) {
      throw new IllegalArgumentException("oneWayDelay must be >= 0 but was " + oneWayDelay);
    }
    return new LatencyProxy(new InetSocketAddress(host, port), oneWayDelay);
  }

  /** Returns the port to connect to, on 127.0.0.1. */
  public int port() {
    return server.getLocalPort();
  }

  /** Returns {@code redis://127.0.0.1:<port>}, for a proxy in front of Redis. */
  public String redisUri() {
    return "redis://127.0.0.1:" + port();
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        Socket client = server.accept();
        Socket server = new Socket();
        server.connect(upstream, 10_000);
        client.setTcpNoDelay(true);
        server.setTcpNoDelay(true);
        sockets.add(client);
        sockets.add(server);
        pipe(client, server);
        pipe(server, client);
      } catch (IOException e) {
        if (!closed) {
          continue; // one failed connection; keep accepting
        }
      }
    }
  }

  /** Chunks read from one side, stamped with their arrival, written to the other in order. */
  private void pipe(Socket from, Socket to) {
    ArrayDeque<Chunk> queue = new ArrayDeque<>();
    daemon("latency-proxy-read", () -> {
      byte[] buffer = new byte[16 * 1024];
      try (InputStream in = from.getInputStream()) {
        int n;
        while ((n = in.read(buffer)) >= 0) {
          Chunk chunk = new Chunk(System.nanoTime() + delayNanos, Arrays.copyOf(buffer, n));
          synchronized (queue) {
            queue.addLast(chunk);
            queue.notifyAll();
          }
        }
      } catch (IOException e) {
        // the connection ended
      }
      synchronized (queue) {
        queue.addLast(Chunk.END);
        queue.notifyAll();
      }
    }).start();
    daemon("latency-proxy-write", () -> {
      try (OutputStream out = to.getOutputStream()) {
        while (true) {
          Chunk chunk;
          synchronized (queue) {
            while (queue.isEmpty()) {
              queue.wait();
            }
            chunk = queue.removeFirst();
          }
          if (chunk == Chunk.END) {
            break;
          }
          long wait = chunk.dueNanos - System.nanoTime();
          if (wait > 0) {
            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
          }
          out.write(chunk.bytes);
          out.flush();
        }
      } catch (IOException | InterruptedException e) {
        // the connection ended
      }
      closeQuietly(from);
      closeQuietly(to);
    }).start();
  }

  private record Chunk(long dueNanos, byte[] bytes) {
    static final Chunk END = new Chunk(0, new byte[0]);
  }

  private static Thread daemon(String name, Runnable task) {
    Thread thread = new Thread(task, name + "-" + THREADS.incrementAndGet());
    thread.setDaemon(true);
    return thread;
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // closing anyway
    }
  }

  /** Stops accepting and closes every connection. */
  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException e) {
      // closing anyway
    }
    sockets.forEach(LatencyProxy::closeQuietly);
  }
}
