package dev.layerkit.gateway.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Writes the head an upstream gets for a request read as bytes ({@link RequestHeadScanner}): the
 * request line with the route's rewritten target, the client's header lines copied as they came,
 * less the lines the gateway must not forward, plus the lines it adds. The result is the head
 * {@link Exchange}'s {@code prepareHead} gives a decoded request, encoded by Netty's {@code
 * HttpRequestEncoder}, modulo the case of the gateway's own header names and the white space
 * around values:
 *
 * <ul>
 *   <li>dropped: the hop-by-hop lines ({@link HopByHop}: {@code Connection}, {@code Keep-Alive},
 *       {@code Proxy-Connection}, {@code TE}, {@code Trailer}, {@code Upgrade}, {@code
 *       Proxy-Authenticate}, {@code Proxy-Authorization}; a scanned {@code Connection} names no
 *       other header), the client's {@code X-Forwarded-For} and {@code X-Forwarded-Proto}, its
 *       {@code X-Forwarded-Host} if it sent a {@code Host}, its {@code X-Request-Id}, and what the
 *       route's rewrite removes or sets;</li>
 *   <li>added, in the decoded path's order: {@code X-Forwarded-For} (the client's first value, a
 *       comma and the client's address), {@code X-Forwarded-Proto}, {@code X-Forwarded-Host} (the
 *       first {@code Host}), unless the rewrite removes or sets them; the rewrite's set and added
 *       headers; the gateway's {@code X-Request-Id}.</li>
 * </ul>
 *
 * <p>Without a rewrite (the common case) it allocates only the output buffer. Stateless and
 * thread-safe.
 */
final class RequestHeadWriter {

  private static final String[] DROPPED = {
      "connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade",
      "proxy-authenticate", "proxy-authorization", "x-request-id",
      Forwarded.X_FORWARDED_FOR.toString(), Forwarded.X_FORWARDED_PROTO.toString()};
  private static final byte[] HTTP_1_1 = bytes(" HTTP/1.1\r\n");
  private static final byte[] COLON = bytes(": ");
  private static final byte[] COMMA = bytes(", ");
  private static final short CRLF = ('\r' << 8) | '\n';

  private RequestHeadWriter() {}

  /**
   * Returns the upstream's head for a scanned request.
   *
   * @param method the request's method
   * @param uri the target after the route's rewrite, in origin form
   * @param headers the client's headers, untouched
   * @param clientIp the client's address, for {@code X-Forwarded-For}
   * @param proto {@code http} or {@code https}, for {@code X-Forwarded-Proto}
   * @param rewrite the route's request rewrite
   * @param requestId the gateway's request id
   * @return a new buffer with the head, ending with its empty line
   */
  static ByteBuf write(ByteBufAllocator alloc, HttpMethod method, String uri,
      ScannedRequestHeaders headers, String clientIp, String proto, HeaderRewrite rewrite,
      String requestId) {
    byte[] bytes = headers.bytes();
    int hostLine = headers.find(HttpHeaderNames.HOST);
    int forwardedForLine = headers.find(Forwarded.X_FORWARDED_FOR);
    boolean empty = rewrite.isEmpty();
    // Room for the copied lines, the two values copied again (at most the head each) and ours.
    ByteBuf out = alloc.buffer(2 * bytes.length + uri.length() + clientIp.length()
        + requestId.length() + 96);
    ByteBufUtil.copy(method.asciiName(), out);
    out.writeByte(' ');
    out.writeCharSequence(uri, StandardCharsets.UTF_8); // as HttpRequestEncoder writes it
    out.writeBytes(HTTP_1_1);
    for (int line = 0; line < headers.lineCount(); line++) {
      if (dropped(headers, line, hostLine >= 0) || (!empty && rewritten(headers, line, rewrite))) {
        continue;
      }
      int start = headers.lineStart(line);
      out.writeBytes(bytes, start, headers.lineEnd(line) - start);
    }
    if (empty || !touches(rewrite, Forwarded.X_FORWARDED_FOR)) {
      out.writeCharSequence(Forwarded.X_FORWARDED_FOR, StandardCharsets.US_ASCII);
      out.writeBytes(COLON);
      if (forwardedForLine >= 0) {
        int start = headers.valueStart(forwardedForLine);
        out.writeBytes(bytes, start, headers.valueEnd(forwardedForLine) - start);
        out.writeBytes(COMMA);
      }
      out.writeCharSequence(clientIp, StandardCharsets.US_ASCII);
      out.writeShort(CRLF);
    }
    if (empty || !touches(rewrite, Forwarded.X_FORWARDED_PROTO)) {
      header(out, Forwarded.X_FORWARDED_PROTO, proto);
    }
    if (hostLine >= 0 && (empty || !touches(rewrite, Forwarded.X_FORWARDED_HOST))) {
      out.writeCharSequence(Forwarded.X_FORWARDED_HOST, StandardCharsets.US_ASCII);
      out.writeBytes(COLON);
      int start = headers.valueStart(hostLine);
      out.writeBytes(bytes, start, headers.valueEnd(hostLine) - start);
      out.writeShort(CRLF);
    }
    if (!empty) {
      List<String[]> set = rewrite.setHeaders();
      for (int i = 0; i < set.size(); i++) {
        header(out, set.get(i)[0], set.get(i)[1]);
      }
      List<String[]> added = rewrite.addedHeaders();
      for (int i = 0; i < added.size(); i++) {
        header(out, added.get(i)[0], added.get(i)[1]);
      }
    }
    header(out, ErrorResponses.REQUEST_ID, requestId);
    out.writeShort(CRLF);
    return out;
  }

  private static boolean dropped(ScannedRequestHeaders headers, int line, boolean hasHost) {
    for (String name : DROPPED) {
      if (headers.nameIs(line, name)) {
        return true;
      }
    }
    // The decoded path sets X-Forwarded-Host only when there is a Host to set it to.
    return hasHost && headers.nameIs(line, Forwarded.X_FORWARDED_HOST);
  }

  /** Whether the rewrite removes or sets the line's header. */
  private static boolean rewritten(ScannedRequestHeaders headers, int line, HeaderRewrite rewrite) {
    List<String> removed = rewrite.removedNames();
    for (int i = 0; i < removed.size(); i++) {
      if (headers.nameIs(line, removed.get(i))) {
        return true;
      }
    }
    List<String[]> set = rewrite.setHeaders();
    for (int i = 0; i < set.size(); i++) {
      if (headers.nameIs(line, set.get(i)[0])) {
        return true;
      }
    }
    return false;
  }

  /** Whether the rewrite removes or sets a header the gateway adds. */
  private static boolean touches(HeaderRewrite rewrite, CharSequence name) {
    List<String> removed = rewrite.removedNames();
    for (int i = 0; i < removed.size(); i++) {
      if (AsciiString.contentEqualsIgnoreCase(removed.get(i), name)) {
        return true;
      }
    }
    List<String[]> set = rewrite.setHeaders();
    for (int i = 0; i < set.size(); i++) {
      if (AsciiString.contentEqualsIgnoreCase(set.get(i)[0], name)) {
        return true;
      }
    }
    return false;
  }

  private static void header(ByteBuf out, CharSequence name, CharSequence value) {
    out.writeCharSequence(name, StandardCharsets.US_ASCII);
    out.writeBytes(COLON);
    // Rewrite values are checked for control characters, not for ASCII: as the encoder does.
    out.writeCharSequence(value, StandardCharsets.US_ASCII);
    out.writeShort(CRLF);
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }
}
