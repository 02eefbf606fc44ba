package dev.layerkit.service;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import dev.layerkit.core.time.TimeSource;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** The JDK HTTP server filter behind {@link ServerDeadline#filter(TimeSource)}. */
final class DeadlineFilter extends Filter {

  private final TimeSource timeSource;

  DeadlineFilter(TimeSource timeSource) {
    this.timeSource = timeSource;
  }

  @Override
  public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
    String value = ServerDeadline.header(exchange);
    if (value == null) {
      chain.doFilter(exchange);
      return;
    }
    ServerDeadline deadline;
    try {
      deadline = ServerDeadline.parse(value, timeSource);
    } catch (IllegalArgumentException e) {
      reject(exchange, 400, ServerDeadline.HEADER + " is malformed: " + e.getMessage());
      return;
    }
    if (deadline.isExpired()) {
      reject(exchange, 504, "the caller's deadline (" + ServerDeadline.HEADER + ": " + value
          + ") passed before the request was handled");
      return;
    }
    exchange.setAttribute(ServerDeadline.ATTRIBUTE, deadline);
    chain.doFilter(exchange);
  }

  @Override
  public String description() {
    return "honours the " + ServerDeadline.HEADER + " deadline header";
  }

  private static void reject(HttpExchange exchange, int status, String message) throws IOException {
    byte[] body = message.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }
}
