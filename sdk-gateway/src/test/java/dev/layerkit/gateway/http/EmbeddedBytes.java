package dev.layerkit.gateway.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;

/** Bytes in and out of the gateway's pipelines on {@link EmbeddedChannel}s, as ISO-8859-1 text. */
final class EmbeddedBytes {

  private EmbeddedBytes() {}

  /** The text's bytes, one per char, as an HTTP/1.1 peer sends them. */
  static ByteBuf bytes(String text) {
    return Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1);
  }

  /** Everything written out so far, as text; releases what it reads, skipping non-buffers. */
  static String drain(EmbeddedChannel channel) {
    StringBuilder text = new StringBuilder();
    Object message;
    while ((message = channel.readOutbound()) != null) {
      if (message instanceof ByteBuf buffer) {
        text.append(buffer.toString(StandardCharsets.ISO_8859_1));
      }
      ReferenceCountUtil.release(message);
    }
    return text.toString();
  }
}
