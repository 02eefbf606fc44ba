package dev.layerkit.gateway.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.layerkit.gateway.lb.Endpoint;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A small real HTTP server for the gateway's tests (the JDK's {@code HttpServer}, keep-alive):
 * {@code /id} names the server, {@code /echo} returns the request line and headers it got,
 * {@code /upload} answers the SHA-256 and length of the body, {@code /slow} answers only once
 * {@link #releaseSlow()} is called (or the server closes),
 * {@code /cacheable} answers with {@code Cache-Control: max-age=60} and an {@code ETag}, {@code
 * /big} streams {@link #BIG_BODY_BYTES} bytes.
 */
final class TestUpstream implements AutoCloseable {

  static {
    // The JDK server writes a response's head and body separately; without TCP_NODELAY the body
    // waits for the client's delayed ACK (about 40 ms a request), which makes load tests crawl.
    System.setProperty("sun.net.httpserver.nodelay", "true");
  }

  /** The length of a {@code /big} response. */
  static final int BIG_BODY_BYTES = 8 * 1024 * 1024;

  private final String name;
  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  final AtomicInteger requests = new AtomicInteger();
  private volatile String cacheableBody = "v1";
  private final CountDownLatch slowAnswers = new CountDownLatch(1);
  private final CountDownLatch slowRequests = new CountDownLatch(1);
  /** Held (shared) by every request being answered; {@link #closeBetweenResponses()} takes it whole. */
  private final ReadWriteLock answering = new ReentrantReadWriteLock();
  private volatile boolean dead;

  TestUpstream(String name) throws IOException {
    this(name, 0);
  }

  TestUpstream(String name, int port) throws IOException {
    this.name = name;
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 128);
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  Endpoint endpoint() {
    return Endpoint.builder("127.0.0.1", port()).id(name).build();
  }

  /** Lets every held {@code /slow} request answer. */
  void releaseSlow() {
    slowAnswers.countDown();
  }

  /** Returns whether a {@code /slow} request has arrived. */
  boolean slowRequestArrived() {
    return slowRequests.getCount() == 0;
  }

  void setCacheableBody(String body) {
    this.cacheableBody = body;
  }

  private void handle(HttpExchange exchange) throws IOException {
    if (dead || !answering.readLock().tryLock()) {
      // Dying: the connection is closed without an answer, as a crashed process's would be.
      exchange.close();
      return;
    }
    try {
      answer(exchange);
    } finally {
      answering.readLock().unlock();
    }
  }

  private void answer(HttpExchange exchange) throws IOException {
    requests.incrementAndGet();
    String path = exchange.getRequestURI().getPath();
    try (exchange) {
      if (path.endsWith("/upload")) {
        MessageDigest digest = sha256();
        long length = 0;
        byte[] buffer = new byte[16 * 1024];
        try (InputStream in = exchange.getRequestBody()) {
          int read;
          while ((read = in.read(buffer)) >= 0) {
            digest.update(buffer, 0, read);
            length += read;
          }
        }
        send(exchange, 200, HexFormat.of().formatHex(digest.digest()) + " " + length);
      } else if (path.endsWith("/slow")) {
        // Holds the answer until the test releases it (or the server closes): a slow endpoint
        // without a sleep.
        exchange.getRequestBody().readAllBytes();
        slowRequests.countDown();
        try {
          slowAnswers.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        send(exchange, 200, name);
      } else if (path.endsWith("/echo")) {
        exchange.getRequestBody().readAllBytes();
        StringBuilder text = new StringBuilder();
        text.append(exchange.getRequestMethod()).append(' ').append(exchange.getRequestURI()).append('\n');
        Map<String, List<String>> sorted = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        sorted.putAll(exchange.getRequestHeaders());
        sorted.forEach((key, values) -> text.append(key.toLowerCase()).append(": ")
            .append(String.join(",", values)).append('\n'));
        exchange.getResponseHeaders().add("Keep-Alive", "timeout=5");
        exchange.getResponseHeaders().add("X-Upstream", name);
        send(exchange, 200, text.toString());
      } else if (path.endsWith("/cacheable")) {
        exchange.getRequestBody().readAllBytes();
        String body = cacheableBody;
        exchange.getResponseHeaders().add("Cache-Control", "public, max-age=60");
        exchange.getResponseHeaders().add("ETag", "\"" + body + "\"");
        send(exchange, 200, body);
      } else if (path.endsWith("/big")) {
        // 8 MiB, streamed: more than any flow-control window or socket buffer between here and a
        // client that does not read.
        exchange.getRequestBody().readAllBytes();
        exchange.sendResponseHeaders(200, BIG_BODY_BYTES);
        byte[] chunk = new byte[64 * 1024];
        try (var out = exchange.getResponseBody()) {
          for (int sent = 0; sent < BIG_BODY_BYTES; sent += chunk.length) {
            out.write(chunk);
          }
        } catch (IOException e) {
          // The client (or the gateway) went away mid-body: nothing to answer.
        }
      } else if (path.endsWith("/fail")) {
        exchange.getRequestBody().readAllBytes();
        send(exchange, 500, "failed on " + name);
      } else {
        exchange.getRequestBody().readAllBytes();
        send(exchange, 200, name);
      }
    }
  }

  private static void send(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Stops like a process that dies between two responses: no new connection is accepted and every
   * connection is closed, but a response already being written is finished first (a death in the
   * middle of a body is a failure no proxy can hide, since the client already has the headers).
   */
  public void closeBetweenResponses() {
    dead = true;
    releaseSlow();
    answering.writeLock().lock(); // waits for the responses being written
    try {
      server.stop(0);
      executor.shutdownNow();
    } finally {
      answering.writeLock().unlock();
    }
  }

  @Override
  public void close() {
    releaseSlow();
    server.stop(0);
    executor.shutdownNow();
  }

  @Override
  public String toString() {
    return name + "@" + port();
  }
}
