package dev.layerkit.gateway.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/**
 * The gateway's own answers: small JSON bodies, never a stack trace; on a gRPC request a gRPC
 * status instead ({@link #forRequest} is where the two part).
 */
final class ErrorResponses {

  static final String REQUEST_ID = "X-Request-Id";

  private ErrorResponses() {}

  /**
   * The gateway's error for a request: gRPC's trailers-only status on a gRPC request (see {@link
   * #grpc}), else JSON.
   *
   * @param grpcStatus the gRPC status to use on a gRPC request, or -1 for the one {@link
   *     Grpc#statusFor} maps {@code status} to
   */
  static FullHttpResponse forRequest(ByteBufAllocator alloc, boolean grpc, int status,
      int grpcStatus, String message, String requestId, boolean close) {
    if (grpc) {
      return grpc(grpcStatus >= 0 ? grpcStatus : Grpc.statusFor(status), message, requestId, close);
    }
    return json(alloc, status, message, requestId, close);
  }

  /**
   * A gRPC "trailers-only" answer: HTTP 200, {@code content-type: application/grpc} and the
   * status in {@code grpc-status}/{@code grpc-message}, with no body, so that on HTTP/2 it is one
   * HEADERS frame that ends the stream, which is how a gRPC client expects a call to fail early.
   */
  static FullHttpResponse grpc(int grpcStatus, String message, String requestId, boolean close) {
    FullHttpResponse response =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    response.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, Grpc.CONTENT_TYPE)
        .setInt(Grpc.STATUS, grpcStatus)
        .set(Grpc.MESSAGE, Grpc.encodeMessage(message))
        .setInt(HttpHeaderNames.CONTENT_LENGTH, 0)
        .set(REQUEST_ID, requestId);
    if (close) {
      response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
    return response;
  }

  static FullHttpResponse json(ByteBufAllocator alloc, int status, String message, String requestId,
      boolean close) {
    HttpResponseStatus responseStatus = HttpResponseStatus.valueOf(status);
    String body = "{\"status\":" + status
        + ",\"error\":\"" + escape(responseStatus.reasonPhrase())
        + "\",\"message\":\"" + escape(message)
        + "\",\"requestId\":\"" + escape(requestId) + "\"}";
    ByteBuf content = alloc.buffer(body.length() + 8);
    content.writeCharSequence(body, StandardCharsets.UTF_8);
    FullHttpResponse response =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, responseStatus, content);
    response.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
        .setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes())
        .set(REQUEST_ID, requestId)
        .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
    if (close) {
      response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
    return response;
  }

  /** Escapes a string for a JSON string literal; control characters become {@code \\uXXXX}. */
  static String escape(String text) {
    StringBuilder out = null;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '"' || c == '\\' || c < 0x20) {
        if (out == null) {
          out = new StringBuilder(text.length() + 16).append(text, 0, i);
        }
        if (c == '"' || c == '\\') {
          out.append('\\').append(c);
        } else {
          out.append(String.format("\\u%04x", (int) c));
        }
      } else if (out != null) {
        out.append(c);
      }
    }
    return out == null ? text : out.toString();
  }
}
