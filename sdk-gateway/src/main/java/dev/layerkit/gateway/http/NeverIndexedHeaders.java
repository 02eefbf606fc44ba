package dev.layerkit.gateway.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http2.Http2HeadersEncoder;
import io.netty.util.AsciiString;

/**
 * Which headers the gateway's HPACK encoders write as "never indexed" literals (RFC 7541, 6.2.3)
 * instead of adding them to the connection's dynamic table: credentials and cookies, as the RFC
 * advises (7.1.3: an indexed secret can be guessed by a peer that shares the compression context),
 * and {@code x-request-id}, which is new on every response. Indexing a value that never repeats
 * cost an insertion into the table and the eviction of entries that do repeat ({@code
 * content-type}, {@code server}), so every response wrote those again in full.
 *
 * <p>Used on both sides: the client connections' frame codec and the HTTP/2 upstream connections'.
 * Stateless and thread-safe.
 */
final class NeverIndexedHeaders implements Http2HeadersEncoder.SensitivityDetector {

  static final NeverIndexedHeaders INSTANCE = new NeverIndexedHeaders();

  private static final AsciiString REQUEST_ID = AsciiString.cached("x-request-id");
  private static final AsciiString[] NAMES = {
      REQUEST_ID, HttpHeaderNames.AUTHORIZATION, HttpHeaderNames.PROXY_AUTHORIZATION,
      HttpHeaderNames.COOKIE, HttpHeaderNames.SET_COOKIE};

  private NeverIndexedHeaders() {}

  @Override
  public boolean isSensitive(CharSequence name, CharSequence value) {
    for (AsciiString candidate : NAMES) {
      if (candidate.contentEqualsIgnoreCase(name)) {
        return true;
      }
    }
    return false;
  }
}
