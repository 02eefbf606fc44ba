package dev.layerkit.gateway.http;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.OptionalSslHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The first handler of a TLS port's connection: waits for the first record header and puts an
 * {@link SslHandler} in its place, or a {@link PlaintextOnTlsPort} when the bytes are not TLS
 * (Netty's {@link OptionalSslHandler} makes the choice).
 *
 * <p>It also starts the handshake clock: a client that connects and sends nothing, or too little
 * to tell, is closed after {@link Tls#handshakeTimeout()} and counted with reason {@code timeout};
 * the {@code SslHandler} gets what is left of that time for the handshake itself. The child
 * channels do not read on their own ({@code AUTO_READ} off), so this handler asks for the first
 * read; {@code SslHandler} reads on while its handshake needs bytes.
 */
final class TlsDetector extends OptionalSslHandler {

  private final TlsTermination tls;
  private long deadlineNanos;
  private @Nullable ScheduledFuture<?> timeout;

  TlsDetector(TlsTermination tls, SslContext context) {
    super(context);
    this.tls = tls;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    long timeoutNanos = tls.settings().handshakeTimeout().toNanos();
    deadlineNanos = System.nanoTime() + timeoutNanos;
    timeout = ctx.executor().schedule(() -> {
      tls.handshakeFailed(ctx.channel(), HandshakeFailure.TIMEOUT, null);
      ctx.close();
    }, timeoutNanos, TimeUnit.NANOSECONDS);
    ctx.read();
    super.channelActive(ctx);
  }

  @Override
  protected void handlerRemoved0(ChannelHandlerContext ctx) {
    ScheduledFuture<?> scheduled = timeout;
    if (scheduled != null) {
      scheduled.cancel(false);
      timeout = null;
    }
  }

  @Override
  protected SslHandler newSslHandler(ChannelHandlerContext ctx, SslContext context) {
    SslHandler handler = context.newHandler(ctx.alloc());
    long leftMillis = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
    handler.setHandshakeTimeoutMillis(Math.max(1, leftMillis));
    return handler;
  }

  @Override
  protected String newSslHandlerName() {
    return "ssl";
  }

  @Override
  protected ChannelHandler newNonSslHandler(ChannelHandlerContext ctx) {
    return new PlaintextOnTlsPort(tls);
  }

  @Override
  protected String newNonSslHandlerName() {
    return "plaintext";
  }
}
