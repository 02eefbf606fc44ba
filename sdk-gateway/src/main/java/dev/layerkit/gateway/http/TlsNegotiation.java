package dev.layerkit.gateway.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.SslHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits for a client connection's TLS handshake, then builds the pipeline of the protocol ALPN
 * chose (HTTP/1.1 when the client offered none), or counts the failure and closes.
 *
 * <p>Netty's {@link ApplicationProtocolNegotiationHandler} logs a failed handshake at WARN and
 * lets its exception travel on to the end of the pipeline, where Netty logs it again at WARN:
 * one or two WARN lines per bad client. Here a failure is counted once in {@code
 * layerkit.gateway.tls.handshake.failures}, logged at DEBUG, and the exception goes no further.
 *
 * <p>The protocol's handlers are added after the connection became active: the gateway's own
 * start themselves when added to a live connection, and this handler fires {@code channelActive}
 * after them for any that wait for it, as {@link CleartextProtocolDetector} does. Bytes decrypted
 * with the handshake's last flight are held by the base class and replayed to the new handlers.
 */
final class TlsNegotiation extends ApplicationProtocolNegotiationHandler {

  private static final Logger LOG = LoggerFactory.getLogger(TlsNegotiation.class);

  /** Builds the handlers of a negotiated protocol on a connection, after this handler. */
  @FunctionalInterface
  interface Pipelines {
    /**
     * Adds the protocol's handlers at the end of the channel's pipeline.
     *
     * @param channel the client connection
     * @param protocol an ALPN protocol name the gateway offered
     */
    void configure(Channel channel, String protocol);
  }

  private final TlsTermination tls;
  private final Pipelines pipelines;
  private boolean failed;

  TlsNegotiation(TlsTermination tls, Pipelines pipelines) {
    super(ApplicationProtocolNames.HTTP_1_1);
    this.tls = tls;
    this.pipelines = pipelines;
  }

  @Override
  protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
    SslHandler ssl = ctx.pipeline().get(SslHandler.class);
    TlsSession session = TlsSession.of(ssl.engine().getSession());
    session.attachTo(ctx.channel());
    tls.handshakeCompleted(session);
    pipelines.configure(ctx.channel(), protocol);
    ctx.fireChannelActive();
  }

  @Override
  protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
    fail(ctx, cause);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (ctx.pipeline().get(SslHandler.class) != null) {
      fail(ctx, cause);
    } else {
      // Before the first record arrived (a reset while connecting): not a handshake yet.
      LOG.debug("connection {} to the TLS port failed before its handshake",
          ctx.channel().remoteAddress(), cause);
      ctx.close();
    }
  }

  private void fail(ChannelHandlerContext ctx, Throwable cause) {
    if (!failed) {
      failed = true;
      tls.handshakeFailed(ctx.channel(), HandshakeFailure.of(cause), cause);
    }
    ctx.close();
  }
}
