package dev.layerkit.gateway.http;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;

/**
 * The buffer pool a gateway allocates from unless told otherwise ({@link
 * Gateway#DEFAULT_ALLOCATOR}): Netty's pooled allocator with Netty's settings, its system
 * properties included, except that each event loop's cache keeps {@value #SMALL_CACHE_SIZE}
 * buffers of each small size instead of Netty's 256.
 *
 * <p>Why: on io_uring a buffer written to a socket returns to the pool when the kernel reports
 * the write done, a loop turn or more later, so an event loop has as many request buffers out as
 * it has requests in flight upstream. Past 256 of one size, every allocation of that size misses
 * the thread's cache and takes the arena's lock. Measured under {@code h2load -c64 -m10} (320
 * streams per loop): about 1.6 arena allocations per request with Netty's 256, about 0.04 with
 * {@value #SMALL_CACHE_SIZE}, most of them in the warm-up ({@code benchmarks/README.md}). A
 * cache entry is a handle to memory the pool has already taken from the system, and Netty trims
 * entries a thread stops using, so the larger cache holds on only to what was in use at once.
 *
 * <p>Where the JVM chooses for itself, the choice stands: with {@code io.netty.allocator.type}
 * set the gateway uses {@code ByteBufAllocator.DEFAULT}, and with {@code
 * io.netty.allocator.smallCacheSize} set it uses {@code PooledByteBufAllocator.DEFAULT}.
 */
final class GatewayAllocator {

  /** Small buffers of one size an event loop's cache keeps: {@value}. */
  static final int SMALL_CACHE_SIZE = 1024;

  private GatewayAllocator() {}

  /** Returns the allocator for the current system properties (see the class comment). */
  static ByteBufAllocator create() {
    if (System.getProperty("io.netty.allocator.type") != null) {
      return ByteBufAllocator.DEFAULT;
    }
    if (System.getProperty("io.netty.allocator.smallCacheSize") != null) {
      return PooledByteBufAllocator.DEFAULT;
    }
    return new PooledByteBufAllocator(PooledByteBufAllocator.defaultPreferDirect(),
        PooledByteBufAllocator.defaultNumHeapArena(),
        PooledByteBufAllocator.defaultNumDirectArena(),
        PooledByteBufAllocator.defaultPageSize(), PooledByteBufAllocator.defaultMaxOrder(),
        SMALL_CACHE_SIZE, PooledByteBufAllocator.defaultNormalCacheSize(),
        PooledByteBufAllocator.defaultUseCacheForAllThreads());
  }
}
