package dev.layerkit.service;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import dev.layerkit.gateway.lb.Endpoint;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/** A real HTTP server on a free loopback port that counts the requests it receives. */
final class Upstream implements AutoCloseable {

  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final AtomicInteger requests = new AtomicInteger();
  private volatile boolean stopped;

  private Upstream(HttpHandler handler) throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    server.createContext("/", exchange -> {
      requests.incrementAndGet();
      try {
        handler.handle(exchange);
      } finally {
        exchange.close();
      }
    });
    server.setExecutor(executor);
    server.start();
  }

  static Upstream start(HttpHandler handler) throws IOException {
    return new Upstream(handler);
  }

  /** Answers every request with {@code status}, {@code contentType} and {@code body}. */
  static HttpHandler answer(int status, String contentType, String body) {
    return exchange -> respond(exchange, status, contentType, body);
  }

  static void respond(HttpExchange exchange, int status, String contentType, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getRequestBody().readAllBytes();
    exchange.getResponseHeaders().set("Content-Type", contentType);
    exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    if (bytes.length > 0) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  HttpServer server() {
    return server;
  }

  Endpoint endpoint() {
    return Endpoint.of(server.getAddress().getAddress().getHostAddress(), server.getAddress().getPort());
  }

  int requests() {
    return requests.get();
  }

  /** Stops listening and drops open connections at once, as a crashed process would. */
  void kill() {
    if (!stopped) {
      stopped = true;
      server.stop(0);
    }
  }

  @Override
  public void close() {
    kill();
    executor.shutdownNow();
  }
}
