package dev.layerkit.gateway.http;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.internal.BuilderSettings;
import dev.layerkit.core.time.TimeSource;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.io.ByteArrayOutputStream;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * A shared HTTP cache for GET responses of a {@link Route}, the CDN role: a fresh cached response
 * is served without calling the upstream, and a client whose {@code If-None-Match} names its
 * {@code ETag} gets a 304.
 *
 * <p>What is stored follows RFC 9111 for a shared cache, conservatively: only 200 responses to GET
 * with an explicit freshness lifetime ({@code s-maxage} or {@code max-age}), without {@code
 * no-store}, {@code private} or {@code no-cache}, without {@code Set-Cookie} or {@code Vary}, and
 * at most {@link Builder#maxEntryBytes} long; a response to a request with {@code Authorization}
 * only when it says {@code public} or {@code s-maxage}. A request with {@code Cache-Control:
 * no-cache} bypasses the lookup. Entries are keyed by host and request target, expire when they
 * become stale, and are evicted by total size. No heuristic freshness, no stale serving.
 *
 * <p>Thread-safe; one cache may serve several routes.
 */
public final class ResponseCache {

  private final Cache<String, Entry> entries;
  private final TimeSource timeSource;
  private final int maxEntryBytes;
  private final LongAdder hits = new LongAdder();
  private final LongAdder misses = new LongAdder();

  private ResponseCache(Builder builder) {
    this.timeSource = builder.timeSource;
    this.maxEntryBytes = builder.maxEntryBytes;
    this.entries = Caffeine.newBuilder()
        .maximumWeight(builder.maxBytes)
        .weigher((String key, Entry entry) -> entry.body.length + key.length() + 256)
        .expireAfter(new Expiry<String, Entry>() {
          @Override
          public long expireAfterCreate(String key, Entry entry, long currentTime) {
            return entry.ttlNanos;
          }

          @Override
          public long expireAfterUpdate(String key, Entry entry, long currentTime,
              long currentDuration) {
            return entry.ttlNanos;
          }

          @Override
          public long expireAfterRead(String key, Entry entry, long currentTime,
              long currentDuration) {
            return currentDuration;
          }
        })
        .ticker(timeSource::nanoTime)
        .build();
  }

  /**
   * Starts a builder.
   *
   * @return the builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns how many lookups found a fresh response.
   *
   * @return the hit count
   */
  public long hitCount() {
    return hits.sum();
  }

  /**
   * Returns how many lookups found nothing fresh.
   *
   * @return the miss count
   */
  public long missCount() {
    return misses.sum();
  }

  /** Drops every entry. */
  public void invalidateAll() {
    entries.invalidateAll();
  }

  @Nullable FullHttpResponse lookup(HttpRequest request, GatewayRequest view, String requestId) {
    HttpHeaders headers = request.headers();
    String requestCacheControl = headers.get(HttpHeaderNames.CACHE_CONTROL);
    if (requestCacheControl != null && CacheControl.parse(requestCacheControl).noCache) {
      misses.increment();
      return null;
    }
    Entry entry = entries.getIfPresent(key(view));
    if (entry == null) {
      misses.increment();
      return null;
    }
    long ageSeconds = Math.max(0, (timeSource.nanoTime() - entry.storedAtNanos) / 1_000_000_000L);
    hits.increment();
    String ifNoneMatch = headers.get(HttpHeaderNames.IF_NONE_MATCH);
    boolean notModified = entry.etag != null && ifNoneMatch != null
        && StaticFiles.ETags.matches(ifNoneMatch, entry.etag);
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
        notModified ? HttpResponseStatus.NOT_MODIFIED : HttpResponseStatus.OK,
        notModified ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(entry.body));
    HttpHeaders out = response.headers();
    if (notModified) {
      out.set(HttpHeaderNames.ETAG, entry.etag);
      String cacheControl = entry.headers.get(HttpHeaderNames.CACHE_CONTROL);
      if (cacheControl != null) {
        out.set(HttpHeaderNames.CACHE_CONTROL, cacheControl);
      }
    } else {
      out.set(entry.headers);
      out.setInt(HttpHeaderNames.CONTENT_LENGTH, entry.body.length);
    }
    out.set(HttpHeaderNames.AGE, ageSeconds);
    out.set("X-Cache", "HIT");
    out.set(ErrorResponses.REQUEST_ID, requestId);
    return response;
  }

  Capture capture(HttpRequest request, GatewayRequest view) {
    HttpHeaders headers = request.headers();
    boolean authorized = headers.contains(HttpHeaderNames.AUTHORIZATION);
    String cacheControl = headers.get(HttpHeaderNames.CACHE_CONTROL);
    boolean noStore = cacheControl != null && CacheControl.parse(cacheControl).noStore;
    return new Capture(key(view), authorized, noStore);
  }

  private static String key(GatewayRequest view) {
    return view.host() + ' ' + view.uri();
  }

  /** Collects one upstream response and stores it if it is cacheable. Event-loop confined. */
  final class Capture {
    private final String key;
    private final boolean authorized;
    private boolean storable;
    private @Nullable HttpHeaders headers;
    private @Nullable String etag;
    private long ttlNanos;
    private @Nullable ByteArrayOutputStream body;

    private Capture(String key, boolean authorized, boolean noStore) {
      this.key = key;
      this.authorized = authorized;
      this.storable = !noStore;
    }

    void head(HttpResponse response) {
      if (!storable || response.status().code() != 200) {
        storable = false;
        return;
      }
      HttpHeaders responseHeaders = response.headers();
      String cacheControl = responseHeaders.get(HttpHeaderNames.CACHE_CONTROL);
      if (cacheControl == null || responseHeaders.contains(HttpHeaderNames.SET_COOKIE)
          || responseHeaders.contains(HttpHeaderNames.VARY)) {
        storable = false;
        return;
      }
      CacheControl directives = CacheControl.parse(cacheControl);
      long lifetime = directives.sharedMaxAge >= 0 ? directives.sharedMaxAge : directives.maxAge;
      if (directives.noStore || directives.isPrivate || directives.noCache || lifetime <= 0
          || (authorized && !directives.isPublic && directives.sharedMaxAge < 0)) {
        storable = false;
        return;
      }
      long length = responseHeaders.getInt(HttpHeaderNames.CONTENT_LENGTH, -1);
      if (length > maxEntryBytes) {
        storable = false;
        return;
      }
      HttpHeaders copy = new DefaultHttpHeaders().set(responseHeaders);
      copy.remove(ErrorResponses.REQUEST_ID);
      copy.remove(HttpHeaderNames.CONNECTION);
      copy.remove(HttpHeaderNames.TRANSFER_ENCODING);
      copy.remove(HttpHeaderNames.CONTENT_LENGTH);
      copy.remove(HttpHeaderNames.AGE);
      this.headers = copy;
      this.etag = responseHeaders.get(HttpHeaderNames.ETAG);
      this.ttlNanos = lifetime * 1_000_000_000L;
      this.body = new ByteArrayOutputStream(length > 0 ? (int) length : 1024);
    }

    void content(HttpContent content) {
      ByteArrayOutputStream out = body;
      if (!storable || out == null) {
        return;
      }
      ByteBuf bytes = content.content();
      int readable = bytes.readableBytes();
      if (out.size() + readable > maxEntryBytes) {
        storable = false;
        body = null;
        return;
      }
      byte[] chunk = new byte[readable];
      bytes.getBytes(bytes.readerIndex(), chunk);
      out.write(chunk, 0, readable);
    }

    void complete(int status) {
      ByteArrayOutputStream out = body;
      HttpHeaders saved = headers;
      if (storable && status == 200 && out != null && saved != null) {
        entries.put(key, new Entry(saved, out.toByteArray(), etag, timeSource.nanoTime(), ttlNanos));
      }
    }
  }

  private record Entry(HttpHeaders headers, byte[] body, @Nullable String etag, long storedAtNanos,
      long ttlNanos) {}

  /** The directives of a {@code Cache-Control} header that matter here. */
  static final class CacheControl {
    boolean noStore;
    boolean noCache;
    boolean isPrivate;
    boolean isPublic;
    long maxAge = -1;
    long sharedMaxAge = -1;

    static CacheControl parse(String header) {
      CacheControl directives = new CacheControl();
      for (String part : header.split(",")) {
        String directive = part.trim().toLowerCase(Locale.ROOT);
        if (directive.equals("no-store")) {
          directives.noStore = true;
        } else if (directive.startsWith("no-cache")) {
          directives.noCache = true;
        } else if (directive.startsWith("private")) {
          directives.isPrivate = true;
        } else if (directive.equals("public")) {
          directives.isPublic = true;
        } else if (directive.startsWith("max-age=")) {
          directives.maxAge = seconds(directive.substring(8));
        } else if (directive.startsWith("s-maxage=")) {
          directives.sharedMaxAge = seconds(directive.substring(9));
        }
      }
      return directives;
    }

    private static long seconds(String value) {
      String digits = value.startsWith("\"") && value.endsWith("\"") && value.length() > 1
          ? value.substring(1, value.length() - 1) : value;
      try {
        return Math.min(Long.parseLong(digits), 365L * 24 * 3600);
      } catch (NumberFormatException e) {
        return -1;
      }
    }
  }

  /**
   * Builds a {@link ResponseCache}. Not thread-safe; a setting given twice throws {@link
   * IllegalStateException}.
   */
  public static final class Builder {

    private final BuilderSettings settings = new BuilderSettings();
    private long maxBytes = 64L * 1024 * 1024;
    private int maxEntryBytes = 1024 * 1024;
    private TimeSource timeSource = TimeSource.system();

    private Builder() {}

    /**
     * Sets the total size of the cached bodies (64 MiB by default).
     *
     * @param bytes at least 1
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder maxBytes(long bytes) {
      settings.requireUnset("maxBytes", maxBytes);
      this.maxBytes = Arguments.positive(bytes, "maxBytes");
      return this;
    }

    /**
     * Sets the largest body that is cached (1 MiB by default).
     *
     * @param bytes at least 1
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder maxEntryBytes(int bytes) {
      settings.requireUnset("maxEntryBytes", maxEntryBytes);
      this.maxEntryBytes = Arguments.positive(bytes, "maxEntryBytes");
      return this;
    }

    /**
     * Sets the clock of freshness (the system clock by default; tests use a {@code
     * ManualTimeSource}).
     *
     * @param timeSource the time source
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder timeSource(TimeSource timeSource) {
      settings.requireUnset("timeSource", this.timeSource);
      this.timeSource = Objects.requireNonNull(timeSource, "timeSource");
      return this;
    }

    /**
     * Builds the cache.
     *
     * @return the cache
     */
    public ResponseCache build() {
      return new ResponseCache(this);
    }
  }
}
