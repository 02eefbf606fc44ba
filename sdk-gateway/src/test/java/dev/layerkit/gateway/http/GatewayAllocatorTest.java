package dev.layerkit.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PoolArenaMetric;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GatewayAllocatorTest {

  /** Buffers of one size out at once on one event loop: more than Netty's 256, fewer than ours. */
  private static final int IN_FLIGHT = 600;

  private final EventLoop loop = new DefaultEventLoop();

  @AfterEach
  void stopLoop() {
    loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  @Test
  void theDefaultIsAPoolWhoseThreadCachesKeepMoreSmallBuffersThanNettys() {
    assertThat(System.getProperty("io.netty.allocator.type")).isNull();
    assertThat(System.getProperty("io.netty.allocator.smallCacheSize")).isNull();

    assertThat(Gateway.DEFAULT_ALLOCATOR).isInstanceOf(PooledByteBufAllocator.class)
        .isNotSameAs(PooledByteBufAllocator.DEFAULT);
    PooledByteBufAllocator pool = (PooledByteBufAllocator) Gateway.DEFAULT_ALLOCATOR;
    assertThat(pool.metric().smallCacheSize()).isEqualTo(GatewayAllocator.SMALL_CACHE_SIZE)
        .isGreaterThan(PooledByteBufAllocator.defaultSmallCacheSize());
    assertThat(pool.metric().normalCacheSize())
        .isEqualTo(PooledByteBufAllocator.defaultNormalCacheSize());
    assertThat(pool.isDirectBufferPooled()).isTrue();
  }

  @Test
  void aLoopWithMoreBuffersOutThanNettysCacheHoldsTakesThemBackFromItsOwnCache() throws Exception {
    PooledByteBufAllocator gateways = (PooledByteBufAllocator) GatewayAllocator.create();

    long missesAfterWarmUp = arenaAllocationsOfSecondRound(gateways);

    assertThat(missesAfterWarmUp).as("arena allocations once every buffer was out once").isZero();
  }

  @Test
  void nettysDefaultCacheSizeMissesForTheSameLoad() throws Exception {
    // The control: what the gateway's pool avoids, so the test above can fail.
    PooledByteBufAllocator nettys = new PooledByteBufAllocator(true);

    long missesAfterWarmUp = arenaAllocationsOfSecondRound(nettys);

    assertThat(missesAfterWarmUp)
        .isEqualTo(IN_FLIGHT - PooledByteBufAllocator.defaultSmallCacheSize());
  }

  /**
   * On the event loop: takes {@value #IN_FLIGHT} buffers of 256 bytes and returns them (as
   * io_uring's completed writes do), twice, and returns how many of the second round the arena
   * served rather than the loop's cache.
   */
  private long arenaAllocationsOfSecondRound(PooledByteBufAllocator pool) throws Exception {
    return loop.submit(() -> {
      round(pool);
      long before = smallArenaAllocations(pool);
      round(pool);
      return smallArenaAllocations(pool) - before;
    }).get(10, TimeUnit.SECONDS);
  }

  private static void round(PooledByteBufAllocator pool) {
    List<ByteBuf> out = new ArrayList<>(IN_FLIGHT);
    for (int i = 0; i < IN_FLIGHT; i++) {
      out.add(pool.directBuffer(256));
    }
    out.forEach(ByteBuf::release);
  }

  private static long smallArenaAllocations(PooledByteBufAllocator pool) {
    return pool.metric().directArenas().stream().mapToLong(PoolArenaMetric::numSmallAllocations)
        .sum();
  }
}
