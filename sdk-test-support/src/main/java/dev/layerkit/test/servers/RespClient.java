package dev.layerkit.test.servers;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A minimal blocking Redis (RESP2) client, enough to check that a server answers and to remove
 * the keys tests left on a shared server.
 *
 * <p>Hand-written because the test support must not require Lettuce of a module that only wants,
 * say, PostgreSQL; a module testing a Redis backend brings its own client. Replies map to
 * {@code String} (simple and bulk strings), {@code Long}, {@code List<Object>} and null. Not
 * thread-safe: one caller per connection. Every read and write is bounded by the timeout given to
 * {@link #connect}, so a server that hangs fails the call instead of the test run.
 */
final class RespClient implements Closeable {

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  private RespClient(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new BufferedInputStream(socket.getInputStream());
    this.out = new BufferedOutputStream(socket.getOutputStream());
  }

  /**
   * Opens a connection.
   *
   * @param host the server's host
   * @param port the server's port
   * @param timeout the bound on connecting and on each read
   * @return a connected client
   * @throws IOException if the connection cannot be made
   */
  static RespClient connect(String host, int port, Duration timeout) throws IOException {
    Socket socket = new Socket();
    try {
      int millis = Math.toIntExact(timeout.toMillis());
      socket.connect(new InetSocketAddress(host, port), millis);
      socket.setSoTimeout(millis);
      return new RespClient(socket);
    } catch (IOException | RuntimeException e) {
      socket.close();
      throw e;
    }
  }

  /**
   * Sends one command and returns its reply.
   *
   * @param arguments the command and its arguments, e.g. {@code "PING"}
   * @return the reply
   * @throws IOException if the connection fails, times out, or the server answers with an error
   *     (the message quotes it, e.g. {@code NOAUTH Authentication required.})
   */
  @Nullable Object call(String... arguments) throws IOException {
    out.write(("*" + arguments.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
    for (String argument : arguments) {
      byte[] bytes = argument.getBytes(StandardCharsets.UTF_8);
      out.write(("$" + bytes.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(bytes);
      out.write('\r');
      out.write('\n');
    }
    out.flush();
    return readReply();
  }

  private @Nullable Object readReply() throws IOException {
    int type = in.read();
    if (type == -1) {
      throw new EOFException("Redis closed the connection");
    }
    String line = readLine();
    switch (type) {
      case '+':
        return line;
      case '-':
        throw new IOException("Redis answered an error: " + line);
      case ':':
        return Long.parseLong(line);
      case '$':
        return readBulk(Integer.parseInt(line));
      case '*':
        int count = Integer.parseInt(line);
        if (count < 0) {
          return null;
        }
        List<@Nullable Object> items = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
          items.add(readReply());
        }
        return items;
      default:
        throw new IOException("not a Redis reply: '" + (char) type + line + "'");
    }
  }

  private @Nullable String readBulk(int length) throws IOException {
    if (length < 0) {
      return null;
    }
    byte[] bytes = in.readNBytes(length);
    if (bytes.length < length || in.read() != '\r' || in.read() != '\n') {
      throw new EOFException("Redis reply ended early");
    }
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private String readLine() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) != '\r') {
      if (c == -1) {
        throw new EOFException("Redis closed the connection");
      }
      line.write(c);
    }
    if (in.read() != '\n') {
      throw new IOException("malformed Redis reply line");
    }
    return line.toString(StandardCharsets.UTF_8);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
