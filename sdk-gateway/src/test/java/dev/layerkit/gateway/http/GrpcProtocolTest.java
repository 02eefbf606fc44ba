package dev.layerkit.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.gateway.lb.Endpoint;
import dev.layerkit.gateway.lb.EndpointSource;
import dev.layerkit.gateway.lb.LoadBalancer;
import dev.layerkit.gateway.lb.LoadBalancers;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gRPC wire details the gateway writes and reads, and the builders' checks for gRPC and TLS. */
class GrpcProtocolTest {

  @TempDir
  Path dir;

  @Test
  void grpcTimeoutParsesEveryUnitAndRejectsMalformedValues() {
    assertThat(Grpc.parseTimeoutNanos("1H")).isEqualTo(TimeUnit.HOURS.toNanos(1));
    assertThat(Grpc.parseTimeoutNanos("2M")).isEqualTo(TimeUnit.MINUTES.toNanos(2));
    assertThat(Grpc.parseTimeoutNanos("3S")).isEqualTo(TimeUnit.SECONDS.toNanos(3));
    assertThat(Grpc.parseTimeoutNanos("700m")).isEqualTo(TimeUnit.MILLISECONDS.toNanos(700));
    assertThat(Grpc.parseTimeoutNanos("5u")).isEqualTo(5_000L);
    assertThat(Grpc.parseTimeoutNanos("99999999n")).isEqualTo(99_999_999L);
    assertThat(Grpc.parseTimeoutNanos(null)).isEqualTo(-1);
    assertThat(Grpc.parseTimeoutNanos("m")).isEqualTo(-1);
    assertThat(Grpc.parseTimeoutNanos("100")).isEqualTo(-1);
    assertThat(Grpc.parseTimeoutNanos("-1S")).isEqualTo(-1);
    assertThat(Grpc.parseTimeoutNanos("10x")).isEqualTo(-1);
    assertThat(Grpc.parseTimeoutNanos("123456789S")).as("nine digits").isEqualTo(-1);
  }

  @Test
  void grpcTimeoutIsFormattedInAtMostEightDigitsRoundedUp() {
    assertThat(Grpc.formatTimeout(1)).isEqualTo("1n");
    assertThat(Grpc.formatTimeout(0)).isEqualTo("1n");
    assertThat(Grpc.formatTimeout(99_999_999L)).isEqualTo("99999999n");
    assertThat(Grpc.formatTimeout(100_000_001L)).isEqualTo("100001u");
    assertThat(Grpc.formatTimeout(TimeUnit.SECONDS.toNanos(700))).isEqualTo("700000m");
    assertThat(Grpc.formatTimeout(TimeUnit.DAYS.toNanos(3650))).isEqualTo("5256000M");
    for (long nanos : new long[] {7, 1_234_567_891L, TimeUnit.MINUTES.toNanos(90)}) {
      long back = Grpc.parseTimeoutNanos(Grpc.formatTimeout(nanos));
      assertThat(back).isGreaterThanOrEqualTo(nanos).isLessThan(nanos + nanos / 1_000_000 + 1_000);
    }
  }

  @Test
  void grpcMessageIsPercentEncodedOutsidePrintableAscii() {
    assertThat(Grpc.encodeMessage("plain text")).isEqualTo("plain text");
    assertThat(Grpc.encodeMessage("50% off")).isEqualTo("50%25 off");
    assertThat(Grpc.encodeMessage("line\nbreak")).isEqualTo("line%0Abreak");
    assertThat(Grpc.encodeMessage("caf\u00e9")).isEqualTo("caf%C3%A9");
  }

  @Test
  void gatewayErrorsMapToTheGrpcStatusesOfTheSpec() {
    assertThat(Grpc.statusFor(401)).isEqualTo(Grpc.UNAUTHENTICATED);
    assertThat(Grpc.statusFor(403)).isEqualTo(Grpc.PERMISSION_DENIED);
    assertThat(Grpc.statusFor(404)).isEqualTo(Grpc.UNIMPLEMENTED);
    assertThat(Grpc.statusFor(429)).isEqualTo(Grpc.RESOURCE_EXHAUSTED);
    assertThat(Grpc.statusFor(413)).isEqualTo(Grpc.RESOURCE_EXHAUSTED);
    assertThat(Grpc.statusFor(502)).isEqualTo(Grpc.UNAVAILABLE);
    assertThat(Grpc.statusFor(503)).isEqualTo(Grpc.UNAVAILABLE);
    assertThat(Grpc.statusFor(504)).isEqualTo(Grpc.DEADLINE_EXCEEDED);
    assertThat(Grpc.statusFor(500)).isEqualTo(Grpc.INTERNAL);
    assertThat(Grpc.statusFor(418)).isEqualTo(Grpc.UNKNOWN);
  }

  @Test
  void grpcIsRecognisedByContentTypeButGrpcWebIsNot() {
    assertThat(Grpc.isGrpc(new DefaultHttpHeaders().set("content-type", "application/grpc")))
        .isTrue();
    assertThat(Grpc.isGrpc(new DefaultHttpHeaders().set("content-type", "application/grpc+proto")))
        .isTrue();
    assertThat(Grpc.isGrpc(new DefaultHttpHeaders().set("content-type", "Application/GRPC")))
        .isTrue();
    assertThat(Grpc.isGrpc(new DefaultHttpHeaders().set("content-type", "application/grpc-web")))
        .isFalse();
    assertThat(Grpc.isGrpc(new DefaultHttpHeaders().set("content-type", "application/json")))
        .isFalse();
    assertThat(Grpc.isGrpc(new DefaultHttpHeaders())).isFalse();
  }

  @Test
  void aGrpcErrorIsATrailersOnlyResponseWithoutABody() {
    FullHttpResponse response = ErrorResponses.forRequest(io.netty.buffer.ByteBufAllocator.DEFAULT,
        true, 429, -1, "rate limit exceeded", "req-1", false);
    try {
      assertThat(response.status().code()).isEqualTo(200);
      assertThat(response.headers().get("content-type")).isEqualTo("application/grpc");
      assertThat(response.headers().get("grpc-status")).isEqualTo("8");
      assertThat(response.headers().get("grpc-message")).isEqualTo("rate limit exceeded");
      assertThat(response.content().readableBytes()).isZero();
      assertThat(response.trailingHeaders().isEmpty()).isTrue();
    } finally {
      response.release();
    }
    FullHttpResponse json = ErrorResponses.forRequest(io.netty.buffer.ByteBufAllocator.DEFAULT,
        false, 429, -1, "rate limit exceeded", "req-1", false);
    try {
      assertThat(json.status().code()).isEqualTo(429);
      assertThat(json.headers().get("content-type")).isEqualTo("application/json");
    } finally {
      json.release();
    }
  }

  @Test
  void aGrpcRouteRefusesAnHttp11Upstream() {
    LoadBalancer balancer = LoadBalancers.roundRobin().serviceName("svc")
        .endpointSource(EndpointSource.of(List.of(Endpoint.of("127.0.0.1", 1)))).build();
    try {
      Upstream http1 = Upstream.of("svc", balancer);
      assertThatThrownBy(() -> Route.builder("g").pathPrefix("/").grpc().upstream(http1).build())
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("grpc needs HTTP/2 upstreams but upstream 'svc' speaks HTTP_1_1");
      Upstream http2 = Upstream.builder("svc", balancer).protocol(Upstream.Protocol.HTTP_2).build();
      Route route = Route.builder("g").pathPrefix("/").grpc().upstream(http2).build();
      assertThat(route.grpc()).isTrue();
      assertThatThrownBy(() -> Route.builder("h").grpc().grpc())
          .isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(() -> Upstream.builder("svc", balancer)
          .protocol(Upstream.Protocol.HTTP_2).protocol(Upstream.Protocol.HTTP_1_1))
          .isInstanceOf(IllegalStateException.class);
    } finally {
      balancer.close();
    }
  }

  @Test
  void upstreamTlsNamesTheFileItCannotUse() throws Exception {
    Path missing = dir.resolve("missing.pem");
    assertThatThrownBy(() -> UpstreamTls.builder().trustedCertificates(missing))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("trustedCertificates: no readable file at " + missing);
    Path garbage = Files.writeString(dir.resolve("garbage.pem"), "not a certificate");
    assertThatThrownBy(() -> UpstreamTls.builder().trustedCertificates(garbage).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(garbage.toString());
    Path key = Files.writeString(dir.resolve("key.pem"), "not a key");
    assertThatThrownBy(() -> UpstreamTls.builder().clientCertificate(garbage, key).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(garbage.toString());
    assertThatThrownBy(() -> UpstreamTls.builder().noHostnameVerification()
        .noHostnameVerification()).isInstanceOf(IllegalStateException.class);
    assertThat(UpstreamTls.system().verifiesHostname()).isTrue();
  }
}
