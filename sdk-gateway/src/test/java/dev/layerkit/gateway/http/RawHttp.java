package dev.layerkit.gateway.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** A raw HTTP/1.1 client over one socket, for what java.net.http will not send. */
final class RawHttp implements AutoCloseable {

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  RawHttp(int port) throws IOException {
    this(port, InetAddress.getLoopbackAddress());
  }

  /** Connects from a given local address, such as another loopback address ({@code 127.0.0.2}). */
  RawHttp(int port, InetAddress from) throws IOException {
    this.socket = new Socket(InetAddress.getLoopbackAddress(), port, from, 0);
    socket.setSoTimeout(10_000);
    this.in = socket.getInputStream();
    this.out = socket.getOutputStream();
  }

  /** Talks over a socket already connected, such as an {@code SSLSocket} to a TLS gateway. */
  RawHttp(Socket connected) throws IOException {
    this.socket = connected;
    socket.setSoTimeout(10_000);
    this.in = socket.getInputStream();
    this.out = socket.getOutputStream();
  }

  Socket socket() {
    return socket;
  }

  void send(String text) throws IOException {
    out.write(text.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
  }

  void send(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  /** Reads one response with a Content-Length body (all the gateway's own answers have one). */
  Response read() throws IOException {
    String headText = readHead();
    int status = Integer.parseInt(headText.substring(9, 12));
    int length = 0;
    for (String line : headText.split("\r\n")) {
      if (line.toLowerCase().startsWith("content-length:")) {
        length = Integer.parseInt(line.substring(15).trim());
      }
    }
    byte[] body = in.readNBytes(length);
    return new Response(status, headText, new String(body, StandardCharsets.UTF_8));
  }

  /**
   * Reads one response whose body is chunked or has a Content-Length, with the chunked body's
   * trailer fields (names lower-cased).
   */
  ChunkedResponse readWithTrailers() throws IOException {
    String headText = readHead();
    Response head = new Response(Integer.parseInt(headText.substring(9, 12)), headText, "");
    java.util.Map<String, String> trailers = new java.util.TreeMap<>();
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    String encoding = head.header("transfer-encoding");
    if (encoding != null && encoding.equalsIgnoreCase("chunked")) {
      while (true) {
        String sizeLine = readLine();
        int semicolon = sizeLine.indexOf(';');
        int size = Integer.parseInt(
            (semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).trim(), 16);
        if (size == 0) {
          break;
        }
        body.write(in.readNBytes(size));
        readLine(); // CRLF after the chunk
      }
      String line;
      while (!(line = readLine()).isEmpty()) {
        int colon = line.indexOf(':');
        trailers.put(line.substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT),
            line.substring(colon + 1).trim());
      }
    } else {
      String length = head.header("content-length");
      body.write(in.readNBytes(length == null ? 0 : Integer.parseInt(length)));
    }
    return new ChunkedResponse(head.status(), headText, body.toByteArray(), trailers);
  }

  private String readLine() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) != '\n') {
      if (b < 0) {
        throw new IOException("connection closed in a line: " + line);
      }
      if (b != '\r') {
        line.write(b);
      }
    }
    return line.toString(StandardCharsets.ISO_8859_1);
  }

  private String readHead() throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed after " + head.size() + " bytes: " + head);
      }
      head.write(b);
      matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3))
          ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    return head.toString(StandardCharsets.ISO_8859_1);
  }

  /** Returns whether the server has sent bytes that are not read yet. */
  boolean answerWaiting() throws IOException {
    return in.available() > 0;
  }

  /** Returns true if the server closed the connection (reads end of stream). */
  boolean closedByServer() throws IOException {
    try {
      return in.read() < 0;
    } catch (java.net.SocketException e) {
      return true;
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  /** A response with its body's bytes and its trailer fields. */
  record ChunkedResponse(int status, String head, byte[] body, java.util.Map<String, String> trailers) {
    String header(String name) {
      return new Response(status, head, "").header(name);
    }
  }

  record Response(int status, String head, String body) {
    String header(String name) {
      for (String line : head.split("\r\n")) {
        int colon = line.indexOf(':');
        if (colon > 0 && line.substring(0, colon).equalsIgnoreCase(name)) {
          return line.substring(colon + 1).trim();
        }
      }
      return null;
    }
  }
}
