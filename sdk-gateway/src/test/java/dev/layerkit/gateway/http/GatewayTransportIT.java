package dev.layerkit.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.gateway.lb.Endpoint;
import dev.layerkit.gateway.lb.EndpointSource;
import dev.layerkit.gateway.lb.LoadBalancers;
import io.netty.buffer.PoolArenaMetric;
import io.netty.buffer.PooledByteBufAllocator;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The gateway on each network transport this machine can run ({@link Gateway.Builder#transport}):
 * the same keep-alive proxying, body streaming both ways and upstream connection pool on io_uring,
 * epoll and NIO.
 */
class GatewayTransportIT extends GatewayTestSupport {

  @ParameterizedTest
  @EnumSource(Transport.class)
  void servesRequestsOnTheTransportAskedForOrFallsBackToTheNextAvailable(Transport asked)
      throws Exception {
    TestUpstream a = upstream("a");
    Gateway gateway = start(Gateway.builder().transport(asked).workerThreads(1)
        .route(Route.builder("all").pathPrefix("/").upstream(upstreamOf("svc", a)).build()));

    Transport running = gateway.transport();
    assertThat(running).isEqualTo(expectedFor(asked));
    for (int i = 0; i < 20; i++) { // one connection kept alive: the pooled upstream is reused
      HttpResponse<String> echo = client.send(HttpRequest.newBuilder(uri(gateway, "/echo?i=" + i))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(echo.statusCode()).isEqualTo(200);
      assertThat(echo.body()).startsWith("GET /echo?i=" + i + "\n");
    }
    byte[] body = new byte[3 * 1024 * 1024 + 17]; // several reads and writes each way
    Arrays.fill(body, (byte) 'x');
    HttpResponse<String> upload = client.send(HttpRequest.newBuilder(uri(gateway, "/upload"))
        .timeout(Duration.ofSeconds(20)).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(upload.statusCode()).isEqualTo(200);
    assertThat(upload.body()).endsWith(" " + body.length);
    HttpResponse<byte[]> big = client.send(HttpRequest.newBuilder(uri(gateway, "/big"))
        .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(big.statusCode()).isEqualTo(200);
    assertThat(big.body()).hasSize(TestUpstream.BIG_BODY_BYTES);
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void passesWebSocketUpgradesThroughOnEveryTransport(Transport asked) throws Exception {
    WebSocketEchoServer echo = closing(new WebSocketEchoServer());
    Upstream ws = Upstream.of("ws", closing(LoadBalancers.roundRobin().serviceName("ws")
        .endpointSource(EndpointSource.of(Endpoint.of("127.0.0.1", echo.port()))).build()));
    Gateway gateway = start(Gateway.builder().transport(asked).workerThreads(1)
        .route(Route.builder("ws").pathPrefix("/ws").upstream(ws).build()));

    CompletableFuture<String> received = new CompletableFuture<>();
    WebSocket socket = client.newWebSocketBuilder()
        .buildAsync(URI.create("ws://127.0.0.1:" + gateway.port() + "/ws"), new WebSocket.Listener() {
          @Override
          public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            received.complete(data.toString());
            return null;
          }
        }).get(10, TimeUnit.SECONDS);
    socket.sendText("hello", true).get(10, TimeUnit.SECONDS);

    assertThat(received.get(10, TimeUnit.SECONDS)).isEqualTo("echo: hello");
    assertThat(gateway.transport()).isEqualTo(expectedFor(asked));
    socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(10, TimeUnit.SECONDS);
  }

  /**
   * On a Linux x86-64 kernel that allows io_uring (5.14+, {@code io_uring_disabled} 0) both native
   * transports are on the class path of these tests and must load: a missing or broken native
   * artifact would otherwise only show as a quiet fallback to NIO.
   */
  @Test
  void nativeTransportsLoadWhereTheKernelAllowsThem() throws Exception {
    boolean linuxX86 = System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("linux")
        && List.of("amd64", "x86_64").contains(System.getProperty("os.arch"));
    assertThat(Transport.NIO.isAvailable()).isTrue();
    if (!linuxX86) {
      return;
    }
    assertThat(Transport.EPOLL.isAvailable()).as("epoll").isTrue();
    Path disabled = Path.of("/proc/sys/kernel/io_uring_disabled");
    boolean ioUringAllowed = !Files.exists(disabled)
        || Files.readString(disabled, StandardCharsets.US_ASCII).trim().equals("0");
    if (ioUringAllowed && kernelAtLeast(5, 14)) {
      assertThat(Transport.IO_URING.isAvailable()).as("io_uring on kernel %s",
          System.getProperty("os.version")).isTrue();
    }
  }

  @Test
  void preferNativeTransportFalseRunsOnNio() throws Exception {
    Gateway gateway = start(Gateway.builder().preferNativeTransport(false)
        .route(Route.builder("all").pathPrefix("/").upstream(upstreamOf("svc", upstream("a")))
            .build()));

    assertThat(gateway.transport()).isEqualTo(Transport.NIO);
  }

  @Test
  void connectionsAllocateFromTheAllocatorAskedFor() throws Exception {
    PooledByteBufAllocator own = new PooledByteBufAllocator(true);
    Gateway gateway = start(Gateway.builder().allocator(own).workerThreads(1)
        .route(Route.builder("all").pathPrefix("/").upstream(upstreamOf("svc", upstream("a")))
            .build()));

    HttpResponse<String> echo = client.send(HttpRequest.newBuilder(uri(gateway, "/echo"))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());

    assertThat(echo.statusCode()).isEqualTo(200);
    long allocations = own.metric().directArenas().stream()
        .mapToLong(PoolArenaMetric::numAllocations).sum();
    assertThat(allocations).as("direct allocations from the gateway's allocator").isPositive();
  }

  /** What the gateway must run on when asked for {@code asked}: it, or the next available. */
  private static Transport expectedFor(Transport asked) {
    for (Transport candidate : Transport.values()) {
      if (candidate.ordinal() >= asked.ordinal() && candidate.isAvailable()) {
        return candidate;
      }
    }
    throw new AssertionError("NIO is always available");
  }

  private static boolean kernelAtLeast(int major, int minor) {
    String[] parts = System.getProperty("os.version").split("[.-]");
    int kernelMajor = Integer.parseInt(parts[0]);
    int kernelMinor = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
    return kernelMajor > major || (kernelMajor == major && kernelMinor >= minor);
  }
}
