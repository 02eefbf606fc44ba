package dev.layerkit.gateway.http;

import io.netty.handler.codec.compression.Brotli;
import io.netty.handler.codec.compression.CompressionOptions;
import io.netty.handler.codec.compression.StandardCompressionOptions;
import io.netty.handler.codec.http.HttpContentCompressor;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Netty's {@link HttpContentCompressor} with the gateway's {@link Compression} rules in front:
 * content type, declared size, {@code Content-Encoding} and {@code no-transform} decide whether a
 * response is eligible; an eligible response gets {@code Vary: Accept-Encoding}; Netty then picks
 * the encoding from {@code Accept-Encoding} and compresses. One per connection (it keeps the
 * pipelined requests' {@code Accept-Encoding} values in order).
 */
final class GatewayCompressor extends HttpContentCompressor {

  private final Compression rules;

  GatewayCompressor(Compression rules) {
    super(0, options(rules));
    this.rules = rules;
  }

  private static CompressionOptions[] options(Compression rules) {
    List<CompressionOptions> options = new ArrayList<>(2);
    if (Brotli.isAvailable()) {
      options.add(StandardCompressionOptions.brotli());
    }
    options.add(StandardCompressionOptions.gzip(rules.level(), 15, 8));
    return options.toArray(CompressionOptions[]::new);
  }

  @Override
  protected @Nullable Result beginEncode(HttpResponse response, String acceptEncoding)
      throws Exception {
    HttpHeaders headers = response.headers();
    if (headers.contains(HttpHeaderNames.CONTENT_ENCODING)
        || headers.containsValue(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_TRANSFORM, true)
        || !rules.compresses(headers.get(HttpHeaderNames.CONTENT_TYPE))) {
      return null;
    }
    long length = HttpUtil.getContentLength(response, -1L);
    if (length >= 0 && length < rules.minSize()) {
      return null;
    }
    if (!headers.containsValue(HttpHeaderNames.VARY, HttpHeaderNames.ACCEPT_ENCODING, true)) {
      headers.add(HttpHeaderNames.VARY, HttpHeaderNames.ACCEPT_ENCODING);
    }
    return super.beginEncode(response, acceptEncoding);
  }
}
