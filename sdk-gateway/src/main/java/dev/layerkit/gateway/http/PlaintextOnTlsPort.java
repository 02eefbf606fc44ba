package dev.layerkit.gateway.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers a connection to the TLS port whose first bytes are not TLS: a plaintext HTTP request
 * gets a 400 that says to use HTTPS (as nginx does), anything else is closed without an answer.
 * Either way the connection is counted as a failed handshake and closed; nothing is logged above
 * DEBUG, so a flood of such connections cannot fill the log.
 */
final class PlaintextOnTlsPort extends ChannelInboundHandlerAdapter {

  private static final Logger LOG = LoggerFactory.getLogger(PlaintextOnTlsPort.class);

  private static final String BODY = "{\"status\":400,\"error\":\"Bad Request\","
      + "\"message\":\"plain HTTP request sent to the HTTPS port\"}";
  private static final byte[] ANSWER = ("HTTP/1.1 400 Bad Request\r\n"
      + "Content-Type: application/json\r\nConnection: close\r\nContent-Length: "
      + BODY.length() + "\r\n\r\n" + BODY).getBytes(StandardCharsets.US_ASCII);

  private final TlsTermination tls;
  private boolean answered;

  PlaintextOnTlsPort(TlsTermination tls) {
    this.tls = tls;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (answered || !(msg instanceof ByteBuf bytes)) {
        return;
      }
      answered = true;
      if (looksLikeHttp(bytes)) {
        tls.handshakeFailed(ctx.channel(), HandshakeFailure.PLAINTEXT_HTTP, null);
        ctx.writeAndFlush(Unpooled.wrappedBuffer(ANSWER)).addListener(ChannelFutureListener.CLOSE);
      } else {
        tls.handshakeFailed(ctx.channel(), HandshakeFailure.NOT_TLS, null);
        ctx.close();
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.debug("plaintext connection {} to the TLS port failed", ctx.channel().remoteAddress(),
        cause);
    ctx.close();
  }

  /**
   * Whether the bytes start like an HTTP/1 request line (or the HTTP/2 preface, {@code PRI *}):
   * a method token of capital letters, then a space or the end of what arrived.
   */
  static boolean looksLikeHttp(ByteBuf bytes) {
    int start = bytes.readerIndex();
    int end = Math.min(bytes.writerIndex(), start + 8);
    int letters = 0;
    for (int i = start; i < end; i++) {
      byte b = bytes.getByte(i);
      if (b == ' ') {
        return letters >= 3;
      }
      if (b < 'A' || b > 'Z') {
        return false;
      }
      letters++;
    }
    return letters >= 3;
  }
}
