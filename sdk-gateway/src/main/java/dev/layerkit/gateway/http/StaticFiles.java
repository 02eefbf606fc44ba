package dev.layerkit.gateway.http;

import dev.layerkit.core.internal.DaemonSchedulers;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Static files for a {@link Route}, from a directory or the class path (for a web page served by
 * the gateway itself). Every file gets a strong {@code ETag} (a hash of its bytes); a request
 * whose {@code If-None-Match} names it is a 304 without a body, so browsers revalidate cheaply.
 *
 * <p>Files are held in memory once read (a directory's file is read again when its modification
 * time or size changes), so this is for a page's assets, not for large downloads. The gateway
 * reads files on a small pool of its own, never on an event loop: a class-path file already read
 * is answered at once, anything else (a first read, a directory's freshness check) waits for
 * the pool. Paths are
 * decoded and normalised; a path that climbs out of the root ({@code ..}), contains a NUL or a
 * backslash is a 404, as is a missing file. Only GET and HEAD are answered (405 otherwise).
 * Thread-safe.
 */
public final class StaticFiles {

  private static final Map<String, String> TYPES = Map.ofEntries(
      Map.entry("html", "text/html; charset=utf-8"),
      Map.entry("htm", "text/html; charset=utf-8"),
      Map.entry("css", "text/css; charset=utf-8"),
      Map.entry("js", "text/javascript; charset=utf-8"),
      Map.entry("mjs", "text/javascript; charset=utf-8"),
      Map.entry("json", "application/json"),
      Map.entry("txt", "text/plain; charset=utf-8"),
      Map.entry("svg", "image/svg+xml"),
      Map.entry("png", "image/png"),
      Map.entry("jpg", "image/jpeg"),
      Map.entry("jpeg", "image/jpeg"),
      Map.entry("gif", "image/gif"),
      Map.entry("ico", "image/x-icon"),
      Map.entry("webp", "image/webp"),
      Map.entry("woff2", "font/woff2"),
      Map.entry("map", "application/json"));

  private final @Nullable Path directory;
  private final @Nullable String classpathPrefix;
  private final ClassLoader classLoader;
  private final String indexFile;
  private final String cacheControl;
  private final ConcurrentMap<String, StaticFile> files = new ConcurrentHashMap<>();

  private StaticFiles(@Nullable Path directory, @Nullable String classpathPrefix,
      ClassLoader classLoader, String indexFile, String cacheControl) {
    this.directory = directory;
    this.classpathPrefix = classpathPrefix;
    this.classLoader = classLoader;
    this.indexFile = indexFile;
    this.cacheControl = cacheControl;
  }

  /**
   * Serves files under a directory.
   *
   * @param root the directory
   * @return the static files, with {@code index.html} for directory paths and {@code
   *     Cache-Control: no-cache} (always revalidate by ETag)
   * @throws IllegalArgumentException if {@code root} is not a directory
   */
  public static StaticFiles fromDirectory(Path root) {
    Objects.requireNonNull(root, "root");
    if (!Files.isDirectory(root)) {
      throw new IllegalArgumentException("static files root is not a directory: " + root);
    }
    return new StaticFiles(root.toAbsolutePath().normalize(), null,
        StaticFiles.class.getClassLoader(), "index.html", "no-cache");
  }

  /**
   * Serves class-path resources under a prefix, for example {@code "web"} for {@code
   * src/main/resources/web}.
   *
   * @param prefix the resource folder, without leading or trailing {@code /}
   * @param classLoader where to look
   * @return the static files
   */
  public static StaticFiles fromClasspath(String prefix, ClassLoader classLoader) {
    Objects.requireNonNull(prefix, "prefix");
    Objects.requireNonNull(classLoader, "classLoader");
    String clean = prefix.replaceAll("^/+|/+$", "");
    return new StaticFiles(null, clean, classLoader, "index.html", "no-cache");
  }

  /**
   * Returns a copy with another {@code Cache-Control} value (for example {@code public,
   * max-age=3600} for fingerprinted assets).
   *
   * @param value the header value
   * @return the copy
   */
  public StaticFiles withCacheControl(String value) {
    return new StaticFiles(directory, classpathPrefix, classLoader, indexFile,
        Objects.requireNonNull(value, "value"));
  }

  /**
   * Returns the answer if it needs no file read: a 405, or a class-path file read before (class-path
   * files never change). Null means {@link #respondLater} must read the file first. Runs on the
   * event loop, does no I/O.
   */
  @Nullable FullHttpResponse respondNow(HttpRequest request, String path, String requestId, boolean close) {
    HttpMethod method = request.method();
    if (method != HttpMethod.GET && method != HttpMethod.HEAD) {
      return respond(method, null, path, requestId, close);
    }
    if (directory == null) {
      String relative = relativePath(path);
      if (relative != null && files.containsKey(relative)) {
        return respond(method, request.headers().get(HttpHeaderNames.IF_NONE_MATCH), path, requestId, close);
      }
    }
    return null;
  }

  /**
   * Reads the file on the gateway's file-read pool and answers from there; what the request
   * needs is copied first, so the pool never touches the request. A pool whose queue is full
   * answers 503 at once.
   */
  CompletableFuture<FullHttpResponse> respondLater(HttpRequest request, String path, String requestId,
      boolean close) {
    HttpMethod method = request.method();
    @Nullable String ifNoneMatch = request.headers().get(HttpHeaderNames.IF_NONE_MATCH);
    try {
      return CompletableFuture.supplyAsync(() -> respond(method, ifNoneMatch, path, requestId, close),
          FileReads.POOL);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.completedFuture(ErrorResponses.json(ByteBufAllocator.DEFAULT, 503,
          "too many static file reads queued", requestId, close));
    }
  }

  private FullHttpResponse respond(HttpMethod method, @Nullable String ifNoneMatch, String path,
      String requestId, boolean close) {
    if (method != HttpMethod.GET && method != HttpMethod.HEAD) {
      FullHttpResponse response = ErrorResponses.json(ByteBufAllocator.DEFAULT, 405,
          "static files answer GET and HEAD only", requestId, close);
      response.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
      return response;
    }
    StaticFile file;
    try {
      file = find(path);
    } catch (UncheckedIOException e) {
      return ErrorResponses.json(ByteBufAllocator.DEFAULT, 500, "cannot read static file",
          requestId, close);
    }
    if (file == null) {
      return ErrorResponses.json(ByteBufAllocator.DEFAULT, 404, "no file " + path, requestId, close);
    }
    boolean notModified = ifNoneMatch != null && ETags.matches(ifNoneMatch, file.etag);
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
        notModified ? HttpResponseStatus.NOT_MODIFIED : HttpResponseStatus.OK,
        notModified || method == HttpMethod.HEAD ? Unpooled.EMPTY_BUFFER
            : Unpooled.wrappedBuffer(file.content));
    response.headers()
        .set(HttpHeaderNames.ETAG, file.etag)
        .set(HttpHeaderNames.CACHE_CONTROL, cacheControl)
        .set(ErrorResponses.REQUEST_ID, requestId);
    if (!notModified) {
      response.headers().set(HttpHeaderNames.CONTENT_TYPE, file.contentType)
          .setInt(HttpHeaderNames.CONTENT_LENGTH, file.content.length);
    }
    if (close) {
      response.headers().set(HttpHeaderNames.CONNECTION, "close");
    }
    return response;
  }

  /** Returns the file for a request path, or null if there is none or the path is unsafe. */
  @Nullable StaticFile find(String requestPath) {
    String relative = relativePath(requestPath);
    if (relative == null) {
      return null;
    }
    return directory != null ? fromDirectory(directory, relative) : fromClasspath(relative);
  }

  /** Returns the decoded path below the root, the index file for a directory; null if unsafe. */
  private @Nullable String relativePath(String requestPath) {
    String decoded;
    try {
      decoded = URLDecoder.decode(requestPath.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return null;
    }
    if (decoded.indexOf('\0') >= 0 || decoded.indexOf('\\') >= 0) {
      return null;
    }
    String relative = decoded.startsWith("/") ? decoded.substring(1) : decoded;
    if (relative.isEmpty() || relative.endsWith("/")) {
      relative = relative + indexFile;
    }
    for (String segment : relative.split("/")) {
      if (segment.equals("..") || segment.equals(".")) {
        return null;
      }
    }
    return relative;
  }

  private @Nullable StaticFile fromDirectory(Path root, String relative) {
    Path file = root.resolve(relative).normalize();
    if (!file.startsWith(root)) {
      return null;
    }
    if (Files.isDirectory(file)) {
      file = file.resolve(indexFile);
    }
    if (!Files.isRegularFile(file)) {
      return null;
    }
    try {
      long modified = Files.getLastModifiedTime(file).toMillis();
      long size = Files.size(file);
      StaticFile cached = files.get(relative);
      if (cached != null && cached.modified == modified && cached.content.length == size) {
        return cached;
      }
      StaticFile loaded = StaticFile.of(Files.readAllBytes(file), file.getFileName().toString(),
          modified);
      files.put(relative, loaded);
      return loaded;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private @Nullable StaticFile fromClasspath(String relative) {
    StaticFile cached = files.get(relative);
    if (cached != null) {
      return cached;
    }
    String resource = classpathPrefix == null || classpathPrefix.isEmpty() ? relative
        : classpathPrefix + "/" + relative;
    try (InputStream in = classLoader.getResourceAsStream(resource)) {
      if (in == null) {
        return null;
      }
      String name = relative.substring(relative.lastIndexOf('/') + 1);
      StaticFile loaded = StaticFile.of(in.readAllBytes(), name, 0L);
      files.put(relative, loaded);
      return loaded;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public String toString() {
    return "StaticFiles[" + (directory != null ? directory : "classpath:" + classpathPrefix) + "]";
  }

  /**
   * Where files are read: off the event loops, which must not wait for a disk. Two daemon threads
   * shared by every route (plain threads, see {@link DaemonSchedulers#threadFactory}), idle ones
   * ending after 30 s, and a bounded queue: beyond it a read is refused with a 503 rather than
   * queued without limit. Created at the first read.
   */
  private static final class FileReads {
    static final ThreadPoolExecutor POOL = create();

    private static ThreadPoolExecutor create() {
      ThreadPoolExecutor pool = new ThreadPoolExecutor(2, 2, 30, TimeUnit.SECONDS,
          new ArrayBlockingQueue<>(1024), DaemonSchedulers.threadFactory("layerkit-gw-files"));
      pool.allowCoreThreadTimeOut(true);
      return pool;
    }
  }

  /** A file's bytes, type and entity tag. */
  static final class StaticFile {
    final byte[] content;
    final String contentType;
    final String etag;
    final long modified;

    private StaticFile(byte[] content, String contentType, String etag, long modified) {
      this.content = content;
      this.contentType = contentType;
      this.etag = etag;
      this.modified = modified;
    }

    static StaticFile of(byte[] content, String name, long modified) {
      int dot = name.lastIndexOf('.');
      String extension = dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
      return new StaticFile(content, TYPES.getOrDefault(extension, "application/octet-stream"),
          ETags.strong(content), modified);
    }
  }

  /** Entity tags. */
  static final class ETags {
    private ETags() {}

    static String strong(byte[] content) {
      try {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(content);
        return "\"" + HexFormat.of().formatHex(digest, 0, 16) + "\"";
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("SHA-256 is missing from this JVM", e);
      }
    }

    /** Weak comparison of RFC 9110 section 13.1.2: {@code W/} prefixes are ignored. */
    static boolean matches(String ifNoneMatch, String etag) {
      String tag = etag.startsWith("W/") ? etag.substring(2) : etag;
      for (String candidate : ifNoneMatch.split(",")) {
        String trimmed = candidate.trim();
        if (trimmed.equals("*")) {
          return true;
        }
        if (trimmed.startsWith("W/")) {
          trimmed = trimmed.substring(2);
        }
        if (trimmed.equals(tag)) {
          return true;
        }
      }
      return false;
    }
  }
}
