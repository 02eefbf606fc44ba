package dev.layerkit.gateway.http;

import dev.layerkit.core.internal.DaemonSchedulers;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches a gateway's routes file and reloads the gateway when its content changes: polling on a
 * thread of its own, never an event loop. Polling rather than a {@code WatchService}: it works the
 * same on every file system (container volumes and network mounts often deliver no events, and a
 * ConfigMap update swaps a symlink), and a file of routes is small enough to read every interval.
 *
 * <p>A content seen before is not parsed again, so a file with errors is reported once, every
 * error with its line, until it changes; the gateway keeps its last good routes meanwhile. A
 * reload swaps the route table atomically ({@link Gateway#reload}), so connections stay open; the
 * load balancers of the replaced file are closed once requests already routed to them had the
 * gateway's shutdown timeout to finish.
 *
 * <p>Every check counts in {@code layerkit.gateway.routes.reloads} with {@code result} {@code
 * success} or {@code failure}; the last outcome is in the gateway's health details. Thread-safe:
 * checks run on the one watch thread; the status is an immutable record behind a volatile field.
 */
final class RoutesFileWatcher implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(RoutesFileWatcher.class);

  /** The outcome of the last reload, for health details. */
  record Status(boolean ok, @Nullable Instant at, List<String> errors) {}

  private final Gateway gateway;
  private final Path file;
  private final boolean yaml;
  private final List<Route> codeRoutes;
  private final Duration interval;
  private final Duration closeDelay;
  private final Counter successes;
  private final Counter failures;
  private final ScheduledExecutorService thread;
  private RoutesFile current;
  /** Replaced files whose balancers close after the delay (or when the watcher closes). */
  private final List<RoutesFile> retiring = new ArrayList<>();
  private String lastText;
  private volatile Status status = new Status(true, null, List.of());

  RoutesFileWatcher(Gateway gateway, Path file, String text, RoutesFile initial,
      List<Route> codeRoutes, Duration interval, Duration closeDelay, MeterRegistry registry) {
    this.gateway = gateway;
    this.file = file;
    this.yaml = isYaml(file);
    this.codeRoutes = List.copyOf(codeRoutes);
    this.interval = interval;
    this.closeDelay = closeDelay;
    this.current = initial;
    this.lastText = text;
    this.successes = Counter.builder("layerkit.gateway.routes.reloads")
        .description("Reloads of the watched routes file, by result").tag("result", "success")
        .register(registry);
    this.failures = Counter.builder("layerkit.gateway.routes.reloads")
        .description("Reloads of the watched routes file, by result").tag("result", "failure")
        .register(registry);
    this.thread = Executors.newSingleThreadScheduledExecutor(
        DaemonSchedulers.threadFactory("layerkit-gw-routes"));
  }

  static boolean isYaml(Path file) {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    return name.endsWith(".yaml") || name.endsWith(".yml");
  }

  /** Reads and parses the file the first time, before the gateway is built. */
  static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new GatewayConfigException(file.toString(), List.of("cannot read: " + e));
    }
  }

  void start() {
    long millis = interval.toMillis();
    thread.scheduleWithFixedDelay(this::checkSafely, millis, millis, TimeUnit.MILLISECONDS);
  }

  List<Route> codeRoutes() {
    return codeRoutes;
  }

  Status status() {
    return status;
  }

  Path file() {
    return file;
  }

  private void checkSafely() {
    try {
      check();
    } catch (RuntimeException e) {
      LOG.warn("checking routes file {} failed", file, e);
    }
  }

  /** One poll: reload if the content changed. Runs on the watch thread (or a test's). */
  synchronized void check() {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      rejected(List.of("the file is missing"), "missing");
      return;
    } catch (IOException e) {
      rejected(List.of("cannot read: " + e), "unreadable: " + e);
      return;
    }
    if (text.equals(lastText)) {
      return;
    }
    lastText = text;
    RoutesFile next;
    List<Route> all;
    try {
      next = RoutesFile.parse(text, yaml, file.toString());
      all = new ArrayList<>(codeRoutes);
      all.addAll(next.routes());
      gateway.reload(all);
    } catch (GatewayConfigException e) {
      rejected(e.problems(), null);
      return;
    } catch (IllegalArgumentException e) {
      rejected(List.of(e.getMessage()), null);
      return;
    }
    RoutesFile replaced = current;
    current = next;
    successes.increment();
    status = new Status(true, gateway.settings().timeSource.instant(), List.of());
    LOG.info("routes file {} reloaded: {} routes", file, next.routes().size());
    retiring.add(replaced);
    thread.schedule(() -> retire(replaced), closeDelay.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void rejected(List<String> errors, @Nullable String sameAsLast) {
    if (sameAsLast != null && sameAsLast.equals(lastText)) {
      return; // a missing or unreadable file is reported once until it changes
    }
    if (sameAsLast != null) {
      lastText = sameAsLast;
    }
    failures.increment();
    status = new Status(false, gateway.settings().timeSource.instant(), List.copyOf(errors));
    StringBuilder text = new StringBuilder();
    for (String error : errors) {
      text.append("\n  ").append(error);
    }
    LOG.error("routes file {} rejected, keeping the routes loaded before ({} {}):{}", file,
        errors.size(), errors.size() == 1 ? "error" : "errors", text);
  }

  private synchronized void retire(RoutesFile replaced) {
    if (retiring.remove(replaced)) {
      replaced.close();
    }
  }

  @Override
  public synchronized void close() {
    thread.shutdownNow();
    for (RoutesFile replaced : retiring) {
      replaced.close();
    }
    retiring.clear();
    current.close();
  }
}
