package dev.layerkit.gateway.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;
import io.netty.buffer.Unpooled;

/**
 * A part of an HTTP/1.1 response passed through as bytes, on the gateway's pass-through path: the
 * head as the gateway edited it, or a run of body bytes exactly as the upstream framed them (a
 * slice of a content-length body, or chunked bytes with their chunk lines and trailers). The
 * {@link UpstreamResponseReader} makes the body parts; the {@link Exchange} makes the head and
 * writes both to the client connection, whose {@link GatewayServerCodec} writes the bytes out
 * unchanged, so no {@code HttpResponse} or {@code HttpContent} is built for such a response.
 *
 * <p>Holds its buffer as any {@link DefaultByteBufHolder}: whoever holds the part releases it,
 * which writing it does.
 */
final class RawResponseBytes extends DefaultByteBufHolder {

  /** Which part of the response the bytes are. */
  enum Part {
    /** The status line and header section, ending with the empty line. */
    HEAD,
    /** Body bytes (with their chunked framing, if any); more follow. */
    CONTENT,
    /** The last body bytes, or none: the response ends with them. */
    LAST
  }

  /** The end of a response without a body, or whose last bytes came in an earlier part. */
  static final RawResponseBytes EMPTY_LAST =
      new RawResponseBytes(Part.LAST, Unpooled.EMPTY_BUFFER, 0);

  private final Part part;
  private final long bodyBytes;

  private RawResponseBytes(Part part, ByteBuf bytes, long bodyBytes) {
    super(bytes);
    this.part = part;
    this.bodyBytes = bodyBytes;
  }

  /** The head as it goes to the client. */
  static RawResponseBytes head(ByteBuf bytes) {
    return new RawResponseBytes(Part.HEAD, bytes, 0);
  }

  /**
   * Body bytes.
   *
   * @param bodyBytes how many of them are body, without chunked framing (for the access log)
   * @param last whether the response ends with them
   */
  static RawResponseBytes body(ByteBuf bytes, long bodyBytes, boolean last) {
    return new RawResponseBytes(last ? Part.LAST : Part.CONTENT, bytes, bodyBytes);
  }

  Part part() {
    return part;
  }

  boolean isLast() {
    return part == Part.LAST;
  }

  /** The body bytes among {@link #content()}, chunked framing and trailers not counted. */
  long bodyBytes() {
    return bodyBytes;
  }

  @Override
  public RawResponseBytes replace(ByteBuf content) {
    return new RawResponseBytes(part, content, bodyBytes);
  }

  @Override
  public String toString() {
    return "RawResponseBytes(" + part + ", " + content().readableBytes() + " B)";
  }
}
