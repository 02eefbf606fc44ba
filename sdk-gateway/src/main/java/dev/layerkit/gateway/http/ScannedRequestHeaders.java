package dev.layerkit.gateway.http;

import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The headers of a request head that {@link RequestHeadScanner} read without decoding: a view of
 * the head's bytes and its line table, answering the reads a proxied request makes ({@code get},
 * {@code getAll}, {@code contains}, {@code containsValue}, {@code size}) by comparing bytes, and
 * turning into Netty's {@code DefaultHttpHeaders} (built as Netty's decoder builds it, one {@code
 * add} per line, validated) on the first call of anything else: a change, an iteration, a typed
 * read. Every answer is the one the decoded headers would give: names as sent, values without
 * their surrounding white space, first value for {@code get}, names compared ignoring ASCII case.
 *
 * <p>While it is {@linkplain #untouched() untouched}, the exchange may write the upstream head
 * from the bytes ({@link RequestHeadWriter}) instead of encoding the headers again.
 *
 * <p>Not thread-safe, as {@code DefaultHttpHeaders} is not: it belongs to one request, whose
 * filters run one at a time.
 */
final class ScannedRequestHeaders extends HttpHeaders {

  /** Ints per line in {@link #lines}: line start, name end, value start, value end, line end. */
  static final int LINE_FIELDS = 5;

  private final byte[] bytes;
  private final int[] lines;
  private final int lineCount;
  private @Nullable HttpHeaders decoded;

  ScannedRequestHeaders(byte[] bytes, int[] lines, int lineCount) {
    this.bytes = bytes;
    this.lines = lines;
    this.lineCount = lineCount;
  }

  /** Whether nothing made this view decode itself (so nothing can have changed it). */
  boolean untouched() {
    return decoded == null;
  }

  byte[] bytes() {
    return bytes;
  }

  int lineCount() {
    return lineCount;
  }

  int lineStart(int line) {
    return lines[line * LINE_FIELDS];
  }

  int nameEnd(int line) {
    return lines[line * LINE_FIELDS + 1];
  }

  int valueStart(int line) {
    return lines[line * LINE_FIELDS + 2];
  }

  /** The end of the value, trailing white space excluded. */
  int valueEnd(int line) {
    return lines[line * LINE_FIELDS + 3];
  }

  /** The end of the line, after its CRLF. */
  int lineEnd(int line) {
    return lines[line * LINE_FIELDS + 4];
  }

  /** Whether the line's name is {@code name}, compared ignoring ASCII case. */
  boolean nameIs(int line, CharSequence name) {
    int start = lineStart(line);
    int length = nameEnd(line) - start;
    if (length != name.length()) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      if (UpstreamResponseHead.lower(bytes[start + i])
          != UpstreamResponseHead.lower(name.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  /** The line's value as a string (ASCII: the scanner admits nothing else). */
  String value(int line) {
    int start = valueStart(line);
    return new String(bytes, start, valueEnd(line) - start, StandardCharsets.ISO_8859_1);
  }

  private String name(int line) {
    int start = lineStart(line);
    return new String(bytes, start, nameEnd(line) - start, StandardCharsets.ISO_8859_1);
  }

  /** The index of the first line named {@code name}, or -1. */
  int find(CharSequence name) {
    for (int line = 0; line < lineCount; line++) {
      if (nameIs(line, name)) {
        return line;
      }
    }
    return -1;
  }

  /** The decoded headers, built on first need as Netty's decoder would have built them. */
  private HttpHeaders decoded() {
    HttpHeaders headers = decoded;
    if (headers == null) {
      headers = DefaultHttpHeadersFactory.headersFactory().newHeaders();
      for (int line = 0; line < lineCount; line++) {
        headers.add(name(line), value(line));
      }
      decoded = headers;
    }
    return headers;
  }

  // --- reads answered from the bytes while untouched -------------------------------------------

  @Override
  public @Nullable String get(String name) {
    return get((CharSequence) name);
  }

  @Override
  public @Nullable String get(CharSequence name) {
    HttpHeaders headers = decoded;
    if (headers != null) {
      return headers.get(name);
    }
    int line = find(name);
    return line < 0 ? null : value(line);
  }

  @Override
  public List<String> getAll(String name) {
    return getAll((CharSequence) name);
  }

  @Override
  public List<String> getAll(CharSequence name) {
    HttpHeaders headers = decoded;
    if (headers != null) {
      return headers.getAll(name);
    }
    List<String> values = new ArrayList<>(2);
    for (int line = 0; line < lineCount; line++) {
      if (nameIs(line, name)) {
        values.add(value(line));
      }
    }
    return values;
  }

  @Override
  public boolean contains(String name) {
    return contains((CharSequence) name);
  }

  @Override
  public boolean contains(CharSequence name) {
    HttpHeaders headers = decoded;
    return headers != null ? headers.contains(name) : find(name) >= 0;
  }

  @Override
  public boolean contains(String name, String value, boolean ignoreCase) {
    return contains((CharSequence) name, value, ignoreCase);
  }

  @Override
  public boolean contains(CharSequence name, CharSequence value, boolean ignoreCase) {
    HttpHeaders headers = decoded;
    if (headers != null) {
      return headers.contains(name, value, ignoreCase);
    }
    for (int line = 0; line < lineCount; line++) {
      if (nameIs(line, name) && regionIs(valueStart(line), valueEnd(line), value, ignoreCase)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public boolean containsValue(CharSequence name, CharSequence value, boolean ignoreCase) {
    HttpHeaders headers = decoded;
    if (headers != null) {
      return headers.containsValue(name, value, ignoreCase);
    }
    for (int line = 0; line < lineCount; line++) {
      if (!nameIs(line, name)) {
        continue;
      }
      // As HttpHeaders#containsValue: each comma-separated element, trimmed.
      int from = valueStart(line);
      int end = valueEnd(line);
      while (from <= end) {
        int comma = from;
        while (comma < end && bytes[comma] != ',') {
          comma++;
        }
        int elementStart = from;
        int elementEnd = comma;
        while (elementStart < elementEnd && bytes[elementStart] <= ' ') {
          elementStart++;
        }
        while (elementEnd > elementStart && bytes[elementEnd - 1] <= ' ') {
          elementEnd--;
        }
        if (regionIs(elementStart, elementEnd, value, ignoreCase)) {
          return true;
        }
        from = comma + 1;
      }
    }
    return false;
  }

  private boolean regionIs(int from, int to, CharSequence value, boolean ignoreCase) {
    if (to - from != value.length()) {
      return false;
    }
    for (int i = 0; i < value.length(); i++) {
      int b = bytes[from + i] & 0xff;
      int c = value.charAt(i);
      if (b != c && (!ignoreCase
          || UpstreamResponseHead.lower(b) != UpstreamResponseHead.lower(c))) {
        return false;
      }
    }
    return true;
  }

  @Override
  public boolean isEmpty() {
    HttpHeaders headers = decoded;
    return headers != null ? headers.isEmpty() : lineCount == 0;
  }

  @Override
  public int size() {
    HttpHeaders headers = decoded;
    return headers != null ? headers.size() : lineCount;
  }

  // --- everything else: on the decoded headers ------------------------------------------------

  @Override
  public @Nullable Integer getInt(CharSequence name) {
    return decoded().getInt(name);
  }

  @Override
  public int getInt(CharSequence name, int defaultValue) {
    return decoded().getInt(name, defaultValue);
  }

  @Override
  public @Nullable Short getShort(CharSequence name) {
    return decoded().getShort(name);
  }

  @Override
  public short getShort(CharSequence name, short defaultValue) {
    return decoded().getShort(name, defaultValue);
  }

  @Override
  public @Nullable Long getTimeMillis(CharSequence name) {
    return decoded().getTimeMillis(name);
  }

  @Override
  public long getTimeMillis(CharSequence name, long defaultValue) {
    return decoded().getTimeMillis(name, defaultValue);
  }

  @Override
  public List<Map.Entry<String, String>> entries() {
    return decoded().entries();
  }

  @Override
  @SuppressWarnings("deprecation") // HttpHeaders declares it, deprecated: a view must still answer it
  public Iterator<Map.Entry<String, String>> iterator() {
    return decoded().iterator();
  }

  @Override
  public Iterator<Map.Entry<CharSequence, CharSequence>> iteratorCharSequence() {
    return decoded().iteratorCharSequence();
  }

  @Override
  public Iterator<String> valueStringIterator(CharSequence name) {
    return decoded().valueStringIterator(name);
  }

  @Override
  public Iterator<? extends CharSequence> valueCharSequenceIterator(CharSequence name) {
    return decoded().valueCharSequenceIterator(name);
  }

  @Override
  public Set<String> names() {
    return decoded().names();
  }

  @Override
  public HttpHeaders add(String name, Object value) {
    decoded().add(name, value);
    return this;
  }

  @Override
  public HttpHeaders add(CharSequence name, Object value) {
    decoded().add(name, value);
    return this;
  }

  @Override
  public HttpHeaders add(String name, Iterable<?> values) {
    decoded().add(name, values);
    return this;
  }

  @Override
  public HttpHeaders add(CharSequence name, Iterable<?> values) {
    decoded().add(name, values);
    return this;
  }

  @Override
  public HttpHeaders add(HttpHeaders headers) {
    decoded().add(headers);
    return this;
  }

  @Override
  public HttpHeaders addInt(CharSequence name, int value) {
    decoded().addInt(name, value);
    return this;
  }

  @Override
  public HttpHeaders addShort(CharSequence name, short value) {
    decoded().addShort(name, value);
    return this;
  }

  @Override
  public HttpHeaders set(String name, Object value) {
    decoded().set(name, value);
    return this;
  }

  @Override
  public HttpHeaders set(CharSequence name, Object value) {
    decoded().set(name, value);
    return this;
  }

  @Override
  public HttpHeaders set(String name, Iterable<?> values) {
    decoded().set(name, values);
    return this;
  }

  @Override
  public HttpHeaders set(CharSequence name, Iterable<?> values) {
    decoded().set(name, values);
    return this;
  }

  @Override
  public HttpHeaders set(HttpHeaders headers) {
    decoded().set(headers);
    return this;
  }

  @Override
  public HttpHeaders setAll(HttpHeaders headers) {
    decoded().setAll(headers);
    return this;
  }

  @Override
  public HttpHeaders setInt(CharSequence name, int value) {
    decoded().setInt(name, value);
    return this;
  }

  @Override
  public HttpHeaders setShort(CharSequence name, short value) {
    decoded().setShort(name, value);
    return this;
  }

  @Override
  public HttpHeaders remove(String name) {
    decoded().remove(name);
    return this;
  }

  @Override
  public HttpHeaders remove(CharSequence name) {
    decoded().remove(name);
    return this;
  }

  @Override
  public HttpHeaders clear() {
    decoded().clear();
    return this;
  }

  @Override
  public HttpHeaders copy() {
    return decoded().copy();
  }
}
