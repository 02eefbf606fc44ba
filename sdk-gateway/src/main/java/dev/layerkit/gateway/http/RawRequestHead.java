package dev.layerkit.gateway.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;

/**
 * The head of a body-less HTTP/1.1 request as it goes to the upstream, written from the client's
 * bytes ({@link RequestHeadWriter}) rather than encoded from an {@code HttpRequest}: the {@link
 * UpstreamCodec} writes it out unchanged, and the request ends with it (no {@code
 * LastHttpContent} follows).
 *
 * <p>Holds its buffer as any {@link DefaultByteBufHolder}: whoever holds it releases it, which
 * writing it does.
 */
final class RawRequestHead extends DefaultByteBufHolder {

  RawRequestHead(ByteBuf head) {
    super(head);
  }
}
