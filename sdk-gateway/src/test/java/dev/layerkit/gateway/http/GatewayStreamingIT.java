package dev.layerkit.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Bodies stream through the gateway: a 10 MB upload never sits whole in the gateway's buffers. */
class GatewayStreamingIT extends GatewayTestSupport {

  private static final int SIZE = 10_000_000;

  @Test
  void streamsATenMegabyteBodyWithBoundedBuffers() throws Exception {
    TestUpstream a = upstream("a");
    Gateway gateway = start(Gateway.builder().maxBodySize(20_000_000)
        .route(Route.builder("all").pathPrefix("/").upstream(upstreamOf("svc", a)).build()));
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    byte[] chunk = new byte[64 * 1024];
    for (int i = 0; i < chunk.length; i++) {
      chunk[i] = (byte) (i * 31);
    }
    for (int sent = 0; sent < SIZE; sent += chunk.length) {
      digest.update(chunk, 0, Math.min(chunk.length, SIZE - sent));
    }
    String expected = HexFormat.of().formatHex(digest.digest()) + " " + SIZE;

    AtomicLong maxBuffered = new AtomicLong();
    AtomicBoolean sampling = new AtomicBoolean(true);
    Thread sampler = new Thread(() -> {
      while (sampling.get()) {
        maxBuffered.accumulateAndGet(usedByNetty(), Math::max);
        Thread.onSpinWait();
      }
    });
    long before = usedByNetty();
    sampler.start();
    Supplier<InputStream> body = () -> new InputStream() {
      private int position;

      @Override
      public int read() {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] buffer, int offset, int length) {
        if (position >= SIZE) {
          return -1;
        }
        int n = Math.min(Math.min(length, chunk.length - position % chunk.length), SIZE - position);
        System.arraycopy(chunk, position % chunk.length, buffer, offset, n);
        position += n;
        return n;
      }
    };
    HttpResponse<String> response = client.send(HttpRequest.newBuilder(uri(gateway, "/upload"))
        .POST(HttpRequest.BodyPublishers.ofInputStream(body)).build(),
        HttpResponse.BodyHandlers.ofString());
    sampling.set(false);
    sampler.join();

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo(expected);
    // Chunked upload through 64 KiB frames: the gateway holds a few frames at a time, not 10 MB.
    assertThat(maxBuffered.get() - before).isLessThan(4L * 1024 * 1024);
  }

  private static long usedByNetty() {
    if (ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider provider) {
      return provider.metric().usedDirectMemory() + provider.metric().usedHeapMemory();
    }
    throw new IllegalStateException("allocator has no metrics: " + ByteBufAllocator.DEFAULT);
  }
}
