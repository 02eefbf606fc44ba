package dev.layerkit.gateway.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http2.Http2CodecUtil;
import java.util.List;

/**
 * Tells HTTP/2 with prior knowledge (h2c: the client starts with the connection preface {@code
 * PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n}) from HTTP/1.x on a plaintext connection, by its first bytes,
 * then builds the matching pipeline and leaves it.
 *
 * <p>It holds back {@code channelActive} until the protocol is known, so the handlers it adds see
 * the connection start as if they had been there from the first; the bytes it read are then
 * handed to them unchanged. An HTTP/1.x request differs from the preface within its first bytes
 * ({@code PRI} is no method anyone sends), so the decision costs one read.
 */
final class CleartextProtocolDetector extends ByteToMessageDecoder {

  private static final ByteBuf PREFACE = Http2CodecUtil.connectionPrefaceBuf();

  private final ClientChannelInitializer initializer;

  CleartextProtocolDetector(ClientChannelInitializer initializer) {
    this.initializer = initializer;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    // Held back until the protocol is known; the connection reads only when asked (AUTO_READ off).
    ctx.read();
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    int length = Math.min(in.readableBytes(), PREFACE.readableBytes());
    boolean prefaceSoFar = ByteBufUtil.equals(in, in.readerIndex(), PREFACE, 0, length);
    if (prefaceSoFar && length < PREFACE.readableBytes()) {
      ctx.read(); // too few bytes to tell yet
      return;
    }
    if (prefaceSoFar) {
      initializer.configureHttp2(ctx.channel());
    } else {
      initializer.configureHttp1(ctx.channel());
    }
    ctx.fireChannelActive();
    // Removing the decoder hands what it read to the handlers just added.
    ctx.pipeline().remove(this);
  }
}
