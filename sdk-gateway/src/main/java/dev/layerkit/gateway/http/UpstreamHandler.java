package dev.layerkit.gateway.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.util.ReferenceCountUtil;
import org.jspecify.annotations.Nullable;

/**
 * The end of an upstream connection's pipeline: hands responses to the {@link Exchange} the
 * connection serves, and tells the pool when an idle connection closes.
 */
final class UpstreamHandler extends ChannelInboundHandlerAdapter {

  /** The HTTP/1.1 connection's response reader; null on an HTTP/2 stream. */
  private final @Nullable UpstreamResponseReader reader;
  private @Nullable Exchange exchange;
  private @Nullable UpstreamConnector pool;
  private @Nullable String pooledFor;
  private long idleSinceNanos;

  /** On an HTTP/2 stream, whose responses Netty's HTTP/2 codec turns into HTTP objects. */
  UpstreamHandler() {
    this(null);
  }

  /** On an HTTP/1.1 connection, whose responses {@code reader} reads. */
  UpstreamHandler(@Nullable UpstreamResponseReader reader) {
    this.reader = reader;
  }

  /**
   * Hands the connection's responses to {@code exchange}, whose request is about to be written.
   *
   * @param method the request's method (a HEAD response has no body)
   * @param passThrough whether a plain HTTP/1.1 response may come as bytes ({@link
   *     UpstreamResponseReader})
   * @param chunkedToo whether a chunked body may too, or only one of known length
   */
  void attach(Exchange exchange, HttpMethod method, boolean passThrough, boolean chunkedToo) {
    UpstreamResponseReader responses = reader;
    if (responses != null) {
      responses.expect(method, passThrough, chunkedToo);
    }
    this.exchange = exchange;
    this.pool = null;
    this.pooledFor = null;
  }

  void detach() {
    this.exchange = null;
  }

  void idle(UpstreamConnector pool, String key, long nowNanos) {
    this.exchange = null;
    this.pool = pool;
    this.pooledFor = key;
    this.idleSinceNanos = nowNanos;
  }

  long idleSinceNanos() {
    return idleSinceNanos;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    Exchange current = exchange;
    if (current == null) {
      // An idle connection should not receive anything; drop it rather than misattribute bytes.
      ReferenceCountUtil.release(msg);
      ctx.close();
      return;
    }
    current.onUpstreamMessage(msg);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    Exchange current = exchange;
    if (current != null) {
      current.flushToClient();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    Exchange current = exchange;
    if (current != null && ctx.channel().isWritable()) {
      current.upstreamWritable();
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    Exchange current = exchange;
    exchange = null;
    if (current != null) {
      current.onUpstreamClosed(null);
    } else if (pool != null && pooledFor != null) {
      pool.forget(pooledFor, ctx.channel());
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    Exchange current = exchange;
    exchange = null;
    ctx.close();
    if (current != null) {
      current.onUpstreamClosed(cause);
    }
  }
}
