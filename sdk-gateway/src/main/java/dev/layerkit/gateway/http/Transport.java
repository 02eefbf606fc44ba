package dev.layerkit.gateway.http;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import java.util.concurrent.ThreadFactory;

/**
 * The network transport the gateway's event loops run on ({@link Gateway.Builder#transport}).
 *
 * <p>A native transport needs its Netty artifact with the library for the platform ({@code
 * netty-transport-native-io_uring} or {@code netty-transport-native-epoll}, classifier {@code
 * linux-x86_64} or {@code linux-aarch_64}) and a kernel that allows it: io_uring needs Linux 5.14
 * or later, and is off where {@code /proc/sys/kernel/io_uring_disabled} says so or a seccomp
 * profile (Docker's default, for one) refuses its system calls. A transport that cannot run here
 * falls back to the next of io_uring, epoll, NIO ({@link #resolve}); {@link #isAvailable} tells
 * beforehand, and the gateway's start-up log line names the transport it runs on.
 */
public enum Transport {
  /** Linux io_uring: reads and writes are submitted to a ring shared with the kernel. */
  IO_URING,
  /** Linux epoll, edge-triggered (Netty's native epoll transport). */
  EPOLL,
  /** Java NIO selectors: every platform, no native library. */
  NIO;

  /**
   * Returns whether this transport can run in this JVM: its classes and native library load and
   * the kernel allows it. NIO always can.
   *
   * @return whether {@link Gateway#start()} would use it when asked for it
   */
  public boolean isAvailable() {
    try {
      return switch (this) {
        case IO_URING -> IoUring.isAvailable();
        case EPOLL -> Epoll.isAvailable();
        case NIO -> true;
      };
    } catch (LinkageError e) {
      // The native transports are optional dependencies: without them the classes are missing.
      return false;
    }
  }

  /**
   * Returns this transport if it is available, else the first available one after it in the
   * order io_uring, epoll, NIO.
   */
  Transport resolve() {
    Transport[] order = values();
    for (int i = ordinal(); i < order.length; i++) {
      if (order[i].isAvailable()) {
        return order[i];
      }
    }
    return NIO;
  }

  EventLoopGroup newGroup(int threads, ThreadFactory threadFactory) {
    IoHandlerFactory factory = switch (this) {
      case IO_URING -> IoUringIoHandler.newFactory();
      case EPOLL -> EpollIoHandler.newFactory();
      case NIO -> NioIoHandler.newFactory();
    };
    return new MultiThreadIoEventLoopGroup(threads, threadFactory, factory);
  }

  Class<? extends ServerChannel> serverChannel() {
    return switch (this) {
      case IO_URING -> IoUringServerSocketChannel.class;
      case EPOLL -> EpollServerSocketChannel.class;
      case NIO -> NioServerSocketChannel.class;
    };
  }

  /**
   * Returns the class of TCP client channel of this transport: Netty registers a channel only on
   * event loops of its own transport, so a client that shares a gateway's {@link EventLoops} must
   * connect with this class.
   *
   * @return the socket channel class
   */
  public Class<? extends Channel> socketChannelType() {
    return switch (this) {
      case IO_URING -> IoUringSocketChannel.class;
      case EPOLL -> EpollSocketChannel.class;
      case NIO -> NioSocketChannel.class;
    };
  }
}
