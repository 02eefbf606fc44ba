package dev.layerkit.gateway.http;

import dev.layerkit.core.internal.DaemonSchedulers;
import dev.layerkit.core.time.TimeSource;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches a gateway's certificate, key and client CA files and swaps the TLS context when their
 * content changes: polling on a thread of its own, never an event loop, for the reasons {@link
 * RoutesFileWatcher} gives (container volumes and network mounts often deliver no file events; a
 * Kubernetes secret update swaps a symlink).
 *
 * <p>A check reads every file and compares a digest of their content with the last one seen; a
 * content seen before is not loaded again, so a bad file is reported once (a WARN naming the
 * file), until it changes. A key that does not belong to the certificate is what a check sees
 * when it falls between the replacement of the two files, so that one problem is reported only
 * if the next check still sees the same files. The gateway keeps the last good context meanwhile. Each load counts in
 * {@code layerkit.gateway.tls.reloads} with {@code result} {@code success} or {@code failure}; the
 * last outcome is in the gateway's health details.
 *
 * <p>Thread-safe: checks run on the one watch thread (or a test's, through the synchronized
 * {@link #check}); the status is an immutable record behind a volatile field.
 */
final class TlsFileWatcher implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(TlsFileWatcher.class);

  /** The outcome of the last reload, for health details. */
  record Status(boolean ok, @Nullable Instant at, List<String> errors) {}

  private final TlsTermination tls;
  private final TimeSource time;
  private final ScheduledExecutorService thread;
  /** The digest of the files last loaded or rejected, or the read errors last reported. */
  private String lastSeen;
  /** The digest of files whose only problem was a key-certificate mismatch, not yet reported. */
  private String mismatchSeen = "";
  private volatile Status status = new Status(true, null, List.of());

  TlsFileWatcher(TlsTermination tls, byte[] initialFingerprint, TimeSource time) {
    this.tls = tls;
    this.time = time;
    this.lastSeen = HexFormat.of().formatHex(initialFingerprint);
    // Plain threads: Netty's FastThreadLocalThreads count as event loops, which must not block.
    this.thread = Executors.newSingleThreadScheduledExecutor(
        DaemonSchedulers.threadFactory("layerkit-gw-tls"));
  }

  void start() {
    long millis = tls.settings().reloadInterval().toMillis();
    thread.scheduleWithFixedDelay(this::checkSafely, millis, millis, TimeUnit.MILLISECONDS);
  }

  Status status() {
    return status;
  }

  private void checkSafely() {
    try {
      check();
    } catch (RuntimeException e) {
      LOG.warn("checking the TLS files {} and {} failed", tls.settings().certificateChain(),
          tls.settings().privateKey(), e);
    }
  }

  /**
   * One poll: loads the files if their content changed since the last poll.
   *
   * @return true if a new context was swapped in
   */
  synchronized boolean check() {
    TlsContextLoader.FileContents files;
    try {
      files = TlsContextLoader.read(tls.settings());
    } catch (GatewayConfigException e) {
      String seen = String.join("\n", e.problems());
      if (!seen.equals(lastSeen)) {
        lastSeen = seen;
        rejected(e.problems());
      }
      return false;
    }
    byte[] fingerprint = files.fingerprint();
    String seen = HexFormat.of().formatHex(fingerprint);
    if (seen.equals(lastSeen)) {
      return false;
    }
    TlsContextLoader.Outcome outcome =
        TlsContextLoader.tryLoad(tls.settings(), files, tls.provider(), tls.alpn());
    if (outcome instanceof TlsContextLoader.Problems wrong) {
      if (wrong.pairMismatch() && !seen.equals(mismatchSeen)) {
        mismatchSeen = seen; // perhaps the other file is on its way: look again next time
        LOG.debug("TLS files mismatch, checking again: {}", wrong.problems());
        return false;
      }
      lastSeen = seen;
      rejected(wrong.problems());
      return false;
    }
    lastSeen = seen;
    TlsContextLoader.Loaded loaded = (TlsContextLoader.Loaded) outcome;
    tls.replace(loaded);
    tls.metrics().reloaded();
    status = new Status(true, time.instant(), List.of());
    LOG.info("TLS files reloaded, new connections get {}",
        TlsTermination.describe(loaded.certificate()));
    return true;
  }

  private void rejected(List<String> errors) {
    tls.metrics().rejected();
    status = new Status(false, time.instant(), List.copyOf(errors));
    LOG.warn("TLS files rejected, still serving {}: {}",
        TlsTermination.describe(tls.current().certificate()), String.join("; ", errors));
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }
}
