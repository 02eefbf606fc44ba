package dev.layerkit.spring.idempotency;

import dev.layerkit.service.idempotency.Idempotency;
import dev.layerkit.service.idempotency.IdempotencyOutcome;
import dev.layerkit.service.idempotency.IdempotentResponse;
import dev.layerkit.service.idempotency.RequestFingerprint;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.http.server.PathContainer;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.ContentCachingResponseWrapper;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

/**
 * Applies {@link Idempotency} to servlet requests whose method and path match
 * {@code layerkit.idempotency}: a request with an {@code Idempotency-Key} header runs at most once
 * per key; a retry with the same body gets the stored response again (with
 * {@code Idempotent-Replayed: true}), one with another body 422, one while the first still runs
 * 409 with {@code Retry-After}. Requests without the header pass untouched, unless the header is
 * required (then 400). A key that is blank or too long is a 400; a body over the limit a 413.
 *
 * <p>The stored response is the status, the {@code Content-Type} and {@code Location} headers and
 * the body. The body is read into memory (up to the limit) to fingerprint it, and the handler
 * reads it from there. A handler that throws releases the key (a retry runs again) and the
 * exception goes on to Spring's error handling. Thread-safe.
 */
public final class IdempotencyFilter extends OncePerRequestFilter {

  /** The response header that marks a replayed response. */
  public static final String REPLAYED_HEADER = "Idempotent-Replayed";

  private static final List<String> STORED_HEADERS = List.of("Content-Type", "Location");

  private final Idempotency idempotency;
  private final List<PathPattern> paths;
  private final Set<String> methods;
  private final String header;
  private final boolean required;
  private final int maxBodyBytes;

  /**
   * Creates the filter.
   *
   * @param idempotency the block
   * @param paths path patterns the filter applies to
   * @param methods HTTP methods it applies to
   * @param header the key's header name
   * @param required whether a matching request without the header is a 400
   * @param maxBodyBytes the largest body read for a fingerprint
   * @throws NullPointerException if an argument is null
   */
  public IdempotencyFilter(Idempotency idempotency, List<String> paths, List<String> methods, String header,
      boolean required, int maxBodyBytes) {
    this.idempotency = Objects.requireNonNull(idempotency, "idempotency");
    this.paths = paths.stream().map(PathPatternParser.defaultInstance::parse).toList();
    this.methods = methods.stream().map(m -> m.toUpperCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
    this.header = Objects.requireNonNull(header, "header");
    this.required = required;
    this.maxBodyBytes = maxBodyBytes;
  }

  @Override
  protected boolean shouldNotFilter(HttpServletRequest request) {
    if (!methods.contains(request.getMethod())) {
      return true;
    }
    PathContainer path = PathContainer.parsePath(pathWithinApplication(request));
    for (PathPattern pattern : paths) {
      if (pattern.matches(path)) {
        return false;
      }
    }
    return true;
  }

  private static String pathWithinApplication(HttpServletRequest request) {
    String uri = request.getRequestURI();
    String context = request.getContextPath();
    return context != null && !context.isEmpty() && uri.startsWith(context) ? uri.substring(context.length()) : uri;
  }

  @Override
  protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    String key = request.getHeader(header);
    if (key == null) {
      if (required) {
        problem(response, 400, "Bad Request", "the " + header + " header is required");
        return;
      }
      chain.doFilter(request, response);
      return;
    }
    byte[] body = request.getInputStream().readNBytes(maxBodyBytes + 1);
    if (body.length > maxBodyBytes) {
      problem(response, 413, "Content Too Large", "an idempotent request body may be at most " + maxBodyBytes
          + " bytes");
      return;
    }
    CachedBodyRequest cached = new CachedBodyRequest(request, body);
    ContentCachingResponseWrapper capture = new ContentCachingResponseWrapper(response);
    RequestFingerprint fingerprint = RequestFingerprint.of(request.getMethod(), pathWithinApplication(request), body);
    IdempotencyOutcome outcome;
    try {
      outcome = idempotency.execute(key, fingerprint, () -> {
        try {
          chain.doFilter(cached, capture);
        } catch (IOException | ServletException e) {
          throw new ChainFailure(e);
        }
        IdempotentResponse stored = IdempotentResponse.of(capture.getStatus(), capture.getContentAsByteArray());
        for (String name : STORED_HEADERS) {
          String value = capture.getHeader(name);
          if (value != null) {
            stored = stored.withHeader(name, value);
          }
        }
        return stored;
      });
    } catch (IllegalArgumentException e) {
      problem(response, 400, "Bad Request", "invalid " + header + " header: " + e.getMessage());
      return;
    } catch (ChainFailure e) {
      Throwable cause = e.getCause();
      if (cause instanceof ServletException servlet) {
        throw servlet;
      }
      throw (IOException) cause;
    }
    if (outcome instanceof IdempotencyOutcome.Executed) {
      capture.copyBodyToResponse();
      return;
    }
    IdempotentResponse answer = outcome.response();
    response.setStatus(answer.status());
    for (Map.Entry<String, List<String>> entry : answer.headers().entrySet()) {
      for (String value : entry.getValue()) {
        response.addHeader(entry.getKey(), value);
      }
    }
    if (outcome instanceof IdempotencyOutcome.Replayed) {
      response.setHeader(REPLAYED_HEADER, "true");
    }
    response.setContentLength(answer.body().length);
    response.getOutputStream().write(answer.body());
    response.flushBuffer();
  }

  private static void problem(HttpServletResponse response, int status, String title, String detail)
      throws IOException {
    byte[] body = ("{\"type\":\"about:blank\",\"title\":\"" + title + "\",\"status\":" + status + ",\"detail\":\""
        + detail.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}").getBytes(StandardCharsets.UTF_8);
    response.setStatus(status);
    response.setContentType("application/problem+json");
    response.setContentLength(body.length);
    response.getOutputStream().write(body);
    response.flushBuffer();
  }

  /** Carries the chain's checked exception out of the action. */
  private static final class ChainFailure extends RuntimeException {
    ChainFailure(Exception cause) {
      super(cause);
    }
  }

  /** The request with its body read into memory, readable again by the handler. */
  private static final class CachedBodyRequest extends HttpServletRequestWrapper {
    private final byte[] body;

    CachedBodyRequest(HttpServletRequest request, byte[] body) {
      super(request);
      this.body = body;
    }

    @Override
    public ServletInputStream getInputStream() {
      InputStream in = new ByteArrayInputStream(body);
      return new ServletInputStream() {
        @Override
        public boolean isFinished() {
          try {
            return in.available() == 0;
          } catch (IOException e) {
            return true;
          }
        }

        @Override
        public boolean isReady() {
          return true;
        }

        @Override
        public void setReadListener(ReadListener listener) {
          throw new UnsupportedOperationException("the body is already in memory");
        }

        @Override
        public int read() throws IOException {
          return in.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
          return in.read(b, off, len);
        }
      };
    }

    @Override
    public BufferedReader getReader() {
      String encoding = getCharacterEncoding();
      return new BufferedReader(new InputStreamReader(new ByteArrayInputStream(body),
          encoding != null ? java.nio.charset.Charset.forName(encoding) : StandardCharsets.UTF_8));
    }

    @Override
    public int getContentLength() {
      return body.length;
    }

    @Override
    public long getContentLengthLong() {
      return body.length;
    }
  }
}
