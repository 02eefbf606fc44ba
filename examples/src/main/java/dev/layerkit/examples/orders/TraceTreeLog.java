package dev.layerkit.examples.orders;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The example's span exporter without {@code --otlp}: collects the spans of each trace and, once
 * no span of it has ended for {@value #QUIET_SECONDS} s (the subscriber's span ends after the
 * request's), logs the trace as one tree ({@link #render}). At most {@value #MAX_TRACES} traces
 * are held; beyond that the oldest is logged as it is.
 *
 * <p>Thread-safe: spans arrive from any thread; one daemon thread logs.
 */
final class TraceTreeLog implements SpanExporter {

  private static final Logger LOG = LoggerFactory.getLogger(TraceTreeLog.class);
  static final int QUIET_SECONDS = 2;
  static final int MAX_TRACES = 1_000;

  private final Map<String, List<SpanData>> traces = new LinkedHashMap<>();
  private final Map<String, Long> lastEnded = new HashMap<>();
  private final ScheduledExecutorService flusher = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread thread = new Thread(r, "trace-log");
    thread.setDaemon(true);
    return thread;
  });

  TraceTreeLog() {
    flusher.scheduleWithFixedDelay(this::logQuietTraces, 1, 1, TimeUnit.SECONDS);
  }

  @Override
  public CompletableResultCode export(Collection<SpanData> spans) {
    List<List<SpanData>> overflow = new ArrayList<>();
    synchronized (this) {
      for (SpanData span : spans) {
        traces.computeIfAbsent(span.getTraceId(), id -> new ArrayList<>()).add(span);
        lastEnded.put(span.getTraceId(), System.nanoTime());
      }
      while (traces.size() > MAX_TRACES) {
        String oldest = traces.keySet().iterator().next();
        overflow.add(traces.remove(oldest));
        lastEnded.remove(oldest);
      }
    }
    overflow.forEach(TraceTreeLog::log);
    return CompletableResultCode.ofSuccess();
  }

  private void logQuietTraces() {
    long now = System.nanoTime();
    List<List<SpanData>> quiet = new ArrayList<>();
    synchronized (this) {
      for (var it = lastEnded.entrySet().iterator(); it.hasNext(); ) {
        var entry = it.next();
        if (now - entry.getValue() >= TimeUnit.SECONDS.toNanos(QUIET_SECONDS)) {
          quiet.add(traces.remove(entry.getKey()));
          it.remove();
        }
      }
    }
    quiet.forEach(TraceTreeLog::log);
  }

  private static void log(List<SpanData> trace) {
    if (LOG.isInfoEnabled()) {
      LOG.info("trace {}\n{}", trace.get(0).getTraceId(), render(trace));
    }
  }

  /**
   * Renders the spans of one trace as a tree: each span under its parent, in start order, with
   * its duration and low-cardinality tags; a span whose parent is not among them is a root.
   *
   * @param spans the spans of one trace
   * @return the tree, one span per line
   */
  static String render(Collection<SpanData> spans) {
    Map<String, SpanData> byId = new HashMap<>();
    for (SpanData span : spans) {
      byId.put(span.getSpanId(), span);
    }
    Map<String, List<SpanData>> children = new HashMap<>();
    List<SpanData> roots = new ArrayList<>();
    for (SpanData span : spans) {  // a copy: the caller's collection may be immutable
      if (byId.containsKey(span.getParentSpanId())) {
        children.computeIfAbsent(span.getParentSpanId(), id -> new ArrayList<>()).add(span);
      } else {
        roots.add(span);
      }
    }
    StringBuilder text = new StringBuilder();
    roots.sort(Comparator.comparingLong(SpanData::getStartEpochNanos));
    for (SpanData root : roots) {
      render(root, children, 0, text);
    }
    return text.toString();
  }

  private static void render(SpanData span, Map<String, List<SpanData>> children, int depth,
      StringBuilder text) {
    text.append("  ".repeat(depth)).append(depth == 0 ? "" : "└─ ").append(span.getName())
        .append(' ').append(span.getKind().name().toLowerCase(java.util.Locale.ROOT))
        .append(String.format(java.util.Locale.ROOT, " %.2f ms",
            (span.getEndEpochNanos() - span.getStartEpochNanos()) / 1e6));
    Map<String, String> tags = new java.util.TreeMap<>();
    span.getAttributes().forEach((key, value) -> tags.put(key.getKey(), String.valueOf(value)));
    if (!tags.isEmpty()) {
      text.append(' ').append(tags);
    }
    text.append('\n');
    List<SpanData> below = new ArrayList<>(children.getOrDefault(span.getSpanId(), List.of()));
    below.sort(Comparator.comparingLong(SpanData::getStartEpochNanos));
    for (SpanData child : below) {
      render(child, children, depth + 1, text);
    }
  }

  @Override
  public CompletableResultCode flush() {
    List<List<SpanData>> all;
    synchronized (this) {
      all = new ArrayList<>(traces.values());
      traces.clear();
      lastEnded.clear();
    }
    all.forEach(TraceTreeLog::log);
    return CompletableResultCode.ofSuccess();
  }

  @Override
  public CompletableResultCode shutdown() {
    flusher.shutdownNow();
    return flush();
  }
}
